#!/usr/bin/python3
"""Builds a one-op .tflite model and seeded random inputs, for recording oracle cases.

usage: make_one_op_model.py GENDIR OUTDIR OP '<json spec>' SEED
  GENDIR  holds the Python bindings flatc generates from core/io/tflite_schema.fbs
          (flatc --python -o GENDIR core/io/tflite_schema.fbs)
  spec    {"inputs": [{"dtype": "int8", "shape": [..], "scale": s, "zp": z,
                       optional "const": [...], "grid": [step, n], "range": r}],
           "output": {...}, "options": {"activation": "RELU6", "alpha": .., "pot": .., ...}}
Needs Debian's python3-numpy and python3-flatbuffers."""
import json, os, sys
import numpy as np
sys.path.insert(0, sys.argv.pop(1))
import flatbuffers
from tflite import (Model, SubGraph, Tensor, Buffer, Operator, OperatorCode, QuantizationParameters,
                    AddOptions, SubOptions, MulOptions, LeakyReluOptions, SoftmaxOptions, DivOptions, GeluOptions)
from tflite.TensorType import TensorType
from tflite.BuiltinOperator import BuiltinOperator
from tflite.BuiltinOptions import BuiltinOptions
from tflite.ActivationFunctionType import ActivationFunctionType

outdir, opname, spec, seed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
os.makedirs(outdir, exist_ok=True)
rng = np.random.default_rng(seed)
TT = {"int8": TensorType.INT8, "uint8": TensorType.UINT8, "int16": TensorType.INT16, "float32": TensorType.FLOAT32}
NP = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "float32": np.float32}
b = flatbuffers.Builder(1024)
def ivec(start, vals):
    start(b, len(vals))
    for v in reversed(vals): b.PrependInt32(v)
    return b.EndVector()
def ovec(start, offs):
    start(b, len(offs))
    for o in reversed(offs): b.PrependUOffsetTRelative(o)
    return b.EndVector()
tensors = spec["inputs"] + [spec["output"]]
bufs = []
Buffer.BufferStart(b); bufs.append(Buffer.BufferEnd(b))
for t in tensors:
    data = None
    if "const" in t:
        payload = np.array(t["const"], dtype=NP[t["dtype"]]).tobytes()
        b.StartVector(1, len(payload), 16); b.head -= len(payload); b.Bytes[b.head:b.head+len(payload)] = payload; data = b.EndVector()
    Buffer.BufferStart(b)
    if data is not None: Buffer.BufferAddData(b, data)
    bufs.append(Buffer.BufferEnd(b))
toffs = []
for i, t in enumerate(tensors):
    name = b.CreateString("t%d" % i)
    shape = ivec(Tensor.TensorStartShapeVector, t["shape"])
    q = None
    if t["dtype"] != "float32":
        QuantizationParameters.QuantizationParametersStartScaleVector(b, 1); b.PrependFloat32(t["scale"]); sc = b.EndVector()
        QuantizationParameters.QuantizationParametersStartZeroPointVector(b, 1); b.PrependInt64(t["zp"]); zp = b.EndVector()
        QuantizationParameters.QuantizationParametersStart(b)
        QuantizationParameters.QuantizationParametersAddScale(b, sc)
        QuantizationParameters.QuantizationParametersAddZeroPoint(b, zp)
        q = QuantizationParameters.QuantizationParametersEnd(b)
    Tensor.TensorStart(b); Tensor.TensorAddShape(b, shape); Tensor.TensorAddType(b, TT[t["dtype"]])
    Tensor.TensorAddBuffer(b, i + 1); Tensor.TensorAddName(b, name)
    if q is not None: Tensor.TensorAddQuantization(b, q)
    toffs.append(Tensor.TensorEnd(b))
o = spec.get("options", {})
act = getattr(ActivationFunctionType, o.get("activation", "NONE"))
opt_type, opt = BuiltinOptions.NONE, None
if opname == "ADD":
    AddOptions.AddOptionsStart(b); AddOptions.AddOptionsAddFusedActivationFunction(b, act)
    if "pot" in o: AddOptions.AddOptionsAddPotScaleInt16(b, o["pot"])
    opt_type, opt = BuiltinOptions.AddOptions, AddOptions.AddOptionsEnd(b)
elif opname == "SUB":
    SubOptions.SubOptionsStart(b); SubOptions.SubOptionsAddFusedActivationFunction(b, act)
    if "pot" in o: SubOptions.SubOptionsAddPotScaleInt16(b, o["pot"])
    opt_type, opt = BuiltinOptions.SubOptions, SubOptions.SubOptionsEnd(b)
elif opname == "MUL":
    MulOptions.MulOptionsStart(b); MulOptions.MulOptionsAddFusedActivationFunction(b, act)
    opt_type, opt = BuiltinOptions.MulOptions, MulOptions.MulOptionsEnd(b)
elif opname == "LEAKY_RELU":
    LeakyReluOptions.LeakyReluOptionsStart(b); LeakyReluOptions.LeakyReluOptionsAddAlpha(b, o["alpha"])
    opt_type, opt = BuiltinOptions.LeakyReluOptions, LeakyReluOptions.LeakyReluOptionsEnd(b)
elif opname == "DIV":
    DivOptions.DivOptionsStart(b); DivOptions.DivOptionsAddFusedActivationFunction(b, act)
    opt_type, opt = BuiltinOptions.DivOptions, DivOptions.DivOptionsEnd(b)
elif opname == "GELU":
    GeluOptions.GeluOptionsStart(b); GeluOptions.GeluOptionsAddApproximate(b, o.get("approximate", False))
    opt_type, opt = BuiltinOptions.GeluOptions, GeluOptions.GeluOptionsEnd(b)
elif opname == "SOFTMAX":
    SoftmaxOptions.SoftmaxOptionsStart(b); SoftmaxOptions.SoftmaxOptionsAddBeta(b, o.get("beta", 1.0))
    opt_type, opt = BuiltinOptions.SoftmaxOptions, SoftmaxOptions.SoftmaxOptionsEnd(b)
code = getattr(BuiltinOperator, opname)
OperatorCode.OperatorCodeStart(b); OperatorCode.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
OperatorCode.OperatorCodeAddVersion(b, o.get("version", 1)); OperatorCode.OperatorCodeAddBuiltinCode(b, code)
oc = OperatorCode.OperatorCodeEnd(b)
n_in = len(spec["inputs"])
ins = ivec(Operator.OperatorStartInputsVector, list(range(n_in)))
outs = ivec(Operator.OperatorStartOutputsVector, [n_in])
Operator.OperatorStart(b); Operator.OperatorAddOpcodeIndex(b, 0); Operator.OperatorAddInputs(b, ins); Operator.OperatorAddOutputs(b, outs)
if opt is not None:
    Operator.OperatorAddBuiltinOptionsType(b, opt_type); Operator.OperatorAddBuiltinOptions(b, opt)
op = Operator.OperatorEnd(b)
graph_inputs = [i for i, t in enumerate(spec["inputs"]) if "const" not in t]
tv = ovec(SubGraph.SubGraphStartTensorsVector, toffs)
iv = ivec(SubGraph.SubGraphStartInputsVector, graph_inputs)
ov = ivec(SubGraph.SubGraphStartOutputsVector, [n_in])
opv = ovec(SubGraph.SubGraphStartOperatorsVector, [op])
SubGraph.SubGraphStart(b); SubGraph.SubGraphAddTensors(b, tv); SubGraph.SubGraphAddInputs(b, iv)
SubGraph.SubGraphAddOutputs(b, ov); SubGraph.SubGraphAddOperators(b, opv); sg = SubGraph.SubGraphEnd(b)
sgv = ovec(Model.ModelStartSubgraphsVector, [sg]); ocv = ovec(Model.ModelStartOperatorCodesVector, [oc])
bv = ovec(Model.ModelStartBuffersVector, bufs); desc = b.CreateString("mkop")
Model.ModelStart(b); Model.ModelAddVersion(b, 3); Model.ModelAddOperatorCodes(b, ocv); Model.ModelAddSubgraphs(b, sgv)
Model.ModelAddDescription(b, desc); Model.ModelAddBuffers(b, bv); m = Model.ModelEnd(b)
b.Finish(m, file_identifier=b"TFL3")
open(os.path.join(outdir, "model.tflite"), "wb").write(b.Output())
for j, i in enumerate(graph_inputs):
    t = spec["inputs"][i]
    n = int(np.prod(t["shape"]))
    if t["dtype"] == "float32":
        if "grid" in t:
            a = (rng.integers(-t["grid"][1], t["grid"][1] + 1, n) * t["grid"][0]).astype(np.float32)
        else:
            a = (rng.standard_normal(n) * t.get("range", 4.0)).astype(np.float32)
    else:
        info = np.iinfo(NP[t["dtype"]]); a = rng.integers(info.min, info.max + 1, n).astype(NP[t["dtype"]])
    np.save(os.path.join(outdir, "input_%d.npy" % j), a.reshape(t["shape"]))
