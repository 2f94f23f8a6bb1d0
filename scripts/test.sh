#!/usr/bin/env bash
# Builds libioc and runs the whole test suite. Set-up included: missing Debian packages are
# installed first. Usage: scripts/test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"

scripts/deps.sh
# The browser tests' driver, pinned by tests/browser/package-lock.json.
if ! cmp -s tests/browser/package-lock.json tests/browser/node_modules/.installed-lock.json; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error &&
    cp package-lock.json node_modules/.installed-lock.json)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2
ctest --test-dir "$build" -j2 --output-on-failure --timeout 300
