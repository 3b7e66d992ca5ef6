#include "data/preprocess_options.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace rf {

namespace {

template <typename Enum, size_t N>
struct NameTable {
    std::array<std::pair<Enum, std::string_view>, N> entries;

    std::string_view name(Enum value) const
    {
        for (const auto& [e, n] : entries)
            if (e == value) return n;
        return "?";
    }
    std::optional<Enum> parse(std::string_view text) const
    {
        for (const auto& [e, n] : entries)
            if (n == text) return e;
        return std::nullopt;
    }
};

constexpr NameTable<ColorOrder, 4> kColors{{{{ColorOrder::Auto, "auto"},
                                             {ColorOrder::Rgb, "rgb"},
                                             {ColorOrder::Bgr, "bgr"},
                                             {ColorOrder::Gray, "gray"}}}};
constexpr NameTable<ResizeMethod, 2> kResizes{{{{ResizeMethod::Bilinear, "bilinear"}, {ResizeMethod::Area, "area"}}}};
constexpr NameTable<TensorLayout, 3> kLayouts{
    {{{TensorLayout::Auto, "auto"}, {TensorLayout::Nhwc, "nhwc"}, {TensorLayout::Nchw, "nchw"}}}};
constexpr NameTable<IntegerInputMode, 3> kIntegerModes{{{{IntegerInputMode::Auto, "auto"},
                                                         {IntegerInputMode::Quantize, "quantize"},
                                                         {IntegerInputMode::RawPixels, "raw_pixels"}}}};

} // namespace

std::string_view colorOrderName(ColorOrder color) { return kColors.name(color); }
std::optional<ColorOrder> colorOrderFromName(std::string_view name) { return kColors.parse(name); }
std::string_view resizeMethodName(ResizeMethod method) { return kResizes.name(method); }
std::optional<ResizeMethod> resizeMethodFromName(std::string_view name) { return kResizes.parse(name); }
std::string_view tensorLayoutName(TensorLayout layout) { return kLayouts.name(layout); }
std::optional<TensorLayout> tensorLayoutFromName(std::string_view name) { return kLayouts.parse(name); }
std::string_view integerInputModeName(IntegerInputMode mode) { return kIntegerModes.name(mode); }
std::optional<IntegerInputMode> integerInputModeFromName(std::string_view name) { return kIntegerModes.parse(name); }

const std::vector<std::string>& presetNames()
{
    static const std::vector<std::string> names = {"mobilenet", "unit", "caffe", "torch", "raw"};
    return names;
}

Status applyPreset(std::string_view name, PreprocessOptions& options)
{
    if (name == "mobilenet") {
        options.meanValues = {127.5f};
        options.stdDevValues = {127.5f};
    } else if (name == "unit") {
        options.meanValues = {0.0f};
        options.stdDevValues = {255.0f};
    } else if (name == "caffe") {
        // keras.applications.imagenet_utils "caffe" mode: RGB -> BGR, then subtract
        // the ImageNet channel means in B, G, R order, no scaling.
        options.color = ColorOrder::Bgr;
        options.meanValues = {103.939f, 116.779f, 123.68f};
        options.stdDevValues = {1.0f};
    } else if (name == "torch") {
        options.color = ColorOrder::Rgb;
        options.meanValues = {123.675f, 116.28f, 103.53f};
        options.stdDevValues = {58.395f, 57.12f, 57.375f};
    } else if (name == "raw") {
        options.meanValues = {0.0f};
        options.stdDevValues = {1.0f};
    } else {
        std::string known;
        for (const std::string& preset : presetNames()) known += (known.empty() ? "" : ", ") + preset;
        return Status::error("unknown preprocessing preset '" + std::string(name) + "' (known: " + known + ")");
    }
    options.preset = std::string(name);
    return Status::ok();
}

Status PreprocessOptions::validate() const
{
    if (!(centralCrop > 0.0 && centralCrop <= 1.0))
        return Status::error("central crop fraction must be in (0, 1], got " + std::to_string(centralCrop));
    const auto checkCount = [](const std::vector<float>& values, const char* name) -> Status {
        if (values.size() > 1 && values.size() != 3)
            return Status::error(std::string(name) + " needs 1 value or one per channel, got " + std::to_string(values.size()));
        for (float v : values)
            if (!std::isfinite(v)) return Status::error(std::string(name) + " must be finite numbers");
        return Status::ok();
    };
    RF_RETURN_IF_ERROR(checkCount(meanValues, "mean_values"));
    RF_RETURN_IF_ERROR(checkCount(stdDevValues, "std_dev_values"));
    for (float v : stdDevValues)
        if (v == 0.0f) return Status::error("std_dev_values must not be 0");
    return Status::ok();
}

std::string PreprocessOptions::toJson() const
{
    nlohmann::ordered_json json;
    json["color"] = std::string(colorOrderName(color));
    json["resize"] = std::string(resizeMethodName(resize));
    json["central_crop"] = centralCrop;
    json["layout"] = std::string(tensorLayoutName(layout));
    json["mean_values"] = meanValues;
    json["std_dev_values"] = stdDevValues;
    json["preset"] = preset;
    json["integer_input"] = std::string(integerInputModeName(integerInput));
    return json.dump();
}

Result<PreprocessOptions> PreprocessOptions::fromJson(const std::string& text)
{
    const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) return Status::error("preprocessing options: not a JSON object");
    PreprocessOptions options;
    const auto enumField = [&](const char* key, auto parse, auto& field) -> Status {
        if (!json.contains(key)) return Status::ok();
        if (!json[key].is_string()) return Status::error(std::string("preprocessing options: '") + key + "' must be a string");
        const auto value = parse(json[key].template get<std::string>());
        if (!value)
            return Status::error(std::string("preprocessing options: unknown ") + key + " '" + json[key].template get<std::string>() +
                                 "'");
        field = *value;
        return Status::ok();
    };
    const auto floats = [&](const char* key, std::vector<float>& field) -> Status {
        if (!json.contains(key)) return Status::ok();
        if (!json[key].is_array()) return Status::error(std::string("preprocessing options: '") + key + "' must be an array");
        field.clear();
        for (const auto& v : json[key]) {
            if (!v.is_number()) return Status::error(std::string("preprocessing options: '") + key + "' must hold numbers");
            field.push_back(v.get<float>());
        }
        return Status::ok();
    };
    for (const auto& [key, value] : json.items()) {
        static const std::vector<std::string> known = {"color", "resize", "central_crop", "layout", "mean_values",
                                                       "std_dev_values", "preset", "integer_input"};
        if (std::find(known.begin(), known.end(), key) == known.end())
            return Status::error("preprocessing options: unknown key '" + key + "'");
    }
    RF_RETURN_IF_ERROR(enumField("color", colorOrderFromName, options.color));
    RF_RETURN_IF_ERROR(enumField("resize", resizeMethodFromName, options.resize));
    RF_RETURN_IF_ERROR(enumField("layout", tensorLayoutFromName, options.layout));
    RF_RETURN_IF_ERROR(enumField("integer_input", integerInputModeFromName, options.integerInput));
    RF_RETURN_IF_ERROR(floats("mean_values", options.meanValues));
    RF_RETURN_IF_ERROR(floats("std_dev_values", options.stdDevValues));
    if (json.contains("central_crop")) {
        if (!json["central_crop"].is_number()) return Status::error("preprocessing options: 'central_crop' must be a number");
        options.centralCrop = json["central_crop"].get<double>();
    }
    if (json.contains("preset")) {
        if (!json["preset"].is_string()) return Status::error("preprocessing options: 'preset' must be a string");
        options.preset = json["preset"].get<std::string>();
    }
    RF_RETURN_IF_ERROR(options.validate());
    return options;
}

Result<std::vector<float>> parseFloatList(const std::string& option, const std::string& text)
{
    std::vector<float> values;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ',' || text[i] == ' ' || text[i] == '\t')) ++i;
        if (i >= text.size()) break;
        size_t end = i;
        while (end < text.size() && text[end] != ',' && text[end] != ' ' && text[end] != '\t') ++end;
        const std::string token = text.substr(i, end - i);
        char* stop = nullptr;
        const float value = std::strtof(token.c_str(), &stop);
        if (stop != token.c_str() + token.size() || !std::isfinite(value))
            return Status::error(option + ": '" + token + "' is not a number");
        values.push_back(value);
        i = end;
    }
    if (values.empty()) return Status::error(option + " needs one number or one per channel, got '" + text + "'");
    if (values.size() != 1 && values.size() != 3)
        return Status::error(option + " needs one number or one per channel (3), got " + std::to_string(values.size()));
    return values;
}

} // namespace rf
