#!/usr/bin/env bash
# health-pump.sh [--while-pid PID] [--while-socket SOCK] [--for SECONDS] [--start-interval SECONDS]:
# run the HEALTHCHECKs of the running containers, as Docker's daemon would, on an engine that never
# runs them itself.
#
# Why: podman 4.3 schedules healthchecks with systemd timers; this machine has no systemd, so a
# container's health stays "starting" for ever (podman.log: "unable to get systemd connection to
# add healthchecks") and `depends_on: {condition: service_healthy}` never starts the dependants.
# `podman healthcheck run` runs one check and updates the state the Docker API reports (starting,
# healthy, unhealthy, FailingStreak, Log), with Docker's rules for retries and start_period.
#
# What it does: once a second, lists the running containers that have a healthcheck and runs the
# check of each one that is due: every Interval (default 30 s), or every --start-interval (default
# 1 s) while the container is still "starting" inside its start_period (Docker 25's
# start_interval). The first check of a container is one interval after its start, as in Docker.
# At most one check per container at a time; `disable: true` (Test NONE) is skipped. Logs health
# changes to stderr.
# Bounded: stops when process PID is gone (--while-pid), when the API on SOCK stops answering
# /_ping three times in a row (--while-socket; engine-up.sh passes its socket), or after --for
# SECONDS; with none of them it stops after 3600 s.
#
# Needs: podman (same user and storage as the API service), curl for --while-socket,
# CONTAINERS_CONF as engine-up.sh prints (read from $NIR_SIM_ENGINE_DIR when unset).
# Started in the background by scripts/containers/engine-up.sh (pid file $DIR/health-pump.pid, log
# $DIR/health-pump.log) and stopped by engine-down.sh; run it by hand only when engine-up.sh's was
# turned off (NIR_SIM_HEALTH_PUMP=0). Prints nothing on stdout.
set -euo pipefail

WHILE_PID=""
WHILE_SOCK=""
FOR_S=""
START_INTERVAL_S=1
while [ $# -gt 0 ]; do
  case "$1" in
    --while-pid) WHILE_PID="$2"; shift 2 ;;
    --while-socket) WHILE_SOCK="$2"; shift 2 ;;
    --for) FOR_S="$2"; shift 2 ;;
    --start-interval) START_INTERVAL_S="$2"; shift 2 ;;
    *)
      echo "health-pump: unknown argument '$1' (--while-pid PID, --while-socket SOCK, --for S, --start-interval S)" >&2
      exit 2
      ;;
  esac
done
[ -n "$WHILE_PID" ] || [ -n "$WHILE_SOCK" ] || [ -n "$FOR_S" ] || FOR_S=3600
DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
[ -z "${CONTAINERS_CONF:-}" ] && [ -f "$DIR/containers.conf" ] && export CONTAINERS_CONF="$DIR/containers.conf"

log() { echo "health-pump $(date -u +%H:%M:%S): $*" >&2; }
declare -A last_run=() check_pid=() last_status=() seen=()
end=$(($(date +%s) + ${FOR_S:-0}))
ping_failures=0
tick=0
log "running healthchecks${WHILE_PID:+ while pid $WHILE_PID runs}${WHILE_SOCK:+ while $WHILE_SOCK answers}${FOR_S:+ for at most $FOR_S s}"

# One line per running container with a healthcheck:
#   id name status startedAt(s) interval(s) startPeriod(s) firstWordOfTest
list_checked() {
  local ids
  ids="$(podman ps -q --no-trunc --filter status=running 2>/dev/null)" || return 0
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086 # one argument per id
  podman inspect --format '{{if .Config.Healthcheck}}{{.Id}} {{.Name}} {{.State.Health.Status}} {{.State.StartedAt.Unix}} {{printf "%.0f" .Config.Healthcheck.Interval.Seconds}} {{printf "%.0f" .Config.Healthcheck.StartPeriod.Seconds}} {{index .Config.Healthcheck.Test 0}}{{end}}' \
    $ids 2>/dev/null | grep -v '^$' || true
}

while :; do
  if [ -n "$WHILE_PID" ] && ! kill -0 "$WHILE_PID" 2>/dev/null; then
    log "pid $WHILE_PID is gone: stopping"
    break
  fi
  if [ -n "$FOR_S" ] && [ "$(date +%s)" -ge "$end" ]; then
    log "ran for $FOR_S s: stopping"
    break
  fi
  tick=$((tick + 1))
  if [ -n "$WHILE_SOCK" ] && [ $((tick % 5)) -eq 1 ]; then
    if [ "$(curl -sS --max-time 2 --unix-socket "$WHILE_SOCK" http://d/_ping 2>/dev/null)" = "OK" ]; then
      ping_failures=0
    else
      ping_failures=$((ping_failures + 1))
      if [ "$ping_failures" -ge 3 ]; then
        log "$WHILE_SOCK no longer answers: stopping"
        break
      fi
    fi
  fi
  now=$(date +%s)
  seen=()
  while read -r id name status started interval start_period test0; do
    if [ -z "$id" ] || [ "$test0" = "NONE" ]; then continue; fi
    seen[$id]=1
    if [ "${last_status[$id]:-}" != "$status" ]; then
      log "$name: ${last_status[$id]:-new} -> $status"
      last_status[$id]="$status"
    fi
    pid="${check_pid[$id]:-}"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
    [ "$interval" -gt 0 ] 2>/dev/null || interval=30
    every=$interval
    if [ "$status" = "starting" ] && [ $((now - started)) -lt "$start_period" ] && [ "$START_INTERVAL_S" -lt "$every" ]; then
      every=$START_INTERVAL_S
    fi
    if [ $((now - ${last_run[$id]:-$started})) -ge "$every" ]; then
      last_run[$id]=$now
      podman healthcheck run "$id" >/dev/null 2>&1 &
      check_pid[$id]=$!
    fi
  done < <(list_checked)
  # Forget the containers that are gone.
  for id in "${!last_status[@]}"; do
    if [ -z "${seen[$id]:-}" ]; then unset "last_status[$id]" "last_run[$id]" "check_pid[$id]"; fi
  done
  sleep 1
done
wait
