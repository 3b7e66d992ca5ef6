#pragma once
// Decoding JPEG, PNG and BMP files into PixelImage (OpenCV's codecs behind our
// own types).

#include <string>
#include <string_view>

#include "data/pixel_image.h"
#include "util/status.h"

namespace rf {

/// Which channels a decoded image has.
enum class DecodeColor {
    /// What the file holds: 1 channel for gray files, 3 (RGB) otherwise; alpha is dropped.
    Native,
    /// Always 1 gray channel (the codec's own conversion, e.g. JPEG's luma).
    Gray,
    /// Always 3 channels in RGB order (gray files are replicated).
    Rgb,
};

/// Decodes an image file. Errors name the file and say why (missing,
/// undecodable, empty).
Result<PixelImage> decodeImageFile(const std::string& path, DecodeColor color = DecodeColor::Native);

/// True when the file name ends in an image extension we decode (.jpg, .jpeg,
/// .png, .bmp; any letter case).
bool hasImageExtension(std::string_view path);

} // namespace rf
