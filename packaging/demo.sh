#!/usr/bin/env bash
# One command for the main job: installs the Debian packages, builds the release
# preset and opens the Rangefinder inspector on the bundled demo (resources/demo):
# the float Keras model, quantized to int8 at start-up with min/max calibration on
# the bundled images, and the float-vs-int8 analysis already computed. No network,
# no files the user has to find.
#
# Without a display (ssh, CI) the same job runs headless: the inspector draws its
# window offscreen into a screenshot, and rangefinder-batch writes the int8 model
# and the HTML/JSON/CSV report of the same analysis.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
  bash packaging/install-deps.sh
fi
cmake --preset release
cmake --build --preset release -j "$(nproc)"

gui=build/release/app/gui/rangefinder
batch=build/release/app/batch/rangefinder-batch
demo=resources/demo

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${RF_DEMO_HEADLESS:-}" ]; then
  exec "$gui" --demo
fi

out=$(mktemp -d /tmp/rangefinder-demo.XXXXXX)
echo "== No display: running the demo headless; results in $out"
echo "== The inspector's window on the demo, drawn offscreen"
QT_QPA_PLATFORM=offscreen "$gui" --demo --screenshot "$out/inspector.png"
echo "   $out/inspector.png"
echo "== Quantizing the Keras model to int8 (min/max calibration on the bundled images)"
"$batch" convert --keras_model_file "$demo/fashion_cnn.h5" --output_file "$out/fashion_cnn_int8.tflite" \
  --calibration_images "$demo/images" --preset unit
echo "== Layer-by-layer float vs int8 report"
"$batch" report --float "$demo/fashion_cnn.h5" --quant "$out/fashion_cnn_int8.tflite" \
  --images "$demo/images" --preset unit --labels "$demo/labels.txt" --out "$out/report"
echo "Open $out/report/report.html in a browser, or run $gui --demo on a desktop."
