#!/usr/bin/env bash
# Records a real Ververica Platform's answers to the calls vvp-apiserver makes, so that what docs/vvp3.md assumes about
# VVP 3 can be checked against an installation (and the emulator compared with it). Read-only unless --writes is given.
#
#   tools/vvp-contract/record.sh --url https://vvp.example.com --token-file ./token --namespace default [--writes] [--out DIR]
#
# Each answer is stored as DIR/<NN>-<name>.txt: the request line, the HTTP status, the response headers and the body.
# Tokens are never written. With --writes it creates, in the given platform namespace, one CANCELLED deployment named
# vvp-contract-<random> (no job is started), probes it, and deletes it again.
set -euo pipefail

url='' token_file='' namespace='default' writes=false out="vvp-contract-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --url) url="$2"; shift 2 ;;
    --token-file) token_file="$2"; shift 2 ;;
    --namespace) namespace="$2"; shift 2 ;;
    --writes) writes=true; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -n "$url" ] && [ -n "$token_file" ] || { echo "--url and --token-file are required" >&2; exit 2; }
token="$(tr -d '[:space:]' < "$token_file")"
mkdir -p "$out"
n=0

# record NAME METHOD PATH [BODY] [TOKEN]: one call, its status, headers and body.
record() {
  local name="$1" method="$2" path="$3" body="${4:-}" auth="${5:-$token}"
  n=$((n + 1))
  local file; file="$(printf '%s/%02d-%s.txt' "$out" "$n" "$name")"
  local args=(-sS -X "$method" -D - -H "Authorization: Bearer $auth" -H 'Accept: application/json')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  { echo "$method $path"; curl "${args[@]}" "$url$path" || true; echo; } > "$file"
  echo "$(sed -n '2p' "$file" | tr -d '\r')  $method $path"
}

ns="/api/v1/namespaces/$namespace"
echo "recording into $out"
record system-info GET /api/v1/status/system-info
record deployments GET "$ns/deployments"
record deployments-selector GET "$ns/deployments?labelSelector=ververica.platform/managed-by"
record jobs GET "$ns/jobs"
record savepoints GET "$ns/savepoints"
record events GET "$ns/events"
record deployment-defaults GET "$ns/deployment-defaults"
record global-defaults GET /api/v1/global-deployment-defaults
record deployment-targets GET "$ns/deployment-targets"
record sessionclusters GET "$ns/sessionclusters"
record autopilot GET "/autopilot/v1alpha1/namespaces/$namespace"
# Error shapes: 2.x `message` or Spring's RFC 9457 problem+json (title/detail/status)?
record error-404 GET "$ns/deployments/vvp-contract-does-not-exist"
record error-401 GET "$ns/deployments" '' 'not-a-valid-token'
record error-400 POST "$ns/deployments" '{"metadata":{"name":"Not A Valid Name"},"spec":{"state":"SOMETIMES"}}'

if $writes; then
  name="vvp-contract-$RANDOM$RANDOM"
  target="$(sed -n 's/.*"name" *: *"\([^"]*\)".*/\1/p' "$(ls "$out"/*-deployment-targets.txt)" | head -1)"
  spec='"state":"CANCELLED","deploymentTargetName":"'"$target"'","template":{"spec":{"artifact":{"kind":"JAR","jarUri":"file:///flink/examples/streaming/TopSpeedWindowing.jar"}}}'
  # An unknown spec field: does the platform refuse it, keep it, or drop it?
  record create-unknown-field POST "$ns/deployments" '{"metadata":{"name":"'"$name"'-u"},"spec":{'"$spec"',"vvpContractProbe":1}}'
  record create POST "$ns/deployments" '{"metadata":{"name":"'"$name"'"},"spec":{'"$spec"'}}'
  record get GET "$ns/deployments/$name"
  # Does the platform check metadata.resourceVersion (optimistic locking)?
  record patch-stale-rv PATCH "$ns/deployments/$name" '{"metadata":{"resourceVersion":999999},"spec":{"maxJobCreationAttempts":3}}'
  # What a PUT fills from the defaults, lists included (VVP 3 volumeMounts: replaced or merged with one given?).
  record put-own-list PUT "$ns/deployments/$name" '{"metadata":{"name":"'"$name"'"},"spec":{'"$spec"',"template":{"spec":{"artifact":{"kind":"JAR","jarUri":"file:///flink/examples/streaming/TopSpeedWindowing.jar"},"kubernetes":{"pods":{"volumeMounts":[{"name":"vvp-contract","volume":{"name":"vvp-contract","emptyDir":{}},"volumeMount":{"name":"vvp-contract","mountPath":"/vvp-contract"}}]}}}}}}'
  record get-after-put GET "$ns/deployments/$name"
  record delete DELETE "$ns/deployments/$name"
  record delete-unknown-field DELETE "$ns/deployments/$name-u"
fi
echo "done: $(ls "$out" | wc -l) answers in $out"
