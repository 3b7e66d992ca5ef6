#pragma once
// Writers for tiny image and IDX files, written byte by byte without OpenCV or
// zlib (deflate "stored" blocks, CRC-32 and Adler-32 computed here), so the
// image tests' inputs do not depend on the code under test.

#include <cstdint>
#include <string>
#include <vector>

namespace rf::test {

inline uint32_t crc32Of(const uint8_t* data, size_t size, uint32_t crc = 0)
{
    crc = ~crc;
    for (size_t i = 0; i < size; ++i) {
        crc ^= data[i];
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/// Raw deflate data made of stored (uncompressed) blocks.
inline std::vector<uint8_t> deflateStored(const std::vector<uint8_t>& data)
{
    std::vector<uint8_t> out;
    size_t at = 0;
    do {
        const size_t chunk = std::min<size_t>(data.size() - at, 65535);
        const bool last = at + chunk == data.size();
        out.push_back(last ? 1 : 0);
        out.push_back(static_cast<uint8_t>(chunk));
        out.push_back(static_cast<uint8_t>(chunk >> 8));
        out.push_back(static_cast<uint8_t>(~chunk));
        out.push_back(static_cast<uint8_t>(~chunk >> 8));
        out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(at),
                   data.begin() + static_cast<std::ptrdiff_t>(at + chunk));
        at += chunk;
    } while (at < data.size());
    return out;
}

inline void putBigEndian32(std::vector<uint8_t>& out, uint32_t v)
{
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

/// A gzip file holding `data` (stored deflate blocks).
inline std::vector<uint8_t> gzipStored(const std::vector<uint8_t>& data)
{
    std::vector<uint8_t> out = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    const std::vector<uint8_t> body = deflateStored(data);
    out.insert(out.end(), body.begin(), body.end());
    const uint32_t crc = crc32Of(data.data(), data.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(crc >> (8 * i)));
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(data.size() >> (8 * i)));
    return out;
}

/// An 8-bit PNG, gray (channels 1) or RGB (channels 3), rows top-down, filter 0.
inline std::vector<uint8_t> makePng(int width, int height, int channels, const std::vector<uint8_t>& pixels)
{
    std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const auto chunk = [&](const char* type, const std::vector<uint8_t>& data) {
        putBigEndian32(png, static_cast<uint32_t>(data.size()));
        std::vector<uint8_t> typed(type, type + 4);
        typed.insert(typed.end(), data.begin(), data.end());
        png.insert(png.end(), typed.begin(), typed.end());
        putBigEndian32(png, crc32Of(typed.data(), typed.size()));
    };
    std::vector<uint8_t> header;
    putBigEndian32(header, static_cast<uint32_t>(width));
    putBigEndian32(header, static_cast<uint32_t>(height));
    header.insert(header.end(), {8, static_cast<uint8_t>(channels == 1 ? 0 : 2), 0, 0, 0});
    chunk("IHDR", header);
    std::vector<uint8_t> raw;
    const size_t row = static_cast<size_t>(width) * static_cast<size_t>(channels);
    for (int y = 0; y < height; ++y) {
        raw.push_back(0);
        raw.insert(raw.end(), pixels.begin() + static_cast<std::ptrdiff_t>(y * row),
                   pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
    }
    std::vector<uint8_t> zlib = {0x78, 0x01};
    const std::vector<uint8_t> body = deflateStored(raw);
    zlib.insert(zlib.end(), body.begin(), body.end());
    uint32_t a = 1, b = 0;
    for (uint8_t byte : raw) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    putBigEndian32(zlib, (b << 16) | a);
    chunk("IDAT", zlib);
    chunk("IEND", {});
    return png;
}

/// An IDX images file (magic 00 00 08 03) of `count` rows x cols images.
inline std::vector<uint8_t> makeIdxImages(uint32_t count, uint32_t rows, uint32_t cols, const std::vector<uint8_t>& pixels)
{
    std::vector<uint8_t> out = {0, 0, 8, 3};
    putBigEndian32(out, count);
    putBigEndian32(out, rows);
    putBigEndian32(out, cols);
    out.insert(out.end(), pixels.begin(), pixels.end());
    return out;
}

/// An IDX labels file (magic 00 00 08 01).
inline std::vector<uint8_t> makeIdxLabels(const std::vector<uint8_t>& labels)
{
    std::vector<uint8_t> out = {0, 0, 8, 1};
    putBigEndian32(out, static_cast<uint32_t>(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

} // namespace rf::test
