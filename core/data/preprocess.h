#pragma once
// Turning a decoded image into the value of a model's image input tensor:
// central crop, color conversion, resize, layout, normalization
// (real = (pixel - mean) / std) and, for quantized inputs, quantization with the
// tensor's scale and zero point (rounding half away from zero and clamping, as
// TFLite's QUANTIZE does).

#include "data/pixel_image.h"
#include "data/preprocess_options.h"
#include "ir/tensor.h"
#include "runtime/tensor_value.h"
#include "util/status.h"

namespace rf {

/// The image an input tensor takes.
struct InputGeometry {
    int height = 0;
    int width = 0;
    /// 1 (gray) or 3.
    int channels = 0;
    /// Channels before height and width ([1, C, H, W]).
    bool channelsFirst = false;
};

/// Reads the image geometry from an input tensor: [1, H, W, C] or [1, C, H, W]
/// with C = 1 or 3 (by `layout`), or [1, H, W] for one gray channel. Errors name
/// the tensor and its shape.
Result<InputGeometry> imageInputGeometry(const Tensor& tensor, TensorLayout layout = TensorLayout::Auto);

/// Checks that an image is usable: positive size, 1 or 3 channels, and exactly
/// height x width x channels bytes.
Status validatePixelImage(const PixelImage& image);

/// The region tf.image.central_crop keeps: start = int((size - size * fraction) / 2)
/// on each side of both axes. fraction must be in (0, 1].
Result<PixelImage> centralCrop(const PixelImage& image, double fraction);

/// Scales an image to height x width (a copy when it already has that size).
Result<PixelImage> resizeImage(const PixelImage& image, int height, int width, ResizeMethod method);

/// Converts to `channels` channels in the order `color` says (Auto: gray for 1,
/// RGB for 3). Gray from RGB uses OpenCV's luma (0.299 R + 0.587 G + 0.114 B,
/// rounded); gray into 3 channels is replicated.
Result<PixelImage> convertColor(const PixelImage& image, int channels, ColorOrder color);

/// Crop, color and resize: the 8-bit image exactly as the tensor will see it
/// (before normalization). Also what a GUI shows as "model input".
Result<PixelImage> preparePixels(const PixelImage& decoded, const InputGeometry& geometry, const PreprocessOptions& options);

/// Normalizes (and quantizes) already prepared pixels into a value of
/// `inputTensor`, in its layout. Float inputs need mean/std (a preset or
/// values); integer inputs quantize with the tensor's per-tensor scale and
/// zero point, or take raw pixels (see IntegerInputMode).
Result<TensorValue> pixelsToTensor(const PixelImage& prepared, const Tensor& inputTensor, const InputGeometry& geometry,
                                   const PreprocessOptions& options);

/// preparePixels + pixelsToTensor.
Result<TensorValue> preprocessImage(const PixelImage& decoded, const Tensor& inputTensor, const PreprocessOptions& options);

/// TFLite's quantization of one real value: round(real / scale) half away from
/// zero, plus zero point, clamped to [low, high].
int32_t quantizeValue(float real, float scale, int32_t zeroPoint, int32_t low, int32_t high);

} // namespace rf
