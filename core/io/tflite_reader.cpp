#include "io/tflite_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

#include "io/model_loader.h"
#include "io/tflite_builtin_ops.h"
#include "tflite_schema_generated.h"

namespace rf {

namespace {

/// The only schema version TFLite runtimes accept (tensorflow/lite/version.h).
constexpr uint32_t kTfliteSchemaVersion = 3;
/// Largest tensor we accept. It keeps byte counts far from overflow and rejects
/// absurd shapes from damaged files before anything tries to allocate them.
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 32;
/// Constant tensors may share a buffer (converters deduplicate identical constants),
/// so the copied data can exceed the file size, but not by much in a real model. A
/// damaged file pointing thousands of tensors at one large buffer is refused before
/// it can exhaust memory: at most this multiple of the file size plus kConstantSlack.
constexpr uint64_t kMaxConstantBytesPerFileByte = 4;
constexpr uint64_t kConstantSlack = uint64_t{64} << 20;

std::string quoted(const char* text) { return "'" + std::string(text ? text : "") + "'"; }

std::string tensorTypeName(tflite::TensorType type)
{
    const char* name = tflite::EnumNameTensorType(type);
    if (name == nullptr || *name == '\0') return "type code " + std::to_string(static_cast<int>(type));
    return name;
}

/// The IR dtype of a TFLite tensor type; Unknown for types the core cannot hold.
DType dtypeFromTflite(tflite::TensorType type)
{
    using tflite::TensorType;
    switch (type) {
    case TensorType::FLOAT32: return DType::Float32;
    case TensorType::FLOAT16: return DType::Float16;
    case TensorType::FLOAT64: return DType::Float64;
    case TensorType::INT8: return DType::Int8;
    case TensorType::UINT8: return DType::UInt8;
    case TensorType::INT16: return DType::Int16;
    case TensorType::INT32: return DType::Int32;
    case TensorType::INT64: return DType::Int64;
    case TensorType::UINT32: return DType::UInt32;
    case TensorType::BOOL: return DType::Bool;
    default: return DType::Unknown;
    }
}

std::string intListToString(const flatbuffers::Vector<int32_t>* values)
{
    std::string text = "[";
    if (values != nullptr)
        for (flatbuffers::uoffset_t i = 0; i < values->size(); ++i) {
            if (i) text += ", ";
            text += std::to_string(values->Get(i));
        }
    return text + "]";
}

/// Element i of a vector of 64-bit integers. The verifier guarantees 4-byte alignment
/// of vector data only, so 8-byte elements are copied out rather than loaded in place.
int64_t int64Element(const flatbuffers::Vector<int64_t>* values, flatbuffers::uoffset_t i)
{
    int64_t value;
    std::memcpy(&value, values->Data() + static_cast<size_t>(i) * sizeof(int64_t), sizeof value);
    return flatbuffers::EndianScalar(value);
}

/// Reads one model, keeping the file bytes and the verified root together.
class TfliteGraphReader {
public:
    TfliteGraphReader(const uint8_t* file, size_t size, std::string source)
        : file_(file), size_(size), source_(std::move(source))
    {
    }

    Result<Graph> read();

private:
    Status fail(const std::string& message) const { return Status::error(source_ + ": " + message); }
    std::string tensorLabel(int32_t index, const tflite::Tensor* tensor) const
    {
        return "tensor #" + std::to_string(index) + " " + quoted(tensor->name() ? tensor->name()->c_str() : "");
    }

    Status checkHeader() const;
    Status readTensor(int32_t index, const tflite::Tensor* source, Tensor& tensor) const;
    Status readBufferData(int32_t index, const tflite::Tensor* source, uint64_t expectedBytes, Tensor& tensor) const;
    Status readQuantization(int32_t index, const tflite::Tensor* source, Tensor& tensor) const;
    Status readOp(Graph& graph, size_t opIndex, const tflite::Operator* source, int32_t tensorCount) const;
    Status readOptions(const Graph& graph, size_t opIndex, int32_t code, const tflite::Operator* source,
                       OpAttributes& attrs) const;

    const uint8_t* file_;
    size_t size_;
    std::string source_;
    const tflite::Model* model_ = nullptr;
    /// Bytes of constant data copied so far (see kMaxConstantBytesPerFileByte).
    mutable uint64_t constantBytes_ = 0;
};

Status TfliteGraphReader::checkHeader() const
{
    if (size_ == 0) return fail("the file is empty (0 bytes), not a TensorFlow Lite model");
    // A flatbuffer starts with the 4-byte root offset, then the 4-byte file identifier.
    if (size_ < 8)
        return fail("the file is truncated (" + std::to_string(size_) +
                    " bytes); a TensorFlow Lite model is at least a flatbuffer header of 8 bytes");
    if (std::memcmp(file_ + 4, tflite::ModelIdentifier(), 4) != 0) {
        static const char hexDigits[] = "0123456789abcdef";
        std::string found;
        for (size_t i = 4; i < 8; ++i) {
            const uint8_t byte = file_[i];
            if (byte >= 0x20 && byte < 0x7f) {
                found += static_cast<char>(byte);
            } else {
                found += "\\x";
                found += hexDigits[byte >> 4];
                found += hexDigits[byte & 15];
            }
        }
        return fail("not a TensorFlow Lite model: the file identifier at offset 4 is '" + found + "', expected 'TFL3'");
    }
    // The verifier checks that every offset, vector, string and table of the flatbuffer
    // lies inside the buffer, so reading fields afterwards cannot go out of bounds.
    // Models over 2 GB keep their flatbuffer at the start and tensor data after it;
    // flatbuffers cannot address more than 2 GB anyway, so only that prefix is verified.
    const size_t verifiable = std::min<size_t>(size_, FLATBUFFERS_MAX_BUFFER_SIZE - 1);
    flatbuffers::Verifier verifier(file_, verifiable);
    if (!tflite::VerifyModelBuffer(verifier))
        return fail("the file is corrupted or truncated: its flatbuffer structure is invalid (" +
                    std::to_string(size_) + " bytes; flatbuffers verification failed)");
    return Status::ok();
}

Result<Graph> TfliteGraphReader::read()
{
    RF_RETURN_IF_ERROR(checkHeader());
    model_ = tflite::GetModel(file_);
    if (model_->version() != kTfliteSchemaVersion)
        return fail("unsupported TFLite schema version " + std::to_string(model_->version()) + " (expected " +
                    std::to_string(kTfliteSchemaVersion) + ")");
    const auto* subgraphs = model_->subgraphs();
    if (subgraphs == nullptr || subgraphs->size() == 0) return fail("the model has no subgraph");
    const tflite::SubGraph* subgraph = subgraphs->Get(0);

    Graph graph;
    graph.sourcePath = source_;
    if (model_->description()) graph.description = model_->description()->str();

    const auto* tensors = subgraph->tensors();
    const int32_t tensorCount = tensors ? static_cast<int32_t>(tensors->size()) : 0;
    graph.tensors.resize(tensorCount);
    for (int32_t t = 0; t < tensorCount; ++t) RF_RETURN_IF_ERROR(readTensor(t, tensors->Get(t), graph.tensors[t]));

    const auto readIndexList = [&](const flatbuffers::Vector<int32_t>* list, const char* what,
                                   std::vector<int32_t>& out) -> Status {
        if (list == nullptr) return Status::ok();
        for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
            const int32_t index = list->Get(i);
            if (index < 0 || index >= tensorCount)
                return fail(std::string(what) + " " + std::to_string(i) + " refers to tensor #" + std::to_string(index) +
                            " but subgraph 0 has " + std::to_string(tensorCount) + " tensors");
            out.push_back(index);
        }
        return Status::ok();
    };
    RF_RETURN_IF_ERROR(readIndexList(subgraph->inputs(), "graph input", graph.inputs));
    RF_RETURN_IF_ERROR(readIndexList(subgraph->outputs(), "graph output", graph.outputs));

    if (const auto* operators = subgraph->operators()) {
        graph.ops.reserve(operators->size());
        for (flatbuffers::uoffset_t o = 0; o < operators->size(); ++o)
            RF_RETURN_IF_ERROR(readOp(graph, o, operators->Get(o), tensorCount));
    }
    // The reader's checks above are per field; the graph-level invariants (topological
    // order, single writers, constants sized to their shapes) are the IR's own.
    RF_RETURN_IF_ERROR(graph.validate());
    return graph;
}

Status TfliteGraphReader::readTensor(int32_t index, const tflite::Tensor* source, Tensor& tensor) const
{
    tensor.name = source->name() ? source->name()->str() : std::string();
    const std::string label = tensorLabel(index, source);

    tensor.dtype = dtypeFromTflite(source->type());
    if (tensor.dtype == DType::Unknown)
        return fail(label + " has type " + tensorTypeName(source->type()) +
                    ", which Rangefinder does not support");
    if (source->sparsity() != nullptr)
        return fail(label + " is a sparse tensor (it has SparsityParameters); sparse tensors are not supported");

    // Shapes: non-negative dimensions whose byte size stays below kMaxTensorBytes,
    // computed so that no intermediate product can overflow.
    uint64_t elements = 1;
    if (const auto* shape = source->shape()) {
        for (flatbuffers::uoffset_t d = 0; d < shape->size(); ++d) {
            const int32_t dim = shape->Get(d);
            if (dim < 0)
                return fail(label + " has a negative dimension in shape " + intListToString(shape) +
                            " (dimension " + std::to_string(d) + " is " + std::to_string(dim) + ")");
            tensor.shape.push_back(dim);
            if (dim != 0 && elements > kMaxTensorBytes / static_cast<uint64_t>(dim))
                return fail(label + " has shape " + intListToString(shape) + ", which is too large (over " +
                            std::to_string(kMaxTensorBytes) + " elements)");
            elements *= static_cast<uint64_t>(dim);
        }
    }
    const uint64_t bytes = elements * dtypeSize(tensor.dtype);
    if (bytes > kMaxTensorBytes)
        return fail(label + " has shape " + shapeToString(tensor.shape) + " of " + std::string(dtypeName(tensor.dtype)) +
                    ", which is too large (" + std::to_string(bytes) + " bytes)");

    tensor.isVariable = source->is_variable();
    RF_RETURN_IF_ERROR(readBufferData(index, source, bytes, tensor));
    return readQuantization(index, source, tensor);
}

Status TfliteGraphReader::readBufferData(int32_t index, const tflite::Tensor* source, uint64_t expectedBytes,
                                         Tensor& tensor) const
{
    const std::string label = tensorLabel(index, source);
    const uint32_t bufferIndex = source->buffer();
    const auto* buffers = model_->buffers();
    const uint32_t bufferCount = buffers ? buffers->size() : 0;
    if (bufferIndex >= bufferCount) {
        // Buffer 0 is the conventional "no data" sentinel; tolerate a model that omits it.
        if (bufferIndex == 0) return Status::ok();
        return fail(label + " refers to buffer #" + std::to_string(bufferIndex) + " but the model has " +
                    std::to_string(bufferCount) + " buffers");
    }
    const tflite::Buffer* buffer = buffers->Get(bufferIndex);
    const uint8_t* bytes = nullptr;
    uint64_t byteCount = 0;
    if (buffer->data() != nullptr && buffer->data()->size() > 0) {
        bytes = buffer->data()->data();
        byteCount = buffer->data()->size();
    } else if (buffer->offset() > 1) {
        // Newer converters store buffers after the flatbuffer; the offset counts from the
        // start of the file and is only meaningful when > 1 (TFLite's convention).
        const uint64_t offset = buffer->offset();
        byteCount = buffer->size();
        if (offset > size_ || byteCount > size_ - offset)
            return fail(label + " uses buffer #" + std::to_string(bufferIndex) + " whose data (offset " +
                        std::to_string(offset) + ", " + std::to_string(byteCount) +
                        " bytes) lies outside the file (" + std::to_string(size_) + " bytes); the file is truncated or corrupted");
        bytes = file_ + offset;
    } else if (buffer->size() > 0) {
        return fail(label + " uses buffer #" + std::to_string(bufferIndex) + " which declares " +
                    std::to_string(buffer->size()) + " bytes but has neither inline data nor a valid file offset");
    }
    if (byteCount == 0) return Status::ok(); // An empty buffer: not a constant.

    if (tensor.isVariable)
        return fail(label + " is a variable tensor with initial data in buffer #" + std::to_string(bufferIndex) +
                    "; TFLite does not support that either");
    if (byteCount != expectedBytes)
        return fail(label + " has " + std::to_string(byteCount) + " bytes of data in buffer #" +
                    std::to_string(bufferIndex) + " but its shape " + shapeToString(tensor.shape) + " of " +
                    std::string(dtypeName(tensor.dtype)) + " needs " + std::to_string(expectedBytes) + " bytes");
    constantBytes_ += byteCount;
    if (constantBytes_ > kMaxConstantBytesPerFileByte * size_ + kConstantSlack)
        return fail(label + " brings the constant data to " + std::to_string(constantBytes_) +
                    " bytes, far more than the file holds (" + std::to_string(size_) +
                    " bytes): too many tensors share buffers; the file is corrupted");
    tensor.isConstant = true;
    tensor.data.assign(bytes, bytes + byteCount);
    return Status::ok();
}

Status TfliteGraphReader::readQuantization(int32_t index, const tflite::Tensor* source, Tensor& tensor) const
{
    const tflite::QuantizationParameters* quant = source->quantization();
    if (quant == nullptr) return Status::ok();
    const std::string label = tensorLabel(index, source);
    if (quant->details_type() != tflite::QuantizationDetails::NONE)
        return fail(label + " uses custom quantization (QuantizationDetails), which is not supported");
    const auto* scales = quant->scale();
    // min/max without scales are TF import hints only: the tensor is not quantized.
    if (scales == nullptr || scales->size() == 0) return Status::ok();
    const auto* zeroPoints = quant->zero_point();
    const size_t scaleCount = scales->size();
    if (zeroPoints == nullptr || zeroPoints->size() != scaleCount)
        return fail(label + " has " + std::to_string(scaleCount) + " quantization scales but " +
                    std::to_string(zeroPoints ? zeroPoints->size() : 0) + " zero points (they must match)");

    const int64_t rank = static_cast<int64_t>(tensor.shape.size());
    int32_t axis = quant->quantized_dimension();
    if (axis < 0 || axis >= rank) {
        // Old converters wrote quantized_dimension = 3 on rank-1 per-channel conv biases
        // (person_detect.tflite). TFLite refuses them, TFLite Micro ignores the field; like
        // the oracle's patch we use axis 0 where that is the only possible meaning:
        // per-tensor parameters, or a rank-1 tensor with one scale per element.
        const bool perTensor = scaleCount == 1;
        const bool oneScalePerElement = rank == 1 && static_cast<size_t>(tensor.shape[0]) == scaleCount;
        if (!perTensor && !oneScalePerElement)
            return fail(label + " has quantized_dimension " + std::to_string(axis) + ", outside its shape " +
                        shapeToString(tensor.shape));
        axis = 0;
    }
    if (scaleCount > 1 && static_cast<size_t>(tensor.shape[axis]) != scaleCount)
        return fail(label + " has " + std::to_string(scaleCount) + " per-channel scales but dimension " +
                    std::to_string(axis) + " of its shape " + shapeToString(tensor.shape) + " has " +
                    std::to_string(tensor.shape[axis]) + " channels");

    tensor.quant.axis = axis;
    tensor.quant.scales.reserve(scaleCount);
    tensor.quant.zeroPoints.reserve(scaleCount);
    for (size_t i = 0; i < scaleCount; ++i) {
        const float scale = scales->Get(static_cast<flatbuffers::uoffset_t>(i));
        // A NaN or infinite scale has no meaning and would poison every multiplier derived from it.
        if (!std::isfinite(scale))
            return fail(label + " has a non-finite quantization scale (" + std::to_string(scale) + ")");
        tensor.quant.scales.push_back(scale);
        tensor.quant.zeroPoints.push_back(int64Element(zeroPoints, static_cast<flatbuffers::uoffset_t>(i)));
    }
    return Status::ok();
}

Status TfliteGraphReader::readOp(Graph& graph, size_t opIndex, const tflite::Operator* source,
                                 int32_t tensorCount) const
{
    graph.ops.emplace_back();
    Op& op = graph.ops.back();

    const auto* opcodes = model_->operator_codes();
    const uint32_t opcodeCount = opcodes ? opcodes->size() : 0;
    if (source->opcode_index() >= opcodeCount)
        return fail("op #" + std::to_string(opIndex) + " refers to operator code #" +
                    std::to_string(source->opcode_index()) + " but the model has " + std::to_string(opcodeCount) +
                    " operator codes");
    const tflite::OperatorCode* opcode = opcodes->Get(source->opcode_index());
    // Codes < 127 used to live in the byte-sized deprecated field, larger ones only in
    // builtin_code; whichever is larger is the real one (tflite::GetBuiltinCode).
    const int32_t code = std::max(static_cast<int32_t>(opcode->builtin_code()),
                                  static_cast<int32_t>(opcode->deprecated_builtin_code()));
    op.version = opcode->version();
    if (code == kTfliteCustomCode) {
        op.type = OpType::Unsupported;
        op.typeName = "CUSTOM:" + (opcode->custom_code() ? opcode->custom_code()->str() : std::string("<unnamed>"));
    } else {
        op.type = opTypeFromTfliteBuiltin(code);
        op.typeName = tfliteBuiltinName(code);
    }

    const auto readTensorList = [&](const flatbuffers::Vector<int32_t>* list, const char* what, bool allowAbsent,
                                    std::vector<int32_t>& out) -> Status {
        if (list == nullptr) return Status::ok();
        for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) {
            const int32_t index = list->Get(i);
            if (allowAbsent && index == -1) {
                out.push_back(kNoTensor);
                continue;
            }
            if (index < 0 || index >= tensorCount)
                return Status::error(graph.opLabel(opIndex) + ": " + what + " " + std::to_string(i) +
                                     " refers to tensor #" + std::to_string(index) + " but subgraph 0 has " +
                                     std::to_string(tensorCount) + " tensors");
            out.push_back(index);
        }
        return Status::ok();
    };
    RF_RETURN_IF_ERROR(readTensorList(source->inputs(), "input", true, op.inputs));
    RF_RETURN_IF_ERROR(readTensorList(source->outputs(), "output", false, op.outputs));
    // Ops the core cannot run are refused by the interpreter by name; their options
    // are irrelevant, so they are not interpreted (nor required to make sense).
    if (op.type == OpType::Unsupported) return Status::ok();
    return readOptions(graph, opIndex, code, source, op.attrs);
}

Status TfliteGraphReader::readOptions(const Graph& graph, size_t opIndex, int32_t code, const tflite::Operator* source,
                                      OpAttributes& attrs) const
{
    using tflite::BuiltinOperator;
    const auto opError = [&](const std::string& message) { return Status::error(graph.opLabel(opIndex) + ": " + message); };
    const auto activation = [&](tflite::ActivationFunctionType value, FusedActivation& out) -> Status {
        const int raw = static_cast<int>(value);
        if (raw < 0 || raw > static_cast<int>(FusedActivation::SignBit))
            return opError("unknown fused activation function code " + std::to_string(raw));
        // ActivationFunctionType and FusedActivation list the same functions in the same order.
        out = static_cast<FusedActivation>(raw);
        return Status::ok();
    };
    const auto padding = [&](tflite::Padding value, Padding& out) -> Status {
        switch (value) {
        case tflite::Padding::SAME: out = Padding::Same; return Status::ok();
        case tflite::Padding::VALID: out = Padding::Valid; return Status::ok();
        }
        return opError("unknown padding code " + std::to_string(static_cast<int>(value)));
    };
    // TFLite fills a zero-initialized params struct and leaves it zero when the options
    // table is absent (flatbuffer_conversions.cc). Ops whose geometry lives in the
    // options cannot mean anything without them, so those are refused instead.
    const auto missing = [&](const char* table) {
        const char* present = tflite::EnumNameBuiltinOptions(source->builtin_options_type());
        return opError(std::string("the operator has no ") + table + " (its builtin options are " +
                       (present && *present ? present : "unknown") + ")");
    };
    const auto copyInts = [](const flatbuffers::Vector<int32_t>* values, std::vector<int32_t>& out) {
        out.clear();
        if (values) out.assign(values->begin(), values->end());
    };

    switch (static_cast<BuiltinOperator>(code)) {
    case BuiltinOperator::CONV_2D: {
        const auto* options = source->builtin_options_as_Conv2DOptions();
        if (!options) return missing("Conv2DOptions");
        RF_RETURN_IF_ERROR(padding(options->padding(), attrs.padding));
        attrs.strideW = options->stride_w();
        attrs.strideH = options->stride_h();
        attrs.dilationW = options->dilation_w_factor();
        attrs.dilationH = options->dilation_h_factor();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::DEPTHWISE_CONV_2D: {
        const auto* options = source->builtin_options_as_DepthwiseConv2DOptions();
        if (!options) return missing("DepthwiseConv2DOptions");
        RF_RETURN_IF_ERROR(padding(options->padding(), attrs.padding));
        attrs.strideW = options->stride_w();
        attrs.strideH = options->stride_h();
        attrs.depthMultiplier = options->depth_multiplier();
        attrs.dilationW = options->dilation_w_factor();
        attrs.dilationH = options->dilation_h_factor();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::AVERAGE_POOL_2D:
    case BuiltinOperator::MAX_POOL_2D: {
        const auto* options = source->builtin_options_as_Pool2DOptions();
        if (!options) return missing("Pool2DOptions");
        RF_RETURN_IF_ERROR(padding(options->padding(), attrs.padding));
        attrs.strideW = options->stride_w();
        attrs.strideH = options->stride_h();
        attrs.filterW = options->filter_width();
        attrs.filterH = options->filter_height();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::TRANSPOSE_CONV: {
        const auto* options = source->builtin_options_as_TransposeConvOptions();
        if (!options) return missing("TransposeConvOptions");
        RF_RETURN_IF_ERROR(padding(options->padding(), attrs.padding));
        attrs.strideW = options->stride_w();
        attrs.strideH = options->stride_h();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::FULLY_CONNECTED: {
        const auto* options = source->builtin_options_as_FullyConnectedOptions();
        if (!options) return Status::ok();
        if (options->weights_format() != tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
            return opError("weights format " +
                           std::string(tflite::EnumNameFullyConnectedOptionsWeightsFormat(options->weights_format())) +
                           " (shuffled weights) is not supported");
        attrs.keepNumDims = options->keep_num_dims();
        attrs.asymmetricQuantizeInputs = options->asymmetric_quantize_inputs();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::SOFTMAX: {
        const auto* options = source->builtin_options_as_SoftmaxOptions();
        attrs.beta = options ? options->beta() : 0.0f;
        return Status::ok();
    }
    case BuiltinOperator::CONCATENATION: {
        const auto* options = source->builtin_options_as_ConcatenationOptions();
        if (!options) return Status::ok();
        attrs.axis = options->axis();
        return activation(options->fused_activation_function(), attrs.activation);
    }
    case BuiltinOperator::ADD: {
        const auto* options = source->builtin_options_as_AddOptions();
        attrs.potScaleInt16 = options ? options->pot_scale_int16() : false;
        return options ? activation(options->fused_activation_function(), attrs.activation) : Status::ok();
    }
    case BuiltinOperator::SUB: {
        const auto* options = source->builtin_options_as_SubOptions();
        attrs.potScaleInt16 = options ? options->pot_scale_int16() : false;
        return options ? activation(options->fused_activation_function(), attrs.activation) : Status::ok();
    }
    case BuiltinOperator::MUL: {
        const auto* options = source->builtin_options_as_MulOptions();
        return options ? activation(options->fused_activation_function(), attrs.activation) : Status::ok();
    }
    case BuiltinOperator::DIV: {
        const auto* options = source->builtin_options_as_DivOptions();
        return options ? activation(options->fused_activation_function(), attrs.activation) : Status::ok();
    }
    case BuiltinOperator::RESHAPE:
        if (const auto* options = source->builtin_options_as_ReshapeOptions()) copyInts(options->new_shape(), attrs.newShape);
        return Status::ok();
    case BuiltinOperator::SQUEEZE:
        if (const auto* options = source->builtin_options_as_SqueezeOptions())
            copyInts(options->squeeze_dims(), attrs.squeezeDims);
        return Status::ok();
    case BuiltinOperator::STRIDED_SLICE:
        if (const auto* options = source->builtin_options_as_StridedSliceOptions()) {
            attrs.beginMask = options->begin_mask();
            attrs.endMask = options->end_mask();
            attrs.ellipsisMask = options->ellipsis_mask();
            attrs.newAxisMask = options->new_axis_mask();
            attrs.shrinkAxisMask = options->shrink_axis_mask();
            attrs.offset = options->offset();
        }
        return Status::ok();
    case BuiltinOperator::SPLIT:
        if (const auto* options = source->builtin_options_as_SplitOptions()) attrs.numSplits = options->num_splits();
        return Status::ok();
    case BuiltinOperator::SPLIT_V:
        if (const auto* options = source->builtin_options_as_SplitVOptions()) attrs.numSplits = options->num_splits();
        return Status::ok();
    case BuiltinOperator::LEAKY_RELU:
        if (const auto* options = source->builtin_options_as_LeakyReluOptions()) attrs.alpha = options->alpha();
        return Status::ok();
    case BuiltinOperator::MEAN:
    case BuiltinOperator::SUM:
    case BuiltinOperator::REDUCE_MAX:
    case BuiltinOperator::REDUCE_MIN:
    case BuiltinOperator::REDUCE_PROD:
    case BuiltinOperator::REDUCE_ANY:
    case BuiltinOperator::REDUCE_ALL:
        if (const auto* options = source->builtin_options_as_ReducerOptions()) attrs.keepDims = options->keep_dims();
        return Status::ok();
    case BuiltinOperator::RESIZE_BILINEAR:
        if (const auto* options = source->builtin_options_as_ResizeBilinearOptions()) {
            attrs.alignCorners = options->align_corners();
            attrs.halfPixelCenters = options->half_pixel_centers();
        }
        return Status::ok();
    case BuiltinOperator::RESIZE_NEAREST_NEIGHBOR:
        if (const auto* options = source->builtin_options_as_ResizeNearestNeighborOptions()) {
            attrs.alignCorners = options->align_corners();
            attrs.halfPixelCenters = options->half_pixel_centers();
        }
        return Status::ok();
    case BuiltinOperator::GELU:
        if (const auto* options = source->builtin_options_as_GeluOptions()) attrs.approximate = options->approximate();
        return Status::ok();
    default:
        // Ops without options (PAD, TRANSPOSE, QUANTIZE, activations, ...).
        return Status::ok();
    }
}

} // namespace

Result<Graph> readTfliteBuffer(const uint8_t* data, size_t size, const std::string& sourceName)
{
    if (data == nullptr && size != 0) return Status::error(sourceName + ": no data");
    // Flatbuffers reads scalars in place, which needs the buffer aligned like the file
    // was written (scalars up to 8 bytes). Callers' buffers usually are; copy otherwise.
    std::unique_ptr<uint8_t[]> aligned;
    if (reinterpret_cast<uintptr_t>(data) % alignof(std::max_align_t) != 0) {
        aligned.reset(new (std::nothrow) uint8_t[size]);
        if (!aligned) return Status::error(sourceName + ": not enough memory to read the model");
        std::memcpy(aligned.get(), data, size);
        data = aligned.get();
    }
    static const uint8_t kEmpty[8] = {};
    TfliteGraphReader reader(size ? data : kEmpty, size, sourceName);
    try {
        return reader.read();
    } catch (const std::bad_alloc&) {
        // No exception leaves the core: a model whose tensors do not fit in memory is an error.
        return Status::error(sourceName + ": not enough memory to read the model");
    }
}

Result<Graph> readTfliteFile(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readWholeFile(path));
    return readTfliteBuffer(bytes.data(), bytes.size(), path);
}

} // namespace rf
