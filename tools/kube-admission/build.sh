#!/usr/bin/env bash
# Builds the admission helper (tools/kube-admission: k8s.io/apiserver's admission plugins at the version pinned in
# go.mod, the control plane's) from Go modules. Output: $KUBE_ADMISSION_BIN (default
# ~/.cache/vvp-apiserver/kube-admission-<hash of this module>/kube-admission), printed on stdout. Rebuilt only when
# its sources, go.mod or go.sum change; outside the work tree, so that fresh clones (CI) share it. With Go's build
# cache warm from the control plane (test/cluster/build-binaries.sh, same module versions) it is a link step.
set -euo pipefail
module=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$0" "$module"/*.go "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
bin=${KUBE_ADMISSION_BIN:-"${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/kube-admission-$pin/kube-admission"}
if [[ ! -x "$bin" ]]; then
  mkdir -p "$(dirname "$bin")"
  echo "[kube-admission] building $bin — a cold build takes minutes; progress every 30 s" >&2
  start=$SECONDS next=30
  (cd "$module" && GOFLAGS="${GOFLAGS:-} -mod=mod" go build -buildvcs=false -ldflags "-s -w" -o "$bin.tmp" .) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS - start >= next )); then
      echo "[kube-admission] still building: $((SECONDS - start))s elapsed" >&2
      next=$((next + 30))
    fi
  done
  wait "$pid"
  mv "$bin.tmp" "$bin"
  echo "[kube-admission] built in $((SECONDS - start))s" >&2
fi
echo "$bin"
