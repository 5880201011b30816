#!/usr/bin/env bash
# Installs what the tests and benchmarks need on a fresh Debian/Ubuntu machine:
#   musl-tools        (musl-gcc: builds the static guest programs)
#   qemu-user         (qemu-x86_64: the benchmark's peer; optional for tests)
#   gcc               (normally present already)
#   liblua5.4-dev     (Debian's static Lua library: test/unit/interpreter.test.ts
#                     runs a Lua interpreter built on it under ksw exec)
#   gcc-<major>-source
#                     (GCC's source for the installed gcc: its C torture tests
#                     are the outside C test suite test/unit/gccTorture.test.ts
#                     runs under ksw exec)
#   make, linux-headers-amd64
#                     (the Kbuild tests build real .ko modules against the
#                     distribution's kernel headers: ksw build)
#   chromium, libkrb5-dev, fonts-dejavu-core
#                     (the end-to-end tests in a real VS Code: Debian's browser
#                     driven by playwright-core, a header code-server's native
#                     build needs, and a font for readable screenshots)
# then the outside C sources the tests build (scripts/install-sources.sh:
# Duktape's C source from npm, the torture tests out of gcc-<major>-source),
# and then code-server itself (scripts/install-code-server.sh, cached by
# version outside the repository). KSW_E2E=0 skips the end-to-end part.
# Idempotent: installs only what is missing; does nothing when all is there.
# Runs as root (CI) or through sudo when available.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

declare -A need=()   # package -> how to tell it is installed ("cmd:NAME" or "pkg")
command -v gcc >/dev/null 2>&1 || need[gcc]=cmd:gcc
command -v musl-gcc >/dev/null 2>&1 || need[musl-tools]=cmd:musl-gcc
command -v qemu-x86_64 >/dev/null 2>&1 || need[qemu-user]=cmd:qemu-x86_64
command -v make >/dev/null 2>&1 || need[make]=cmd:make
ls /usr/src/linux-headers-*/.config >/dev/null 2>&1 || need[linux-headers-amd64]=pkg
[ -f /usr/lib/x86_64-linux-gnu/liblua5.4.a ] || need[liblua5.4-dev]=pkg
if command -v gcc >/dev/null 2>&1; then
  gcc_major="$(gcc -dumpversion | cut -d. -f1)"
  ls /usr/src/gcc-"$gcc_major"/gcc-*.tar.* >/dev/null 2>&1 || need[gcc-$gcc_major-source]=pkg
fi
if [ "${KSW_E2E:-1}" != "0" ]; then
  command -v chromium >/dev/null 2>&1 || need[chromium]=cmd:chromium
  for pkg in libkrb5-dev fonts-dejavu-core; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need[$pkg]=pkg
  done
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: the system packages are already installed"
else
  packages="${!need[*]}"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${packages}; no apt-get here — install them with your package manager" >&2
    exit 1
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "install-deps: missing ${packages}; need root (or sudo) to install them" >&2
    exit 1
  fi

  echo "install-deps: installing ${packages}"
  export DEBIAN_FRONTEND=noninteractive
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086
  ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${packages}

  for pkg in "${!need[@]}"; do
    check="${need[$pkg]}"
    if [ "${check#cmd:}" != "$check" ] && ! command -v "${check#cmd:}" >/dev/null 2>&1; then
      echo "install-deps: ${pkg} installed but ${check#cmd:} is still not on PATH" >&2
      exit 1
    fi
  done
fi

bash "$here/install-sources.sh"
if [ "${KSW_E2E:-1}" != "0" ]; then
  bash "$here/install-code-server.sh"
fi
echo "install-deps: done"
