#!/usr/bin/env bash
# One command for the main job: installs the Debian packages, builds the release
# preset and runs Rangefinder on the bundled demo model (resources/demo), with no
# network and no files the user has to find.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
  bash packaging/install-deps.sh
fi
cmake --preset release
cmake --build --preset release -j "$(nproc)"

batch=build/release/app/batch/rangefinder-batch
demo=resources/demo
out=$(mktemp -d /tmp/rangefinder-demo.XXXXXX)

echo "== Model summary: $demo/fashion_cnn.tflite"
"$batch" info "$demo/fashion_cnn.tflite" --summary
echo
echo "== Classifying the bundled Fashion-MNIST images (float32, builtin kernels)"
for input in "$demo"/inputs/*.npy; do
  name=$(basename "$input" .npy)
  "$batch" run "$demo/fashion_cnn.tflite" "$input" -o "$out/$name" --labels "$demo/labels.txt" --top 1 \
    | sed "s|^|$name: |"
done
echo
echo "Outputs and every intermediate tensor can be dumped with --dump-intermediates; results are in $out"
