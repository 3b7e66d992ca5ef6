#pragma once
// Writes the format-neutral Graph as a TensorFlow Lite flatbuffer model (.tflite)
// that the real TFLite runtime loads: schema version 3, one subgraph, one buffer per
// constant (16-byte aligned), operator codes with the builtin code in both code
// fields and the op version TFLite's converter would give (tflite_writer_op_version.h),
// and every builtin options table the reader (tflite_reader.h) interprets.
//
// The graph is validated first; ops the TFLite format cannot express from our IR
// (OpType::Unsupported, custom ops) are refused with the op index and type named.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "util/atomic_file.h"
#include "util/status.h"

namespace rf {

/// How the writer chooses each operator code's version.
enum class TfliteOpVersionPolicy {
    /// max(Op::version, the version TFLite's converter computes for the op's types and
    /// options). Keeps a version read from a source model (TFLite's own
    /// UpdateOpVersion never lowers one) and raises a stale one, e.g. after a float op
    /// was quantized to int8. The default.
    AtLeastRequired,
    /// Exactly the computed version, ignoring Op::version.
    Computed,
};

/// Options of writeTfliteBuffer / writeTfliteFile.
struct TfliteWriteOptions {
    /// Model.description. Empty: defaultTfliteDescription(producedBy).
    std::string description;
    /// What produced the model, appended to the default description
    /// ("int8 quantization of mobilenet.h5, min/max calibration on 100 images").
    std::string producedBy;
    /// Whether writeTfliteFile may replace an existing file.
    OverwritePolicy overwrite = OverwritePolicy::Refuse;
    TfliteOpVersionPolicy opVersions = TfliteOpVersionPolicy::AtLeastRequired;
    /// Writes the "min_runtime_version" metadata entry the TFLite converter writes (the
    /// oldest TFLite release that has every op version used, a 16-byte string).
    bool writeMinRuntimeVersion = true;
    /// When non-empty, stored as metadata entry kRangefinderMetadataName: a JSON
    /// document describing the conversion (source, mode, calibration, ranges...).
    std::string conversionJson;
    /// Further metadata entries (name, bytes), written as given.
    std::vector<std::pair<std::string, std::vector<uint8_t>>> extraMetadata;
    /// Writes Tensor.shape_signature with -1 as the batch dimension of the graph
    /// inputs, outputs and activations whose first dimension is 1, so that tools
    /// reading the signature see a variable batch (the shapes themselves stay).
    bool dynamicBatch = false;
    /// Writes a "serving_default" SignatureDef naming the graph inputs and outputs
    /// by their tensor names, as the TFLite converter does.
    bool writeSignature = true;
};

/// The metadata entry name of the conversion JSON.
inline constexpr const char* kRangefinderMetadataName = "rangefinder_conversion";

/// "Rangefinder <RF_VERSION>", plus ": <producedBy>" when that is non-empty.
std::string defaultTfliteDescription(const std::string& producedBy = {});

/// Serializes `graph` as a .tflite flatbuffer. Fails, naming the op (index and type)
/// or tensor, when the graph is invalid or uses something TFLite cannot express.
Result<std::vector<uint8_t>> writeTfliteBuffer(const Graph& graph, const TfliteWriteOptions& options = {});

/// Serializes `graph` and writes it to `path` atomically (see writeFileAtomic): the
/// file is either left as it was or replaced by the complete model. An existing file
/// is an error unless options.overwrite is OverwritePolicy::Replace.
Status writeTfliteFile(const Graph& graph, const std::string& path, const TfliteWriteOptions& options = {});

} // namespace rf
