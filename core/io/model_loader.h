#pragma once
// Opens a model file of any supported format: the format is recognised from the
// file's first bytes, not from its extension.

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// The formats loadModelFile() recognises.
enum class ModelFormat { Unknown, Tflite, KerasH5 };

/// Recognises a model format from the first bytes of a file: TFLite has the
/// flatbuffer identifier "TFL3" at offset 4, HDF5 (Keras .h5) its 8-byte signature
/// at offset 0 (or 512, 1024, 2048 after a user block).
ModelFormat sniffModelFormat(const uint8_t* data, size_t size);

/// Reads a whole file into memory; the error names the file and the reason.
Result<std::vector<uint8_t>> readWholeFile(const std::string& path);

/// Loads a model, sniffing its format. The graph's sourcePath is `path`.
Result<Graph> loadModelFile(const std::string& path);

} // namespace rf
