#!/usr/bin/env bash
# engine-down.sh: stop what scripts/containers/engine-up.sh started, and nothing else: its health
# pump and its `podman system service` on $DIR/podman.sock (each by the pid in its pid file, after
# checking that the pid still runs that command). Containers, networks and images stay (remove them
# with `docker-compose down`, `sim down --runtime docker` or podman); containers already running
# keep running without the API.
#
# Needs: nothing beyond engine-up.sh. $DIR is ${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}.
# Prints one line per process it stopped, on stderr; nothing on stdout.
set -euo pipefail

DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
log() { echo "engine-down: $*" >&2; }

# stop PIDFILE PATTERN: TERM the pid when its command line contains PATTERN, wait up to 10 s, then KILL.
stop() {
  local pidfile="$1" pattern="$2" pid waited=0
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"; then
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do
      sleep 0.2
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $pattern (pid $pid)"
  else
    log "no $pattern running for $pidfile"
  fi
  rm -f "$pidfile"
}

[ -f "$DIR/health-pump.pid" ] || [ -f "$DIR/podman.pid" ] || log "nothing started by engine-up.sh runs in $DIR"
stop "$DIR/health-pump.pid" "health-pump.sh"
stop "$DIR/podman.pid" "podman system service --time=0 unix://$DIR/podman.sock"
rm -f "$DIR/podman.sock"
