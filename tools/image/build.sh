#!/usr/bin/env bash
# Builds the server image from the repository's Dockerfile, unchanged, with buildah (Debian's), where no registry is
# reachable: each base image the Dockerfile names (node:24-bookworm-slim) is first made locally, under that same
# name, from Debian bookworm (debootstrap, minbase) plus the Node.js 24 binary of tools/node/install.sh and npm from
# the npm registry, with the user node (1000:1000) as in the official image. A user's CI pulls the real base instead.
# The stand-in's npm reads its CAs from /etc/ssl/certs/ca-certificates.crt, which the build mounts from this machine
# (CA_BUNDLE) and never copies: this machine reaches the npm registry through a proxy with a CA of its own.
# The admission helper's stage names golang:1.26-bookworm: its stand-in is Debian plus this machine's Go toolchain.
# The stand-ins are cached in buildah's storage per Node.js/Go version; the image is tagged IMAGE (default
# localhost/vvp-apiserver:dev) and, with OCI_ARCHIVE=file, written there for `ctr images import`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
image=${IMAGE:-localhost/vvp-apiserver:dev}
node_bin=$("$repo/tools/node/install.sh")
node_version=$("$node_bin/node" --version)
go_root=$(go env GOROOT)
go_version=$(go env GOVERSION)
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
log() { echo "[image] $*" >&2; }
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install buildah debootstrap"; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One Debian bookworm minbase root filesystem per run, copied into each stand-in that needs making.
debian_rootfs() {
  if [[ ! -d $work/debian ]]; then
    debootstrap --variant=minbase bookworm "$work/debian" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
    chroot "$work/debian" apt-get clean
    rm -rf "$work/debian"/var/lib/apt/lists/* "$work/debian"/var/cache/apt/*
  fi
  rm -rf "$work/rootfs" && cp -a "$work/debian" "$work/rootfs"
}
commit_stand_in() { # name recipe buildah-config-args...
  local name=$1 recipe=$2 container mount
  shift 2
  container=$(buildah from scratch)
  mount=$(buildah mount "$container")
  cp -a "$work/rootfs/." "$mount/"
  buildah umount "$container" >/dev/null
  buildah config "$@" --annotation "vvp-apiserver.stand-in=$recipe" "$container"
  buildah commit --rm "$container" "$name" >&2
}
# node:*: Debian + the Node.js 24 binary + npm 11 + the user node (1000:1000), as the official image.
make_node_stand_in() {
  local name=$1 recipe=$2
  debian_rootfs
  install -D -m 0755 "$node_bin/node" "$work/rootfs/usr/local/bin/node"
  npm install --global --prefix "$work/rootfs/usr/local" --no-audit --no-fund npm@11 >&2
  echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$work/rootfs/usr/local/etc/npmrc"
  chroot "$work/rootfs" groupadd --gid 1000 node
  chroot "$work/rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  commit_stand_in "$name" "$recipe" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${node_version#v}" --cmd node
}
# golang:*: Debian + this machine's Go toolchain in /usr/local/go, GOPATH /go, as the official image.
make_go_stand_in() {
  local name=$1 recipe=$2
  debian_rootfs
  mkdir -p "$work/rootfs/usr/local" "$work/rootfs/go/bin" "$work/rootfs/go/src"
  cp -a "$go_root" "$work/rootfs/usr/local/go"
  commit_stand_in "$name" "$recipe" --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env GOPATH=/go --env GOLANG_VERSION="${go_version#go}" --env GOTOOLCHAIN=local --workingdir /go --cmd bash
}

# Every base the Dockerfile names (a FROM that is not an earlier stage), made unless buildah holds it with this recipe.
stages=()
while read -r from_image alias; do
  if [[ " ${stages[*]} " == *" $from_image "* ]]; then continue; fi
  [[ -n $alias ]] && stages+=("$alias")
  case $from_image in
    node:*) recipe="$node_version/2"; maker=make_node_stand_in ;;
    golang:*) recipe="go $go_version/1"; maker=make_go_stand_in ;;
    *) log "no stand-in recipe for $from_image"; exit 1 ;;
  esac
  if [[ $(buildah inspect --type image --format '{{index .ImageAnnotations "vvp-apiserver.stand-in"}}' "$from_image" 2>/dev/null) != "$recipe" ]]; then
    log "making the stand-in for $from_image ($recipe)"
    "$maker" "$from_image" "$recipe"
  fi
done < <(awk 'toupper($1) == "FROM" {print $2, (toupper($3) == "AS" ? $4 : "")}' "$repo/Dockerfile")

# The Go stage's modules come from this machine's module cache (read-only, as GOPATH/pkg/mod), and its compiled
# packages are kept between builds in a cache directory of our own, as a BuildKit cache mount would: the Dockerfile
# stays unchanged, and a rebuild does not compile k8s.io/apiserver again.
go_build_cache="${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/image-go-build"
mkdir -p "$go_build_cache"
log "building $image from $repo/Dockerfile"
buildah bud --pull=never --network host --layers --volume "$ca_bundle:/etc/ssl/certs/ca-certificates.crt:ro" \
  --volume "$(go env GOMODCACHE):/go/pkg/mod:ro" --volume "$go_build_cache:/root/.cache/go-build" \
  -t "$image" -f "$repo/Dockerfile" "$repo" >&2
if [[ -n ${OCI_ARCHIVE:-} ]]; then
  rm -f "$OCI_ARCHIVE"
  buildah push "$image" "oci-archive:$OCI_ARCHIVE:$image" >&2
fi
log "built $image: $(buildah images --format '{{.Size}}' "$image")"
echo "$image"
