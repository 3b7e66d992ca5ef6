#!/usr/bin/python3
"""Builds a one-op CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED .tflite model with seeded
random constant weights and bias, and a seeded random input, for recording oracle cases.

usage: make_conv_case.py GENDIR OUTDIR OP '<json spec>' SEED
  GENDIR  holds the Python bindings flatc generates from core/io/tflite_schema.fbs
  spec    {"input":   {"dtype": "int16"|"int8"|"float32", "shape": [..], "scale": s, "zp": z,
                       optional "range": r (float inputs: normal * r, then ReLU6 when "relu6")},
           "weights": {"shape": [..], "scales": [s] or one per channel, "axis": a},
           optional "bias": {"dtype": "int32"|"int64"|"float32", "range": r},
           "output":  {"dtype": .., "shape": [..], "scale": s, "zp": z},
           "options": {"activation": "RELU6", "stride": [h, w], "padding": "SAME"|"VALID",
                       "depth_multiplier": m, "asymmetric_quantize_inputs": bool, "version": v}}
Weights are int8 in [-127, 127]. Needs Debian's python3-numpy and python3-flatbuffers."""
import json, os, sys
import numpy as np
sys.path.insert(0, sys.argv.pop(1))
import flatbuffers
from tflite import (Model, SubGraph, Tensor, Buffer, Operator, OperatorCode, QuantizationParameters,
                    Conv2DOptions, DepthwiseConv2DOptions, FullyConnectedOptions)
from tflite.TensorType import TensorType
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.ActivationFunctionType import ActivationFunctionType
from tflite.Padding import Padding

outdir, opname, spec, seed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
os.makedirs(outdir, exist_ok=True)
rng = np.random.default_rng(seed)
TT = {"int8": TensorType.INT8, "int16": TensorType.INT16, "int32": TensorType.INT32,
      "int64": TensorType.INT64, "float32": TensorType.FLOAT32}
NP = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "float32": np.float32}
b = flatbuffers.Builder(1024)

def ivec(start, vals):
    start(b, len(vals))
    for v in reversed(vals): b.PrependInt32(v)
    return b.EndVector()

def ovec(start, offs):
    start(b, len(offs))
    for o in reversed(offs): b.PrependUOffsetTRelative(o)
    return b.EndVector()

def fvec(start, vals):
    start(b, len(vals))
    for v in reversed(vals): b.PrependFloat32(v)
    return b.EndVector()

def lvec(start, vals):
    start(b, len(vals))
    for v in reversed(vals): b.PrependInt64(v)
    return b.EndVector()

# Tensors: input, weights, [bias], output; constants carry data.
w = spec["weights"]
weights = rng.integers(-127, 128, int(np.prod(w["shape"]))).astype(np.int8).reshape(w["shape"])
tensors = [dict(spec["input"]), {"dtype": "int8", "shape": w["shape"], "scales": w["scales"], "axis": w.get("axis", 0),
                                 "data": weights}]
if "bias" in spec:
    bs = spec["bias"]
    n = w["shape"][3] if opname == "DEPTHWISE_CONV_2D" else w["shape"][0]
    if bs["dtype"] == "float32":
        bias = (rng.standard_normal(n) * bs.get("range", 1.0)).astype(np.float32)
    else:
        r = int(bs.get("range", 20000)); bias = rng.integers(-r, r + 1, n).astype(NP[bs["dtype"]])
    bias_tensor = {"dtype": bs["dtype"], "shape": [n], "data": bias}
    if bs["dtype"] != "float32":  # scale input_scale * weight_scale, as the spec requires
        si = spec["input"]["scale"]
        bias_tensor["scales"] = [np.float32(si * s).item() for s in w["scales"]]
    tensors.append(bias_tensor)
tensors.append(dict(spec["output"]))

bufs = []
Buffer.BufferStart(b); bufs.append(Buffer.BufferEnd(b))
for t in tensors:
    data = None
    if "data" in t:
        payload = t["data"].tobytes()
        b.StartVector(1, len(payload), 16); b.head -= len(payload); b.Bytes[b.head:b.head + len(payload)] = payload
        data = b.EndVector()
    Buffer.BufferStart(b)
    if data is not None: Buffer.BufferAddData(b, data)
    bufs.append(Buffer.BufferEnd(b))
toffs = []
for i, t in enumerate(tensors):
    name = b.CreateString("t%d" % i)
    shape = ivec(Tensor.TensorStartShapeVector, t["shape"])
    q = None
    scales = t.get("scales", [t["scale"]] if "scale" in t else None)
    if scales is not None:
        sc = fvec(QuantizationParameters.QuantizationParametersStartScaleVector, scales)
        zp = lvec(QuantizationParameters.QuantizationParametersStartZeroPointVector, [t.get("zp", 0)] * len(scales))
        QuantizationParameters.QuantizationParametersStart(b)
        QuantizationParameters.QuantizationParametersAddScale(b, sc)
        QuantizationParameters.QuantizationParametersAddZeroPoint(b, zp)
        QuantizationParameters.QuantizationParametersAddQuantizedDimension(b, t.get("axis", 0))
        q = QuantizationParameters.QuantizationParametersEnd(b)
    Tensor.TensorStart(b); Tensor.TensorAddShape(b, shape); Tensor.TensorAddType(b, TT[t["dtype"]])
    Tensor.TensorAddBuffer(b, i + 1); Tensor.TensorAddName(b, name)
    if q is not None: Tensor.TensorAddQuantization(b, q)
    toffs.append(Tensor.TensorEnd(b))

o = spec.get("options", {})
act = getattr(ActivationFunctionType, o.get("activation", "NONE"))
stride = o.get("stride", [1, 1])
pad = getattr(Padding, o.get("padding", "SAME"))
if opname == "CONV_2D":
    Conv2DOptions.Conv2DOptionsStart(b)
    Conv2DOptions.Conv2DOptionsAddPadding(b, pad)
    Conv2DOptions.Conv2DOptionsAddStrideH(b, stride[0]); Conv2DOptions.Conv2DOptionsAddStrideW(b, stride[1])
    Conv2DOptions.Conv2DOptionsAddDilationHFactor(b, 1); Conv2DOptions.Conv2DOptionsAddDilationWFactor(b, 1)
    Conv2DOptions.Conv2DOptionsAddFusedActivationFunction(b, act)
    opt_type, opt = BuiltinOptions.Conv2DOptions, Conv2DOptions.Conv2DOptionsEnd(b)
elif opname == "DEPTHWISE_CONV_2D":
    D = DepthwiseConv2DOptions
    D.DepthwiseConv2DOptionsStart(b)
    D.DepthwiseConv2DOptionsAddPadding(b, pad)
    D.DepthwiseConv2DOptionsAddStrideH(b, stride[0]); D.DepthwiseConv2DOptionsAddStrideW(b, stride[1])
    D.DepthwiseConv2DOptionsAddDepthMultiplier(b, o.get("depth_multiplier", 1))
    D.DepthwiseConv2DOptionsAddDilationHFactor(b, 1); D.DepthwiseConv2DOptionsAddDilationWFactor(b, 1)
    D.DepthwiseConv2DOptionsAddFusedActivationFunction(b, act)
    opt_type, opt = BuiltinOptions.DepthwiseConv2DOptions, D.DepthwiseConv2DOptionsEnd(b)
else:
    F = FullyConnectedOptions
    F.FullyConnectedOptionsStart(b)
    F.FullyConnectedOptionsAddFusedActivationFunction(b, act)
    F.FullyConnectedOptionsAddAsymmetricQuantizeInputs(b, o.get("asymmetric_quantize_inputs", False))
    opt_type, opt = BuiltinOptions.FullyConnectedOptions, F.FullyConnectedOptionsEnd(b)
code = getattr(BuiltinOperator, opname)
OperatorCode.OperatorCodeStart(b); OperatorCode.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
OperatorCode.OperatorCodeAddVersion(b, o.get("version", 1)); OperatorCode.OperatorCodeAddBuiltinCode(b, code)
oc = OperatorCode.OperatorCodeEnd(b)
n_in = len(tensors) - 1
ins = ivec(Operator.OperatorStartInputsVector, list(range(n_in)))
outs = ivec(Operator.OperatorStartOutputsVector, [n_in])
Operator.OperatorStart(b); Operator.OperatorAddOpcodeIndex(b, 0); Operator.OperatorAddInputs(b, ins)
Operator.OperatorAddOutputs(b, outs)
Operator.OperatorAddBuiltinOptionsType(b, opt_type); Operator.OperatorAddBuiltinOptions(b, opt)
op = Operator.OperatorEnd(b)
tv = ovec(SubGraph.SubGraphStartTensorsVector, toffs)
iv = ivec(SubGraph.SubGraphStartInputsVector, [0])
ov = ivec(SubGraph.SubGraphStartOutputsVector, [n_in])
opv = ovec(SubGraph.SubGraphStartOperatorsVector, [op])
SubGraph.SubGraphStart(b); SubGraph.SubGraphAddTensors(b, tv); SubGraph.SubGraphAddInputs(b, iv)
SubGraph.SubGraphAddOutputs(b, ov); SubGraph.SubGraphAddOperators(b, opv); sg = SubGraph.SubGraphEnd(b)
sgv = ovec(Model.ModelStartSubgraphsVector, [sg]); ocv = ovec(Model.ModelStartOperatorCodesVector, [oc])
bv = ovec(Model.ModelStartBuffersVector, bufs); desc = b.CreateString("make_conv_case")
Model.ModelStart(b); Model.ModelAddVersion(b, 3); Model.ModelAddOperatorCodes(b, ocv); Model.ModelAddSubgraphs(b, sgv)
Model.ModelAddDescription(b, desc); Model.ModelAddBuffers(b, bv); m = Model.ModelEnd(b)
b.Finish(m, file_identifier=b"TFL3")
open(os.path.join(outdir, "model.tflite"), "wb").write(b.Output())

t = spec["input"]
n = int(np.prod(t["shape"]))
if t["dtype"] == "float32":
    a = (rng.standard_normal(n) * t.get("range", 2.0)).astype(np.float32)
    if t.get("relu6"): a = np.clip(a, 0, 6).astype(np.float32)
else:
    lo, hi = t.get("values", [int(np.iinfo(NP[t["dtype"]]).min), int(np.iinfo(NP[t["dtype"]]).max)])
    a = rng.integers(lo, hi + 1, n).astype(NP[t["dtype"]])
np.save(os.path.join(outdir, "input_0.npy"), a.reshape(t["shape"]))
