#include "quant/ranges_json.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "quant/calibration_observer.h"
#include "util/atomic_file.h"

namespace rf {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kFormatName = "rangefinder-ranges";

/// 1-based line of byte `offset` in `text`.
size_t lineOf(std::string_view text, size_t offset)
{
    size_t line = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i)
        if (text[i] == '\n') ++line;
    return line;
}

/// The line of a tensor entry, found from its name's JSON string after "tensors"
/// (nlohmann does not keep positions of parsed values). 0 when not found.
size_t lineOfTensorName(std::string_view text, const std::string& name, size_t occurrence)
{
    size_t at = text.find("\"tensors\"");
    if (at == std::string_view::npos) return 0;
    const std::string quoted = Json(name).dump();
    for (size_t k = 0; k <= occurrence; ++k) {
        at = text.find(quoted, k == 0 ? at : at + 1);
        if (at == std::string_view::npos) return 0;
    }
    return lineOf(text, at);
}

/// Reads a required finite number.
bool readNumber(const Json& object, const char* key, double& out)
{
    auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return false;
    out = it->get<double>();
    return std::isfinite(out);
}

/// Reads a required finite number that fits a float.
bool readFloat(const Json& object, const char* key, double& out)
{
    return readNumber(object, key, out) && std::fabs(out) <= 3.4028234663852886e38;
}

/// Reads a non-negative integer.
bool readCount(const Json& object, const char* key, uint64_t& out)
{
    auto it = object.find(key);
    if (it == object.end()) return true;
    if (!it->is_number_unsigned()) return false;
    out = it->get<uint64_t>();
    return true;
}

Json methodToJson(const RangePolicy& policy)
{
    Json method;
    method["name"] = std::string(rangeMethodName(policy.method));
    method["percentile"] = policy.percentile;
    method["ema_decay"] = policy.emaDecay;
    method["ema_start"] = policy.emaStartAtFirstSample ? "first_sample" : "qat_default";
    method["kl_bins"] = policy.klBins;
    method["kl_quantized_bins"] = policy.klQuantizedBins;
    method["mse_levels"] = policy.mseLevels;
    method["mse_steps"] = policy.mseSteps;
    return method;
}

Status checkKeys(const Json& object, const std::set<std::string>& allowed, const std::string& where)
{
    for (auto it = object.begin(); it != object.end(); ++it)
        if (!allowed.count(it.key()))
            return Status::error(where + ": unknown key \"" + it.key() + "\"");
    return Status::ok();
}

} // namespace

RangesFile makeRangesFile(const RangeTable& ranges, const RangePolicy& policy, const CalibrationStatistics* statistics,
                          const std::string& modelPath, const std::string& modelSha256)
{
    RangesFile file;
    file.generator = std::string("Rangefinder ") + RF_VERSION;
    file.modelFile = std::filesystem::path(modelPath).filename().string();
    file.modelSha256 = modelSha256;
    file.policy = policy;
    file.ranges = ranges;
    if (statistics) {
        file.calibrationSamples = statistics->sampleCount;
        for (const TensorStatistics& stats : statistics->tensors) {
            if (!ranges.count(stats.name) || stats.count == 0) continue;
            RangeStatsSummary summary;
            summary.count = stats.count;
            summary.observedMin = stats.min;
            summary.observedMax = stats.max;
            summary.mean = stats.mean();
            summary.stddev = stats.stddev();
            summary.samples = stats.sampleMin.size();
            summary.nanCount = stats.nanCount;
            summary.infCount = stats.infCount;
            file.stats[stats.name] = summary;
        }
    }
    return file;
}

std::string rangesToJson(const RangesFile& file)
{
    Json root;
    root["format"] = kFormatName;
    root["format_version"] = file.formatVersion;
    root["generator"] = file.generator;
    root["model"] = Json{{"file", file.modelFile}, {"sha256", file.modelSha256}};
    root["method"] = methodToJson(file.policy);
    root["calibration"] = Json{{"samples", file.calibrationSamples}};
    if (file.policy.defaultRange)
        root["default_ranges"] = Json{{"min", file.policy.defaultRange->min}, {"max", file.policy.defaultRange->max}};
    Json tensors = Json::array();
    for (const auto& [name, range] : file.ranges) {
        Json entry;
        entry["name"] = name;
        entry["min"] = range.min;
        entry["max"] = range.max;
        entry["origin"] = std::string(rangeOriginName(range.origin));
        if (auto it = file.stats.find(name); it != file.stats.end()) {
            const RangeStatsSummary& s = it->second;
            entry["stats"] = Json{{"count", s.count},     {"min", s.observedMin},    {"max", s.observedMax},
                                  {"mean", s.mean},       {"stddev", s.stddev},      {"samples", s.samples},
                                  {"nan", s.nanCount},    {"inf", s.infCount}};
        }
        tensors.push_back(std::move(entry));
    }
    root["tensors"] = std::move(tensors);
    return root.dump(2) + "\n";
}

Result<RangesFile> rangesFromJson(std::string_view text, const std::string& sourceName)
{
    Json root;
    try {
        root = Json::parse(text.begin(), text.end());
    } catch (const Json::parse_error& e) {
        return Status::error(sourceName + ": line " + std::to_string(lineOf(text, e.byte > 0 ? e.byte - 1 : 0)) +
                             ": not valid JSON (" + e.what() + ")");
    }
    const auto fail = [&](const std::string& what) { return Status::error(sourceName + ": " + what); };
    if (!root.is_object()) return fail("the top level must be a JSON object");
    if (root.value("format", std::string()) != kFormatName)
        return fail("\"format\" must be \"" + std::string(kFormatName) + "\" (not a Rangefinder ranges file?)");
    RF_RETURN_IF_ERROR(checkKeys(root,
                                 {"format", "format_version", "generator", "model", "method", "calibration",
                                  "default_ranges", "tensors"},
                                 sourceName));
    RangesFile file;
    auto version = root.find("format_version");
    if (version == root.end() || !version->is_number_integer())
        return fail("\"format_version\" (an integer) is missing");
    file.formatVersion = version->get<int>();
    if (file.formatVersion != kRangesFormatVersion)
        return fail("format_version " + std::to_string(file.formatVersion) + " is not supported (this build reads version " +
                    std::to_string(kRangesFormatVersion) + ")");
    if (auto it = root.find("generator"); it != root.end() && it->is_string()) file.generator = it->get<std::string>();

    auto model = root.find("model");
    if (model == root.end() || !model->is_object()) return fail("\"model\" (an object with file and sha256) is missing");
    RF_RETURN_IF_ERROR(checkKeys(*model, {"file", "sha256"}, sourceName + ": model"));
    if (!model->contains("file") || !(*model)["file"].is_string()) return fail("model.file (a string) is missing");
    file.modelFile = (*model)["file"].get<std::string>();
    if (model->contains("sha256")) {
        if (!(*model)["sha256"].is_string()) return fail("model.sha256 must be a string");
        file.modelSha256 = (*model)["sha256"].get<std::string>();
        const bool hex = file.modelSha256.size() == 64 &&
                         file.modelSha256.find_first_not_of("0123456789abcdef") == std::string::npos;
        if (!file.modelSha256.empty() && !hex)
            return fail("model.sha256 must be 64 lower-case hex digits, got \"" + file.modelSha256 + "\"");
    }

    auto method = root.find("method");
    if (method == root.end() || !method->is_object()) return fail("\"method\" (an object with a name) is missing");
    RF_RETURN_IF_ERROR(checkKeys(*method,
                                 {"name", "percentile", "ema_decay", "ema_start", "kl_bins", "kl_quantized_bins",
                                  "mse_levels", "mse_steps"},
                                 sourceName + ": method"));
    const std::string methodName = method->value("name", std::string());
    const std::optional<RangeMethod> parsedMethod = rangeMethodFromName(methodName);
    if (!parsedMethod)
        return fail("method.name \"" + methodName + "\" is not one of minmax, moving_average, percentile, kl, mse");
    file.policy.method = *parsedMethod;
    const auto number = [&](const char* key, double& out) -> Status {
        auto it = method->find(key);
        if (it == method->end()) return Status::ok();
        if (!it->is_number() || !std::isfinite(it->get<double>()))
            return fail(std::string("method.") + key + " must be a finite number");
        out = it->get<double>();
        return Status::ok();
    };
    const auto integer = [&](const char* key, int& out) -> Status {
        auto it = method->find(key);
        if (it == method->end()) return Status::ok();
        if (!it->is_number_integer()) return fail(std::string("method.") + key + " must be an integer");
        out = it->get<int>();
        return Status::ok();
    };
    RF_RETURN_IF_ERROR(number("percentile", file.policy.percentile));
    RF_RETURN_IF_ERROR(number("ema_decay", file.policy.emaDecay));
    RF_RETURN_IF_ERROR(integer("kl_bins", file.policy.klBins));
    RF_RETURN_IF_ERROR(integer("kl_quantized_bins", file.policy.klQuantizedBins));
    RF_RETURN_IF_ERROR(integer("mse_levels", file.policy.mseLevels));
    RF_RETURN_IF_ERROR(integer("mse_steps", file.policy.mseSteps));
    if (auto it = method->find("ema_start"); it != method->end()) {
        const std::string start = it->is_string() ? it->get<std::string>() : std::string();
        if (start != "first_sample" && start != "qat_default")
            return fail("method.ema_start must be \"first_sample\" or \"qat_default\"");
        file.policy.emaStartAtFirstSample = start == "first_sample";
    }
    if (auto it = root.find("calibration"); it != root.end()) {
        if (!it->is_object() || !readCount(*it, "samples", file.calibrationSamples))
            return fail("calibration.samples must be a non-negative integer");
    }
    if (auto it = root.find("default_ranges"); it != root.end()) {
        double lo = 0, hi = 0;
        if (!it->is_object() || !readFloat(*it, "min", lo) || !readFloat(*it, "max", hi) || lo > hi)
            return fail("default_ranges must be {\"min\": a, \"max\": b} with finite a <= b");
        file.policy.defaultRange = TensorRange{static_cast<float>(lo), static_cast<float>(hi), RangeOrigin::DefaultRanges};
    }
    RF_RETURN_IF_ERROR(validateRangePolicy(file.policy).withContext(sourceName + ": method"));

    auto tensors = root.find("tensors");
    if (tensors == root.end() || !tensors->is_array()) return fail("\"tensors\" (an array) is missing");
    for (size_t i = 0; i < tensors->size(); ++i) {
        const Json& entry = (*tensors)[i];
        std::string where = "tensors[" + std::to_string(i) + "]";
        if (!entry.is_object()) return fail(where + " must be an object");
        auto nameIt = entry.find("name");
        if (nameIt == entry.end() || !nameIt->is_string() || nameIt->get<std::string>().empty())
            return fail(where + ": \"name\" (a non-empty string) is missing");
        const std::string name = nameIt->get<std::string>();
        const size_t line = lineOfTensorName(text, name, file.ranges.count(name));
        where = (line ? "line " + std::to_string(line) + ": " : std::string()) + where + " '" + name + "'";
        RF_RETURN_IF_ERROR(checkKeys(entry, {"name", "min", "max", "origin", "stats"}, sourceName + ": " + where));
        if (file.ranges.count(name)) return fail(where + ": the tensor appears twice");
        double lo = 0, hi = 0;
        if (!readNumber(entry, "min", lo)) return fail(where + ": \"min\" must be a finite number");
        if (!readNumber(entry, "max", hi)) return fail(where + ": \"max\" must be a finite number");
        constexpr double kFloatMax = 3.4028234663852886e38;
        if (std::fabs(lo) > kFloatMax || std::fabs(hi) > kFloatMax) return fail(where + ": min/max do not fit a float");
        const float loF = static_cast<float>(lo), hiF = static_cast<float>(hi);
        if (loF > hiF) return fail(where + ": min " + std::to_string(lo) + " is greater than max " + std::to_string(hi));
        TensorRange range{loF, hiF, RangeOrigin::Calibrated};
        if (auto originIt = entry.find("origin"); originIt != entry.end()) {
            const std::string originName = originIt->is_string() ? originIt->get<std::string>() : std::string();
            const std::optional<RangeOrigin> origin = rangeOriginFromName(originName);
            if (!origin)
                return fail(where + ": origin \"" + originName +
                            "\" is not one of calibrated, override, default_ranges, fixed, from_model");
            range.origin = *origin;
        }
        if (auto statsIt = entry.find("stats"); statsIt != entry.end()) {
            if (!statsIt->is_object()) return fail(where + ": \"stats\" must be an object");
            RF_RETURN_IF_ERROR(checkKeys(*statsIt, {"count", "min", "max", "mean", "stddev", "samples", "nan", "inf"},
                                         sourceName + ": " + where + ": stats"));
            RangeStatsSummary summary;
            double observedMin = 0, observedMax = 0;
            if (!readCount(*statsIt, "count", summary.count) || !readCount(*statsIt, "samples", summary.samples) ||
                !readCount(*statsIt, "nan", summary.nanCount) || !readCount(*statsIt, "inf", summary.infCount))
                return fail(where + ": stats counts must be non-negative integers");
            if (readFloat(*statsIt, "min", observedMin)) summary.observedMin = static_cast<float>(observedMin);
            if (readFloat(*statsIt, "max", observedMax)) summary.observedMax = static_cast<float>(observedMax);
            readNumber(*statsIt, "mean", summary.mean);
            readNumber(*statsIt, "stddev", summary.stddev);
            file.stats[name] = summary;
        }
        file.ranges[name] = range;
    }
    return file;
}

Status saveRangesJson(const std::string& path, const RangesFile& file, bool overwrite)
{
    return writeFileAtomic(path, std::string_view(rangesToJson(file)),
                           overwrite ? OverwritePolicy::Replace : OverwritePolicy::Refuse);
}

Result<RangesFile> loadRangesJson(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFileContents(path, uint64_t{1} << 28));
    return rangesFromJson(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

Status checkRangesAgainstModel(const RangesFile& file, const Graph& graph, const std::string& modelSha256,
                               std::vector<std::string>* warnings)
{
    std::set<std::string> activations;
    for (const Tensor& tensor : graph.tensors)
        if (CalibrationObserver::isObserved(tensor)) activations.insert(tensor.name);
    std::string unknown;
    size_t unknownCount = 0;
    for (const auto& [name, range] : file.ranges) {
        if (activations.count(name)) continue;
        if (unknownCount++ < 8) unknown += (unknown.empty() ? "'" : ", '") + name + "'";
    }
    if (unknownCount)
        return Status::error(graph.sourcePath + ": the ranges file (for " + file.modelFile + ") names " +
                             std::to_string(unknownCount) + " tensor(s) that are not float activations of this model: " +
                             unknown + (unknownCount > 8 ? " and " + std::to_string(unknownCount - 8) + " more" : ""));
    if (warnings) {
        if (!file.modelSha256.empty() && !modelSha256.empty() && file.modelSha256 != modelSha256)
            warnings->push_back(graph.sourcePath + ": the ranges file was made for " + file.modelFile + " (sha256 " +
                                file.modelSha256.substr(0, 12) + "...), not this file (sha256 " +
                                modelSha256.substr(0, 12) + "...); tensor names match, so the ranges are applied");
        size_t missing = 0;
        for (const std::string& name : activations)
            if (!file.ranges.count(name)) ++missing;
        if (missing)
            warnings->push_back(graph.sourcePath + ": the ranges file has no range for " + std::to_string(missing) +
                                " activation tensor(s) of this model");
    }
    return Status::ok();
}

} // namespace rf
