#!/usr/bin/env bash
# fetch-node.sh MAJOR [DIR]: put the Node.js MAJOR binary that the npm registry ships (package
# node-linux-<arch>@MAJOR, the binary the `node` package installs) in DIR and print DIR/bin, the
# directory to put first on PATH (it holds `node` only; the host's npm and npx run on it).
#
# Used by .ci/run (the test suite again on Node 24) and scripts/containers/base-image.sh (the
# local base image's node). Idempotent: a DIR whose bin/node already reports vMAJOR.x is reused.
# DIR defaults to ${NIR_SIM_NODE_CACHE:-/tmp/nir-sim-node}/MAJOR.
# Needs: npm (with the registry reachable, or its cache holding the package), tar, uname.
set -euo pipefail

MAJOR="${1:?usage: fetch-node.sh MAJOR [DIR], e.g. fetch-node.sh 24}"
DIR="${2:-${NIR_SIM_NODE_CACHE:-/tmp/nir-sim-node}/$MAJOR}"
case "$MAJOR" in *[!0-9]*) echo "fetch-node: MAJOR must be a number such as 24, not '$MAJOR'" >&2; exit 2 ;; esac
case "$(uname -m)" in
  x86_64) ARCH=x64 ;;
  aarch64 | arm64) ARCH=arm64 ;;
  *) echo "fetch-node: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

if [ -x "$DIR/bin/node" ] && "$DIR/bin/node" --version 2>/dev/null | grep -q "^v$MAJOR\."; then
  echo "$DIR/bin"
  exit 0
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nir-sim-node.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "fetch-node: npm pack node-linux-$ARCH@$MAJOR" >&2
tgz="$(cd "$WORK" && npm pack "node-linux-$ARCH@$MAJOR" --silent --loglevel=error | tail -n 1)"
tar -xzf "$WORK/$tgz" -C "$WORK"
rm -rf "$DIR"
mkdir -p "$(dirname "$DIR")"
mv "$WORK/package" "$DIR"
echo "fetch-node: $("$DIR/bin/node" --version) in $DIR" >&2
echo "$DIR/bin"
