#pragma once
// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0).
// Supported element types: <f4 <f2 <f8 |i1 |u1 <i2 <i4 <i8 <u4 |b1, little-endian,
// C (row-major) order. Everything read from a file is bounds-checked; errors name
// the file and say what is wrong.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/tensor.h"
#include "util/atomic_file.h"
#include "util/status.h"

namespace rf {

/// The contents of a .npy file: element type, shape (C order) and the raw
/// little-endian element bytes (exactly elementCount(shape) * dtypeSize(dtype)).
struct NpyArray {
    DType dtype = DType::Unknown;
    Shape shape;
    std::vector<uint8_t> data;

    int64_t elementCount() const { return rf::elementCount(shape); }
};

/// Parses the bytes of a .npy file. `label` (usually the file name) prefixes
/// error messages.
Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& label);
/// Reads and parses a .npy file.
Result<NpyArray> readNpyFile(const std::string& path);

/// Encodes an array as a version 1.0 .npy file (version 2.0 when the header is
/// too long for 1.0), with the header padded so that the data starts at a
/// multiple of 64 bytes as NumPy does. `data` must hold exactly
/// elementCount(shape) * dtypeSize(dtype) bytes.
Result<std::vector<uint8_t>> encodeNpy(DType dtype, const Shape& shape, std::span<const uint8_t> data);
/// Encodes and writes a .npy file atomically.
Status writeNpyFile(const std::string& path, DType dtype, const Shape& shape, std::span<const uint8_t> data,
                    OverwritePolicy policy);

/// The NumPy type string for a dtype ("<f4", "|i1"...), empty if .npy cannot hold it.
std::string npyDescr(DType dtype);

} // namespace rf
