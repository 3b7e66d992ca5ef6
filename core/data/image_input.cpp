#include "data/image_input.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace rf {

namespace {

/// Height, width and channels of an image input tensor, or an error naming it.
Result<std::array<int, 3>> imageGeometry(const Tensor& tensor)
{
    const Shape& shape = tensor.shape;
    const auto error = [&](const std::string& why) {
        return Status::error("input tensor '" + tensor.name + "' " + shapeToString(shape) + " is not an image input: " + why);
    };
    if (shape.size() == 4) {
        if (shape[0] != 1) return error("batch size must be 1");
        if (shape[3] != 1 && shape[3] != 3) return error("expected 1 or 3 channels (NHWC)");
        return std::array<int, 3>{shape[1], shape[2], shape[3]};
    }
    if (shape.size() == 3 && shape[0] == 1) return std::array<int, 3>{shape[1], shape[2], 1};
    return error("expected shape [1, H, W, C] or [1, H, W]");
}

template <typename T>
void quantizePixels(const PixelImage& image, const QuantParams& quant, const ImageInputOptions& options, T* out)
{
    const float scale = quant.scale(0);
    const float zeroPoint = static_cast<float>(quant.zeroPoint(0));
    const float low = static_cast<float>(std::numeric_limits<T>::min());
    const float high = static_cast<float>(std::numeric_limits<T>::max());
    const size_t count = image.pixels.size();
    for (size_t i = 0; i < count; ++i) {
        const int c = static_cast<int>(i % static_cast<size_t>(image.channels));
        const float real = (static_cast<float>(image.pixels[i]) - options.mean[c]) / options.stddev[c];
        // TFLite's QUANTIZE rounds half away from zero (TfLiteRound); so do we.
        const float q = std::round(real / scale) + zeroPoint;
        out[i] = static_cast<T>(std::clamp(q, low, high));
    }
}

} // namespace

Result<PixelImage> loadPixelImage(const std::string& path, int height, int width, int channels)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return Status::error(path + ": no such image file");
    if (height <= 0 || width <= 0 || (channels != 1 && channels != 3))
        return Status::error(path + ": invalid target size " + std::to_string(height) + "x" + std::to_string(width) + "x" +
                             std::to_string(channels));
    cv::Mat decoded;
    try {
        decoded = cv::imread(path, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        return Status::error(path + ": cannot decode the image: " + e.what());
    }
    if (decoded.empty()) return Status::error(path + ": cannot decode the image (JPEG, PNG or BMP expected)");

    cv::Mat resized;
    if (decoded.rows != height || decoded.cols != width)
        cv::resize(decoded, resized, cv::Size(width, height), 0, 0, cv::INTER_LINEAR);
    else
        resized = decoded;
    if (channels == 3) cv::cvtColor(resized, resized, cv::COLOR_BGR2RGB);

    PixelImage image;
    image.height = height;
    image.width = width;
    image.channels = channels;
    image.pixels.resize(static_cast<size_t>(height) * width * channels);
    const size_t rowBytes = static_cast<size_t>(width) * channels;
    for (int y = 0; y < height; ++y) std::memcpy(image.pixels.data() + y * rowBytes, resized.ptr<uint8_t>(y), rowBytes);
    return image;
}

Result<TensorValue> pixelsToInputTensor(const PixelImage& image, const Tensor& inputTensor,
                                        const ImageInputOptions& options)
{
    RF_ASSIGN_OR_RETURN(const auto geometry, imageGeometry(inputTensor));
    if (image.height != geometry[0] || image.width != geometry[1] || image.channels != geometry[2])
        return Status::error("image is " + std::to_string(image.height) + "x" + std::to_string(image.width) + "x" +
                             std::to_string(image.channels) + ", input tensor '" + inputTensor.name + "' needs " +
                             shapeToString(inputTensor.shape));
    TensorValue value(inputTensor.dtype, inputTensor.shape);
    const size_t count = image.pixels.size();
    const bool raw = options.integerEncoding == ImageInputOptions::IntegerEncoding::RawPixels;
    switch (inputTensor.dtype) {
    case DType::Float32: {
        float* out = value.data<float>();
        for (size_t i = 0; i < count; ++i) {
            const int c = static_cast<int>(i % static_cast<size_t>(image.channels));
            out[i] = (static_cast<float>(image.pixels[i]) - options.mean[c]) / options.stddev[c];
        }
        return value;
    }
    case DType::UInt8:
        if (raw) {
            std::copy(image.pixels.begin(), image.pixels.end(), value.data<uint8_t>());
            return value;
        }
        break;
    case DType::Int8:
        if (raw) {
            int8_t* out = value.data<int8_t>();
            for (size_t i = 0; i < count; ++i) out[i] = static_cast<int8_t>(static_cast<int>(image.pixels[i]) - 128);
            return value;
        }
        break;
    case DType::Int16:
        if (raw) return Status::error("input tensor '" + inputTensor.name + "' is int16; raw pixels need uint8 or int8");
        break;
    default:
        return Status::error("input tensor '" + inputTensor.name + "' has type " + std::string(dtypeName(inputTensor.dtype)) +
                             "; image inputs need float32, uint8, int8 or int16");
    }
    if (inputTensor.quant.empty() || inputTensor.quant.perAxis() || !(inputTensor.quant.scale(0) > 0.0f))
        return Status::error("input tensor '" + inputTensor.name + "' (" + std::string(dtypeName(inputTensor.dtype)) +
                             ") has no usable per-tensor scale to quantize the image with");
    switch (inputTensor.dtype) {
    case DType::UInt8: quantizePixels(image, inputTensor.quant, options, value.data<uint8_t>()); break;
    case DType::Int8: quantizePixels(image, inputTensor.quant, options, value.data<int8_t>()); break;
    default: quantizePixels(image, inputTensor.quant, options, value.data<int16_t>()); break;
    }
    return value;
}

Result<TensorValue> imageToInputTensor(const std::string& path, const Tensor& inputTensor, const ImageInputOptions& options)
{
    Result<std::array<int, 3>> geometry = imageGeometry(inputTensor);
    if (!geometry.isOk()) return geometry.status().withContext(path);
    RF_ASSIGN_OR_RETURN(PixelImage image, loadPixelImage(path, geometry.value()[0], geometry.value()[1], geometry.value()[2]));
    Result<TensorValue> value = pixelsToInputTensor(image, inputTensor, options);
    if (!value.isOk()) return value.status().withContext(path);
    return value;
}

} // namespace rf
