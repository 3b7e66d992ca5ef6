#include "recorded_case.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/npy.h"
#include "io/tflite_reader.h"
#include "test_support.h"

namespace rf::test {

namespace {

/// Element `i` of a tensor's bytes as text, for messages.
std::string elementText(DType dtype, const void* data, int64_t i)
{
    const auto read = [&](auto sample) {
        decltype(sample) value;
        std::memcpy(&value, static_cast<const char*>(data) + i * static_cast<int64_t>(sizeof value), sizeof value);
        return std::to_string(value);
    };
    switch (dtype) {
    case DType::Float32: return read(float{});
    case DType::Int8: return read(int8_t{});
    case DType::UInt8: return read(uint8_t{});
    case DType::Int16: return read(int16_t{});
    case DType::Int32: return read(int32_t{});
    case DType::Int64: return read(int64_t{});
    default: return "?";
    }
}

/// Empty when `value` agrees with the oracle's `expected` bytes.
std::string compareOutput(const TensorValue& value, const std::vector<uint8_t>& expected, FloatMatch floatMatch)
{
    if (expected.size() != value.byteSize())
        return "the oracle's output has " + std::to_string(expected.size()) + " bytes, ours " + std::to_string(value.byteSize());
    const size_t size = dtypeSize(value.dtype());
    const bool relative = value.dtype() == DType::Float32 && floatMatch == FloatMatch::Relative;
    int64_t mismatches = 0, first = -1;
    for (int64_t i = 0; i < value.elementCount(); ++i) {
        bool same = std::memcmp(value.bytes() + i * static_cast<int64_t>(size), expected.data() + i * static_cast<int64_t>(size), size) == 0;
        if (!same && relative) {
            float got = 0, want = 0;
            std::memcpy(&got, value.bytes() + 4 * i, 4);
            std::memcpy(&want, expected.data() + 4 * i, 4);
            same = std::fabs(got - want) <= std::max(1e-5f * std::max(std::fabs(got), std::fabs(want)), 1e-6f);
        }
        if (same) continue;
        if (first < 0) first = i;
        ++mismatches;
    }
    if (mismatches == 0) return {};
    return std::to_string(mismatches) + " of " + std::to_string(value.elementCount()) + " elements differ (first at " +
           std::to_string(first) + ": ours " + elementText(value.dtype(), value.bytes(), first) + ", TFLite " +
           elementText(value.dtype(), expected.data(), first) + ")";
}

} // namespace

std::vector<std::vector<std::string>> readCaseTable(const std::string& casesFile)
{
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(casesFile);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::vector<std::string> row;
        for (std::string field; fields >> field;) row.push_back(field);
        if (!row.empty()) rows.push_back(std::move(row));
    }
    return rows;
}

std::string runRecordedCase(const std::string& caseDir, KernelMode mode, FloatMatch floatMatch)
{
    auto graph = readTfliteFile(caseDir + "/model.tflite");
    if (!graph.isOk()) return graph.message();
    auto created = Interpreter::create(std::move(graph).value(), InterpreterOptions{mode, 1});
    if (!created.isOk()) return created.message();
    Interpreter& interpreter = *created.value();
    for (size_t i = 0; i < interpreter.graph().inputs.size(); ++i) {
        const std::string npy = caseDir + "/input_" + std::to_string(i) + ".npy";
        std::vector<uint8_t> bytes;
        if (std::filesystem::exists(npy)) {
            auto array = readNpyFile(npy);
            if (!array.isOk()) return array.message();
            bytes = std::move(array.value().data);
        } else {
            bytes = readFileBytes(caseDir + "/input_" + std::to_string(i) + ".bin");
        }
        if (Status status = interpreter.setInput(i, bytes.data(), bytes.size()); !status.isOk()) return status.message();
    }
    if (Status status = interpreter.invoke(); !status.isOk()) return status.message();
    const size_t outputs = interpreter.graph().outputs.size();
    std::string problems;
    for (size_t k = 0; k < outputs; ++k) {
        const std::string single = caseDir + "/expected.bin";
        const std::string file = outputs == 1 && std::filesystem::exists(single)
                                     ? single
                                     : caseDir + "/expected_" + std::to_string(k) + ".bin";
        const std::string problem = compareOutput(interpreter.output(k), readFileBytes(file), floatMatch);
        if (!problem.empty()) problems += (problems.empty() ? "" : "; ") + ("output " + std::to_string(k) + ": " + problem);
    }
    return problems;
}

} // namespace rf::test
