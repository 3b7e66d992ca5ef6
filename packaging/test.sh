#!/usr/bin/env bash
# One command for the whole test suite: installs the Debian packages, builds the
# release preset and runs every test with CTest. Tests that need ../shared (the
# model corpus, the TFLite oracle, the goldens) report a visible skip without it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
  bash packaging/install-deps.sh
fi
cmake --preset release
cmake --build --preset release -j "$(nproc)"
ctest --preset release -j "$(nproc)" "$@"
