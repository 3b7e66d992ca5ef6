// libFuzzer target: arbitrary bytes through the TFLite reader and, when they read as
// a model, through Interpreter::create, so every op's prepare() validation is fuzzed
// as well. Any crash, sanitizer report or malformed error message is a bug.
// Run instructions: docs/fuzzing.md.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/tflite_reader.h"
#include "io/tflite_writer.h"
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

/// Writer round trip: a graph the reader accepted is written back (unless the writer
/// refuses it with a message, e.g. an op the core does not run) and must read back
/// with the same tensors (type, shape, quantization, data) and ops (type, operands).
/// Graphs with more than 16 MiB of constants are skipped to keep iterations fast.
void checkWriterRoundTrip(const rf::Graph& graph)
{
    uint64_t constantBytes = 0;
    for (const rf::Tensor& tensor : graph.tensors) constantBytes += tensor.data.size();
    if (constantBytes > (uint64_t{16} << 20)) return;
    auto written = rf::writeTfliteBuffer(graph);
    if (!written.isOk()) {
        if (written.message().empty()) failInvariant("writer error without message", "");
        return;
    }
    auto back = rf::readTfliteBuffer(written.value().data(), written.value().size(), kSourceName);
    if (!back.isOk()) failInvariant("written model does not read back", back.message());
    const rf::Graph& copy = back.value();
    if (copy.tensors.size() != graph.tensors.size() || copy.ops.size() != graph.ops.size() ||
        copy.inputs != graph.inputs || copy.outputs != graph.outputs)
        failInvariant("written model has a different structure", "");
    for (size_t t = 0; t < graph.tensors.size(); ++t) {
        const rf::Tensor& a = graph.tensors[t];
        const rf::Tensor& b = copy.tensors[t];
        if (a.name != b.name || a.dtype != b.dtype || a.shape != b.shape || a.data != b.data ||
            a.isVariable != b.isVariable || a.quant.scales.size() != b.quant.scales.size())
            failInvariant("written model changed a tensor", graph.tensorLabel(static_cast<int32_t>(t)));
    }
    for (size_t o = 0; o < graph.ops.size(); ++o)
        if (graph.ops[o].type != copy.ops[o].type || graph.ops[o].inputs != copy.ops[o].inputs ||
            graph.ops[o].outputs != copy.ops[o].outputs)
            failInvariant("written model changed an op", graph.opLabel(o));
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
    checkWriterRoundTrip(graph);

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
