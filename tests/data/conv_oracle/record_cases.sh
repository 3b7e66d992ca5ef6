#!/bin/bash
# Records the one-op oracle cases of tst_conv_oracle_cases: builds each CONV_2D /
# DEPTHWISE_CONV_2D / FULLY_CONNECTED model with make_conv_case.py, runs it in the WASM
# TFLite oracle (XNNPACK delegate on) and keeps model, input, the oracle's output and
# which kernel ran it. cases.txt: NAME KERNEL MODES, where MODES says which of our kernel
# modes must reproduce the output bit for bit ("both", or "xnnpack" for the 16x8 GEMM
# cases whose rounding is ruy's portable kernel, i.e. specific to the WASM runtime).
# usage: tests/data/conv_oracle/record_cases.sh /tmp/oracle/tflite_oracle.js
set -euo pipefail
ORACLE=${1:?path to tflite_oracle.js}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
GEN=$(mktemp -d)
flatc --python -o "$GEN" "$REPO/core/io/tflite_schema.fbs"
: > "$HERE/cases.txt"
record() { # NAME OP MODES SPEC
    local dir="$HERE/$1"
    rm -rf "$dir"; mkdir -p "$dir"
    /usr/bin/python3 "$HERE/make_conv_case.py" "$GEN" "$dir" "$2" "$4" 7
    local out; out=$(mktemp -d)
    node "$ORACLE" run "$dir/model.tflite" "$dir/input_0.npy" -o "$out" --profile > "$out/log" 2>&1
    cp "$out/output_0.bin" "$dir/expected.bin"
    local kernel; kernel=$(grep -o "Delegate/[^:]*" "$out/log" | head -1 | sed 's/ /_/g' || true)
    echo "$1 ${kernel:-builtin} $3" >> "$HERE/cases.txt"
    rm -rf "$out"
}
s16() { echo "{\"dtype\":\"int16\",\"shape\":$1,\"scale\":$2,\"zp\":0,\"values\":[-$3,$3]}"; }
o16() { echo "{\"dtype\":\"int16\",\"shape\":$1,\"scale\":$2,\"zp\":0}"; }
f32() { echo "{\"dtype\":\"float32\",\"shape\":$1,\"range\":$2${3:+,\"relu6\":true}}"; }
f32o() { echo "{\"dtype\":\"float32\",\"shape\":$1}"; }
w8() { echo "{\"shape\":$1,\"scales\":$2,\"axis\":${3:-0}}"; }
b() { echo "{\"dtype\":\"$1\",\"range\":$2}"; }
PC16='[0.011,0.0042,0.0093,0.0057,0.0128,0.0031,0.0076,0.0104,0.0049,0.0088,0.0062,0.0115,0.0037,0.0095,0.0071,0.0053]'
# 16x8 FULLY_CONNECTED / CONV_2D: multiplier 1/4 makes every odd accumulator a rounding tie
# (ruy's single rounding breaks them upward; TFLite's reference kernels away from zero).
record fc_s16_nobias_tie FULLY_CONNECTED xnnpack "{\"input\":$(s16 [16,64] 1.0 10),\"weights\":$(w8 [32,64] [0.25]),\"output\":$(o16 [16,32] 1.0),\"options\":{\"version\":7}}"
record fc_s16_b32_tie FULLY_CONNECTED xnnpack "{\"input\":$(s16 [16,64] 1.0 10),\"weights\":$(w8 [32,64] [0.25]),\"bias\":$(b int32 3000),\"output\":$(o16 [16,32] 1.0),\"options\":{\"version\":7}}"
# No bias and general scales: large outputs show the 64-bit kernel's 16-bit multiplier.
record fc_s16_nobias FULLY_CONNECTED xnnpack "{\"input\":$(s16 [64,64] 0.013 3000),\"weights\":$(w8 [32,64] [0.0071]),\"output\":$(o16 [64,32] 0.12),\"options\":{\"version\":7}}"
record fc_s16_b64 FULLY_CONNECTED both "{\"input\":$(s16 [64,64] 0.013 3000),\"weights\":$(w8 [32,64] [0.0071]),\"bias\":$(b int64 30000),\"output\":$(o16 [64,32] 0.12),\"options\":{\"version\":7}}"
record conv_s16_b32_tie CONV_2D xnnpack "{\"input\":$(s16 [1,6,6,8] 1.0 10),\"weights\":$(w8 [16,3,3,8] [0.25]),\"bias\":$(b int32 3000),\"output\":$(o16 [1,6,6,16] 1.0),\"options\":{\"version\":4}}"
record conv_s16_b64 CONV_2D both "{\"input\":$(s16 [1,8,8,16] 0.013 3000),\"weights\":$(w8 [16,3,3,16] $PC16),\"bias\":$(b int64 30000),\"output\":$(o16 [1,8,8,16] 0.3),\"options\":{\"version\":4}}"
record dw_s16_b64_tie DEPTHWISE_CONV_2D both "{\"input\":$(s16 [1,8,8,16] 1.0 40),\"weights\":$(w8 [1,3,3,16] [0.25] 3),\"bias\":$(b int64 3000),\"output\":$(o16 [1,8,8,16] 1.0),\"options\":{\"version\":5}}"
# 16x8 DEPTHWISE_CONV_2D without a bias runs (64-bit accumulator); TFLite refuses one with an
# int32 bias and a 16x8 CONV_2D without a bias (tst_conv_ops asserts our prepare() does too).
record dw_s16_nobias DEPTHWISE_CONV_2D both "{\"input\":$(s16 [1,8,8,16] 1.0 40),\"weights\":$(w8 [1,3,3,16] [0.25] 3),\"output\":$(o16 [1,8,8,16] 1.0),\"options\":{\"version\":5}}"
# Hybrid (dynamic range): float input quantized on the fly per batch.
record dw_hybrid_relu6 DEPTHWISE_CONV_2D both "{\"input\":$(f32 [1,12,12,16] 3.0 relu6),\"weights\":$(w8 [1,3,3,16] $PC16 3),\"bias\":$(b float32 0.5),\"output\":$(f32o [1,12,12,16]),\"options\":{\"activation\":\"RELU6\",\"version\":6}}"
record dw_hybrid_signed_s2 DEPTHWISE_CONV_2D both "{\"input\":$(f32 [2,11,11,8] 2.0),\"weights\":$(w8 [1,3,3,16] $PC16 3),\"bias\":$(b float32 0.5),\"output\":$(f32o [2,6,6,16]),\"options\":{\"stride\":[2,2],\"depth_multiplier\":2,\"version\":6}}"
record conv_hybrid_per_channel CONV_2D both "{\"input\":$(f32 [2,9,9,8] 2.0),\"weights\":$(w8 [16,3,3,8] $PC16),\"bias\":$(b float32 0.5),\"output\":$(f32o [2,5,5,16]),\"options\":{\"stride\":[2,2],\"version\":5}}"
record conv_hybrid_per_tensor CONV_2D both "{\"input\":$(f32 [1,8,8,8] 3.0 relu6),\"weights\":$(w8 [16,1,1,8] [0.0071]),\"bias\":$(b float32 0.5),\"output\":$(f32o [1,8,8,16]),\"options\":{\"activation\":\"RELU\",\"version\":5}}"
record fc_hybrid FULLY_CONNECTED both "{\"input\":$(f32 [4,96] 2.0),\"weights\":$(w8 [16,96] [0.0071]),\"bias\":$(b float32 0.5),\"output\":$(f32o [4,16]),\"options\":{\"version\":3}}"
# Per-tensor weights only: this runtime multiplies a hybrid FULLY_CONNECTED's batch scale by
# the legacy per-tensor scale, which is 0 for per-channel weights, so it outputs the bias.
record fc_hybrid_asymmetric FULLY_CONNECTED both "{\"input\":$(f32 [4,96] 2.0),\"weights\":$(w8 [16,96] [0.0093]),\"bias\":$(b float32 0.5),\"output\":$(f32o [4,16]),\"options\":{\"asymmetric_quantize_inputs\":true,\"version\":9}}"
cat "$HERE/cases.txt"
