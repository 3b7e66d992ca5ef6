#pragma once
// Reads TensorFlow Lite flatbuffer models (.tflite) into the format-neutral Graph.
//
// Everything in the file is untrusted: the flatbuffer is verified before any field is
// read, and every index, shape, buffer and quantization array is checked, so a
// damaged or hostile file yields an error message naming the file and the problem,
// never a crash.

#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// Reads subgraph 0 of a .tflite file into a Graph (sourcePath = path).
Result<Graph> readTfliteFile(const std::string& path);

/// Same, from memory; sourceName is used in messages and becomes Graph::sourcePath.
/// Buffers stored after the flatbuffer (Buffer.offset, newer converters) are located
/// relative to `data`, which must therefore hold the whole file.
Result<Graph> readTfliteBuffer(const uint8_t* data, size_t size, const std::string& sourceName);

} // namespace rf
