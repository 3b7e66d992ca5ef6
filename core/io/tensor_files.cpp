#include "io/tensor_files.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/npy.h"

namespace rf {

namespace {

using OrderedJson = nlohmann::ordered_json;

/// One number read from a file: integers are kept exact (int64 tensors), anything
/// else as a double.
struct Number {
    bool isInteger = false;
    int64_t integer = 0;
    double real = 0.0;

    double asDouble() const { return isInteger ? static_cast<double>(integer) : real; }
};

/// IEEE half -> float (exact).
float halfToFloat(uint16_t half)
{
    const uint32_t sign = uint32_t{half & 0x8000u} << 16;
    uint32_t exponent = (half >> 10) & 0x1f;
    uint32_t mantissa = half & 0x3ffu;
    uint32_t bits = 0;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal half: normalize into a float.
            exponent = 127 - 15 + 1;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                --exponent;
            }
            mantissa &= 0x3ffu;
            bits = sign | (exponent << 23) | (mantissa << 13);
        }
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(bits);
}

/// float -> IEEE half, rounding to nearest even (what numpy's astype(float16) does).
uint16_t floatToHalf(float value)
{
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
    const uint32_t magnitude = bits & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) // Inf or NaN (keep NaN quiet and non-zero).
        return static_cast<uint16_t>(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u : 0u));
    if (magnitude >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u); // Rounds to >= 65520: infinity.
    if (magnitude < 0x38800000u) {
        // The result is subnormal (or zero): count in units of 2^-24, the half's
        // smallest step. The product is exact in double, and nearbyint rounds half
        // to even; 1024 units correctly becomes the smallest normal number.
        const double units = static_cast<double>(std::bit_cast<float>(magnitude)) * 16777216.0;
        return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(units)));
    }
    // Normal: rebias the exponent and round the mantissa from 23 to 10 bits.
    uint32_t result = ((magnitude >> 13) - ((127 - 15) << 10));
    const uint32_t remainder = magnitude & 0x1fffu;
    if (remainder > 0x1000u || (remainder == 0x1000u && (result & 1u))) ++result;
    return static_cast<uint16_t>(sign | result);
}

template <typename T>
T loadLe(const uint8_t* p)
{
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

/// Reads element i of a raw array as a Number.
Number elementAsNumber(const uint8_t* data, DType dtype, size_t i)
{
    Number n;
    const uint8_t* p = data + i * dtypeSize(dtype);
    switch (dtype) {
    case DType::Float32: n.real = loadLe<float>(p); break;
    case DType::Float64: n.real = loadLe<double>(p); break;
    case DType::Float16: n.real = halfToFloat(loadLe<uint16_t>(p)); break;
    case DType::Int8: n = {true, loadLe<int8_t>(p), 0}; break;
    case DType::UInt8: n = {true, loadLe<uint8_t>(p), 0}; break;
    case DType::Int16: n = {true, loadLe<int16_t>(p), 0}; break;
    case DType::Int32: n = {true, loadLe<int32_t>(p), 0}; break;
    case DType::Int64: n = {true, loadLe<int64_t>(p), 0}; break;
    case DType::UInt32: n = {true, loadLe<uint32_t>(p), 0}; break;
    case DType::Bool: n = {true, loadLe<uint8_t>(p) != 0 ? 1 : 0, 0}; break;
    case DType::Unknown: break;
    }
    return n;
}

bool integerRange(DType dtype, int64_t& low, int64_t& high)
{
    switch (dtype) {
    case DType::Int8: low = -128, high = 127; return true;
    case DType::UInt8: low = 0, high = 255; return true;
    case DType::Int16: low = -32768, high = 32767; return true;
    case DType::Int32: low = std::numeric_limits<int32_t>::min(), high = std::numeric_limits<int32_t>::max(); return true;
    case DType::UInt32: low = 0, high = std::numeric_limits<uint32_t>::max(); return true;
    case DType::Int64: low = std::numeric_limits<int64_t>::min(), high = std::numeric_limits<int64_t>::max(); return true;
    case DType::Bool: low = 0, high = 1; return true;
    default: return false;
    }
}

/// Stores `value` as element i of a `dtype` array, checking integer tensors get
/// an integer in range (the oracle's castNumbers). `text` is how the value is
/// quoted in the error message.
Status storeNumber(const Number& value, DType dtype, uint8_t* out, size_t i, const std::string& label,
                   const std::string& text)
{
    uint8_t* p = out + i * dtypeSize(dtype);
    int64_t low = 0, high = 0;
    if (integerRange(dtype, low, high)) {
        int64_t integer = 0;
        if (value.isInteger) {
            integer = value.integer;
        } else {
            const double real = value.real;
            // 2^63 is exactly representable; anything at or beyond it cannot be an int64.
            if (!std::isfinite(real) || real != std::trunc(real) || real < -9223372036854775808.0 ||
                real >= 9223372036854775808.0)
                return Status::error(label + ": value " + text + " at index " + std::to_string(i) + " is not a valid " +
                                     std::string(dtypeName(dtype)));
            integer = static_cast<int64_t>(real);
        }
        if (integer < low || integer > high)
            return Status::error(label + ": value " + text + " at index " + std::to_string(i) + " is not a valid " +
                                 std::string(dtypeName(dtype)) + " (range " + std::to_string(low) + ".." +
                                 std::to_string(high) + ")");
        switch (dtype) {
        case DType::Int8: *reinterpret_cast<int8_t*>(p) = static_cast<int8_t>(integer); break;
        case DType::UInt8:
        case DType::Bool: *p = static_cast<uint8_t>(integer); break;
        case DType::Int16: {
            const int16_t v = static_cast<int16_t>(integer);
            std::memcpy(p, &v, sizeof v);
            break;
        }
        case DType::Int32: {
            const int32_t v = static_cast<int32_t>(integer);
            std::memcpy(p, &v, sizeof v);
            break;
        }
        case DType::UInt32: {
            const uint32_t v = static_cast<uint32_t>(integer);
            std::memcpy(p, &v, sizeof v);
            break;
        }
        case DType::Int64: std::memcpy(p, &integer, sizeof integer); break;
        default: break;
        }
        return Status::ok();
    }
    const double real = value.asDouble();
    switch (dtype) {
    case DType::Float32: {
        const float v = static_cast<float>(real);
        std::memcpy(p, &v, sizeof v);
        return Status::ok();
    }
    case DType::Float64: std::memcpy(p, &real, sizeof real); return Status::ok();
    case DType::Float16: {
        const uint16_t v = floatToHalf(static_cast<float>(real));
        std::memcpy(p, &v, sizeof v);
        return Status::ok();
    }
    default:
        return Status::error(label + ": cannot convert numbers to tensor type " + std::string(dtypeName(dtype)));
    }
}

/// Parses one CSV token: an exact integer when it is one, else a floating-point number.
std::optional<Number> parseNumberToken(const std::string& token)
{
    Number n;
    const char* begin = token.data();
    const char* end = token.data() + token.size();
    // from_chars rejects a leading '+', which users (and numpy.savetxt) may write.
    const char* digits = (begin != end && *begin == '+') ? begin + 1 : begin;
    if (auto [next, ec] = std::from_chars(digits, end, n.integer); ec == std::errc() && next == end) {
        n.isInteger = true;
        return n;
    }
    if (auto [next, ec] = std::from_chars(digits, end, n.real); ec == std::errc() && next == end) return n;
    // Spellings from_chars does not take but strtod does (hex floats, "inf", "nan").
    char* stop = nullptr;
    n.real = std::strtod(begin, &stop);
    if (stop == end && begin != end) return n;
    return std::nullopt;
}

std::string lowerExtension(const std::string& path)
{
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

OrderedJson shapeJson(const Shape& shape)
{
    OrderedJson array = OrderedJson::array();
    for (int32_t dim : shape) array.push_back(dim);
    return array;
}

/// scale / zero_point (/ quantized_dimension) exactly as the oracle's quantJson.
void addQuantJson(OrderedJson& json, const QuantParams& quant)
{
    if (quant.scales.empty() && quant.zeroPoints.empty()) {
        json["scale"] = nullptr;
        json["zero_point"] = nullptr;
        return;
    }
    if (quant.scales.size() <= 1 && quant.zeroPoints.size() <= 1) {
        // Scales are float32 in the model; the widening to double is exact, and the
        // shortest round-trip printing then matches JavaScript's.
        if (quant.scales.empty())
            json["scale"] = nullptr;
        else
            json["scale"] = static_cast<double>(quant.scales[0]);
        json["zero_point"] = quant.zeroPoints.empty() ? int64_t{0} : quant.zeroPoints[0];
        return;
    }
    OrderedJson scales = OrderedJson::array();
    for (float s : quant.scales) scales.push_back(static_cast<double>(s));
    OrderedJson zeroPoints = OrderedJson::array();
    for (int64_t z : quant.zeroPoints) zeroPoints.push_back(z);
    json["scale"] = std::move(scales);
    json["zero_point"] = std::move(zeroPoints);
    json["quantized_dimension"] = quant.axis;
}

OrderedJson tensorInfoToJson(const TensorFileInfo& info)
{
    OrderedJson json;
    json["name"] = info.name;
    json["tensor_index"] = info.tensorIndex;
    json["dtype"] = std::string(dtypeName(info.dtype));
    json["shape"] = shapeJson(info.shape);
    addQuantJson(json, info.quant);
    if (info.outputIndex) json["index"] = *info.outputIndex;
    if (info.opIndex) {
        json["op_index"] = *info.opIndex;
        json["op"] = info.opName;
    }
    json["file"] = info.file;
    json["bytes"] = info.bytes;
    if (!info.npyFile.empty()) json["npy"] = info.npyFile;
    return json;
}

/// JSON text as the oracle writes it: JSON.stringify(value, null, 1) plus a newline.
/// Invalid UTF-8 in tensor names is replaced rather than aborting the write.
std::string dumpJson(const OrderedJson& json)
{
    return json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

template <typename T>
std::optional<T> optionalNumber(const nlohmann::json& json, const char* key)
{
    auto it = json.find(key);
    if (it == json.end() || !it->is_number()) return std::nullopt;
    return it->get<T>();
}

} // namespace

std::optional<InputFill> inputFillFromName(std::string_view name)
{
    if (name == "zeros") return InputFill::Zeros;
    if (name == "random") return InputFill::Random;
    return std::nullopt;
}

Result<std::vector<uint8_t>> numbersToTensorBytes(const std::vector<std::string>& tokens, DType dtype,
                                                  const std::string& label)
{
    std::vector<uint8_t> out(tokens.size() * dtypeSize(dtype));
    if (dtypeSize(dtype) == 0) return Status::error(label + ": cannot convert numbers to tensor type " + std::string(dtypeName(dtype)));
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::optional<Number> number = parseNumberToken(tokens[i]);
        if (!number)
            return Status::error(label + ": '" + tokens[i] + "' at index " + std::to_string(i) + " is not a number");
        RF_RETURN_IF_ERROR(storeNumber(*number, dtype, out.data(), i, label, tokens[i]));
    }
    return out;
}

Result<std::vector<uint8_t>> loadInputFile(const std::string& path, DType dtype, int64_t elementCount)
{
    const size_t elementSize = dtypeSize(dtype);
    if (elementSize == 0) return Status::error(path + ": the input tensor has an unsupported type");
    const uint64_t byteCount = static_cast<uint64_t>(elementCount) * elementSize;
    const std::string ext = lowerExtension(path);

    if (ext == ".npy") {
        RF_ASSIGN_OR_RETURN(NpyArray array, readNpyFile(path));
        if (array.elementCount() != elementCount)
            return Status::error(path + ": " + std::to_string(array.elementCount()) + " elements (shape " +
                                 shapeToString(array.shape) + "), the tensor needs " + std::to_string(elementCount));
        if (array.dtype == dtype) return std::move(array.data);
        // Another element type: convert value by value, refusing values the
        // tensor's type cannot hold (as the oracle does).
        std::vector<uint8_t> out(byteCount);
        for (int64_t i = 0; i < elementCount; ++i) {
            const Number value = elementAsNumber(array.data.data(), array.dtype, static_cast<size_t>(i));
            char text[64];
            if (value.isInteger)
                std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value.integer));
            else
                std::snprintf(text, sizeof text, "%.9g", value.real);
            RF_RETURN_IF_ERROR(storeNumber(value, dtype, out.data(), static_cast<size_t>(i),
                                           path + " (.npy " + std::string(dtypeName(array.dtype)) + " -> " +
                                               std::string(dtypeName(dtype)) + ")",
                                           text));
        }
        return out;
    }

    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFileContents(path));
    if (ext == ".csv" || ext == ".txt") {
        std::vector<std::string> tokens;
        std::string current;
        for (uint8_t c : bytes) {
            if (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                if (!current.empty()) tokens.push_back(std::move(current));
                current.clear();
            } else {
                current.push_back(static_cast<char>(c));
            }
        }
        if (!current.empty()) tokens.push_back(std::move(current));
        if (static_cast<int64_t>(tokens.size()) != elementCount)
            return Status::error(path + ": " + std::to_string(tokens.size()) + " values, the tensor needs " +
                                 std::to_string(elementCount));
        return numbersToTensorBytes(tokens, dtype, path);
    }

    if (bytes.size() != byteCount)
        return Status::error(path + ": " + std::to_string(bytes.size()) + " bytes, the tensor needs " +
                             std::to_string(byteCount) + " (" + std::to_string(elementCount) + " x " +
                             std::string(dtypeName(dtype)) + ", raw little-endian)");
    return bytes;
}

std::vector<uint8_t> fillInputBytes(InputFill fill, size_t byteCount, uint32_t seed)
{
    std::vector<uint8_t> bytes(byteCount, 0);
    if (fill == InputFill::Random) {
        // The oracle's generator: s = s * 1664525 + 1013904223 (mod 2^32), byte = s >> 24.
        uint32_t state = seed ? seed : 1;
        for (uint8_t& b : bytes) {
            state = state * 1664525u + 1013904223u;
            b = static_cast<uint8_t>(state >> 24);
        }
    }
    return bytes;
}

std::string sanitizeTensorName(std::string_view name)
{
    std::string out;
    bool inRun = false;
    for (char c : name) {
        const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '.' || c == '-';
        if (keep) {
            out.push_back(c);
            inRun = false;
        } else if (!inRun) {
            out.push_back('_');
            inRun = true;
        }
    }
    if (out.size() > 80) out.resize(80);
    return out;
}

std::string intermediateFileStem(int32_t tensorIndex, std::string_view name)
{
    char index[16];
    std::snprintf(index, sizeof index, "t%04d_", tensorIndex);
    return index + sanitizeTensorName(name);
}

TensorFileInfo tensorFileInfo(const Graph& graph, int32_t tensorIndex, const Shape& runtimeShape)
{
    TensorFileInfo info;
    const Tensor& tensor = graph.tensors[tensorIndex];
    info.name = tensor.name;
    info.tensorIndex = tensorIndex;
    info.dtype = tensor.dtype;
    info.shape = runtimeShape;
    info.quant = tensor.quant;
    return info;
}

std::string tensorFileInfoJson(const TensorFileInfo& info) { return dumpJson(tensorInfoToJson(info)); }

Result<TensorFileInfo> writeTensorFile(const std::string& directory, const std::string& stem, TensorFileInfo info,
                                       std::span<const uint8_t> bytes, OverwritePolicy policy, bool alsoNpy)
{
    info.file = stem + ".bin";
    info.bytes = bytes.size();
    const std::filesystem::path dir(directory);
    RF_RETURN_IF_ERROR(writeFileAtomic((dir / info.file).string(), bytes, policy));
    if (alsoNpy && !npyDescr(info.dtype).empty()) {
        info.npyFile = stem + ".npy";
        RF_RETURN_IF_ERROR(writeNpyFile((dir / info.npyFile).string(), info.dtype, info.shape, bytes, policy));
    }
    RF_RETURN_IF_ERROR(writeFileAtomic((dir / (stem + ".json")).string(), tensorFileInfoJson(info), policy));
    return info;
}

Result<TensorFile> readTensorFile(const std::string& binPath)
{
    std::filesystem::path jsonPath(binPath);
    jsonPath.replace_extension(".json");
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> jsonBytes, readFileContents(jsonPath.string(), 64u << 20));
    nlohmann::json json = nlohmann::json::parse(jsonBytes.begin(), jsonBytes.end(), nullptr, false);
    if (json.is_discarded() || !json.is_object()) return Status::error(jsonPath.string() + ": not a JSON object");

    TensorFile file;
    TensorFileInfo& info = file.info;
    if (auto it = json.find("name"); it != json.end() && it->is_string()) info.name = it->get<std::string>();
    info.tensorIndex = optionalNumber<int32_t>(json, "tensor_index").value_or(-1);
    auto dtypeIt = json.find("dtype");
    if (dtypeIt == json.end() || !dtypeIt->is_string()) return Status::error(jsonPath.string() + ": no \"dtype\"");
    info.dtype = dtypeFromName(dtypeIt->get<std::string>());
    if (info.dtype == DType::Unknown)
        return Status::error(jsonPath.string() + ": unsupported dtype \"" + dtypeIt->get<std::string>() + "\"");
    auto shapeIt = json.find("shape");
    if (shapeIt == json.end() || !shapeIt->is_array()) return Status::error(jsonPath.string() + ": no \"shape\" array");
    for (const auto& dim : *shapeIt) {
        if (!dim.is_number_integer() || dim.get<int64_t>() < 0 || dim.get<int64_t>() > std::numeric_limits<int32_t>::max())
            return Status::error(jsonPath.string() + ": invalid \"shape\"");
        info.shape.push_back(dim.get<int32_t>());
    }
    if (auto it = json.find("scale"); it != json.end()) {
        if (it->is_number()) info.quant.scales.push_back(it->get<float>());
        if (it->is_array())
            for (const auto& s : *it)
                if (s.is_number()) info.quant.scales.push_back(s.get<float>());
    }
    if (auto it = json.find("zero_point"); it != json.end()) {
        if (it->is_number()) info.quant.zeroPoints.push_back(it->get<int64_t>());
        if (it->is_array())
            for (const auto& z : *it)
                if (z.is_number()) info.quant.zeroPoints.push_back(z.get<int64_t>());
    }
    info.quant.axis = optionalNumber<int32_t>(json, "quantized_dimension").value_or(0);
    info.outputIndex = optionalNumber<int32_t>(json, "index");
    info.opIndex = optionalNumber<int32_t>(json, "op_index");
    if (auto it = json.find("op"); it != json.end() && it->is_string()) info.opName = it->get<std::string>();
    if (auto it = json.find("file"); it != json.end() && it->is_string()) info.file = it->get<std::string>();

    RF_ASSIGN_OR_RETURN(file.data, readFileContents(binPath));
    info.bytes = file.data.size();
    int64_t count = 1;
    for (int32_t dim : info.shape) count *= dim;
    const uint64_t expected = static_cast<uint64_t>(count) * dtypeSize(info.dtype);
    if (file.data.size() != expected)
        return Status::error(binPath + ": " + std::to_string(file.data.size()) + " bytes, but its sidecar says " +
                             std::string(dtypeName(info.dtype)) + " " + shapeToString(info.shape) + " (" +
                             std::to_string(expected) + " bytes)");
    return file;
}

BenchTiming summarizeTimings(std::span<const double> milliseconds, int warmup, int threads, std::string kernels)
{
    BenchTiming timing;
    timing.runs = static_cast<int>(milliseconds.size());
    timing.warmup = warmup;
    timing.threads = threads;
    timing.kernels = std::move(kernels);
    if (milliseconds.empty()) return timing;
    std::vector<double> sorted(milliseconds.begin(), milliseconds.end());
    std::sort(sorted.begin(), sorted.end());
    const size_t n = sorted.size();
    timing.medianMs = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    timing.minMs = sorted.front();
    timing.maxMs = sorted.back();
    double sum = 0;
    for (double ms : sorted) sum += ms;
    timing.meanMs = sum / static_cast<double>(n);
    return timing;
}

namespace {

OrderedJson timingJson(const BenchTiming& timing)
{
    OrderedJson json;
    json["runs"] = timing.runs;
    json["warmup"] = timing.warmup;
    json["threads"] = timing.threads;
    json["kernels"] = timing.kernels;
    json["median_ms"] = timing.medianMs;
    json["min_ms"] = timing.minMs;
    json["max_ms"] = timing.maxMs;
    json["mean_ms"] = timing.meanMs;
    return json;
}

} // namespace

Status writeTimingFile(const std::string& directory, const BenchTiming& timing, OverwritePolicy policy)
{
    return writeFileAtomic((std::filesystem::path(directory) / "timing.json").string(), dumpJson(timingJson(timing)),
                           policy);
}

Status writeRunManifest(const std::string& directory, const RunManifest& manifest, OverwritePolicy policy)
{
    OrderedJson json;
    json["runtime"] = manifest.runtime;
    json["kernels"] = manifest.kernels;
    json["model"] = manifest.modelPath;
    if (!manifest.modelSha256.empty()) json["model_sha256"] = manifest.modelSha256;
    json["threads"] = manifest.threads;
    OrderedJson inputs = OrderedJson::array();
    for (const RunManifest::Input& input : manifest.inputs) {
        OrderedJson entry;
        entry["index"] = input.index;
        entry["name"] = input.name;
        entry["tensor_index"] = input.tensorIndex;
        entry["dtype"] = std::string(dtypeName(input.dtype));
        entry["shape"] = shapeJson(input.shape);
        entry["file"] = input.file;
        inputs.push_back(std::move(entry));
    }
    json["inputs"] = std::move(inputs);
    OrderedJson outputs = OrderedJson::array();
    for (const TensorFileInfo& output : manifest.outputs) outputs.push_back(tensorInfoToJson(output));
    json["outputs"] = std::move(outputs);
    if (manifest.timing) json["timing"] = timingJson(*manifest.timing);
    if (manifest.intermediateFiles) {
        OrderedJson intermediates;
        intermediates["count"] = manifest.intermediateFiles->size();
        intermediates["folder"] = "intermediates";
        intermediates["files"] = *manifest.intermediateFiles;
        json["intermediates"] = std::move(intermediates);
    }
    return writeFileAtomic((std::filesystem::path(directory) / "outputs.json").string(), dumpJson(json), policy);
}

} // namespace rf
