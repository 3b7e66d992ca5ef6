#pragma once
// Element types of tensors, independent of any file format.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rf {

/// The element type of a tensor.
enum class DType : uint8_t {
    Unknown,
    Float32,
    Float16,
    Float64,
    Int8,
    UInt8,
    Int16,
    Int32,
    Int64,
    UInt32,
    Bool,
};

/// Size of one element in bytes (0 for Unknown).
size_t dtypeSize(DType dtype);
/// Lower-case name as the oracle writes it: "float32", "int8", "uint8", ...
std::string_view dtypeName(DType dtype);
/// Parses a name produced by dtypeName(); Unknown when it is not one.
DType dtypeFromName(std::string_view name);
/// True for the integer types that quantized tensors are stored in.
bool isQuantizableIntType(DType dtype);

} // namespace rf
