#!/usr/bin/env bash
# Caches the outside C sources two tests build, outside the repository (like
# code-server, scripts/install-code-server.sh), so no test needs the network:
#   duktape-1.3.0/   Duktape 1.3.0's C source (MIT), from the npm package
#                    duktape@0.3.0 (fetched with `npm pack`, never installed:
#                    its install step runs node-gyp). test/unit/duktape.test.ts
#   gcc-torture-<v>/execute/
#                    GCC's C torture execution tests (GPL-3.0, with GCC's
#                    COPYING3), taken from Debian's gcc-<major>-source for the
#                    installed gcc (install-deps.sh installs that package).
#                    test/unit/gccTorture.test.ts
# into ${KSW_CACHE:-~/.cache/kstackwatch-studio}. Idempotent: each part is
# skipped when its ready file is there.
set -euo pipefail
cache="${KSW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kstackwatch-studio}"
mkdir -p "$cache"

duk="$cache/duktape-1.3.0"
if [ -f "$duk/ready" ]; then
  echo "install-sources: Duktape is cached in $duk"
else
  tmp="$(mktemp -d "$cache/.duktape.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent duktape@0.3.0 >/dev/null && tar xzf duktape-0.3.0.tgz)
  lib="$tmp/package/lib/duktape"
  grep -q 'DUK_VERSION *10300L' "$lib/src/duktape.h" || { echo "install-sources: duktape@0.3.0 does not hold Duktape 1.3.0" >&2; exit 1; }
  mkdir "$tmp/out"
  cp "$lib/src/duktape.c" "$lib/src/duktape.h" "$lib/src/duk_config.h" "$lib/LICENSE.txt" "$lib/AUTHORS.rst" "$tmp/out/"
  touch "$tmp/out/ready"
  rm -rf "$duk" && mv "$tmp/out" "$duk"
  rm -rf "$tmp"
  trap - EXIT
  echo "install-sources: Duktape 1.3.0 cached in $duk"
fi

version="$(gcc -dumpfullversion)"
torture="$cache/gcc-torture-$version"
tarball="$(ls /usr/src/gcc-"${version%%.*}"/gcc-"$version"*.tar.* 2>/dev/null | head -n 1 || true)"
if [ -f "$torture/ready" ]; then
  echo "install-sources: the GCC torture tests are cached in $torture"
elif [ -z "$tarball" ]; then
  echo "install-sources: no /usr/src/gcc-${version%%.*}/gcc-$version*.tar.* (Debian's gcc-${version%%.*}-source) for the GCC torture tests" >&2
  exit 1
else
  tmp="$(mktemp -d "$cache/.gcc-torture.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  top="gcc-$version"   # the tarball's top folder (Debian's is gcc-12.2.0 in gcc-12.2.0-dfsg.tar.xz)
  tar xf "$tarball" -C "$tmp" --wildcards "$top/gcc/testsuite/gcc.c-torture/execute/*.c" "$top/COPYING3"
  mkdir "$tmp/out"
  mv "$tmp/$top/gcc/testsuite/gcc.c-torture/execute" "$tmp/out/execute"
  mv "$tmp/$top/COPYING3" "$tmp/out/"
  printf 'GCC %s gcc/testsuite/gcc.c-torture/execute from %s\n' "$version" "$tarball" > "$tmp/out/ready"
  rm -rf "$torture" && mv "$tmp/out" "$torture"
  rm -rf "$tmp"
  trap - EXIT
  echo "install-sources: the GCC $version torture tests cached in $torture"
fi
