#!/usr/bin/env bash
# Builds the node's binaries from Go modules: kubelet and kube-scheduler at the same Kubernetes pin as the control plane
# (test/cluster/kubelet-bin: k8s-bin's go.mod plus kubelet, so build-binaries.sh's cache key stays) and containerd 2.x with its
# runc shim and ctr (test/cluster/node-bin). runc and the CNI plugins come from Debian (runc,
# containernetworking-plugins). Only `WITH_NODE=1` runs this.
# Output: $NODE_BIN_DIR (default ~/.cache/vvp-apiserver/node-<hash of the pins>/bin), printed on stdout.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
k8s_module="$repo/test/cluster/kubelet-bin"
node_module="$repo/test/cluster/node-bin"
# The cache key is the modules the binaries come from plus build_epoch (bump it when the build flags change), not this
# script: a new binary in the list is built into the same directory, and a finished kubelet build is kept.
# 2: Go's default flags (CGO as the toolchain defaults), as tools/cluster/build-binaries.sh, so Go's build cache shares
# the control plane's compiled packages (1: CGO_ENABLED=0, which shared none of them).
build_epoch=2
pin=$( (echo "$build_epoch"; cat "$k8s_module/go.mod" "$k8s_module/go.sum" "$node_module/go.mod" "$node_module/go.sum") | sha256sum | cut -c1-12)
bin_dir=${NODE_BIN_DIR:-"${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/node-$pin/bin"}
mkdir -p "$bin_dir"

k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1[.]/ {print $2}' "$k8s_module/go.mod")
control_plane_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1[.]/ {print $2}' "$repo/test/cluster/k8s-bin/go.mod")
if [[ $k8s_version != "$control_plane_version" ]]; then
  echo "[node-bin] kubelet-bin pins Kubernetes $k8s_version, k8s-bin $control_plane_version: update kubelet-bin (copy k8s-bin's go.mod, go get -tool k8s.io/kubernetes/cmd/kubelet@$control_plane_version)" >&2
  exit 1
fi
minor=${k8s_version#v1.}; minor=${minor%%.*}
k8s_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
containerd_version=$(awk '$1 == "github.com/containerd/containerd/v2" {print $2; exit}' "$node_module/go.mod")
containerd_ldflags="-X github.com/containerd/containerd/v2/version.Version=$containerd_version"

binaries=(
  "kubelet $k8s_module k8s.io/kubernetes/cmd/kubelet"
  "kube-scheduler $k8s_module k8s.io/kubernetes/cmd/kube-scheduler"
  "containerd $node_module github.com/containerd/containerd/v2/cmd/containerd"
  "containerd-shim-runc-v2 $node_module github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
  "ctr $node_module github.com/containerd/containerd/v2/cmd/ctr"
)
# Every binary is built with the environment and flags of tools/cluster/build-binaries.sh (`go build -ldflags`, CGO as
# Go defaults), so the packages it compiled for kube-apiserver/kube-controller-manager/kubectl are Go build cache hits
# here: kubelet then compiles ~100 of its ~1,800 packages. Changing CGO_ENABLED, the compiler flags or GOFLAGS for one
# of them would give every package above `net` and `os/user` another cache key. The one exception is containerd's
# `no_btrfs` tag: its btrfs snapshotter needs libbtrfs' C headers (not installed here, no btrfs either); a tag only
# selects files, so the packages it does not touch keep their keys.

build() {
  local name=$1 module=$2 pkg=$3 ldflags=$4 start=$SECONDS next=30
  echo "[node-bin] building $name ($pkg) — a first build takes minutes; progress every 30 s" >&2
  local tags=()
  [[ $module == "$node_module" ]] && tags=(-tags no_btrfs)
  (cd "$module" && nice -n "${NODE_BIN_NICE:-10}" go build "${tags[@]}" -ldflags "$ldflags" -o "$bin_dir/$name.tmp" "$pkg") &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - start >= next )); then
      echo "[node-bin] still building $name: $((SECONDS - start))s elapsed" >&2
      next=$((next + 30))
    fi
  done
  wait "$pid"
  mv "$bin_dir/$name.tmp" "$bin_dir/$name"
  echo "[node-bin] built $name in $((SECONDS - start))s" >&2
}

for entry in "${binaries[@]}"; do
  read -r name module pkg <<<"$entry"
  [[ -x "$bin_dir/$name" ]] && continue
  if [[ $name == kube* ]]; then build "$name" "$module" "$pkg" "$k8s_ldflags"; else build "$name" "$module" "$pkg" "$containerd_ldflags"; fi
done
echo "$bin_dir"
