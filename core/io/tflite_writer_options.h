#pragma once
// Internal to the TFLite writer (includes the flatc-generated schema code, so no
// public header may include it): the builtin options table of one operator.

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "tflite_schema_generated.h"
#include "util/status.h"

namespace rf::tflite_writer {

/// An operator's builtin options: the union type and the table (type NONE and a null
/// offset for operators TFLite gives no options).
struct BuiltinOptionsRef {
    tflite::BuiltinOptions type = tflite::BuiltinOptions::NONE;
    flatbuffers::Offset<void> table = 0;
};

/// Builds the options table of builtin operator `code` from `attrs`: exactly the
/// fields tflite_reader.cpp reads back (fused activation, padding, strides, dilation,
/// filter size, depth multiplier, axis, keep_dims, masks, align_corners /
/// half_pixel_centers, asymmetric_quantize_inputs, pot_scale_int16, approximate, ...).
/// Fails with `opLabel` in the message when an attribute has no TFLite encoding.
Result<BuiltinOptionsRef> buildBuiltinOptions(flatbuffers::FlatBufferBuilder& builder, int32_t code,
                                              const OpAttributes& attrs, const std::string& opLabel);

} // namespace rf::tflite_writer
