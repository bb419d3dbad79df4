#!/usr/bin/env bash
# Builds the node's Pod sandbox image from main.go (a static Go binary on an empty base) with buildah, because
# registry.k8s.io/pause cannot be pulled here, and writes it as an OCI archive for `ctr images import`.
# Usage: tools/node-pause/build.sh ARCHIVE [IMAGE]   (IMAGE default localhost/vvp-pause:local)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
archive=${1:?usage: build.sh ARCHIVE [IMAGE]}
image=${2:-localhost/vvp-pause:local}
work=$(mktemp -d)
trap 'rm -rf "$work"; [[ -n ${ctr:-} ]] && buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
(cd "$here" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags '-s -w' -o "$work/pause" .)
ctr=$(buildah from scratch)
buildah copy "$ctr" "$work/pause" /pause >/dev/null
buildah config --entrypoint '["/pause"]' --user 65535:65535 --label org.opencontainers.image.title=vvp-pause "$ctr"
buildah commit --quiet "$ctr" "$image" >/dev/null
rm -f "$archive"
buildah push --quiet "$image" "oci-archive:$archive:$image" >&2
echo "[node] pause image $image → $archive" >&2
