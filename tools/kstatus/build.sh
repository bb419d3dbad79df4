#!/usr/bin/env bash
# Builds the kstatus checker (main.go: sigs.k8s.io/cli-utils/pkg/kstatus/status at the version pinned in go.mod)
# from Go modules. Output: $KSTATUS_BIN (default ~/.cache/vvp-apiserver/kstatus-<hash of this module>/kstatus),
# printed on stdout. Rebuilt only when main.go, go.mod or go.sum change; outside the work tree, so that fresh clones
# (CI) share it.
set -euo pipefail
module=$(cd "$(dirname "$0")" && pwd)
pin=$(cat "$0" "$module/main.go" "$module/go.mod" "$module/go.sum" | sha256sum | cut -c1-12)
bin=${KSTATUS_BIN:-"${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/kstatus-$pin/kstatus"}
if [[ ! -x "$bin" ]]; then
  mkdir -p "$(dirname "$bin")"
  echo "[kstatus] building $bin" >&2
  (cd "$module" && go build -buildvcs=false -o "$bin.tmp" .)
  mv "$bin.tmp" "$bin"
fi
echo "$bin"
