#!/usr/bin/env bash
# Installs the Debian 12 packages libioc builds with (docs/dependencies.md), only those missing.
# Usage: scripts/deps.sh [--dev]   (--dev adds clang, sanitizer runtimes and the fuzzer)
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config libboost-dev libboost-system-dev
          libcpprest-dev libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev catch2 libssl-dev
          nlohmann-json3-dev curl python3 openssl libxml2-utils libjs-leaflet chromium nodejs
          libmosquitto-dev mosquitto mosquitto-clients)
if [[ "${1:-}" == "--dev" ]]; then
  packages+=(clang-14 libclang-rt-14-dev clang-format-14)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (its own package); some nodejs builds carry npm themselves.
command -v npm >/dev/null || missing+=(npm)
((${#missing[@]} == 0)) && exit 0

echo "installing Debian packages: ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
