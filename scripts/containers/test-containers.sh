#!/usr/bin/env bash
# test-containers.sh: `npm run test:containers` (docs/containers.md). Proves the container stack on a real
# engine: (a) docker-compose up of a rendered compose file, (b) `sim up --runtime docker`; in each a
# scenario with one community timing out (PartialSuccess), a retrieve across two containers, then
# down (test/e2e/containers/, vitest.containers.config.ts); (c) the manifests of `sim k8s render` played
# with `podman kube play` (test/e2e/k8s/kube-play.test.ts; NIR_SIM_IMAGE names the image, default
# nir-sim:local), the same checks across pods. `test-containers.sh test/e2e/k8s` runs only (c).
#
# Engine: DOCKER_HOST (or /var/run/docker.sock) when it answers /_ping, with the image built by
# `docker build` from the repository (a registry must be reachable); otherwise (CI here: no Docker,
# no registry) podman serving the Docker API, started by engine-up.sh, and the image built from
# dependencies installed on the host by build-image.sh. An engine-up.sh engine that already answers
# is reused and left running; one this script started is stopped again at the end; images stay (a
# second run reuses them).
# Compose: NIR_SIM_COMPOSE when set, else Debian's docker-compose, else `docker compose` (v2).
# Prints the vitest report; exits with its status.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/containers

ping_engine() {
  local host="${DOCKER_HOST:-unix:///var/run/docker.sock}"
  case "$host" in
    unix://*) curl -fsS --max-time 3 --unix-socket "${host#unix://}" http://d/_ping >/dev/null 2>&1 ;;
    tcp://*) curl -fsS --max-time 3 "http://${host#tcp://}/_ping" >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

STARTED=0
ENGINE_DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
if [ -z "${DOCKER_HOST:-}" ] && [ -S "$ENGINE_DIR/podman.sock" ] \
  && DOCKER_HOST="unix://$ENGINE_DIR/podman.sock" ping_engine; then
  # engine-up.sh's podman, started earlier by someone else: use it, and leave it running after
  export DOCKER_HOST="unix://$ENGINE_DIR/podman.sock" CONTAINERS_CONF="$ENGINE_DIR/containers.conf"
fi
if ping_engine; then
  echo "test-containers: using the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock}" >&2
  # engine-up.sh's podman has no registry: build from the host's dependencies (NIR_SIM_IMAGE_BUILD=host forces it)
  if [ "${NIR_SIM_IMAGE_BUILD:-}" = host ] || [ "${DOCKER_HOST:-}" = "unix://$ENGINE_DIR/podman.sock" ]; then
    "$HERE/build-image.sh" >&2
  else
    docker build -f compose/Dockerfile -t nir-sim:local . >&2
  fi
else
  echo "test-containers: no engine answers; starting podman (scripts/containers/engine-up.sh)" >&2
  eval "$("$HERE/engine-up.sh")"
  STARTED=1
  "$HERE/build-image.sh" >&2
fi
if [ "$STARTED" = 1 ]; then trap '"$HERE/engine-down.sh" >&2 || true' EXIT; fi

if [ -z "${NIR_SIM_COMPOSE:-}" ]; then
  if command -v docker-compose >/dev/null; then NIR_SIM_COMPOSE=docker-compose
  elif docker compose version >/dev/null 2>&1; then NIR_SIM_COMPOSE="docker compose"
  else echo "test-containers: neither docker-compose nor docker compose is installed" >&2; exit 1
  fi
fi
export NIR_SIM_COMPOSE DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
npx vitest run --config vitest.containers.config.ts "$@"
