#!/usr/bin/env bash
# Regenerates test/unit/k8s/flowcontrol/kube-width-cases.json: the seats kube's own work estimator (k8s.io/apiserver
# v0.37.2, the control plane's) gives a table of requests (tools/apf-fixtures/width/main.go), built beside the admission
# helper's go.mod so that it compiles from the same module versions. The unit test checks width.ts against every case.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/width/main.go" "$work/main.go"
sed 's|^module .*|module apfwidth|' "$repo/tools/kube-admission/go.mod" > "$work/go.mod"
cp "$repo/tools/kube-admission/go.sum" "$work/go.sum"
(cd "$work" && GOFLAGS=-mod=mod GOPROXY=off go run .) > "$repo/test/unit/k8s/flowcontrol/kube-width-cases.json"
