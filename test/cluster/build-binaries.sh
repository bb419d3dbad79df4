#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl and etcd at the Kubernetes version pinned in
# test/cluster/k8s-bin/go.mod, from Go modules only. Output: $K8S_BIN_DIR (default .cache/k8s-<pin hash>/bin).
# Rebuilt only when the pin changes; Go's own build cache makes a rebuild after a fresh clone a link step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
module="$repo/test/cluster/k8s-bin"
pin=$(cat "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
bin_dir=${K8S_BIN_DIR:-"$repo/.cache/k8s-$pin/bin"}
mkdir -p "$bin_dir"
k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1[.]/ {print $2}' "$module/go.mod")
minor=${k8s_version#v1.}; minor=${minor%%.*}
# Without these the binaries report v0.0.0-master, which version-aware clients (Helm's kubeVersion) reject.
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done

binaries=(
  "etcd go.etcd.io/etcd/server/v3"
  "kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver"
  "kubectl k8s.io/kubernetes/cmd/kubectl"
  "kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager"
)

build() {
  local name=$1 pkg=$2 start=$SECONDS
  echo "[k8s-bin] building $name ($pkg) — the first build takes minutes; progress every 30 s" >&2
  (cd "$module" && go build -ldflags "$ldflags" -o "$bin_dir/$name.tmp" "$pkg") &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    local elapsed=$((SECONDS - start))
    if (( elapsed % 30 < 5 && elapsed >= 30 )) && kill -0 "$pid" 2>/dev/null; then
      echo "[k8s-bin] still building $name: ${elapsed}s elapsed" >&2
    fi
  done
  wait "$pid"
  mv "$bin_dir/$name.tmp" "$bin_dir/$name"
  echo "[k8s-bin] built $name in $((SECONDS - start))s" >&2
}

for entry in "${binaries[@]}"; do
  read -r name pkg <<<"$entry"
  if [[ -x "$bin_dir/$name" ]]; then continue; fi
  build "$name" "$pkg"
done
echo "$bin_dir"
