#!/usr/bin/env bash
# engine-up.sh: start a container engine on this machine that serves the Docker Engine API, for
# `docker-compose`, the dockerode runtime (`sim up --runtime docker`) and the container tests.
#
# What it does (idempotent; a second run reuses what the first one made):
#   1. installs the Debian packages that are missing: podman (with conmon and containers-common),
#      runc, netavark + aardvark-dns (the container network stack and its DNS, so containers on one
#      user-defined network resolve each other by name), iptables (netavark runs iptables and
#      ip6tables to set up every network's NAT and port forwarding: without it the first RUN of an
#      image build fails with "netavark: No such file or directory"), docker-compose (Debian's
#      1.29), busybox-static (the shell of the local base image, see base-image.sh) and curl;
#      `apt-get update` only when something is missing; sudo only when not root. What these run,
#      as root (rootless needs uidmap and slirp4netns too): podman -> conmon -> runc; buildah's RUN
#      and every container network -> netavark -> iptables/ip6tables, aardvark-dns;
#   2. writes $DIR/containers.conf (runc instead of crun, no default ulimits: both fail in this
#      sandbox);
#   3. starts `podman system service --time=0 unix://$DIR/podman.sock` in the background (pid file
#      $DIR/podman.pid, log $DIR/podman.log) unless a service already answers on that socket, and
#      waits (at most NIR_SIM_ENGINE_WAIT_S, default 30 s) until `GET /_ping` answers OK;
#   4. starts scripts/containers/health-pump.sh in the background (pid file $DIR/health-pump.pid,
#      log $DIR/health-pump.log) unless it already runs: podman runs HEALTHCHECKs from systemd
#      timers and there is no systemd here, so without it health stays "starting" for ever.
#      NIR_SIM_HEALTH_PUMP=0 turns it off.
#
# Needs: Debian (apt-get), root or sudo, curl. $DIR is ${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}.
# Prints on stdout only the two lines to eval, everything else goes to stderr:
#   eval "$(scripts/containers/engine-up.sh)"
#   export CONTAINERS_CONF=/tmp/nir-sim-engine/containers.conf
#   export DOCKER_HOST=unix:///tmp/nir-sim-engine/podman.sock
# Stop the service with scripts/containers/engine-down.sh.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
WAIT_S="${NIR_SIM_ENGINE_WAIT_S:-30}"
SOCK="$DIR/podman.sock"
CONF="$DIR/containers.conf"
PIDFILE="$DIR/podman.pid"
LOG="$DIR/podman.log"

log() { echo "engine-up: $*" >&2; }
# runs PIDFILE PATTERN: the pid in PIDFILE is alive and its command line contains PATTERN.
runs() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null && tr '\0' ' ' <"/proc/$(cat "$1")/cmdline" | grep -qF -- "$2"; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# ---- 1. packages -------------------------------------------------------------------------------
# Installed or not as dpkg says (netavark and aardvark-dns have no command on PATH).
need=()
for pkg in podman runc netavark aardvark-dns iptables docker-compose busybox-static; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  start=$(date +%s)
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >&2
  log "installed in $(($(date +%s) - start)) s"
fi

# ---- 2. containers.conf ------------------------------------------------------------------------
mkdir -p "$DIR"
conf_text='# Written by nir-sim scripts/containers/engine-up.sh.
# crun and the default ulimits fail in this sandbox; runc and no default ulimits work.
[containers]
default_ulimits = []

[engine]
runtime = "runc"

[network]
network_backend = "netavark"
'
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$(printf '%s' "$conf_text")" ]; then
  printf '%s' "$conf_text" >"$CONF"
fi
export CONTAINERS_CONF="$CONF"

# ---- 3. the API service ------------------------------------------------------------------------
ping_ok() { [ -S "$SOCK" ] && [ "$(curl -sS --max-time 2 --unix-socket "$SOCK" http://d/_ping 2>/dev/null)" = "OK" ]; }

if ping_ok; then
  log "podman API already answers on $SOCK"
else
  if runs "$PIDFILE" "podman system service"; then
    log "podman service $(cat "$PIDFILE") is running but not answering yet"
  else
    rm -f "$SOCK" "$PIDFILE"
    log "starting podman system service on $SOCK (log $LOG)"
    # setsid: the service outlives this script and the shell that ran it.
    setsid podman system service --time=0 "unix://$SOCK" >>"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
  fi
  deadline=$(($(date +%s) + WAIT_S))
  until ping_ok; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "the podman API did not answer on $SOCK within $WAIT_S s; last lines of $LOG:"
      tail -n 20 "$LOG" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
  log "podman API answers on $SOCK"
fi

# ---- 4. healthchecks ---------------------------------------------------------------------------
# podman runs healthchecks from systemd timers and this machine has no systemd: without this loop a
# container's health stays "starting" (see health-pump.sh). It stops by itself with the API.
PUMP_PIDFILE="$DIR/health-pump.pid"
if [ "${NIR_SIM_HEALTH_PUMP:-1}" != "0" ]; then
  if runs "$PUMP_PIDFILE" "health-pump.sh"; then
    log "health pump $(cat "$PUMP_PIDFILE") already runs"
  else
    setsid "$HERE/health-pump.sh" --while-socket "$SOCK" >>"$DIR/health-pump.log" 2>&1 </dev/null &
    echo $! >"$PUMP_PIDFILE"
    log "health pump started (pid $(cat "$PUMP_PIDFILE"), log $DIR/health-pump.log)"
  fi
fi

echo "export CONTAINERS_CONF=$CONF"
echo "export DOCKER_HOST=unix://$SOCK"
