#include "io/tflite_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <new>
#include <span>

#include "io/tflite_builtin_ops.h"
#include "io/tflite_reader.h"
#include "io/tflite_writer_op_version.h"
#include "io/tflite_writer_options.h"
#include "tflite_schema_generated.h"

namespace rf {

namespace {

/// The only schema version TFLite runtimes accept (tensorflow/lite/version.h).
constexpr uint32_t kTfliteSchemaVersion = 3;
/// Builtin codes below this fit the byte-sized deprecated_builtin_code field; larger
/// ones are written there as this placeholder (schema_utils.cc, PLACEHOLDER_FOR_GREATER_OP_CODES).
constexpr int32_t kPlaceholderForGreaterOpCodes = 127;
/// The min_runtime_version metadata buffer is 16 bytes (runtime_version.cc).
constexpr size_t kMinRuntimeVersionBytes = 16;
/// A flatbuffer addresses at most 2 GB (FLATBUFFERS_MAX_BUFFER_SIZE). Constant data
/// is almost all of a model, so a graph whose constants approach that is refused up
/// front, with room left for the tables and alignment padding.
constexpr uint64_t kMaxConstantBytes = (uint64_t{1} << 31) - (uint64_t{64} << 20);

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Result<tflite::TensorType> tensorTypeFor(DType dtype)
{
    using tflite::TensorType;
    switch (dtype) {
    case DType::Float32: return TensorType::FLOAT32;
    case DType::Float16: return TensorType::FLOAT16;
    case DType::Float64: return TensorType::FLOAT64;
    case DType::Int8: return TensorType::INT8;
    case DType::UInt8: return TensorType::UINT8;
    case DType::Int16: return TensorType::INT16;
    case DType::Int32: return TensorType::INT32;
    case DType::Int64: return TensorType::INT64;
    case DType::UInt32: return TensorType::UINT32;
    case DType::Bool: return TensorType::BOOL;
    case DType::Unknown: break;
    }
    return Status::error("it has no element type");
}

std::string fileLabel(const Graph& graph) { return graph.sourcePath.empty() ? std::string("model") : graph.sourcePath; }

/// An operator code: builtin code plus version. Ops of the same code but different
/// versions get separate codes, so every op keeps its own version.
using OpCodeKey = std::pair<int32_t, int32_t>;

/// Serializes one graph. Holds the builder and the indices assigned so far.
class TfliteGraphWriter {
public:
    TfliteGraphWriter(const Graph& graph, const TfliteWriteOptions& options) : graph_(graph), options_(options) {}

    Result<std::vector<uint8_t>> write();

private:
    Status checkWritable() const;
    Result<Offset<tflite::Tensor>> writeTensor(int32_t index);
    Offset<tflite::QuantizationParameters> writeQuantization(const Tensor& tensor);
    Result<Offset<tflite::Operator>> writeOperator(size_t opIndex);
    int32_t opVersion(size_t opIndex) const;
    uint32_t addBuffer(const std::vector<uint8_t>& bytes);
    std::vector<Offset<tflite::Metadata>> writeMetadata();
    Offset<flatbuffers::Vector<Offset<tflite::SignatureDef>>> writeSignature();

    const Graph& graph_;
    const TfliteWriteOptions& options_;
    FlatBufferBuilder builder_{1 << 16};
    std::vector<Offset<tflite::Buffer>> buffers_;
    std::map<OpCodeKey, uint32_t> opCodeIndex_;
    std::vector<OpCodeKey> opCodes_;
};

Status TfliteGraphWriter::checkWritable() const
{
    RF_RETURN_IF_ERROR(graph_.validate());
    uint64_t constantBytes = 0;
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
        const Tensor& tensor = graph_.tensors[t];
        const auto type = tensorTypeFor(tensor.dtype);
        if (!type.isOk())
            return Status::error(fileLabel(graph_) + ": " + graph_.tensorLabel(static_cast<int32_t>(t)) +
                                 " cannot be written to TFLite: " + type.message());
        if (tensor.isConstant && tensor.isVariable)
            return Status::error(fileLabel(graph_) + ": " + graph_.tensorLabel(static_cast<int32_t>(t)) +
                                 " is both a constant and a variable tensor; TFLite variable tensors hold no data");
        if (!tensor.quant.empty()) {
            for (float scale : tensor.quant.scales)
                if (!std::isfinite(scale))
                    return Status::error(fileLabel(graph_) + ": " + graph_.tensorLabel(static_cast<int32_t>(t)) +
                                         " has a non-finite quantization scale");
            if (tensor.quant.zeroPoints.size() > 1 && tensor.quant.zeroPoints.size() != tensor.quant.scales.size())
                return Status::error(fileLabel(graph_) + ": " + graph_.tensorLabel(static_cast<int32_t>(t)) + " has " +
                                     std::to_string(tensor.quant.scales.size()) + " scales but " +
                                     std::to_string(tensor.quant.zeroPoints.size()) + " zero points");
        }
        if (tensor.isConstant) constantBytes += tensor.data.size();
    }
    if (constantBytes > kMaxConstantBytes)
        return Status::error(fileLabel(graph_) + ": the constants hold " + std::to_string(constantBytes) +
                             " bytes; a TFLite flatbuffer holds at most 2 GB, which Rangefinder's writer does not exceed");
    for (size_t o = 0; o < graph_.ops.size(); ++o) {
        const Op& op = graph_.ops[o];
        if (op.type == OpType::Unsupported || !tfliteBuiltinFromOpType(op.type))
            return Status::error(graph_.opLabel(o) +
                                 ": the TFLite writer cannot express this operator (the graph does not hold its "
                                 "options or custom data); only operators Rangefinder runs can be written");
    }
    return Status::ok();
}

uint32_t TfliteGraphWriter::addBuffer(const std::vector<uint8_t>& bytes)
{
    // CreateBufferDirect aligns the data to 16 bytes (the schema's force_align), which
    // lets TFLite and XNNPACK use constants in place.
    buffers_.push_back(tflite::CreateBufferDirect(builder_, &bytes));
    return static_cast<uint32_t>(buffers_.size() - 1);
}

Offset<tflite::QuantizationParameters> TfliteGraphWriter::writeQuantization(const Tensor& tensor)
{
    const QuantParams& quant = tensor.quant;
    if (quant.empty()) return 0;
    // One zero point per scale, as TFLite requires (the IR allows one shared zero point).
    std::vector<int64_t> zeroPoints(quant.scales.size());
    for (size_t i = 0; i < zeroPoints.size(); ++i) zeroPoints[i] = quant.zeroPoint(i);
    const auto scales = builder_.CreateVector(quant.scales);
    const auto zeros = builder_.CreateVector(zeroPoints);
    return tflite::CreateQuantizationParameters(builder_, 0, 0, scales, zeros, tflite::QuantizationDetails::NONE, 0,
                                                quant.perAxis() ? quant.axis : 0);
}

Result<Offset<tflite::Tensor>> TfliteGraphWriter::writeTensor(int32_t index)
{
    const Tensor& tensor = graph_.tensors[index];
    const tflite::TensorType type = tensorTypeFor(tensor.dtype).value();
    const uint32_t buffer = tensor.isConstant && !tensor.data.empty() ? addBuffer(tensor.data) : 0;
    // A constant with no elements has no bytes; TFLite reads it from an empty buffer too.
    const auto shape = builder_.CreateVector(tensor.shape);
    Offset<flatbuffers::Vector<int32_t>> signature = 0;
    const bool activation = !tensor.isConstant && !tensor.isVariable;
    if (options_.dynamicBatch && activation && !tensor.shape.empty() && tensor.shape[0] == 1) {
        Shape dims = tensor.shape;
        dims[0] = -1;
        signature = builder_.CreateVector(dims);
    }
    const auto name = builder_.CreateString(tensor.name);
    const auto quantization = writeQuantization(tensor);
    tflite::TensorBuilder tensorBuilder(builder_);
    tensorBuilder.add_shape(shape);
    tensorBuilder.add_type(type);
    tensorBuilder.add_buffer(buffer);
    tensorBuilder.add_name(name);
    if (!quantization.IsNull()) tensorBuilder.add_quantization(quantization);
    tensorBuilder.add_is_variable(tensor.isVariable);
    if (!signature.IsNull()) tensorBuilder.add_shape_signature(signature);
    // The IR always knows a tensor's rank; has_rank tells TFLite a [] shape is a scalar.
    tensorBuilder.add_has_rank(true);
    return tensorBuilder.Finish();
}

int32_t TfliteGraphWriter::opVersion(size_t opIndex) const
{
    const int32_t required = requiredTfliteOpVersion(graph_, opIndex);
    if (options_.opVersions == TfliteOpVersionPolicy::Computed) return required;
    return std::max(required, graph_.ops[opIndex].version);
}

Result<Offset<tflite::Operator>> TfliteGraphWriter::writeOperator(size_t opIndex)
{
    const Op& op = graph_.ops[opIndex];
    const int32_t code = *tfliteBuiltinFromOpType(op.type);
    const OpCodeKey key{code, opVersion(opIndex)};
    auto found = opCodeIndex_.find(key);
    if (found == opCodeIndex_.end()) {
        found = opCodeIndex_.emplace(key, static_cast<uint32_t>(opCodes_.size())).first;
        opCodes_.push_back(key);
    }
    RF_ASSIGN_OR_RETURN(const tflite_writer::BuiltinOptionsRef options,
                        tflite_writer::buildBuiltinOptions(builder_, code, op.attrs, graph_.opLabel(opIndex)));
    const auto inputs = builder_.CreateVector(op.inputs);
    const auto outputs = builder_.CreateVector(op.outputs);
    return tflite::CreateOperator(builder_, found->second, inputs, outputs, options.type, options.table);
}

std::vector<Offset<tflite::Metadata>> TfliteGraphWriter::writeMetadata()
{
    std::vector<Offset<tflite::Metadata>> metadata;
    const auto add = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
        const uint32_t buffer = addBuffer(bytes);
        metadata.push_back(tflite::CreateMetadataDirect(builder_, name.c_str(), buffer));
    };
    if (options_.writeMinRuntimeVersion) {
        // The oldest runtime that has every (operator, version) used; pairs TFLite's
        // table does not list are skipped, as the converter does.
        std::string minimum;
        for (const OpCodeKey& key : opCodes_) {
            const std::string runtime = tfliteMinRuntimeForOp(key.first, key.second);
            if (!runtime.empty() && tfliteRuntimeVersionLess(minimum, runtime)) minimum = runtime;
        }
        if (!minimum.empty() && minimum.size() < kMinRuntimeVersionBytes) {
            std::vector<uint8_t> bytes(kMinRuntimeVersionBytes, 0);
            std::memcpy(bytes.data(), minimum.data(), minimum.size());
            add("min_runtime_version", bytes);
        }
    }
    if (!options_.conversionJson.empty())
        add(kRangefinderMetadataName, std::vector<uint8_t>(options_.conversionJson.begin(), options_.conversionJson.end()));
    for (const auto& [name, bytes] : options_.extraMetadata) add(name, bytes);
    return metadata;
}

Offset<flatbuffers::Vector<Offset<tflite::SignatureDef>>> TfliteGraphWriter::writeSignature()
{
    const auto tensorMaps = [&](const std::vector<int32_t>& indices) {
        std::vector<Offset<tflite::TensorMap>> maps;
        for (int32_t index : indices)
            maps.push_back(tflite::CreateTensorMapDirect(builder_, graph_.tensors[index].name.c_str(),
                                                         static_cast<uint32_t>(index)));
        return builder_.CreateVector(maps);
    };
    const auto inputs = tensorMaps(graph_.inputs);
    const auto outputs = tensorMaps(graph_.outputs);
    const auto key = builder_.CreateString("serving_default");
    tflite::SignatureDefBuilder signature(builder_);
    signature.add_inputs(inputs);
    signature.add_outputs(outputs);
    signature.add_signature_key(key);
    signature.add_subgraph_index(0);
    std::vector<Offset<tflite::SignatureDef>> signatures{signature.Finish()};
    return builder_.CreateVector(signatures);
}

Result<std::vector<uint8_t>> TfliteGraphWriter::write()
{
    RF_RETURN_IF_ERROR(checkWritable());

    // Buffer 0 is TFLite's "no data" sentinel and must be empty.
    buffers_.push_back(tflite::CreateBuffer(builder_));

    std::vector<Offset<tflite::Tensor>> tensors;
    tensors.reserve(graph_.tensors.size());
    for (size_t t = 0; t < graph_.tensors.size(); ++t) {
        RF_ASSIGN_OR_RETURN(Offset<tflite::Tensor> tensor, writeTensor(static_cast<int32_t>(t)));
        tensors.push_back(tensor);
    }
    std::vector<Offset<tflite::Operator>> operators;
    operators.reserve(graph_.ops.size());
    for (size_t o = 0; o < graph_.ops.size(); ++o) {
        RF_ASSIGN_OR_RETURN(Offset<tflite::Operator> op, writeOperator(o));
        operators.push_back(op);
    }

    const auto tensorVector = builder_.CreateVector(tensors);
    const auto inputs = builder_.CreateVector(graph_.inputs);
    const auto outputs = builder_.CreateVector(graph_.outputs);
    const auto operatorVector = builder_.CreateVector(operators);
    const auto subgraphName = builder_.CreateString("main");
    const auto subgraph = tflite::CreateSubGraph(builder_, tensorVector, inputs, outputs, operatorVector, subgraphName);
    const auto subgraphs = builder_.CreateVector(std::vector<Offset<tflite::SubGraph>>{subgraph});

    std::vector<Offset<tflite::OperatorCode>> codes;
    for (const auto& [code, version] : opCodes_) {
        // TFLite reads max(deprecated_builtin_code, builtin_code); older runtimes read
        // only the deprecated byte, so it carries the code whenever it fits.
        const auto deprecated = static_cast<int8_t>(std::min(code, kPlaceholderForGreaterOpCodes));
        codes.push_back(tflite::CreateOperatorCode(builder_, deprecated, 0, version,
                                                   static_cast<tflite::BuiltinOperator>(code)));
    }
    const auto codeVector = builder_.CreateVector(codes);

    const std::string description =
        options_.description.empty() ? defaultTfliteDescription(options_.producedBy) : options_.description;
    const auto descriptionString = builder_.CreateString(description);
    const std::vector<Offset<tflite::Metadata>> metadata = writeMetadata();
    const auto metadataVector = metadata.empty() ? 0 : builder_.CreateVector(metadata);
    const auto signatures = options_.writeSignature ? writeSignature() : 0;
    const auto bufferVector = builder_.CreateVector(buffers_);

    const auto model = tflite::CreateModel(builder_, kTfliteSchemaVersion, codeVector, subgraphs, descriptionString,
                                           bufferVector, 0, metadataVector, signatures);
    tflite::FinishModelBuffer(builder_, model);
    const uint8_t* data = builder_.GetBufferPointer();
    return std::vector<uint8_t>(data, data + builder_.GetSize());
}

} // namespace

std::string defaultTfliteDescription(const std::string& producedBy)
{
    std::string description = std::string("Rangefinder ") + RF_VERSION;
    if (!producedBy.empty()) description += ": " + producedBy;
    return description;
}

Result<std::vector<uint8_t>> writeTfliteBuffer(const Graph& graph, const TfliteWriteOptions& options)
{
    try {
        TfliteGraphWriter writer(graph, options);
        return writer.write();
    } catch (const std::bad_alloc&) {
        // No exception leaves the core: a model that does not fit in memory is an error.
        return Status::error(fileLabel(graph) + ": not enough memory to serialize the model");
    }
}

Status writeTfliteFile(const Graph& graph, const std::string& path, const TfliteWriteOptions& options)
{
    // Refusing early spares serializing a large model only to fail; writeFileAtomic
    // checks again atomically, so a file created meanwhile is not clobbered either.
    std::error_code error;
    if (options.overwrite == OverwritePolicy::Refuse && std::filesystem::exists(path, error))
        return Status::error(path + ": file exists (refusing to overwrite it; allow replacing it to write anyway)");
    RF_ASSIGN_OR_RETURN(const std::vector<uint8_t> bytes, writeTfliteBuffer(graph, options));
    // Reading back what was just built checks the writer against the reader before
    // anything reaches the disk; it costs a copy of the model, far less than the write.
    const Result<Graph> check = readTfliteBuffer(bytes.data(), bytes.size(), path);
    if (!check.isOk())
        return Status::error(path + ": internal error, the serialized model does not read back: " + check.message());
    return writeFileAtomic(path, std::span<const uint8_t>(bytes.data(), bytes.size()), options.overwrite);
}

} // namespace rf
