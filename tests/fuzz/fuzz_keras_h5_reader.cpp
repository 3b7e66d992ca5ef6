// libFuzzer target: arbitrary bytes through the Keras .h5 reader (HDF5 file image ->
// model_config JSON -> weights -> lowering) and, when they load, through
// Interpreter::create, so the lowered graph meets every op's prepare() validation.
// Any crash, sanitizer report or error message without the file name is a bug in
// our code. A crash inside libhdf5 itself is recorded as a known issue in
// docs/fuzzing.md rather than patched (we do not carry an HDF5 fork).
// Seeds: tests/data/keras/*.h5. Run instructions: docs/fuzzing.md.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/keras/keras_h5_reader.h"
#include "runtime/interpreter.h"

namespace {

const std::string kSourceName = "fuzz.h5";

/// Graphs needing more activation memory than this are legitimate but too large
/// for the fuzzer's memory limit.
constexpr uint64_t kMaxGraphBytes = uint64_t{64} << 20;

[[noreturn]] void failInvariant(const char* what, const std::string& message)
{
    std::fprintf(stderr, "fuzz_keras_h5_reader: %s: '%s'\n", what, message.c_str());
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto result = rf::readKerasH5Buffer(data, size, kSourceName);
    if (!result.isOk()) {
        if (result.message().rfind(kSourceName + ": ", 0) != 0) failInvariant("reader error without file name", result.message());
        return 0;
    }
    rf::Graph graph = std::move(result).value();
    const rf::Status valid = graph.validate();
    if (!valid.isOk()) failInvariant("reader returned an invalid graph", valid.message());
    uint64_t bytes = 0;
    for (const rf::Tensor& tensor : graph.tensors) bytes += tensor.byteSize();
    if (bytes > kMaxGraphBytes) return 0;
    auto interpreter = rf::Interpreter::create(std::move(graph));
    if (!interpreter.isOk() && interpreter.message().rfind(kSourceName + ": ", 0) != 0)
        failInvariant("interpreter error without file name", interpreter.message());
    return 0;
}
