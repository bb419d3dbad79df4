#!/usr/bin/env bash
# Regenerates test/unit/k8s/flowcontrol/kube-conc-alloc-cases.json: the cases kube's own TestConcAlloc
# (k8s.io/apiserver v0.37.2, conc_alloc_test.go, seed 1234567890) draws, each with the answer of kube's
# computeConcurrencyAllocation — a copy of conc_alloc.go from the Go module cache, built beside main.go. The unit test
# checks that conc-alloc.ts gives the same answers. Needs Go and k8s.io/apiserver@v0.37.2 in the module cache.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
src=$(go env GOMODCACHE)/k8s.io/apiserver@v0.37.2/pkg/util/flowcontrol/conc_alloc.go
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed 's/^package flowcontrol/package main/' "$src" > "$work/conc_alloc.go"
cp "$here/main.go" "$work/main.go"
printf 'module apffixtures\n\ngo 1.22\n' > "$work/go.mod"
(cd "$work" && GOFLAGS=-mod=mod GOPROXY=off go run . -cases "${CASES:-600}") > "$repo/test/unit/k8s/flowcontrol/kube-conc-alloc-cases.json"
