#pragma once
// The tensor file conventions of the reference oracle (../shared/oracle), so that
// Rangefinder's results and the real TensorFlow Lite runtime's can be diffed file
// by file:
//  * inputs: one file per model input — .npy (same dtype copied, another dtype
//    converted numerically with range checks for integer tensors), .csv/.txt
//    (stored values separated by commas and/or whitespace), anything else raw
//    little-endian bytes of exactly elements x sizeof(dtype);
//  * outputs: output_<i>.bin + output_<i>.json sidecar, an outputs.json manifest,
//    timing.json with benchmarking, and intermediates/tNNNN_<name>.{bin,json}.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "util/atomic_file.h"
#include "util/status.h"

namespace rf {

/// How inputs that were not given on the command line are filled (--fill).
enum class InputFill {
    /// Missing inputs are an error.
    None,
    /// All bytes zero.
    Zeros,
    /// The oracle's deterministic pseudo-random bytes (so both tools see the same data).
    Random,
};

/// Parses "zeros" / "random"; nullopt for anything else.
std::optional<InputFill> inputFillFromName(std::string_view name);

/// Reads one input file for a tensor of `dtype` with `elementCount` elements and
/// returns its raw little-endian bytes (elementCount * dtypeSize(dtype) of them).
/// The format is chosen by extension as the oracle does. Errors name the file and,
/// for a value that does not fit, its index.
Result<std::vector<uint8_t>> loadInputFile(const std::string& path, DType dtype, int64_t elementCount);

/// Converts numbers given as text (CSV tokens) to a tensor's raw bytes, checking
/// that integer tensors get integers in range. `label` prefixes errors.
Result<std::vector<uint8_t>> numbersToTensorBytes(const std::vector<std::string>& tokens, DType dtype,
                                                  const std::string& label);

/// The bytes the oracle uses for a filled input: zeros, or its linear
/// congruential generator seeded with `seed` (the oracle uses 12345 + input index).
std::vector<uint8_t> fillInputBytes(InputFill fill, size_t byteCount, uint32_t seed);

/// The oracle's file-name sanitization of a tensor name: every run of characters
/// other than [A-Za-z0-9_.-] becomes one '_', and the result is cut to 80 characters.
std::string sanitizeTensorName(std::string_view name);
/// "t0012_conv1_Relu": the file stem of an intermediate tensor (index zero-padded to 4 digits).
std::string intermediateFileStem(int32_t tensorIndex, std::string_view name);

/// The sidecar of one tensor file (output_<i>.json or intermediates/tNNNN_<name>.json).
struct TensorFileInfo {
    std::string name;
    int32_t tensorIndex = -1;
    DType dtype = DType::Unknown;
    /// The run-time shape.
    Shape shape;
    /// Empty for a non-quantized tensor (written as scale/zero_point null);
    /// several scales are written as arrays plus "quantized_dimension".
    QuantParams quant;
    /// Position among the graph outputs ("index"), for output_<i> files.
    std::optional<int32_t> outputIndex;
    /// The producing op ("op_index", "op"), for intermediates.
    std::optional<int32_t> opIndex;
    std::string opName;
    /// The .bin file name (without directory) and its size.
    std::string file;
    uint64_t bytes = 0;
    /// The .npy copy ("npy"), when one was written.
    std::string npyFile;
};

/// The sidecar for graph tensor `tensorIndex` holding a value of `runtimeShape`.
TensorFileInfo tensorFileInfo(const Graph& graph, int32_t tensorIndex, const Shape& runtimeShape);

/// Writes <directory>/<stem>.bin (the raw bytes) and <stem>.json (the sidecar,
/// with "file" and "bytes" filled in), and <stem>.npy too when `alsoNpy` (the
/// oracle's --npy). Returns the sidecar as written.
Result<TensorFileInfo> writeTensorFile(const std::string& directory, const std::string& stem, TensorFileInfo info,
                                       std::span<const uint8_t> bytes, OverwritePolicy policy, bool alsoNpy = false);

/// The sidecar as JSON text (the oracle's key order, one-space indentation).
std::string tensorFileInfoJson(const TensorFileInfo& info);

/// A tensor file read back: its sidecar and its bytes.
struct TensorFile {
    TensorFileInfo info;
    std::vector<uint8_t> data;
};
/// Reads FILE.bin and its FILE.json sidecar (written by us, the oracle or the
/// golden generator), checking that the byte count matches dtype and shape.
Result<TensorFile> readTensorFile(const std::string& binPath);

/// Timing of repeated invocations (--bench), in milliseconds.
struct BenchTiming {
    int runs = 0;
    int warmup = 0;
    int threads = 1;
    std::string kernels;
    double medianMs = 0, minMs = 0, maxMs = 0, meanMs = 0;
};
/// Median/min/max/mean of the given per-run durations (at least one).
BenchTiming summarizeTimings(std::span<const double> milliseconds, int warmup, int threads, std::string kernels);

/// Everything outputs.json records about a run.
struct RunManifest {
    /// "rangefinder <version>".
    std::string runtime;
    std::string modelPath;
    /// Empty to omit.
    std::string modelSha256;
    int threads = 1;
    /// "builtin" or "xnnpack".
    std::string kernels;
    struct Input {
        int index = 0;
        std::string name;
        int32_t tensorIndex = -1;
        DType dtype = DType::Unknown;
        Shape shape;
        /// The file it was read from, or "(zeros)" / "(random)".
        std::string file;
    };
    std::vector<Input> inputs;
    std::vector<TensorFileInfo> outputs;
    std::optional<BenchTiming> timing;
    /// Present with --dump-intermediates: the .bin files in intermediates/.
    std::optional<std::vector<std::string>> intermediateFiles;
};

/// Writes <directory>/outputs.json.
Status writeRunManifest(const std::string& directory, const RunManifest& manifest, OverwritePolicy policy);
/// Writes <directory>/timing.json.
Status writeTimingFile(const std::string& directory, const BenchTiming& timing, OverwritePolicy policy);

} // namespace rf
