#!/bin/bash
# Records the one-op oracle cases of tst_elementwise_oracle_cases: builds each model with
# make_one_op_model.py, runs it in the WASM TFLite oracle (XNNPACK delegate on) and keeps
# model, inputs, the oracle's output and which kernel ran it (cases.txt).
# usage: tests/data/elementwise_oracle/record_cases.sh /tmp/oracle/tflite_oracle.js
set -euo pipefail
ORACLE=${1:?path to tflite_oracle.js}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
GEN=$(mktemp -d)
flatc --python -o "$GEN" "$REPO/core/io/tflite_schema.fbs"
: > "$HERE/cases.txt"
record() { # NAME OP SPEC
    local dir="$HERE/$1"
    rm -rf "$dir"; mkdir -p "$dir"
    /usr/bin/python3 "$HERE/make_one_op_model.py" "$GEN" "$dir" "$2" "$3" 7
    local out; out=$(mktemp -d)
    node "$ORACLE" run "$dir/model.tflite" $(ls "$dir"/input_*.npy 2>/dev/null) -o "$out" --profile > "$out/log" 2>&1
    cp "$out/output_0.bin" "$dir/expected.bin"
    local kernel; kernel=$(grep -o "Delegate/[^:]*" "$out/log" | head -1 | sed 's/ /_/g' || true)
    echo "$1 ${kernel:-builtin}" >> "$HERE/cases.txt"
    rm -rf "$out"
}
q() { echo "{\"dtype\":\"$1\",\"shape\":$2,\"scale\":$3,\"zp\":$4}"; }
f() { echo "{\"dtype\":\"float32\",\"shape\":$1}"; }
S8=1024
# ADD / SUB / MUL: ties (scales 0.1 + 0.1 -> 0.2 and 0.5 * 0.5 -> 0.5), general scales, broadcasting, activations.
record add_s8_tie ADD "{\"inputs\":[$(q int8 [$S8] 0.1 3),$(q int8 [$S8] 0.1 -7)],\"output\":$(q int8 [$S8] 0.2 -2)}"
record sub_s8_tie SUB "{\"inputs\":[$(q int8 [$S8] 0.1 3),$(q int8 [$S8] 0.1 -7)],\"output\":$(q int8 [$S8] 0.2 -2)}"
record add_s8_relu6 ADD "{\"inputs\":[$(q int8 [4,16,16] 0.05 3),$(q int8 [4,16,16] 0.021 -7)],\"output\":$(q int8 [4,16,16] 0.061 -2),\"options\":{\"activation\":\"RELU6\"}}"
record add_u8_bcast ADD "{\"inputs\":[$(q uint8 [2,5,7] 0.013 130),$(q uint8 [5,1] 0.11 17)],\"output\":$(q uint8 [2,5,7] 0.09 120),\"options\":{\"activation\":\"RELU\"}}"
record sub_u8_tie SUB "{\"inputs\":[$(q uint8 [64,16] 0.1 128),$(q uint8 [16] 0.1 120)],\"output\":$(q uint8 [64,16] 0.4 128)}"
record mul_s8_tie MUL "{\"inputs\":[$(q int8 [$S8] 0.5 0),$(q int8 [$S8] 0.5 0)],\"output\":$(q int8 [$S8] 0.5 0)}"
record mul_s8 MUL "{\"inputs\":[$(q int8 [4,16,16] 0.05 3),$(q int8 [16] 0.021 -7)],\"output\":$(q int8 [4,16,16] 0.061 -2),\"options\":{\"activation\":\"RELU_N1_TO_1\"}}"
record mul_u8_bcast MUL "{\"inputs\":[$(q uint8 [2,5,7] 0.013 130),$(q uint8 [5,1] 0.11 17)],\"output\":$(q uint8 [2,5,7] 0.09 120)}"
record add_f32_bcast ADD "{\"inputs\":[$(f [3,1,8]),$(f [4,1])],\"output\":$(f [3,4,8]),\"options\":{\"activation\":\"RELU6\"}}"
record mul_f32 MUL "{\"inputs\":[$(f [64]),$(f [64])],\"output\":$(f [64])}"
record div_f32 DIV "{\"inputs\":[$(f [4,16]),$(f [16])],\"output\":$(f [4,16])}"
record max_s8 MAXIMUM "{\"inputs\":[$(q int8 [4,16] 0.1 3),$(q int8 [16] 0.1 3)],\"output\":$(q int8 [4,16] 0.1 3)}"
record min_f32 MINIMUM "{\"inputs\":[$(f [4,16]),$(f [16])],\"output\":$(f [4,16])}"
# QUANTIZE / DEQUANTIZE.
record quantize_f32_s8_tie QUANTIZE "{\"inputs\":[{\"dtype\":\"float32\",\"shape\":[$S8],\"grid\":[0.25,600]}],\"output\":$(q int8 [$S8] 0.5 -1)}"
record quantize_f32_u8_tie QUANTIZE "{\"inputs\":[{\"dtype\":\"float32\",\"shape\":[$S8],\"grid\":[0.25,600]}],\"output\":$(q uint8 [$S8] 0.5 128)}"
record quantize_f32_s8 QUANTIZE "{\"inputs\":[{\"dtype\":\"float32\",\"shape\":[$S8],\"range\":20}],\"output\":$(q int8 [$S8] 0.0731 5)}"
record requantize_s8 QUANTIZE "{\"inputs\":[$(q int8 [$S8] 0.1 3)],\"output\":$(q int8 [$S8] 0.0371 -1)}"
record requantize_u8_tie QUANTIZE "{\"inputs\":[$(q uint8 [$S8] 0.1 131)],\"output\":$(q uint8 [$S8] 0.4 100)}"
record requantize_u8_s8 QUANTIZE "{\"inputs\":[$(q uint8 [$S8] 0.1 131)],\"output\":$(q int8 [$S8] 0.4 10)}"
record dequantize_s8 DEQUANTIZE "{\"inputs\":[$(q int8 [$S8] 0.1 3)],\"output\":$(f [$S8])}"
# Activations.
record leaky_relu_s8 LEAKY_RELU "{\"inputs\":[$(q int8 [$S8] 0.1 3)],\"output\":$(q int8 [$S8] 0.07 -1),\"options\":{\"alpha\":0.2}}"
record leaky_relu_u8 LEAKY_RELU "{\"inputs\":[$(q uint8 [$S8] 0.1 130)],\"output\":$(q uint8 [$S8] 0.05 100),\"options\":{\"alpha\":0.3}}"
record leaky_relu_f32 LEAKY_RELU "{\"inputs\":[$(f [64])],\"output\":$(f [64]),\"options\":{\"alpha\":0.2}}"
record logistic_s8 LOGISTIC "{\"inputs\":[$(q int8 [$S8] 0.06 3)],\"output\":$(q int8 [$S8] 0.00390625 -128)}"
record logistic_u8 LOGISTIC "{\"inputs\":[$(q uint8 [$S8] 0.06 120)],\"output\":$(q uint8 [$S8] 0.00390625 0)}"
record logistic_f32 LOGISTIC "{\"inputs\":[$(f [64])],\"output\":$(f [64])}"
record tanh_s8 TANH "{\"inputs\":[$(q int8 [$S8] 0.03 3)],\"output\":$(q int8 [$S8] 0.0078125 0)}"
record tanh_f32 TANH "{\"inputs\":[$(f [64])],\"output\":$(f [64])}"
record hard_swish_s8 HARD_SWISH "{\"inputs\":[$(q int8 [$S8] 0.05 -10)],\"output\":$(q int8 [$S8] 0.03 -60)}"
record hard_swish_u8 HARD_SWISH "{\"inputs\":[$(q uint8 [$S8] 0.05 100)],\"output\":$(q uint8 [$S8] 0.03 60)}"
record hard_swish_f32 HARD_SWISH "{\"inputs\":[$(f [64])],\"output\":$(f [64])}"
record relu_s8 RELU "{\"inputs\":[$(q int8 [$S8] 0.05 -10)],\"output\":$(q int8 [$S8] 0.03 -60)}"
record relu6_u8 RELU6 "{\"inputs\":[$(q uint8 [$S8] 0.05 100)],\"output\":$(q uint8 [$S8] 0.03 60)}"
record relu_n1_to_1_s8 RELU_N1_TO_1 "{\"inputs\":[$(q int8 [$S8] 0.05 -10)],\"output\":$(q int8 [$S8] 0.03 -60)}"
record softmax_s8 SOFTMAX "{\"inputs\":[$(q int8 [8,128] 0.05 -10)],\"output\":$(q int8 [8,128] 0.00390625 -128)}"
record softmax_u8 SOFTMAX "{\"inputs\":[$(q uint8 [8,128] 0.05 100)],\"output\":$(q uint8 [8,128] 0.00390625 0)}"
record softmax_s16 SOFTMAX "{\"inputs\":[$(q int16 [16,64] 0.001 0)],\"output\":$(q int16 [16,64] 0.000030517578125 0)}"
record softmax_s8_to_s16 SOFTMAX "{\"inputs\":[$(q int8 [8,100] 0.05 3)],\"output\":$(q int16 [8,100] 0.000030517578125 0)}"
record softmax_f32 SOFTMAX "{\"inputs\":[$(f [4,64])],\"output\":$(f [4,64])}"
record elu_s8 ELU "{\"inputs\":[$(q int8 [$S8] 0.05 3)],\"output\":$(q int8 [$S8] 0.03 -20)}"
record gelu_s8 GELU "{\"inputs\":[$(q int8 [$S8] 0.05 3)],\"output\":$(q int8 [$S8] 0.03 -20)}"
record prelu_s8 PRELU "{\"inputs\":[$(q int8 [2,8,16] 0.05 3),{\"dtype\":\"int8\",\"shape\":[16],\"scale\":0.01,\"zp\":-5,\"const\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}],\"output\":$(q int8 [2,8,16] 0.03 -20)}"
rm -rf "$GEN"
echo "recorded $(wc -l < "$HERE/cases.txt") cases"
