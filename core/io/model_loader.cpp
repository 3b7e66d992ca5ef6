#include "io/model_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>

#include "io/keras/keras_h5_reader.h"
#include "io/tflite_reader.h"

namespace rf {

namespace {

constexpr uint8_t kHdf5Signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

bool hasHdf5SignatureAt(const uint8_t* data, size_t size, size_t offset)
{
    return size >= offset + sizeof kHdf5Signature && std::memcmp(data + offset, kHdf5Signature, sizeof kHdf5Signature) == 0;
}

/// "89 48 44 46 0d 0a" — the first bytes, for the "unknown format" message.
std::string hexPrefix(const uint8_t* data, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    std::string text;
    for (size_t i = 0; i < std::min<size_t>(size, 8); ++i) {
        if (i) text += ' ';
        text += digits[data[i] >> 4];
        text += digits[data[i] & 15];
    }
    return text;
}

} // namespace

ModelFormat sniffModelFormat(const uint8_t* data, size_t size)
{
    if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0) return ModelFormat::Tflite;
    // HDF5 puts its superblock at 0 or, after a user block, at 512, 1024, 2048, ...
    for (size_t offset : {size_t{0}, size_t{512}, size_t{1024}, size_t{2048}})
        if (hasHdf5SignatureAt(data, size, offset)) return ModelFormat::KerasH5;
    return ModelFormat::Unknown;
}

Result<std::vector<uint8_t>> readWholeFile(const std::string& path)
{
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status))
        return Status::error(path + ": cannot open the file: " + (error ? error.message() : std::string("it does not exist")));
    if (std::filesystem::is_directory(status)) return Status::error(path + ": cannot open the file: it is a directory");

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return Status::error(path + ": cannot open the file: " + std::strerror(errno));
    std::vector<uint8_t> bytes;
    try {
        // Read in chunks rather than trusting a size query, so pipes and files that
        // change while being read are handled too.
        uint8_t chunk[1 << 16];
        size_t count;
        while ((count = std::fread(chunk, 1, sizeof chunk, file.get())) > 0) bytes.insert(bytes.end(), chunk, chunk + count);
    } catch (const std::bad_alloc&) {
        return Status::error(path + ": the file is too large to load into memory");
    }
    if (std::ferror(file.get())) return Status::error(path + ": error while reading the file: " + std::strerror(errno));
    return bytes;
}

Result<Graph> loadModelFile(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readWholeFile(path));
    if (bytes.empty()) return Status::error(path + ": the file is empty (0 bytes), not a model");
    switch (sniffModelFormat(bytes.data(), bytes.size())) {
    case ModelFormat::Tflite: return readTfliteBuffer(bytes.data(), bytes.size(), path);
    case ModelFormat::KerasH5: return readKerasH5Buffer(bytes.data(), bytes.size(), path);
    case ModelFormat::Unknown: break;
    }
    return Status::error(path + ": unrecognized model format (first bytes: " + hexPrefix(bytes.data(), bytes.size()) +
                         "); expected a TensorFlow Lite .tflite flatbuffer (identifier 'TFL3' at offset 4) or a Keras .h5 (HDF5) file");
}

} // namespace rf
