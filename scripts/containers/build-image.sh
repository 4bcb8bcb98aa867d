#!/usr/bin/env bash
# build-image.sh [--tag nir-sim:local]: build the project image from compose/Dockerfile on a machine
# whose containers cannot reach the npm registry or any image registry (the CI path).
#
# What it does (idempotent; a second run reuses the staged context, its node_modules and the
# engine's layer cache):
#   1. stages a build context in $DIR/context: the files the Dockerfile COPYs (from `git ls-files
#      --cached --others --exclude-standard`, so uncommitted and new files count; outside git, a
#      copy without node_modules), with its own .dockerignore that keeps node_modules;
#   2. runs `npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts` there ON THE
#      HOST (from the npm cache), only when package.json/package-lock.json changed since the last
#      install, and stages dist/, the compiled JavaScript the containers run, after bringing it up to
#      date with `node scripts/build.mjs --if-stale` (the image's build stage then skips tsc);
#   3. makes the local base image with base-image.sh when docker.io/library/node:24-bookworm-slim is
#      missing;
#   4. `podman build --pull=never --format docker` of compose/Dockerfile in that context. podman
#      rather than `docker build` through DOCKER_HOST: it reads the context from disk (no tar of
#      node_modules through the socket), needs no BuildKit/buildx (Docker's CLI 28 asks for it), and
#      `--format docker` keeps the HEALTHCHECK (the OCI format drops it). The image lands in the same
#      storage the API service serves, so docker-compose and dockerode see it.
#
# Needs: scripts/containers/engine-up.sh run first (podman; CONTAINERS_CONF is read from $DIR when
# unset), node and npm on the host, tar, sha256sum. $DIR is ${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}.
# Prints on stdout the image id; progress and timings go to stderr.
set -euo pipefail

TAG="nir-sim:local"
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="${2:?--tag needs a value, e.g. --tag nir-sim:local}"; shift 2 ;;
    --tag=*) TAG="${1#--tag=}"; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "build-image: unknown argument '$1' (only --tag NAME)" >&2; exit 2 ;;
  esac
done

HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
STAGE="$DIR/context"
BASE="${NIR_SIM_BASE_IMAGE:-docker.io/library/node:24-bookworm-slim}"
[ -z "${CONTAINERS_CONF:-}" ] && [ -f "$DIR/containers.conf" ] && export CONTAINERS_CONF="$DIR/containers.conf"

log() { echo "build-image: $*" >&2; }
t0=$(date +%s%N)
lap() { echo "$((($(date +%s%N) - t0) / 1000000)) ms"; }
command -v podman >/dev/null || { log "podman is missing: run scripts/containers/engine-up.sh first"; exit 1; }
[ -f "$REPO/compose/Dockerfile" ] || { log "$REPO/compose/Dockerfile is missing"; exit 1; }

# ---- 1. stage the context ----------------------------------------------------------------------
# Everything but node_modules and the install stamp is replaced, so deleted files disappear.
mkdir -p "$STAGE"
find "$STAGE" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .deps-stamp -exec rm -rf {} +
# Only what the image takes from the context: the sources of the Dockerfile's `COPY src... dest`
# lines without --from (the context stage's `COPY . /ctx` aside), so an edit under test/ or bench/
# does not make a new image.
mapfile -t wanted < <(awk '/^COPY / && !/--from/ { for (i = 2; i < NF; i++) print $i }' "$REPO/compose/Dockerfile" |
  grep -v -x -e '\.' | sort -u)
# The build stage's inputs (it takes them from the context stage): dist/ is staged below.
wanted+=(simulator tsconfig.json tsconfig.build.json)
[ "${#wanted[@]}" -gt 0 ] || { log "found no COPY sources in $REPO/compose/Dockerfile"; exit 1; }
in_image() {
  local f="$1" w
  for w in "${wanted[@]}"; do
    case "$f" in "$w" | "$w"/*) return 0 ;; esac
  done
  return 1
}
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
      if { [ -f "$f" ] || [ -L "$f" ]; } && in_image "$f"; then printf '%s\0' "$f"; fi
    done | tar --null -T - -cf -) | tar -C "$STAGE" -xf -
  # The commit the build started from (uncommitted edits are built too).
  REVISION="$(git -C "$REPO" rev-parse HEAD)"
  SOURCE_URL="$(git -C "$REPO" remote get-url origin 2>/dev/null || true)"
else
  (cd "$REPO" && tar --exclude=node_modules --exclude=.nir-sim -cf - "${wanted[@]}") | tar -C "$STAGE" -xf -
  REVISION=""
  SOURCE_URL=""
fi
mkdir -p "$STAGE/compose"
cp "$REPO/compose/Dockerfile" "$STAGE/compose/Dockerfile"
# The staged context's own .dockerignore: the root one, but node_modules and dist are wanted here.
grep -v -x -e 'node_modules' -e '\*\*/node_modules' -e 'dist' "$REPO/.dockerignore" >"$STAGE/.dockerignore" 2>/dev/null || true
printf 'dist/.tsbuildinfo\n' >>"$STAGE/.dockerignore"
printf '.deps-stamp\n' >>"$STAGE/.dockerignore"
log "context staged in $STAGE ($(lap))"

# ---- 2. production dependencies, installed on the host -----------------------------------------
stamp="$(cat "$STAGE/package.json" "$STAGE/package-lock.json" | sha256sum | cut -d' ' -f1) node $(node --version)"
if [ -f "$STAGE/node_modules/.package-lock.json" ] && [ "$(cat "$STAGE/.deps-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "node_modules up to date (package-lock.json unchanged)"
else
  log "npm ci --omit=dev in $STAGE"
  (cd "$STAGE" && npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  printf '%s' "$stamp" >"$STAGE/.deps-stamp"
  log "node_modules installed ($(lap))"
fi

# ---- 2b. the compiled JavaScript -----------------------------------------------------------------
(cd "$REPO" && node scripts/build.mjs --if-stale >&2) || { log "npm run build failed"; exit 1; }
mkdir -p "$STAGE/dist"
cp -R "$REPO/dist/simulator" "$REPO/dist/.build-stamp" "$STAGE/dist/"
log "dist/ staged ($(lap))"

# ---- 3. base image -----------------------------------------------------------------------------
if ! podman image exists "$BASE"; then
  log "$BASE is missing: making the local one (Node 24 from the npm registry)"
  "$HERE/base-image.sh" >/dev/null
fi

# ---- 4. build ----------------------------------------------------------------------------------
# Reuse: when the staged files, the installed dependencies and the base image are those of the
# image $TAG already names, there is nothing to build (the engine's layer cache would still hash
# node_modules twice, about 15 s).
digest="$(
  cd "$STAGE"
  find . -path ./node_modules -prune -o -type f ! -name .deps-stamp -print0 | sort -z | xargs -0 sha256sum
  cat .deps-stamp
  echo "$TAG $(podman image inspect --format '{{.Id}}' "$BASE") $REVISION $SOURCE_URL"
)"
digest="$(printf '%s' "$digest" | sha256sum | cut -d' ' -f1)"
record="$DIR/image-$(printf '%s' "$TAG" | tr -c 'A-Za-z0-9._-' '_').built"
current="$(podman image inspect --format '{{.Id}}' "$TAG" 2>/dev/null || true)"
if [ -n "$current" ] && [ "$(cat "$record" 2>/dev/null)" = "$digest $current" ]; then
  log "$TAG is up to date with the staged context, reused ($(lap))"
  echo "$current"
  exit 0
fi
iid="$DIR/image.iid"
rm -f "$iid"
build_log="$DIR/build.log"
build_started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
podman build --pull=never --format docker --layers \
  --build-arg "REVISION=$REVISION" --build-arg "SOURCE_URL=$SOURCE_URL" \
  -f "$STAGE/compose/Dockerfile" -t "$TAG" --iidfile "$iid" "$STAGE" 2>&1 | tee "$build_log" >&2
id="$(cat "$iid")"
id="${id#sha256:}"
printf '%s %s' "$digest" "$id" >"$record"

# Tidy up: the image $TAG named before (and its untagged parents) unless a container uses it, and
# the untagged stage images of earlier builds made from the local base (they carry its
# org.nir-sim.base-image label). The images of this build's steps stay: they are the layer cache.
if [ -n "$current" ] && [ "$current" != "$id" ]; then podman rmi "$current" >/dev/null 2>&1 || true; fi
used="$(grep -oE '^--> (Using cache )?[0-9a-f]{11,64}' "$build_log" | awk '{ print $NF }' | sort -u)"
# Only images older than this build: a concurrent build's fresh steps are left alone.
for old in $(podman images -q --no-trunc --filter dangling=true --filter label=org.nir-sim.base-image \
  --filter "until=$build_started" 2>/dev/null); do
  old="${old#sha256:}"
  keep=0
  for u in $used; do case "$old" in "$u"*) keep=1 && break ;; esac; done
  [ "$keep" -eq 1 ] || podman rmi "$old" >/dev/null 2>&1 || true
done
log "built $TAG in $(lap)"
echo "$id"
