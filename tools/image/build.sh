#!/usr/bin/env bash
# Builds the server image from the repository's Dockerfile, unchanged, with buildah (Debian's), where no registry is
# reachable: the base image the Dockerfile names (node:24-bookworm-slim) is first made locally, under that same
# name, from Debian bookworm (debootstrap, minbase) plus the Node.js 24 binary of tools/node/install.sh and npm from
# the npm registry, with the user node (1000:1000) as in the official image. A user's CI pulls the real base instead.
# The stand-in's npm reads its CAs from /etc/ssl/certs/ca-certificates.crt, which the build mounts from this machine
# (CA_BUNDLE) and never copies: this machine reaches the npm registry through a proxy with a CA of its own.
# The stand-in is cached in buildah's storage per Node.js version; the image is tagged IMAGE (default
# localhost/vvp-apiserver:dev) and, with OCI_ARCHIVE=file, written there for `ctr images import`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
image=${IMAGE:-localhost/vvp-apiserver:dev}
base=$(awk '/^FROM / {print $2; exit}' "$repo/Dockerfile")
node_bin=$("$repo/tools/node/install.sh")
node_version=$("$node_bin/node" --version)
recipe="$node_version/2"
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
log() { echo "[image] $*" >&2; }
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install buildah debootstrap"; exit 1; }
done

if [[ $(buildah inspect --type image --format '{{index .ImageAnnotations "vvp-apiserver.stand-in"}}' "$base" 2>/dev/null) != "$recipe" ]]; then
  log "making the stand-in for $base: Debian bookworm (minbase) + Node.js $node_version + npm"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*
  install -D -m 0755 "$node_bin/node" "$rootfs/usr/local/bin/node"
  npm install --global --prefix "$rootfs/usr/local" --no-audit --no-fund npm@11 >&2
  echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$rootfs/usr/local/etc/npmrc"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  container=$(buildah from scratch)
  mount=$(buildah mount "$container")
  cp -a "$rootfs/." "$mount/"
  buildah umount "$container" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env NODE_VERSION="${node_version#v}" \
    --cmd node --annotation "vvp-apiserver.stand-in=$recipe" "$container"
  buildah commit --rm "$container" "$base" >&2
fi

log "building $image from $repo/Dockerfile"
buildah bud --pull=never --network host --layers --volume "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro" \
  -t "$image" -f "$repo/Dockerfile" "$repo" >&2
if [[ -n ${OCI_ARCHIVE:-} ]]; then
  rm -f "$OCI_ARCHIVE"
  buildah push "$image" "oci-archive:$OCI_ARCHIVE:$image" >&2
fi
log "built $image: $(buildah images --format '{{.Size}}' "$image")"
echo "$image"
