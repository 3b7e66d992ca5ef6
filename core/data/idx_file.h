#pragma once
// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
// a big-endian header (magic 0x00 0x00, element type 0x08 = unsigned byte, rank)
// followed by the dimensions and the bytes. Files may be gzip-compressed (.gz),
// as Debian's dataset-fashion-mnist ships them; zlib reads both.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace rf {

/// The images of an idx3-ubyte file: count images of rows x cols gray bytes.
struct IdxImages {
    int64_t count = 0;
    int rows = 0;
    int cols = 0;
    /// count * rows * cols bytes, image after image.
    std::vector<uint8_t> pixels;
};

/// Reads an idx3-ubyte images file (plain or .gz). With `limit`, only the first
/// `limit` images are read (the header's count still must be backed by data for
/// those). Errors name the file and what is wrong (magic, element type, rank,
/// dimensions, truncation).
Result<IdxImages> readIdxImages(const std::string& path, std::optional<int64_t> limit = std::nullopt);

/// Reads an idx1-ubyte labels file (plain or .gz), optionally only the first `limit`.
Result<std::vector<uint8_t>> readIdxLabels(const std::string& path, std::optional<int64_t> limit = std::nullopt);

/// True when the file name looks like an IDX images file ("...idx3-ubyte" or
/// "...idx3-ubyte.gz").
bool isIdxImagesPath(const std::string& path);

/// The labels file that belongs to an images file by the MNIST naming rule
/// ("t10k-images-idx3-ubyte.gz" -> "t10k-labels-idx1-ubyte.gz", also with '.'
/// instead of '-'), if it exists next to it.
std::optional<std::string> idxLabelsPathFor(const std::string& imagesPath);

} // namespace rf
