#include "data/idx_file.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <zlib.h>

namespace rf {

namespace {

/// A gzip (or plain) file read through zlib, closed on destruction.
class GzReader {
public:
    explicit GzReader(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {}
    ~GzReader()
    {
        if (file_) gzclose(file_);
    }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    bool isOpen() const { return file_ != nullptr; }

    /// Reads up to `size` bytes; returns how many were read, or -1 on a zlib error
    /// (a corrupt gzip stream), with the reason in `error`.
    int64_t read(uint8_t* out, size_t size, std::string& error)
    {
        size_t total = 0;
        while (total < size) {
            // gzread takes an unsigned count; read in chunks well below its limit.
            const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - total, 1u << 30));
            const int got = gzread(file_, out + total, chunk);
            if (got < 0) {
                int code = 0;
                const char* message = gzerror(file_, &code);
                error = message ? message : "read error";
                return -1;
            }
            if (got == 0) {
                // End of data, or a truncated gzip stream (zlib reports it as an error).
                int code = 0;
                const char* message = gzerror(file_, &code);
                if (code != Z_OK && code != Z_STREAM_END && message) {
                    error = message;
                    return -1;
                }
                break;
            }
            total += static_cast<size_t>(got);
        }
        return static_cast<int64_t>(total);
    }

private:
    gzFile file_;
};

struct IdxHeader {
    std::vector<int64_t> dims;
};

/// Reads and validates the header: magic 0 0 0x08 rank, then rank big-endian
/// 32-bit dimensions.
Result<IdxHeader> readHeader(GzReader& reader, const std::string& path, int expectedRank, const char* kind)
{
    std::string error;
    std::array<uint8_t, 4> magic{};
    const int64_t got = reader.read(magic.data(), magic.size(), error);
    if (got < 0) return Status::error(path + ": cannot read: " + error);
    if (got < 4) return Status::error(path + ": truncated IDX header (" + std::to_string(got) + " bytes)");
    if (magic[0] != 0 || magic[1] != 0) {
        char text[32];
        std::snprintf(text, sizeof text, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
        return Status::error(path + ": not an IDX file (magic bytes " + text + ", expected 00 00 08 0" +
                             std::to_string(expectedRank) + ")");
    }
    if (magic[2] != 0x08) {
        char type[8];
        std::snprintf(type, sizeof type, "0x%02x", magic[2]);
        return Status::error(path + ": IDX element type " + type + " is not supported (only 0x08, unsigned byte)");
    }
    if (magic[3] != expectedRank)
        return Status::error(path + ": IDX rank " + std::to_string(magic[3]) + ", an " + kind + " file has rank " +
                             std::to_string(expectedRank));
    IdxHeader header;
    for (int d = 0; d < expectedRank; ++d) {
        std::array<uint8_t, 4> bytes{};
        const int64_t n = reader.read(bytes.data(), bytes.size(), error);
        if (n < 0) return Status::error(path + ": cannot read: " + error);
        if (n < 4) return Status::error(path + ": truncated IDX header (dimension " + std::to_string(d) + " missing)");
        const uint32_t value = (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
        header.dims.push_back(static_cast<int64_t>(value));
    }
    return header;
}

Result<std::vector<uint8_t>> readBody(GzReader& reader, const std::string& path, size_t bytes, const std::string& what)
{
    std::vector<uint8_t> data(bytes);
    std::string error;
    const int64_t got = reader.read(data.data(), bytes, error);
    if (got < 0) return Status::error(path + ": cannot read " + what + ": " + error);
    if (static_cast<size_t>(got) < bytes)
        return Status::error(path + ": truncated: the header promises " + what + " (" + std::to_string(bytes) +
                             " bytes), the file has " + std::to_string(got));
    return data;
}

} // namespace

Result<IdxImages> readIdxImages(const std::string& path, std::optional<int64_t> limit)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return Status::error(path + ": no such IDX file");
    GzReader reader(path);
    if (!reader.isOpen()) return Status::error(path + ": cannot open");
    RF_ASSIGN_OR_RETURN(const IdxHeader header, readHeader(reader, path, 3, "images (idx3)"));
    const int64_t count = header.dims[0], rows = header.dims[1], cols = header.dims[2];
    if (rows <= 0 || cols <= 0 || rows > 65536 || cols > 65536 || rows * cols > (int64_t{1} << 26))
        return Status::error(path + ": implausible IDX image size " + std::to_string(rows) + "x" + std::to_string(cols));
    IdxImages images;
    images.rows = static_cast<int>(rows);
    images.cols = static_cast<int>(cols);
    images.count = limit ? std::min(count, std::max<int64_t>(*limit, 0)) : count;
    // Bound the allocation by what a real file could hold (4 GiB of pixels).
    if (images.count * rows * cols > (int64_t{1} << 32))
        return Status::error(path + ": the IDX header claims " + std::to_string(count) + " images of " +
                             std::to_string(rows) + "x" + std::to_string(cols) + ", more than 4 GiB");
    RF_ASSIGN_OR_RETURN(images.pixels,
                        readBody(reader, path, static_cast<size_t>(images.count * rows * cols),
                                 std::to_string(images.count) + " images of " + std::to_string(rows) + "x" +
                                     std::to_string(cols)));
    return images;
}

Result<std::vector<uint8_t>> readIdxLabels(const std::string& path, std::optional<int64_t> limit)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return Status::error(path + ": no such IDX file");
    GzReader reader(path);
    if (!reader.isOpen()) return Status::error(path + ": cannot open");
    RF_ASSIGN_OR_RETURN(const IdxHeader header, readHeader(reader, path, 1, "labels (idx1)"));
    int64_t count = header.dims[0];
    if (limit) count = std::min(count, std::max<int64_t>(*limit, 0));
    if (count > (int64_t{1} << 32)) return Status::error(path + ": the IDX header claims too many labels");
    return readBody(reader, path, static_cast<size_t>(count), std::to_string(count) + " labels");
}

bool isIdxImagesPath(const std::string& path)
{
    const std::string name = std::filesystem::path(path).filename().string();
    return name.find("idx3-ubyte") != std::string::npos || name.find("idx3.ubyte") != std::string::npos;
}

std::optional<std::string> idxLabelsPathFor(const std::string& imagesPath)
{
    const std::filesystem::path path(imagesPath);
    std::string name = path.filename().string();
    for (const char* idx : {"idx3-ubyte", "idx3.ubyte"}) {
        const size_t at = name.find(idx);
        if (at == std::string::npos) continue;
        name.replace(at, 4, "idx1");
        break;
    }
    const size_t images = name.find("images");
    if (images != std::string::npos) name.replace(images, 6, "labels");
    std::error_code ec;
    const std::filesystem::path candidate = path.parent_path() / name;
    if (name != path.filename().string() && std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
    return std::nullopt;
}

} // namespace rf
