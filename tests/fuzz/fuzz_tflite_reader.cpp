// libFuzzer target: arbitrary bytes through the TFLite reader and, when they read as
// a model, through Interpreter::create, so every op's prepare() validation is fuzzed
// as well. Any crash, sanitizer report or malformed error message is a bug.
// Run instructions: docs/fuzzing.md.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/tflite_reader.h"
#include "runtime/interpreter.h"

namespace {

const std::string kSourceName = "fuzz.tflite";

/// The interpreter allocates a value for every tensor. Graphs that would need more
/// than this are legitimate models too large for the fuzzer's memory limit, not bugs.
constexpr uint64_t kMaxGraphBytes = uint64_t{64} << 20;

[[noreturn]] void failInvariant(const char* what, const std::string& message)
{
    std::fprintf(stderr, "fuzz_tflite_reader: %s: '%s'\n", what, message.c_str());
    std::abort();
}

/// Set RF_FUZZ_READER_ONLY=1 to fuzz the reader alone (skip Interpreter::create), e.g.
/// while a known crash in an op's prepare() is being fixed.
bool readerOnlyRequested()
{
    static const bool requested = [] {
        const char* value = std::getenv("RF_FUZZ_READER_ONLY");
        return value != nullptr && std::string(value) == "1";
    }();
    return requested;
}

/// Set RF_FUZZ_INVOKE=1 to also run small models once (exercises eval() on
/// everything prepare() accepted).
bool invokeRequested()
{
    static const bool requested = [] {
        const char* value = std::getenv("RF_FUZZ_INVOKE");
        return value != nullptr && std::string(value) == "1";
    }();
    return requested;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto result = rf::readTfliteBuffer(data, size, kSourceName);
    if (!result.isOk()) {
        // Every reader error names the file first.
        if (result.message().rfind(kSourceName + ": ", 0) != 0) failInvariant("reader error without file name", result.message());
        return 0;
    }
    rf::Graph graph = std::move(result).value();
    if (!graph.validate().isOk()) failInvariant("reader returned an invalid graph", graph.validate().message());

    if (readerOnlyRequested()) return 0;

    uint64_t graphBytes = 0;
    for (const rf::Tensor& tensor : graph.tensors) graphBytes += tensor.byteSize();
    if (graphBytes > kMaxGraphBytes) return 0;

    auto interpreter = rf::Interpreter::create(std::move(graph));
    if (!interpreter.isOk()) {
        if (interpreter.message().empty()) failInvariant("interpreter error without message", "");
        return 0;
    }
    if (invokeRequested() && graphBytes <= (uint64_t{4} << 20)) {
        const rf::Status status = interpreter.value()->invoke();
        if (!status.isOk() && status.message().empty()) failInvariant("invoke error without message", "");
    }
    return 0;
}
