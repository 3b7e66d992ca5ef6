#pragma once
// A decoded 8-bit image in memory: what image files, IDX records and image-like
// .npy arrays become before preprocessing, and what thumbnails are drawn from.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rf {

/// height x width x channels bytes, row-major, channels interleaved. Three
/// channels are in RGB order unless a preprocessing step says otherwise (BGR);
/// one channel is gray.
struct PixelImage {
    int height = 0;
    int width = 0;
    int channels = 0;
    std::vector<std::uint8_t> pixels;

    /// The byte of pixel (y, x), channel c.
    uint8_t at(int y, int x, int c) const
    {
        return pixels[(static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) *
                          static_cast<std::size_t>(channels) +
                      static_cast<std::size_t>(c)];
    }
};

} // namespace rf
