#!/usr/bin/env bash
# Installs what the tests and benchmarks need on a fresh Debian/Ubuntu machine:
#   musl-tools  (musl-gcc: builds the static guest programs)
#   qemu-user   (qemu-x86_64: the benchmark's peer; optional for tests)
#   gcc         (normally present already)
# Idempotent: installs only what is missing; does nothing when all is there.
# Runs as root (CI) or through sudo when available.
set -euo pipefail

declare -A need=()   # package -> the command it provides
command -v gcc >/dev/null 2>&1 || need[gcc]=gcc
command -v musl-gcc >/dev/null 2>&1 || need[musl-tools]=musl-gcc
command -v qemu-x86_64 >/dev/null 2>&1 || need[qemu-user]=qemu-x86_64

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: gcc, musl-gcc and qemu-x86_64 are already installed"
  exit 0
fi

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
  if ! command -v "${need[$pkg]}" >/dev/null 2>&1; then
    echo "install-deps: ${pkg} installed but ${need[$pkg]} is still not on PATH" >&2
    exit 1
  fi
done
echo "install-deps: done"
