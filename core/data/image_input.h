#pragma once
// Turns an image file (JPEG, PNG, BMP) into the value of an image model's input
// tensor: decode, resize (bilinear) to the tensor's height and width, RGB or
// grayscale by the tensor's channel count, then normalize for float tensors or
// quantize with the tensor's scale and zero point for integer tensors.
// OpenCV does the decoding and resizing; no OpenCV type appears here.
// This is the fixed-recipe entry point used by the exactness tests; the general
// pipeline (presets, crop, color order, layout) is data/preprocess.h, and sets of
// images are data/image_source.h. Both paths share the same code.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/pixel_image.h"
#include "ir/tensor.h"
#include "runtime/tensor_value.h"
#include "util/status.h"

namespace rf {

/// How pixels become tensor values.
struct ImageInputOptions {
    /// real = (pixel - mean[c]) / stddev[c] per RGB channel (channel 0 only for
    /// grayscale). The default maps [0, 255] to [-1, 1] (MobileNet preprocessing).
    std::array<float, 3> mean{127.5f, 127.5f, 127.5f};
    std::array<float, 3> stddev{127.5f, 127.5f, 127.5f};

    /// How integer (quantized) input tensors receive the pixels.
    enum class IntegerEncoding {
        /// Normalize as above, then quantize: round(real / scale) + zero_point, clamped.
        Quantize,
        /// Copy pixels: uint8 as is, int8 as pixel - 128 (what quantized image
        /// models trained on raw pixels expect, and the golden data's convention).
        RawPixels,
    };
    IntegerEncoding integerEncoding = IntegerEncoding::Quantize;
};

/// Loads an image file and resizes it (bilinear) to height x width with 1 (gray)
/// or 3 (RGB) channels. Errors name the file.
Result<PixelImage> loadPixelImage(const std::string& path, int height, int width, int channels);

/// Builds the value of `inputTensor` (shape [1, H, W, C] with C = 1 or 3, or
/// [1, H, W] for one gray channel; float32, uint8, int8 or int16) from an image file.
Result<TensorValue> imageToInputTensor(const std::string& path, const Tensor& inputTensor,
                                       const ImageInputOptions& options = {});

/// The same from already decoded pixels, which must match the tensor's H, W, C.
Result<TensorValue> pixelsToInputTensor(const PixelImage& image, const Tensor& inputTensor,
                                        const ImageInputOptions& options = {});

} // namespace rf
