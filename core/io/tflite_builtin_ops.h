#pragma once
// TFLite builtin operator codes: their names and the rf::OpType they map to.
// Free of flatbuffers types so any part of the core can use it.

#include <cstdint>
#include <optional>
#include <string>

#include "ir/op_type.h"

namespace rf {

/// The BuiltinOperator code TFLite uses for custom operators.
inline constexpr int32_t kTfliteCustomCode = 32;

/// The TFLite name of builtin operator `code` ("CONV_2D", 44 -> "UNIDIRECTIONAL_SEQUENCE_LSTM"),
/// or "BUILTIN_<code>" for a code newer than our schema knows (or negative).
std::string tfliteBuiltinName(int32_t code);

/// The OpType the core runs builtin `code` as, or OpType::Unsupported when the core
/// has no such operator (the op then keeps its TFLite name for the error message).
OpType opTypeFromTfliteBuiltin(int32_t code);

/// The inverse mapping, for writers: the builtin code of a supported op type;
/// nullopt for OpType::Unsupported and OpType::Count.
std::optional<int32_t> tfliteBuiltinFromOpType(OpType type);

} // namespace rf
