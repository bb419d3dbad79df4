#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl, etcd (test/cluster/k8s-bin) and helm
# (test/cluster/helm-bin) at the versions pinned in those Go modules, from Go modules only.
# Output: $K8S_BIN_DIR (default ~/.cache/vvp-apiserver/k8s-<hash of the pins>/bin), printed on stdout.
# Rebuilt only when a pin changes; Go's own build cache makes a rebuild after a fresh clone a link step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
k8s_module="$repo/test/cluster/k8s-bin"
helm_module="$repo/test/cluster/helm-bin"
pin=$(cat "$0" "$k8s_module/go.mod" "$k8s_module/go.sum" "$helm_module/go.mod" "$helm_module/go.sum" | sha256sum | cut -c1-12)
# Outside the work tree, so fresh clones (CI) share the binaries of the same pin.
bin_dir=${K8S_BIN_DIR:-"${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/k8s-$pin/bin"}
mkdir -p "$bin_dir"

k8s_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1[.]/ {print $2}' "$k8s_module/go.mod")
minor=${k8s_version#v1.}; minor=${minor%%.*}
# Without these the binaries report v0.0.0-master, which version-aware clients (Helm's kubeVersion) reject.
k8s_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
helm_version=$(awk '$1 == "helm.sh/helm/v3" {print $2; exit}' "$helm_module/go.mod")
helm_client_go=$(awk '$1 == "k8s.io/client-go" {print $2; exit}' "$helm_module/go.mod")
helm_k8s_minor=${helm_client_go#v0.}; helm_k8s_minor=${helm_k8s_minor%%.*}
# As Helm's own Makefile does: its version, and the Kubernetes version `helm template` assumes without a cluster.
helm_ldflags="-X helm.sh/helm/v3/internal/version.version=$helm_version"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$helm_k8s_minor"
done

binaries=(
  "etcd $k8s_module go.etcd.io/etcd/server/v3"
  "kube-apiserver $k8s_module k8s.io/kubernetes/cmd/kube-apiserver"
  "kubectl $k8s_module k8s.io/kubernetes/cmd/kubectl"
  "kube-controller-manager $k8s_module k8s.io/kubernetes/cmd/kube-controller-manager"
  "helm $helm_module helm.sh/helm/v3/cmd/helm"
)

build() {
  local name=$1 module=$2 pkg=$3 ldflags=$4 start=$SECONDS next=30
  echo "[k8s-bin] building $name ($pkg) — a first build takes minutes; progress every 30 s" >&2
  (cd "$module" && go build -ldflags "$ldflags" -o "$bin_dir/$name.tmp" "$pkg") &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - start >= next )); then
      echo "[k8s-bin] still building $name: $((SECONDS - start))s elapsed" >&2
      next=$((next + 30))
    fi
  done
  wait "$pid"
  mv "$bin_dir/$name.tmp" "$bin_dir/$name"
  echo "[k8s-bin] built $name in $((SECONDS - start))s" >&2
}

for entry in "${binaries[@]}"; do
  read -r name module pkg <<<"$entry"
  [[ -x "$bin_dir/$name" ]] && continue
  if [[ $name == helm ]]; then build "$name" "$module" "$pkg" "$helm_ldflags"; else build "$name" "$module" "$pkg" "$k8s_ldflags"; fi
done
echo "$bin_dir"
