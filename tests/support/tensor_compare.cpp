#include "tensor_compare.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "io/tensor_files.h"
#include "runtime/interpreter.h"

namespace rf::test {

namespace {

template <typename T>
double loadAsDouble(const uint8_t* base, int64_t i)
{
    T value;
    std::memcpy(&value, base + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
    return static_cast<double>(value);
}

double elementAt(DType dtype, const uint8_t* base, int64_t i)
{
    switch (dtype) {
    case DType::Float32: return loadAsDouble<float>(base, i);
    case DType::Float64: return loadAsDouble<double>(base, i);
    case DType::Int8: return loadAsDouble<int8_t>(base, i);
    case DType::UInt8: return loadAsDouble<uint8_t>(base, i);
    case DType::Int16: return loadAsDouble<int16_t>(base, i);
    case DType::Int32: return loadAsDouble<int32_t>(base, i);
    case DType::Int64: return loadAsDouble<int64_t>(base, i);
    case DType::UInt32: return loadAsDouble<uint32_t>(base, i);
    case DType::Bool: return base[i] ? 1.0 : 0.0;
    case DType::Float16: {
        uint16_t half;
        std::memcpy(&half, base + 2 * i, 2);
        // Enough for reporting; comparisons of float16 tensors use their bits.
        const int exponent = (half >> 10) & 0x1f;
        const int mantissa = half & 0x3ff;
        const double sign = (half & 0x8000) ? -1.0 : 1.0;
        if (exponent == 0) return sign * std::ldexp(mantissa, -24);
        if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
        return sign * std::ldexp(mantissa + 1024, exponent - 25);
    }
    case DType::Unknown: break;
    }
    return 0;
}

bool isFloat(DType dtype) { return dtype == DType::Float32 || dtype == DType::Float64; }

class CaptureObserver : public TensorObserver {
public:
    explicit CaptureObserver(std::map<int32_t, TensorValue>& values) : values_(values) {}
    void onTensor(int, int32_t tensorIndex, const Tensor&, const TensorValue& value) override { values_[tensorIndex] = value; }

private:
    std::map<int32_t, TensorValue>& values_;
};

std::string formatNumber(double value)
{
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return buffer;
}

} // namespace

TensorDiff diffTensorBytes(DType dtype, const uint8_t* got, const uint8_t* expected, int64_t elements,
                           const Tolerance& tolerance)
{
    TensorDiff diff;
    diff.elements = elements;
    const bool floating = isFloat(dtype);
    const size_t size = dtypeSize(dtype);
    for (int64_t i = 0; i < elements; ++i) {
        bool differs = false;
        const double a = elementAt(dtype, got, i);
        const double b = elementAt(dtype, expected, i);
        if (std::isfinite(b)) diff.maxAbsExpected = std::max(diff.maxAbsExpected, std::fabs(b));
        if (floating) {
            const bool bothNan = std::isnan(a) && std::isnan(b);
            const double delta = std::fabs(a - b);
            differs = !bothNan && !(delta <= std::max(tolerance.absolute, tolerance.relative * std::fabs(b)));
            if (!bothNan && (std::isnan(delta) || delta > diff.maxAbsDiff)) diff.maxAbsDiff = std::isnan(delta) ? INFINITY : delta;
        } else {
            differs = std::memcmp(got + i * size, expected + i * size, size) != 0;
            diff.maxAbsDiff = std::max(diff.maxAbsDiff, std::fabs(a - b));
        }
        if (differs) {
            if (diff.firstIndex < 0) {
                diff.firstIndex = i;
                diff.firstGot = a;
                diff.firstExpected = b;
            }
            ++diff.differing;
        }
    }
    return diff;
}

Result<std::map<int32_t, TensorValue>> runAndCapture(const Graph& graph, KernelMode mode,
                                                     const std::vector<std::vector<uint8_t>>& inputs, int threads)
{
    InterpreterOptions options;
    options.mode = mode;
    options.threads = threads;
    RF_ASSIGN_OR_RETURN(std::unique_ptr<Interpreter> interpreter, Interpreter::create(graph, options));
    if (inputs.size() != graph.inputs.size())
        return Status::error(std::to_string(inputs.size()) + " inputs given, the model has " +
                             std::to_string(graph.inputs.size()));
    for (size_t i = 0; i < inputs.size(); ++i) RF_RETURN_IF_ERROR(interpreter->setInput(i, inputs[i].data(), inputs[i].size()));
    std::map<int32_t, TensorValue> values;
    CaptureObserver observer(values);
    RF_RETURN_IF_ERROR(interpreter->invoke(&observer));
    return values;
}

std::string DumpComparison::report(size_t maxLines) const
{
    std::string text = std::to_string(mismatched) + " of " + std::to_string(compared) + " tensors differ";
    for (size_t i = 0; i < problems.size() && i < maxLines; ++i) text += "\n  " + problems[i];
    if (problems.size() > maxLines) text += "\n  ... and " + std::to_string(problems.size() - maxLines) + " more";
    return text;
}

DumpComparison compareWithDump(const Graph& graph, const std::map<int32_t, TensorValue>& values,
                               const std::string& referenceDir, const Tolerance& tolerance, const ExcludeTensor& exclude)
{
    namespace fs = std::filesystem;
    DumpComparison comparison;
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(referenceDir, ec))
        if (entry.path().extension() == ".bin" && entry.path().filename().string().rfind("output_", 0) == 0)
            files.push_back(entry.path().string());
    for (const auto& entry : fs::directory_iterator(fs::path(referenceDir) / "intermediates", ec))
        if (entry.path().extension() == ".bin") files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());

    // Problems are sorted by the op that produced the tensor, so the first line
    // shows where the two runs start to drift apart.
    std::vector<std::pair<int64_t, std::string>> ordered;
    std::vector<int> producer(graph.tensors.size(), -1);
    for (size_t o = 0; o < graph.ops.size(); ++o)
        for (int32_t t : graph.ops[o].outputs)
            if (t >= 0) producer[t] = static_cast<int>(o);

    for (const std::string& file : files) {
        Result<TensorFile> read = readTensorFile(file);
        ++comparison.compared;
        const auto problem = [&](int64_t order, const std::string& text) {
            ++comparison.mismatched;
            ordered.emplace_back(order, text);
        };
        if (!read.isOk()) {
            problem(-1, "cannot read reference " + read.message());
            continue;
        }
        const TensorFile& reference = read.value();
        int32_t index = reference.info.tensorIndex;
        const std::string relative = fs::path(file).lexically_relative(referenceDir).string();
        // Output sidecars without a tensor_index (hand-made goldens) identify the
        // tensor by its position among the graph outputs.
        if (index < 0 && reference.info.outputIndex && *reference.info.outputIndex >= 0 &&
            static_cast<size_t>(*reference.info.outputIndex) < graph.outputs.size())
            index = graph.outputs[*reference.info.outputIndex];
        if (index < 0 || static_cast<size_t>(index) >= graph.tensors.size()) {
            problem(-1, relative + ": tensor_index " + std::to_string(index) + " is not in the model");
            continue;
        }
        if (exclude) {
            if (const std::string reason = exclude(graph, index); !reason.empty()) {
                --comparison.compared;
                comparison.excluded.push_back(graph.tensorLabel(index) + ": " + reason);
                continue;
            }
        }
        const int op = producer[index];
        std::string name = graph.tensors[index].name;
        if (name.size() > 60) name = name.substr(0, 57) + "...";
        std::string label = relative + " (tensor #" + std::to_string(index) + " '" + name + "' " +
                            std::string(dtypeName(reference.info.dtype)) + " " + shapeToString(reference.info.shape);
        if (op >= 0) label += ", op #" + std::to_string(op) + " " + graph.ops[op].typeName;
        label += ")";
        if (!reference.info.name.empty() && reference.info.name != graph.tensors[index].name) {
            problem(op, label + ": the reference names this tensor '" + reference.info.name + "'");
            continue;
        }
        const auto found = values.find(index);
        if (found == values.end()) {
            problem(op, label + ": we did not produce this tensor");
            continue;
        }
        const TensorValue& ours = found->second;
        if (ours.dtype() != reference.info.dtype) {
            problem(op, label + ": our dtype is " + std::string(dtypeName(ours.dtype())));
            continue;
        }
        if (ours.shape() != reference.info.shape) {
            problem(op, label + ": our shape is " + shapeToString(ours.shape()));
            continue;
        }
        const TensorDiff diff = diffTensorBytes(ours.dtype(), reinterpret_cast<const uint8_t*>(ours.bytes()),
                                                reference.data.data(), ours.elementCount(), tolerance);
        if (diff.differing > 0)
            problem(op, label + ": " + std::to_string(diff.differing) + " of " + std::to_string(diff.elements) +
                            " elements differ, max |diff| " + formatNumber(diff.maxAbsDiff) +
                            (isFloat(ours.dtype()) && diff.maxAbsExpected > 0
                                 ? " (" + formatNumber(diff.maxAbsDiff / diff.maxAbsExpected) + " of the largest |value|)"
                                 : std::string()) +
                            ", first at " +
                            std::to_string(diff.firstIndex) + ": got " + formatNumber(diff.firstGot) + ", expected " +
                            formatNumber(diff.firstExpected));
    }
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [order, text] : ordered) comparison.problems.push_back(std::move(text));
    return comparison;
}

} // namespace rf::test
