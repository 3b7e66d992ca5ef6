#pragma once
// How an image becomes a model's input tensor: crop, resize, color order,
// layout and normalization in the vocabulary of tflite_convert
// (`mean_values`, `std_dev_values`: real = (pixel - mean) / std), plus named
// presets. The struct round-trips through JSON so that GUI sessions and reports
// can store exactly what was used.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace rf {

/// The color order the model expects.
enum class ColorOrder {
    /// By the input's channel count: 1 -> gray, 3 -> RGB.
    Auto,
    Rgb,
    Bgr,
    /// Luma; into a 3-channel input it is replicated to all channels.
    Gray,
};

/// How images are scaled to the input's height and width.
enum class ResizeMethod {
    /// OpenCV INTER_LINEAR (half-pixel centers, like tf.image.resize bilinear without antialias).
    Bilinear,
    /// OpenCV INTER_AREA (pixel-area averaging; the better choice when shrinking).
    Area,
};

/// Where the channel dimension is in a 4-D input.
enum class TensorLayout {
    /// NHWC when the last dimension is 1 or 3, else NCHW when dimension 1 is.
    Auto,
    Nhwc,
    Nchw,
};

/// How integer (quantized) inputs receive the pixels when no normalization is given.
enum class IntegerInputMode {
    /// Normalize when mean/std are given, otherwise copy the pixels (uint8 as
    /// is, int8 as pixel - 128), which is what quantized image models trained
    /// on 0..255 pixels expect and what TFLite's sample apps feed.
    Auto,
    /// Always normalize with mean/std, then quantize with the tensor's scale and zero point.
    Quantize,
    /// Always copy the pixels (uint8 as is, int8 as pixel - 128).
    RawPixels,
};

/// Everything that turns a decoded image into an input tensor.
struct PreprocessOptions {
    ColorOrder color = ColorOrder::Auto;
    ResizeMethod resize = ResizeMethod::Bilinear;
    /// Fraction of height and width kept around the center before resizing, in
    /// (0, 1], computed like tf.image.central_crop. 1 = no crop.
    double centralCrop = 1.0;
    TensorLayout layout = TensorLayout::Auto;
    /// Per-channel (in the model's channel order) or single values; empty means
    /// "not given". real = (pixel - mean) / std.
    std::vector<float> meanValues;
    std::vector<float> stdDevValues;
    /// The preset these values came from ("mobilenet", "unit", "caffe", "raw",
    /// "torch"), for display; empty when given by hand.
    std::string preset;
    IntegerInputMode integerInput = IntegerInputMode::Auto;

    /// True when mean and std were given (by hand or by a preset).
    bool hasNormalization() const { return !meanValues.empty() || !stdDevValues.empty(); }

    /// Checks ranges and sizes (std non-zero, 1 or 3 values, crop in (0, 1]).
    Status validate() const;

    /// Serialises to a JSON object (stable keys: color, resize, central_crop,
    /// layout, mean_values, std_dev_values, preset, integer_input).
    std::string toJson() const;
    /// Parses what toJson writes; unknown keys are refused, missing keys keep defaults.
    static Result<PreprocessOptions> fromJson(const std::string& json);

    bool operator==(const PreprocessOptions&) const = default;
};

/// Sets mean, std, color and preset from a named preset:
/// - "mobilenet": [-1, 1] (mean 127.5, std 127.5), RGB
/// - "unit":      [0, 1] (mean 0, std 255)
/// - "caffe":     BGR, mean 103.939 116.779 123.68 (B, G, R), std 1 (Keras' "caffe" mode)
/// - "torch":     RGB, mean 123.675 116.28 103.53, std 58.395 57.12 57.375 (ImageNet statistics)
/// - "raw":       0..255 (mean 0, std 1)
Status applyPreset(std::string_view name, PreprocessOptions& options);

/// The preset names, for usage texts and GUI lists.
const std::vector<std::string>& presetNames();

/// Text names of the enums (as in JSON and on the command line) and back.
std::string_view colorOrderName(ColorOrder color);
std::optional<ColorOrder> colorOrderFromName(std::string_view name);
std::string_view resizeMethodName(ResizeMethod method);
std::optional<ResizeMethod> resizeMethodFromName(std::string_view name);
std::string_view tensorLayoutName(TensorLayout layout);
std::optional<TensorLayout> tensorLayoutFromName(std::string_view name);
std::string_view integerInputModeName(IntegerInputMode mode);
std::optional<IntegerInputMode> integerInputModeFromName(std::string_view name);

/// Parses "127.5" or "103.939,116.779,123.68" (commas and/or spaces) for
/// --mean_values / --std_dev_values. `option` names the option in errors.
Result<std::vector<float>> parseFloatList(const std::string& option, const std::string& text);

} // namespace rf
