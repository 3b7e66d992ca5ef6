#!/usr/bin/env bash
# Installs every Debian 12 package Rangefinder needs to build, test and run.
# Idempotent and non-interactive: packages already present are skipped by apt,
# and nothing is asked. Run as root (or through sudo).
set -euo pipefail

packages=(
  # Toolchain.
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev          # libFuzzer target and its sanitizer runtime
  # Libraries named by the design card.
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libgl-dev
  libqcustomplot-dev
  flatbuffers-compiler flatbuffers-compiler-dev libflatbuffers-dev
  libhdf5-dev zlib1g-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  nlohmann-json3-dev
  # Offscreen GUI tests, screenshots, fonts for plots.
  xvfb xauth fonts-dejavu-core
  # The TFLite oracle used by the exactness tests (Node + npm).
  nodejs
)

# Optional, only with --demo-model: what packaging/make_demo_model.py needs to
# regenerate resources/demo (Debian's /usr/bin/python3 modules and the dataset).
# The generated files are committed, so building and testing never need these.
demo_model_packages=(
  python3-numpy python3-h5py python3-flatbuffers dataset-fashion-mnist
)
if [ "${1:-}" = "--demo-model" ]; then
  packages+=("${demo_model_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
if ! command -v npm >/dev/null 2>&1; then
  # Debian's own nodejs ships npm separately; NodeSource's nodejs bundles it.
  $SUDO apt-get install -y -qq --no-install-recommends npm
fi
