#pragma once
// What the quantizer should produce: the TFLite conversion modes, the types at the
// graph's edges, per-channel or per-tensor weights and the ops that stay float.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "quant/tensor_range.h"
#include "util/status.h"

namespace rf {

/// The conversion modes of the TFLite converter that Rangefinder reproduces.
enum class QuantMode {
    /// Plain float32: only the graph passes (BatchNormalization folding, activation fusion).
    Float32,
    /// Full-integer int8 (the default): int8 activations, symmetric int8 weights,
    /// int32 biases (TFLite quantization spec).
    Int8,
    /// The TF1 `QUANTIZED_UINT8` scheme: per-tensor asymmetric uint8 weights and
    /// activations, int32 biases, uint8 input described by mean/std values.
    UInt8Legacy,
    /// 16x8: symmetric int16 activations, int8 weights, int64 biases.
    Int16x8,
    /// Dynamic range: int8 weights of conv/dense ops, float activations (hybrid kernels).
    DynamicRange,
    /// float16 constants, dequantized to float32 at run time.
    Float16,
};

/// "FLOAT", "INT8", "QUANTIZED_UINT8", "INT16X8", "DYNAMIC_RANGE", "FLOAT16" (the
/// spellings `rangefinder-batch convert --inference_type` accepts).
std::string_view quantModeName(QuantMode mode);
/// Parses a quantModeName() spelling (case-insensitive); nullopt when unknown.
std::optional<QuantMode> quantModeFromName(std::string_view name);

/// The element type of the graph's inputs or outputs after conversion.
enum class EdgeType {
    /// The mode's natural type: float32 for Int8/Int16x8 (QUANTIZE/DEQUANTIZE at the
    /// edges, as the TFLite converter's default), uint8 for UInt8Legacy, float32 otherwise.
    Default,
    Float32,
    Int8,
    UInt8,
    Int16,
};

/// "DEFAULT", "FLOAT", "INT8", "UINT8", "INT16".
std::string_view edgeTypeName(EdgeType type);
/// Parses an edgeTypeName() spelling (also "FLOAT32", "QUANTIZED_UINT8"); nullopt when unknown.
std::optional<EdgeType> edgeTypeFromName(std::string_view name);

/// Everything the quantizer needs besides the graph and the ranges.
struct QuantizeOptions {
    QuantMode mode = QuantMode::Int8;
    /// Per-channel weight scales for CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV
    /// (`--per_tensor` turns it off).
    bool perChannel = true;
    /// Per-channel weights also for FULLY_CONNECTED. The TF 2.x converters up to 2.15
    /// (which made the model-zoo int8 models) quantize dense weights per tensor; newer
    /// ones per channel.
    bool perChannelFullyConnected = false;
    EdgeType inputType = EdgeType::Default;
    EdgeType outputType = EdgeType::Default;
    /// Ops that stay float: matched against an op's layer name, its source layers, its
    /// output tensor names or its op type name ("SOFTMAX"). QUANTIZE/DEQUANTIZE ops are
    /// inserted where quantized and float parts meet.
    std::vector<std::string> floatLayers;
    /// UInt8Legacy input description (tflite_convert's mean_values/std_dev_values): the
    /// uint8 input q means the real value (q - mean) / std. One entry per graph input,
    /// or a single entry for all.
    std::vector<double> meanValues;
    std::vector<double> stdDevValues;
    /// The range used for an activation tensor that has no entry in the range table
    /// (`default_ranges_min/max`). Without it a missing range is an error naming the tensor.
    std::optional<TensorRange> defaultRange;
    /// Dynamic range: weights with fewer elements stay float (the converter's
    /// `min_elements_for_weights`, 1024).
    int64_t dynamicRangeMinElements = 1024;
    /// Text written into the converted graph's description.
    std::string description;
};

} // namespace rf
