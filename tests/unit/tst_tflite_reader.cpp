// Checks the TFLite reader on small models built in memory with the flatbuffers API
// generated from our schema: valid models read field by field, and every kind of
// damage (truncation, flipped bytes, bad indices, bad buffers, bad shapes, bad
// quantization) gives an error naming the file and the specific problem.
#include <QtTest>

#include <filesystem>
#include <functional>

#include "io/model_loader.h"
#include "io/tflite_builtin_ops.h"
#include "io/tflite_reader.h"
#include "test_support.h"
#include "tflite_schema_generated.h"

namespace {

using namespace rf;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

const std::string kSource = "unit_model.tflite";

/// A declarative description of a TFLite model, turned into flatbuffer bytes by build().
/// Tests start from a valid model and damage one field.
struct ModelSpec {
    struct TensorSpec {
        std::string name;
        tflite::TensorType type = tflite::TensorType::FLOAT32;
        std::vector<int32_t> shape;
        uint32_t buffer = 0;
        std::vector<float> scales;
        std::vector<int64_t> zeroPoints;
        int32_t quantizedDimension = 0;
        bool sparse = false;
        bool isVariable = false;
    };
    struct BufferSpec {
        std::vector<uint8_t> data;
        uint64_t offset = 0;
        uint64_t size = 0;
    };
    struct OpcodeSpec {
        int8_t deprecatedCode = 0;
        int32_t code = 0;
        std::string customCode;
        int32_t version = 1;
    };
    struct OpSpec {
        uint32_t opcodeIndex = 0;
        std::vector<int32_t> inputs, outputs;
        tflite::BuiltinOptions optionsType = tflite::BuiltinOptions::NONE;
        std::function<Offset<void>(FlatBufferBuilder&)> options;
    };

    /// An unquantized activation tensor.
    static TensorSpec plainTensor(std::string name, std::vector<int32_t> shape)
    {
        TensorSpec tensor;
        tensor.name = std::move(name);
        tensor.shape = std::move(shape);
        return tensor;
    }
    /// An unquantized tensor whose data is in `buffer`.
    static TensorSpec bufferTensor(std::string name, tflite::TensorType type, std::vector<int32_t> shape, uint32_t buffer)
    {
        TensorSpec tensor = plainTensor(std::move(name), std::move(shape));
        tensor.type = type;
        tensor.buffer = buffer;
        return tensor;
    }
    /// An op without builtin options.
    static OpSpec plainOp(uint32_t opcodeIndex, std::vector<int32_t> inputs, std::vector<int32_t> outputs)
    {
        OpSpec op;
        op.opcodeIndex = opcodeIndex;
        op.inputs = std::move(inputs);
        op.outputs = std::move(outputs);
        return op;
    }

    uint32_t version = 3;
    std::string description = "unit test model";
    std::vector<OpcodeSpec> opcodes;
    std::vector<TensorSpec> tensors;
    std::vector<BufferSpec> buffers{BufferSpec{}}; // Buffer 0: the empty sentinel.
    std::vector<OpSpec> ops;
    std::vector<int32_t> inputs, outputs;

    std::vector<uint8_t> build() const
    {
        FlatBufferBuilder fbb;
        std::vector<Offset<tflite::OperatorCode>> opcodeOffsets;
        for (const auto& opcode : opcodes)
            opcodeOffsets.push_back(tflite::CreateOperatorCodeDirect(
                fbb, opcode.deprecatedCode, opcode.customCode.empty() ? nullptr : opcode.customCode.c_str(),
                opcode.version, static_cast<tflite::BuiltinOperator>(opcode.code)));
        std::vector<Offset<tflite::Tensor>> tensorOffsets;
        for (const auto& tensor : tensors) {
            Offset<tflite::QuantizationParameters> quant;
            if (!tensor.scales.empty())
                quant = tflite::CreateQuantizationParametersDirect(fbb, nullptr, nullptr, &tensor.scales,
                                                                   &tensor.zeroPoints, tflite::QuantizationDetails::NONE,
                                                                   0, tensor.quantizedDimension);
            Offset<tflite::SparsityParameters> sparsity;
            if (tensor.sparse) {
                const std::vector<int32_t> order{0};
                sparsity = tflite::CreateSparsityParametersDirect(fbb, &order);
            }
            tensorOffsets.push_back(tflite::CreateTensorDirect(fbb, &tensor.shape, tensor.type, tensor.buffer,
                                                               tensor.name.c_str(), quant, tensor.isVariable, sparsity));
        }
        std::vector<Offset<tflite::Operator>> opOffsets;
        for (const auto& op : ops) {
            const Offset<void> options = op.options ? op.options(fbb) : Offset<void>();
            opOffsets.push_back(
                tflite::CreateOperatorDirect(fbb, op.opcodeIndex, &op.inputs, &op.outputs, op.optionsType, options));
        }
        const auto subgraph = tflite::CreateSubGraphDirect(fbb, &tensorOffsets, &inputs, &outputs, &opOffsets, "main");
        std::vector<Offset<tflite::SubGraph>> subgraphs{subgraph};
        std::vector<Offset<tflite::Buffer>> bufferOffsets;
        for (const auto& buffer : buffers) {
            // Data vectors are 16-byte aligned, as upstream's force_align asks.
            if (!buffer.data.empty()) fbb.ForceVectorAlignment(buffer.data.size(), 1, 16);
            bufferOffsets.push_back(tflite::CreateBufferDirect(
                fbb, buffer.data.empty() ? nullptr : &buffer.data, buffer.offset, buffer.size));
        }
        const auto model = tflite::CreateModelDirect(fbb, version, &opcodeOffsets, &subgraphs, description.c_str(),
                                                     &bufferOffsets);
        tflite::FinishModelBuffer(fbb, model);
        return std::vector<uint8_t>(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
    }
};

template <typename T>
std::vector<uint8_t> bytesOf(const std::vector<T>& values)
{
    std::vector<uint8_t> bytes(values.size() * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
}

/// A quantized CONV_2D: input int8 [1,3,3,2], per-channel int8 filter [2,1,1,2],
/// int32 bias [2], output int8 [1,2,3,2]; VALID padding, stride h=2 w=1, fused RELU6.
ModelSpec convModel()
{
    ModelSpec spec;
    spec.opcodes.push_back({static_cast<int8_t>(tflite::BuiltinOperator::CONV_2D),
                            static_cast<int32_t>(tflite::BuiltinOperator::CONV_2D), "", 3});
    spec.tensors.push_back({"input", tflite::TensorType::INT8, {1, 3, 3, 2}, 0, {0.5f}, {-1}, 0});
    spec.tensors.push_back({"conv/filter", tflite::TensorType::INT8, {2, 1, 1, 2}, 1, {0.25f, 0.125f}, {0, 0}, 0});
    spec.tensors.push_back({"conv/bias", tflite::TensorType::INT32, {2}, 2, {0.125f, 0.0625f}, {0, 0}, 0});
    spec.tensors.push_back({"conv/output", tflite::TensorType::INT8, {1, 2, 3, 2}, 0, {1.5f}, {3}, 0});
    spec.buffers.push_back({bytesOf(std::vector<int8_t>{1, -2, 3, -4}), 0, 0});
    spec.buffers.push_back({bytesOf(std::vector<int32_t>{100, -200}), 0, 0});
    spec.ops.push_back({0, {0, 1, 2}, {3}, tflite::BuiltinOptions::Conv2DOptions, [](FlatBufferBuilder& fbb) {
                            return tflite::CreateConv2DOptions(fbb, tflite::Padding::VALID, /*stride_w=*/1,
                                                               /*stride_h=*/2, tflite::ActivationFunctionType::RELU6,
                                                               /*dilation_w=*/1, /*dilation_h=*/3)
                                .Union();
                        }});
    spec.inputs = {0};
    spec.outputs = {3};
    return spec;
}

/// A float model with one op of the given opcode on input [1,4] -> output [1,4].
ModelSpec singleOpModel(ModelSpec::OpcodeSpec opcode, tflite::BuiltinOptions optionsType = tflite::BuiltinOptions::NONE,
                        std::function<Offset<void>(FlatBufferBuilder&)> options = {})
{
    ModelSpec spec;
    spec.opcodes.push_back(std::move(opcode));
    spec.tensors.push_back(ModelSpec::plainTensor("x", {1, 4}));
    spec.tensors.push_back(ModelSpec::plainTensor("y", {1, 4}));
    spec.ops.push_back({0, {0}, {1}, optionsType, std::move(options)});
    spec.inputs = {0};
    spec.outputs = {1};
    return spec;
}

ModelSpec::OpcodeSpec builtin(tflite::BuiltinOperator op, int32_t version = 1)
{
    const int32_t code = static_cast<int32_t>(op);
    // Writers put codes below 127 in both fields, larger ones only in builtin_code.
    return {static_cast<int8_t>(code < 127 ? code : 127), code, "", version};
}

Result<Graph> readSpec(const ModelSpec& spec)
{
    const auto bytes = spec.build();
    return readTfliteBuffer(bytes.data(), bytes.size(), kSource);
}

/// The error message of reading `bytes`; fails the test if reading succeeded.
std::string errorOf(const Result<Graph>& result)
{
    if (result.isOk()) return "<no error: the model was accepted>";
    return result.message();
}

} // namespace

#define EXPECT_ERROR(result, ...)                                                                      \
    do {                                                                                               \
        const std::string message_ = errorOf(result);                                                  \
        for (const char* expected_ : {__VA_ARGS__})                                                    \
            QVERIFY2(message_.find(expected_) != std::string::npos,                                    \
                     ("message lacks '" + std::string(expected_) + "': " + message_).c_str());         \
    } while (false)

class TestTfliteReader : public QObject {
    Q_OBJECT
private slots:
    void readsEveryFieldOfAValidModel()
    {
        const auto result = readSpec(convModel());
        QVERIFY2(result.isOk(), result.message().c_str());
        const Graph& graph = result.value();
        QCOMPARE(graph.sourcePath, kSource);
        QCOMPARE(graph.description, std::string("unit test model"));
        QCOMPARE(graph.tensors.size(), size_t{4});
        QCOMPARE(graph.inputs, std::vector<int32_t>{0});
        QCOMPARE(graph.outputs, std::vector<int32_t>{3});

        const Tensor& input = graph.tensors[0];
        QCOMPARE(input.name, std::string("input"));
        QCOMPARE(input.dtype, DType::Int8);
        QCOMPARE(input.shape, (Shape{1, 3, 3, 2}));
        QVERIFY(!input.isConstant);
        QCOMPARE(input.quant.scales, std::vector<float>{0.5f});
        QCOMPARE(input.quant.zeroPoints, std::vector<int64_t>{-1});

        const Tensor& filter = graph.tensors[1];
        QCOMPARE(filter.name, std::string("conv/filter"));
        QVERIFY(filter.isConstant);
        QCOMPARE(filter.data, bytesOf(std::vector<int8_t>{1, -2, 3, -4}));
        QCOMPARE(filter.quant.scales, (std::vector<float>{0.25f, 0.125f}));
        QCOMPARE(filter.quant.axis, 0);
        QVERIFY(filter.quant.perAxis());

        const Tensor& bias = graph.tensors[2];
        QCOMPARE(bias.dtype, DType::Int32);
        QCOMPARE(bias.data, bytesOf(std::vector<int32_t>{100, -200}));

        QCOMPARE(graph.ops.size(), size_t{1});
        const Op& op = graph.ops[0];
        QCOMPARE(op.type, OpType::Conv2D);
        QCOMPARE(op.typeName, std::string("CONV_2D"));
        QCOMPARE(op.version, 3);
        QCOMPARE(op.inputs, (std::vector<int32_t>{0, 1, 2}));
        QCOMPARE(op.outputs, std::vector<int32_t>{3});
        QCOMPARE(op.attrs.padding, Padding::Valid);
        QCOMPARE(op.attrs.strideH, 2);
        QCOMPARE(op.attrs.strideW, 1);
        QCOMPARE(op.attrs.dilationH, 3);
        QCOMPARE(op.attrs.dilationW, 1);
        QCOMPARE(op.attrs.activation, FusedActivation::Relu6);
    }

    void readsAFileFromDiskWithItsPath()
    {
        const std::string dir = rf::test::makeTempDir("rf-tflite-reader");
        const std::string path = dir + "/conv.tflite";
        QVERIFY(rf::test::writeFileBytes(path, convModel().build()));
        const auto direct = readTfliteFile(path);
        QVERIFY2(direct.isOk(), direct.message().c_str());
        QCOMPARE(direct.value().sourcePath, path);
        const auto sniffed = loadModelFile(path);
        QVERIFY2(sniffed.isOk(), sniffed.message().c_str());
        QCOMPARE(sniffed.value().ops[0].type, OpType::Conv2D);
        std::filesystem::remove_all(dir);
    }

    void absentOptionalInputIsKept()
    {
        auto spec = convModel();
        spec.ops[0].inputs = {0, 1, -1};
        const auto result = readSpec(spec);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().ops[0].inputs, (std::vector<int32_t>{0, 1, kNoTensor}));
    }

    void builtinCodeIsTheMaximumOfBothFields()
    {
        // Old files only have the byte-sized deprecated code (builtin_code absent = 0 = ADD).
        auto oldFile = singleOpModel({static_cast<int8_t>(tflite::BuiltinOperator::RELU6), 0, "", 1});
        auto result = readSpec(oldFile);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().ops[0].type, OpType::Relu6);
        // Codes >= 127 only fit builtin_code; the deprecated field holds the placeholder 127.
        auto newCode = singleOpModel(builtin(tflite::BuiltinOperator::GELU), tflite::BuiltinOptions::GeluOptions,
                                     [](FlatBufferBuilder& fbb) { return tflite::CreateGeluOptions(fbb, true).Union(); });
        result = readSpec(newCode);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().ops[0].type, OpType::Gelu);
        QCOMPARE(result.value().ops[0].typeName, std::string("GELU"));
        QVERIFY(result.value().ops[0].attrs.approximate);
    }

    void unsupportedOpsKeepTheirNames()
    {
        ModelSpec spec;
        spec.opcodes = {builtin(tflite::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM),
                        {static_cast<int8_t>(kTfliteCustomCode), kTfliteCustomCode, "TFLite_Detection_PostProcess", 1},
                        {0, 999, "", 1}};
        for (int i = 0; i < 4; ++i) spec.tensors.push_back(ModelSpec::plainTensor("t" + std::to_string(i), {2}));
        spec.ops = {ModelSpec::plainOp(0, {0}, {1}), ModelSpec::plainOp(1, {1}, {2}), ModelSpec::plainOp(2, {2}, {3})};
        spec.inputs = {0};
        spec.outputs = {3};
        const auto result = readSpec(spec);
        QVERIFY2(result.isOk(), result.message().c_str());
        const auto& ops = result.value().ops;
        QCOMPARE(ops[0].type, OpType::Unsupported);
        QCOMPARE(ops[0].typeName, std::string("UNIDIRECTIONAL_SEQUENCE_LSTM"));
        QCOMPARE(ops[1].type, OpType::Unsupported);
        QCOMPARE(ops[1].typeName, std::string("CUSTOM:TFLite_Detection_PostProcess"));
        QCOMPARE(ops[2].type, OpType::Unsupported);
        QCOMPARE(ops[2].typeName, std::string("BUILTIN_999"));
    }

    void builtinNameTable()
    {
        // Values from upstream schema.fbs.
        QCOMPARE(tfliteBuiltinName(0), std::string("ADD"));
        QCOMPARE(tfliteBuiltinName(5), std::string("DEPTH_TO_SPACE"));
        QCOMPARE(tfliteBuiltinName(32), std::string("CUSTOM"));
        QCOMPARE(tfliteBuiltinName(44), std::string("UNIDIRECTIONAL_SEQUENCE_LSTM"));
        QCOMPARE(tfliteBuiltinName(97), std::string("RESIZE_NEAREST_NEIGHBOR"));
        QCOMPARE(tfliteBuiltinName(117), std::string("HARD_SWISH"));
        QCOMPARE(tfliteBuiltinName(150), std::string("GELU"));
        QCOMPARE(tfliteBuiltinName(207), std::string("COMPLEX"));
        QCOMPARE(tfliteBuiltinName(208), std::string("BUILTIN_208"));
        QCOMPARE(tfliteBuiltinName(-3), std::string("BUILTIN_-3"));
        QCOMPARE(opTypeFromTfliteBuiltin(3), OpType::Conv2D);
        QCOMPARE(opTypeFromTfliteBuiltin(4), OpType::DepthwiseConv2D);
        QCOMPARE(opTypeFromTfliteBuiltin(102), OpType::SplitV);
        QCOMPARE(opTypeFromTfliteBuiltin(44), OpType::Unsupported);
        QCOMPARE(opTypeFromTfliteBuiltin(-1), OpType::Unsupported);
        QCOMPARE(opTypeFromTfliteBuiltin(100000), OpType::Unsupported);
        // Every op type the core knows has a builtin code (a misspelled opTypeName would not).
        for (size_t t = 1; t < static_cast<size_t>(OpType::Count); ++t) {
            const auto type = static_cast<OpType>(t);
            const auto code = tfliteBuiltinFromOpType(type);
            QVERIFY2(code.has_value(), std::string(opTypeName(type)).c_str());
            QCOMPARE(opTypeFromTfliteBuiltin(*code), type);
            QCOMPARE(tfliteBuiltinName(*code), std::string(opTypeName(type)));
        }
        QVERIFY(!tfliteBuiltinFromOpType(OpType::Unsupported).has_value());
    }

    void mapsBuiltinOptions()
    {
        using tflite::BuiltinOperator;
        using tflite::BuiltinOptions;
        auto read = [](const ModelSpec& spec) {
            auto result = readSpec(spec);
            if (!result.isOk()) qFatal("%s", result.message().c_str());
            return result.value().ops[0].attrs;
        };
        OpAttributes attrs = read(singleOpModel(builtin(BuiltinOperator::MAX_POOL_2D), BuiltinOptions::Pool2DOptions,
                                                [](FlatBufferBuilder& fbb) {
                                                    return tflite::CreatePool2DOptions(fbb, tflite::Padding::SAME, 2, 3, 4,
                                                                                       5, tflite::ActivationFunctionType::RELU)
                                                        .Union();
                                                }));
        QCOMPARE(attrs.padding, Padding::Same);
        QCOMPARE(attrs.strideW, 2);
        QCOMPARE(attrs.strideH, 3);
        QCOMPARE(attrs.filterW, 4);
        QCOMPARE(attrs.filterH, 5);
        QCOMPARE(attrs.activation, FusedActivation::Relu);

        attrs = read(singleOpModel(builtin(BuiltinOperator::DEPTHWISE_CONV_2D), BuiltinOptions::DepthwiseConv2DOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateDepthwiseConv2DOptions(
                                                  fbb, tflite::Padding::VALID, 1, 2, 4,
                                                  tflite::ActivationFunctionType::RELU_N1_TO_1, 2, 3)
                                           .Union();
                                   }));
        QCOMPARE(attrs.depthMultiplier, 4);
        QCOMPARE(attrs.dilationW, 2);
        QCOMPARE(attrs.dilationH, 3);
        QCOMPARE(attrs.activation, FusedActivation::ReluN1To1);

        attrs = read(singleOpModel(builtin(BuiltinOperator::SOFTMAX), BuiltinOptions::SoftmaxOptions,
                                   [](FlatBufferBuilder& fbb) { return tflite::CreateSoftmaxOptions(fbb, 0.5f).Union(); }));
        QCOMPARE(attrs.beta, 0.5f);

        attrs = read(singleOpModel(builtin(BuiltinOperator::FULLY_CONNECTED), BuiltinOptions::FullyConnectedOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateFullyConnectedOptions(
                                                  fbb, tflite::ActivationFunctionType::TANH,
                                                  tflite::FullyConnectedOptionsWeightsFormat::DEFAULT, true, true)
                                           .Union();
                                   }));
        QCOMPARE(attrs.activation, FusedActivation::Tanh);
        QVERIFY(attrs.keepNumDims);
        QVERIFY(attrs.asymmetricQuantizeInputs);

        attrs = read(singleOpModel(builtin(BuiltinOperator::STRIDED_SLICE), BuiltinOptions::StridedSliceOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateStridedSliceOptions(fbb, 1, 2, 4, 8, 16, true).Union();
                                   }));
        QCOMPARE(attrs.beginMask, 1);
        QCOMPARE(attrs.endMask, 2);
        QCOMPARE(attrs.ellipsisMask, 4);
        QCOMPARE(attrs.newAxisMask, 8);
        QCOMPARE(attrs.shrinkAxisMask, 16);
        QVERIFY(attrs.offset);

        attrs = read(singleOpModel(builtin(BuiltinOperator::RESHAPE), BuiltinOptions::ReshapeOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       const std::vector<int32_t> shape{2, 2};
                                       return tflite::CreateReshapeOptionsDirect(fbb, &shape).Union();
                                   }));
        QCOMPARE(attrs.newShape, (std::vector<int32_t>{2, 2}));

        attrs = read(singleOpModel(builtin(BuiltinOperator::SQUEEZE), BuiltinOptions::SqueezeOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       const std::vector<int32_t> dims{0};
                                       return tflite::CreateSqueezeOptionsDirect(fbb, &dims).Union();
                                   }));
        QCOMPARE(attrs.squeezeDims, std::vector<int32_t>{0});

        attrs = read(singleOpModel(builtin(BuiltinOperator::MEAN), BuiltinOptions::ReducerOptions,
                                   [](FlatBufferBuilder& fbb) { return tflite::CreateReducerOptions(fbb, true).Union(); }));
        QVERIFY(attrs.keepDims);

        attrs = read(singleOpModel(builtin(BuiltinOperator::CONCATENATION), BuiltinOptions::ConcatenationOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateConcatenationOptions(fbb, -1).Union();
                                   }));
        QCOMPARE(attrs.axis, -1);

        attrs = read(singleOpModel(builtin(BuiltinOperator::SPLIT_V), BuiltinOptions::SplitVOptions,
                                   [](FlatBufferBuilder& fbb) { return tflite::CreateSplitVOptions(fbb, 3).Union(); }));
        QCOMPARE(attrs.numSplits, 3);

        attrs = read(singleOpModel(builtin(BuiltinOperator::LEAKY_RELU), BuiltinOptions::LeakyReluOptions,
                                   [](FlatBufferBuilder& fbb) { return tflite::CreateLeakyReluOptions(fbb, 0.2f).Union(); }));
        QCOMPARE(attrs.alpha, 0.2f);

        attrs = read(singleOpModel(builtin(BuiltinOperator::RESIZE_BILINEAR), BuiltinOptions::ResizeBilinearOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateResizeBilinearOptions(fbb, false, true).Union();
                                   }));
        QVERIFY(!attrs.alignCorners);
        QVERIFY(attrs.halfPixelCenters);

        attrs = read(singleOpModel(builtin(BuiltinOperator::TRANSPOSE_CONV), BuiltinOptions::TransposeConvOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateTransposeConvOptions(fbb, tflite::Padding::VALID, 3, 2,
                                                                                 tflite::ActivationFunctionType::RELU)
                                           .Union();
                                   }));
        QCOMPARE(attrs.strideW, 3);
        QCOMPARE(attrs.strideH, 2);
        QCOMPARE(attrs.activation, FusedActivation::Relu);

        // ADD: pot_scale_int16 defaults to true in the table; with no table at all TFLite's
        // zero-initialized params make it false (and so the general int16 path).
        attrs = read(singleOpModel(builtin(BuiltinOperator::ADD), BuiltinOptions::AddOptions,
                                   [](FlatBufferBuilder& fbb) { return tflite::CreateAddOptions(fbb).Union(); }));
        QVERIFY(attrs.potScaleInt16);
        attrs = read(singleOpModel(builtin(BuiltinOperator::SUB), BuiltinOptions::SubOptions,
                                   [](FlatBufferBuilder& fbb) {
                                       return tflite::CreateSubOptions(fbb, tflite::ActivationFunctionType::NONE, false)
                                           .Union();
                                   }));
        QVERIFY(!attrs.potScaleInt16);
        attrs = read(singleOpModel(builtin(BuiltinOperator::ADD)));
        QVERIFY(!attrs.potScaleInt16);
        // SOFTMAX without options: TFLite's zero-initialized beta.
        attrs = read(singleOpModel(builtin(BuiltinOperator::SOFTMAX)));
        QCOMPARE(attrs.beta, 0.0f);
    }

    void legacyQuantizedDimensionOnRankOneBias()
    {
        // person_detect.tflite: quantized_dimension = 3 on a rank-1 per-channel bias.
        auto spec = convModel();
        spec.tensors[2].quantizedDimension = 3;
        auto result = readSpec(spec);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().tensors[2].quant.axis, 0);
        // Per-tensor parameters: the dimension is irrelevant.
        spec = convModel();
        spec.tensors[0].quantizedDimension = 7;
        result = readSpec(spec);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().tensors[0].quant.axis, 0);
        // Ambiguous (rank 4, two scales): refused.
        spec = convModel();
        spec.tensors[1].quantizedDimension = 5;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "quantized_dimension 5");
    }

    // ---- Damaged files ----------------------------------------------------------------

    void zeroLengthIsRefused()
    {
        const uint8_t nothing = 0;
        EXPECT_ERROR(readTfliteBuffer(&nothing, 0, kSource), kSource.c_str(), "empty");
        EXPECT_ERROR(readTfliteBuffer(nullptr, 0, kSource), kSource.c_str(), "empty");
    }

    void truncatedIsRefused()
    {
        const auto bytes = convModel().build();
        EXPECT_ERROR(readTfliteBuffer(bytes.data(), 6, kSource), kSource.c_str(), "truncated");
        for (size_t size : {size_t{8}, size_t{16}, bytes.size() / 2, bytes.size() - 1}) {
            const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
            EXPECT_ERROR(readTfliteBuffer(cut.data(), cut.size(), kSource), kSource.c_str(), "corrupted or truncated");
        }
    }

    void wrongMagicIsRefused()
    {
        auto bytes = convModel().build();
        std::memcpy(bytes.data() + 4, "TFL2", 4);
        EXPECT_ERROR(readTfliteBuffer(bytes.data(), bytes.size(), kSource), kSource.c_str(), "'TFL2'", "expected 'TFL3'");
        // Unprintable bytes are shown as hex escapes.
        std::memcpy(bytes.data() + 4, "\x01\xfe" "AB", 4);
        EXPECT_ERROR(readTfliteBuffer(bytes.data(), bytes.size(), kSource), kSource.c_str(), "'\\x01\\xfeAB'");
    }

    void corruptedRootOffsetIsRefused()
    {
        auto bytes = convModel().build();
        const uint32_t outside = static_cast<uint32_t>(bytes.size()) + 1000;
        std::memcpy(bytes.data(), &outside, 4);
        EXPECT_ERROR(readTfliteBuffer(bytes.data(), bytes.size(), kSource), kSource.c_str(), "corrupted");
    }

    void everySingleByteFlipIsHandled()
    {
        // Flipping any byte either still gives a valid model (e.g. inside tensor data or a
        // name) or an error naming the file; it must never crash (run under ASan too).
        const auto original = convModel().build();
        int refused = 0;
        for (size_t i = 0; i < original.size(); ++i) {
            for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
                auto bytes = original;
                bytes[i] ^= mask;
                const auto result = readTfliteBuffer(bytes.data(), bytes.size(), kSource);
                if (!result.isOk()) {
                    ++refused;
                    QVERIFY2(result.message().rfind(kSource + ":", 0) == 0, result.message().c_str());
                }
            }
        }
        // Most flips hit offsets, lengths or indices: a reader that accepts them all is not checking.
        QVERIFY2(refused > static_cast<int>(original.size()), std::to_string(refused).c_str());
    }

    void badSchemaVersionIsRefused()
    {
        auto spec = convModel();
        spec.version = 2;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "schema version 2");
    }

    void badTensorIndexIsRefused()
    {
        auto spec = convModel();
        spec.ops[0].inputs = {0, 99, 2};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (CONV_2D)", "input 1 refers to tensor #99",
                     "4 tensors");
        spec = convModel();
        spec.ops[0].outputs = {-1};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (CONV_2D)", "output 0 refers to tensor #-1");
        spec = convModel();
        spec.inputs = {4};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "graph input 0 refers to tensor #4");
        spec = convModel();
        spec.outputs = {-2};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "graph output 0 refers to tensor #-2");
    }

    void badOpcodeIndexIsRefused()
    {
        auto spec = convModel();
        spec.ops[0].opcodeIndex = 5;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0", "operator code #5", "1 operator codes");
    }

    void badBufferIndexIsRefused()
    {
        auto spec = convModel();
        spec.tensors[1].buffer = 17;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "buffer #17", "3 buffers");
    }

    void bufferTooSmallIsRefused()
    {
        auto spec = convModel();
        spec.buffers[1].data = {1, 2, 3};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "3 bytes", "needs 4 bytes");
        spec = convModel();
        spec.buffers[2].data = bytesOf(std::vector<int32_t>{1, 2, 3});
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #2 'conv/bias'", "12 bytes", "needs 8 bytes");
    }

    void buffersAfterTheFlatbufferAreRead()
    {
        // Newer converters place buffers after the flatbuffer, addressed from the file start.
        // The offset field has a fixed size, so a first build gives the final layout.
        auto spec = convModel();
        const std::vector<uint8_t> filterData = bytesOf(std::vector<int8_t>{9, -9, 7, -7});
        spec.buffers[1] = {{}, 0xFFFFFFFF, filterData.size()};
        const size_t flatbufferSize = spec.build().size();
        const size_t offset = (flatbufferSize + 15) / 16 * 16;
        spec.buffers[1].offset = offset;
        auto bytes = spec.build();
        QCOMPARE(bytes.size(), flatbufferSize);
        bytes.resize(offset);
        bytes.insert(bytes.end(), filterData.begin(), filterData.end());
        const auto result = readTfliteBuffer(bytes.data(), bytes.size(), kSource);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().tensors[1].data, filterData);

        // The same offset in a file cut short of it: refused.
        const std::vector<uint8_t> cut(bytes.begin(), bytes.end() - 1);
        EXPECT_ERROR(readTfliteBuffer(cut.data(), cut.size(), kSource), kSource.c_str(), "tensor #1 'conv/filter'",
                     "buffer #1", "outside the file");
    }

    void sharedBufferAmplificationIsRefused()
    {
        // Sharing a buffer between a few constants is normal (converters deduplicate)...
        auto spec = convModel();
        for (int i = 0; i < 3; ++i) spec.tensors.push_back(ModelSpec::bufferTensor("copy" + std::to_string(i), tflite::TensorType::INT8, {2, 1, 1, 2}, 1));
        auto result = readSpec(spec);
        QVERIFY2(result.isOk(), result.message().c_str());
        QCOMPARE(result.value().tensors[6].data, result.value().tensors[1].data);
        // ...but thousands of large tensors on one buffer would copy far more than the file holds.
        spec = convModel();
        const size_t bigBytes = 1 << 20;
        spec.buffers.push_back({std::vector<uint8_t>(bigBytes, 7), 0, 0});
        for (int i = 0; i < 200; ++i)
            spec.tensors.push_back(ModelSpec::bufferTensor("alias" + std::to_string(i), tflite::TensorType::INT8, {1 << 20}, 3));
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "'alias", "share buffers");
    }

    void bufferOffsetOutsideTheFileIsRefused()
    {
        auto spec = convModel();
        spec.buffers[1] = {{}, uint64_t{1} << 62, 4};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "outside the file");
        // An offset that fits but a size that wraps around when added to it.
        spec.buffers[1] = {{}, 64, ~uint64_t{0} - 10};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "outside the file");
    }

    void negativeShapeIsRefused()
    {
        auto spec = convModel();
        spec.tensors[3].shape = {1, -2, 3, 2};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #3 'conv/output'", "negative dimension",
                     "[1, -2, 3, 2]");
    }

    void hugeShapeIsRefused()
    {
        auto spec = convModel();
        spec.tensors[3].shape = {65536, 65536, 65536, 2};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #3 'conv/output'", "too large");
    }

    void unsupportedTypesAreRefused()
    {
        auto spec = convModel();
        spec.tensors[3].type = tflite::TensorType::STRING;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #3 'conv/output'", "STRING", "not support");
        spec.tensors[3].type = tflite::TensorType::COMPLEX64;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #3 'conv/output'", "COMPLEX64");
        spec.tensors[3].type = static_cast<tflite::TensorType>(77);
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #3 'conv/output'", "type code 77");
    }

    void sparseTensorsAreRefused()
    {
        auto spec = convModel();
        spec.tensors[1].sparse = true;
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "sparse");
    }

    void inconsistentQuantizationIsRefused()
    {
        auto spec = convModel();
        spec.tensors[1].scales = {0.1f, 0.2f, 0.3f};
        spec.tensors[1].zeroPoints = {0, 0, 0};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "3 per-channel scales",
                     "[2, 1, 1, 2]");
        spec = convModel();
        spec.tensors[1].zeroPoints = {0};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #1 'conv/filter'", "2 quantization scales but 1 zero points");
        spec = convModel();
        spec.tensors[0].scales = {std::numeric_limits<float>::quiet_NaN()};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "tensor #0 'input'", "non-finite");
    }

    void missingConvOptionsAreRefused()
    {
        auto spec = convModel();
        spec.ops[0].optionsType = tflite::BuiltinOptions::Pool2DOptions;
        spec.ops[0].options = [](FlatBufferBuilder& fbb) { return tflite::CreatePool2DOptions(fbb).Union(); };
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (CONV_2D)", "no Conv2DOptions", "Pool2DOptions");
    }

    void badEnumValuesAreRefused()
    {
        auto spec = convModel();
        spec.ops[0].options = [](FlatBufferBuilder& fbb) {
            return tflite::CreateConv2DOptions(fbb, static_cast<tflite::Padding>(9)).Union();
        };
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (CONV_2D)", "padding code 9");
        spec.ops[0].options = [](FlatBufferBuilder& fbb) {
            return tflite::CreateConv2DOptions(fbb, tflite::Padding::SAME, 1, 1,
                                               static_cast<tflite::ActivationFunctionType>(42))
                .Union();
        };
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (CONV_2D)", "fused activation function code 42");
    }

    void opsOutOfOrderAreRefused()
    {
        // Two ops where the first reads the second's output: not an execution order.
        ModelSpec spec = singleOpModel(builtin(tflite::BuiltinOperator::RELU));
        spec.tensors.push_back(ModelSpec::plainTensor("z", {1, 4}));
        spec.ops = {ModelSpec::plainOp(0, {1}, {2}), ModelSpec::plainOp(0, {0}, {1})};
        spec.outputs = {2};
        EXPECT_ERROR(readSpec(spec), kSource.c_str(), "op #0 (RELU)", "not produced by any earlier op");
    }

    void fuzzerRegressionsAreHandled()
    {
        // Inputs that once crashed the reader under the fuzzer (tests/fuzz/regressions,
        // see docs/fuzzing.md). The sanitizer presets make this a real check; here they
        // must at least read or fail with a message naming the file.
        const std::string dir = std::string(RF_SOURCE_DIR) + "/tests/fuzz/regressions";
        int count = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir)) {
            if (entry.path().extension() != ".tflite") continue; // Keras .h5 ones: tst_hdf5_crash_guard
            const auto bytes = rf::test::readFileBytes(entry.path().string());
            const auto result = readTfliteBuffer(bytes.data(), bytes.size(), kSource);
            if (!result.isOk()) QVERIFY2(result.message().rfind(kSource + ":", 0) == 0, result.message().c_str());
            ++count;
        }
        QVERIFY(count >= 1);
    }

    // ---- Format sniffing --------------------------------------------------------------

    void loaderSniffsFormats()
    {
        const std::string dir = rf::test::makeTempDir("rf-model-loader");
        const std::string h5 = dir + "/model.h5";
        std::vector<uint8_t> hdf5{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
        hdf5.resize(600, 0);
        QVERIFY(rf::test::writeFileBytes(h5, hdf5));
        // Sniffed as HDF5 and handed to the Keras reader, which finds no valid HDF5 structure.
        EXPECT_ERROR(loadModelFile(h5), h5.c_str(), "the HDF5 library cannot open the file (it is truncated or corrupt)");

        // The extension does not matter: a TFLite model named .h5 loads as TFLite.
        const std::string disguised = dir + "/really_tflite.h5";
        QVERIFY(rf::test::writeFileBytes(disguised, convModel().build()));
        QVERIFY(loadModelFile(disguised).isOk());

        const std::string text = dir + "/notes.tflite";
        const std::string content = "hello, this is not a model";
        QVERIFY(rf::test::writeFileBytes(text, std::vector<uint8_t>(content.begin(), content.end())));
        EXPECT_ERROR(loadModelFile(text), text.c_str(), "unrecognized model format", "68 65 6c 6c");

        const std::string empty = dir + "/empty.tflite";
        QVERIFY(rf::test::writeFileBytes(empty, {}));
        EXPECT_ERROR(loadModelFile(empty), empty.c_str(), "empty");
        EXPECT_ERROR(readTfliteFile(empty), empty.c_str(), "empty");

        const std::string missing = dir + "/missing.tflite";
        EXPECT_ERROR(loadModelFile(missing), missing.c_str(), "cannot open");
        EXPECT_ERROR(readTfliteFile(missing), missing.c_str(), "cannot open");
        EXPECT_ERROR(loadModelFile(dir), dir.c_str(), "directory");
        std::filesystem::remove_all(dir);
    }
};

QTEST_APPLESS_MAIN(TestTfliteReader)
#include "tst_tflite_reader.moc"
