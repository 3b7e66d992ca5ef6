#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace rf {

namespace {

cv::Mat asMat(const PixelImage& image)
{
    // A read-only view; callers clone or write into a new Mat.
    return cv::Mat(image.height, image.width, CV_8UC(image.channels), const_cast<uint8_t*>(image.pixels.data()));
}

PixelImage fromMat(const cv::Mat& mat)
{
    PixelImage image;
    image.height = mat.rows;
    image.width = mat.cols;
    image.channels = mat.channels();
    const size_t rowBytes = static_cast<size_t>(image.width) * static_cast<size_t>(image.channels);
    image.pixels.resize(rowBytes * static_cast<size_t>(image.height));
    for (int y = 0; y < image.height; ++y)
        std::memcpy(image.pixels.data() + static_cast<size_t>(y) * rowBytes, mat.ptr<uint8_t>(y), rowBytes);
    return image;
}

std::string sizeText(int h, int w, int c)
{
    return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

/// The per-channel value of a 1-or-C list (validated before).
float channelValue(const std::vector<float>& values, int c, float fallback)
{
    if (values.empty()) return fallback;
    return values.size() == 1 ? values[0] : values[static_cast<size_t>(c)];
}

} // namespace

int32_t quantizeValue(float real, float scale, int32_t zeroPoint, int32_t low, int32_t high)
{
    // TFLite's AffineQuantize: TfLiteRound(val / scale) + zero_point, clamped. The
    // clamp happens in float first so that huge values cannot overflow the cast.
    const float scaled = std::round(real / scale);
    const float bounded = std::clamp(scaled, static_cast<float>(low) - static_cast<float>(zeroPoint) - 1.0f,
                                     static_cast<float>(high) - static_cast<float>(zeroPoint) + 1.0f);
    if (std::isnan(bounded)) return std::clamp(zeroPoint, low, high);
    return std::clamp(static_cast<int32_t>(bounded) + zeroPoint, low, high);
}

Result<InputGeometry> imageInputGeometry(const Tensor& tensor, TensorLayout layout)
{
    const Shape& shape = tensor.shape;
    const auto error = [&](const std::string& why) {
        return Status::error("input tensor '" + tensor.name + "' " + shapeToString(shape) + " is not an image input: " + why);
    };
    const auto channelsOk = [](int32_t c) { return c == 1 || c == 3; };
    if (shape.size() == 3) {
        if (shape[0] != 1) return error("batch size must be 1");
        if (layout == TensorLayout::Nchw) return error("a 3-D input has no channel dimension to put first");
        if (shape[1] <= 0 || shape[2] <= 0) return error("height and width must be positive");
        return InputGeometry{shape[1], shape[2], 1, false};
    }
    if (shape.size() != 4) return error("expected shape [1, H, W, C], [1, C, H, W] or [1, H, W]");
    if (shape[0] != 1) return error("batch size must be 1");
    bool channelsFirst = false;
    switch (layout) {
    case TensorLayout::Nhwc:
        if (!channelsOk(shape[3])) return error("NHWC needs 1 or 3 channels in the last dimension");
        break;
    case TensorLayout::Nchw:
        if (!channelsOk(shape[1])) return error("NCHW needs 1 or 3 channels in dimension 1");
        channelsFirst = true;
        break;
    case TensorLayout::Auto:
        if (channelsOk(shape[3]))
            channelsFirst = false;
        else if (channelsOk(shape[1]))
            channelsFirst = true;
        else
            return error("expected 1 or 3 channels (NHWC last dimension or NCHW dimension 1)");
        break;
    }
    InputGeometry geometry;
    geometry.channelsFirst = channelsFirst;
    geometry.channels = channelsFirst ? shape[1] : shape[3];
    geometry.height = channelsFirst ? shape[2] : shape[1];
    geometry.width = channelsFirst ? shape[3] : shape[2];
    if (geometry.height <= 0 || geometry.width <= 0) return error("height and width must be positive");
    return geometry;
}

Status validatePixelImage(const PixelImage& image)
{
    if (image.height <= 0 || image.width <= 0) return Status::error("the image is empty");
    if (image.channels != 1 && image.channels != 3)
        return Status::error("images need 1 or 3 channels, this one has " + std::to_string(image.channels));
    if (image.pixels.size() != static_cast<size_t>(image.height) * static_cast<size_t>(image.width) *
                                   static_cast<size_t>(image.channels))
        return Status::error("the image holds " + std::to_string(image.pixels.size()) + " bytes, " +
                             sizeText(image.height, image.width, image.channels) + " needs " +
                             std::to_string(static_cast<size_t>(image.height) * static_cast<size_t>(image.width) *
                                            static_cast<size_t>(image.channels)));
    return Status::ok();
}

Result<PixelImage> centralCrop(const PixelImage& image, double fraction)
{
    RF_RETURN_IF_ERROR(validatePixelImage(image));
    if (!(fraction > 0.0 && fraction <= 1.0))
        return Status::error("central crop fraction must be in (0, 1], got " + std::to_string(fraction));
    if (fraction >= 1.0) return image;
    // tf.image.central_crop: bbox_start = int((size - size * fraction) / 2) in
    // double, size kept = size - 2 * start.
    const int top = static_cast<int>((image.height - image.height * fraction) / 2.0);
    const int left = static_cast<int>((image.width - image.width * fraction) / 2.0);
    PixelImage out;
    out.height = image.height - 2 * top;
    out.width = image.width - 2 * left;
    out.channels = image.channels;
    const size_t rowBytes = static_cast<size_t>(out.width) * static_cast<size_t>(out.channels);
    out.pixels.resize(rowBytes * static_cast<size_t>(out.height));
    for (int y = 0; y < out.height; ++y)
        std::memcpy(out.pixels.data() + static_cast<size_t>(y) * rowBytes,
                    image.pixels.data() + ((static_cast<size_t>(y + top) * static_cast<size_t>(image.width)) +
                                           static_cast<size_t>(left)) *
                                              static_cast<size_t>(image.channels),
                    rowBytes);
    return out;
}

Result<PixelImage> resizeImage(const PixelImage& image, int height, int width, ResizeMethod method)
{
    RF_RETURN_IF_ERROR(validatePixelImage(image));
    if (height <= 0 || width <= 0 || height > 65536 || width > 65536)
        return Status::error("cannot resize to " + std::to_string(height) + "x" + std::to_string(width));
    if (image.height == height && image.width == width) return image;
    cv::Mat resized;
    try {
        cv::resize(asMat(image), resized, cv::Size(width, height), 0, 0,
                   method == ResizeMethod::Area ? cv::INTER_AREA : cv::INTER_LINEAR);
    } catch (const cv::Exception& e) {
        return Status::error(std::string("resizing failed: ") + e.what());
    }
    return fromMat(resized);
}

Result<PixelImage> convertColor(const PixelImage& image, int channels, ColorOrder color)
{
    RF_RETURN_IF_ERROR(validatePixelImage(image));
    if (channels == 1) {
        if (color == ColorOrder::Rgb || color == ColorOrder::Bgr)
            return Status::error(std::string("color order '") + std::string(colorOrderName(color)) +
                                 "' needs a 3-channel input; this input has 1 channel (use --color gray or auto)");
        if (image.channels == 1) return image;
        cv::Mat gray;
        cv::cvtColor(asMat(image), gray, cv::COLOR_RGB2GRAY);
        return fromMat(gray);
    }
    if (channels != 3) return Status::error("image inputs need 1 or 3 channels, not " + std::to_string(channels));
    cv::Mat out;
    if (color == ColorOrder::Gray) {
        // Luma replicated into all three channels.
        cv::Mat gray = image.channels == 1 ? asMat(image) : cv::Mat();
        if (image.channels == 3) cv::cvtColor(asMat(image), gray, cv::COLOR_RGB2GRAY);
        cv::cvtColor(gray, out, cv::COLOR_GRAY2RGB);
        return fromMat(out);
    }
    if (image.channels == 1) {
        cv::cvtColor(asMat(image), out, cv::COLOR_GRAY2RGB);
        return fromMat(out);
    }
    if (color == ColorOrder::Bgr) {
        cv::cvtColor(asMat(image), out, cv::COLOR_RGB2BGR);
        return fromMat(out);
    }
    return image;
}

Result<PixelImage> preparePixels(const PixelImage& decoded, const InputGeometry& geometry, const PreprocessOptions& options)
{
    RF_RETURN_IF_ERROR(options.validate());
    RF_ASSIGN_OR_RETURN(const PixelImage cropped, centralCrop(decoded, options.centralCrop));
    RF_ASSIGN_OR_RETURN(const PixelImage colored, convertColor(cropped, geometry.channels, options.color));
    return resizeImage(colored, geometry.height, geometry.width, options.resize);
}

Result<TensorValue> pixelsToTensor(const PixelImage& prepared, const Tensor& inputTensor, const InputGeometry& geometry,
                                   const PreprocessOptions& options)
{
    RF_RETURN_IF_ERROR(options.validate());
    RF_RETURN_IF_ERROR(validatePixelImage(prepared));
    if (prepared.height != geometry.height || prepared.width != geometry.width || prepared.channels != geometry.channels)
        return Status::error("image is " + sizeText(prepared.height, prepared.width, prepared.channels) + ", input tensor '" +
                             inputTensor.name + "' needs " + shapeToString(inputTensor.shape));
    const int channels = geometry.channels;
    if (options.meanValues.size() > 1 && static_cast<int>(options.meanValues.size()) != channels)
        return Status::error("mean_values has " + std::to_string(options.meanValues.size()) + " values, input tensor '" +
                             inputTensor.name + "' has " + std::to_string(channels) + " channel(s)");
    if (options.stdDevValues.size() > 1 && static_cast<int>(options.stdDevValues.size()) != channels)
        return Status::error("std_dev_values has " + std::to_string(options.stdDevValues.size()) + " values, input tensor '" +
                             inputTensor.name + "' has " + std::to_string(channels) + " channel(s)");

    const DType dtype = inputTensor.dtype;
    const bool integer = dtype == DType::UInt8 || dtype == DType::Int8 || dtype == DType::Int16;
    if (dtype != DType::Float32 && !integer)
        return Status::error("input tensor '" + inputTensor.name + "' has type " + std::string(dtypeName(dtype)) +
                             "; image inputs need float32, uint8, int8 or int16");
    bool raw = false;
    if (integer) {
        raw = options.integerInput == IntegerInputMode::RawPixels ||
              (options.integerInput == IntegerInputMode::Auto && !options.hasNormalization());
        if (raw && dtype == DType::Int16)
            return Status::error("input tensor '" + inputTensor.name +
                                 "' is int16; raw pixels need uint8 or int8 (give --mean_values/--std_dev_values or a --preset "
                                 "to quantize)");
        if (!raw && (inputTensor.quant.empty() || inputTensor.quant.perAxis() || !(inputTensor.quant.scale(0) > 0.0f)))
            return Status::error("input tensor '" + inputTensor.name + "' (" + std::string(dtypeName(dtype)) +
                                 ") has no usable per-tensor scale to quantize the image with");
    } else if (!options.hasNormalization()) {
        return Status::error("input tensor '" + inputTensor.name +
                             "' is float32: say how pixels map to it with a preset (mobilenet [-1,1], unit [0,1], caffe, "
                             "torch, raw 0..255) or with mean_values/std_dev_values");
    }

    const Shape shape = inputTensor.shape;
    TensorValue value(dtype, shape);
    const size_t planeSize = static_cast<size_t>(geometry.height) * static_cast<size_t>(geometry.width);
    // Destination index of source element i (HWC order): same index for NHWC, plane-major for NCHW.
    const auto destination = [&](size_t i) {
        if (!geometry.channelsFirst) return i;
        const size_t pixel = i / static_cast<size_t>(channels);
        const size_t c = i % static_cast<size_t>(channels);
        return c * planeSize + pixel;
    };
    std::vector<float> mean(static_cast<size_t>(channels)), stddev(static_cast<size_t>(channels));
    for (int c = 0; c < channels; ++c) {
        mean[static_cast<size_t>(c)] = channelValue(options.meanValues, c, 0.0f);
        stddev[static_cast<size_t>(c)] = channelValue(options.stdDevValues, c, 1.0f);
    }
    const size_t count = prepared.pixels.size();
    const auto real = [&](size_t i) {
        const size_t c = i % static_cast<size_t>(channels);
        return (static_cast<float>(prepared.pixels[i]) - mean[c]) / stddev[c];
    };
    if (dtype == DType::Float32) {
        float* out = value.data<float>();
        for (size_t i = 0; i < count; ++i) out[destination(i)] = real(i);
        return value;
    }
    if (raw) {
        if (dtype == DType::UInt8) {
            uint8_t* out = value.data<uint8_t>();
            for (size_t i = 0; i < count; ++i) out[destination(i)] = prepared.pixels[i];
        } else {
            int8_t* out = value.data<int8_t>();
            for (size_t i = 0; i < count; ++i)
                out[destination(i)] = static_cast<int8_t>(static_cast<int>(prepared.pixels[i]) - 128);
        }
        return value;
    }
    const float scale = inputTensor.quant.scale(0);
    const int32_t zeroPoint = static_cast<int32_t>(inputTensor.quant.zeroPoint(0));
    const auto quantizeAll = [&](auto* out) {
        using T = std::remove_pointer_t<decltype(out)>;
        const int32_t low = std::numeric_limits<T>::min(), high = std::numeric_limits<T>::max();
        for (size_t i = 0; i < count; ++i) out[destination(i)] = static_cast<T>(quantizeValue(real(i), scale, zeroPoint, low, high));
    };
    if (dtype == DType::UInt8) quantizeAll(value.data<uint8_t>());
    else if (dtype == DType::Int8) quantizeAll(value.data<int8_t>());
    else quantizeAll(value.data<int16_t>());
    return value;
}

Result<TensorValue> preprocessImage(const PixelImage& decoded, const Tensor& inputTensor, const PreprocessOptions& options)
{
    RF_ASSIGN_OR_RETURN(const InputGeometry geometry, imageInputGeometry(inputTensor, options.layout));
    RF_ASSIGN_OR_RETURN(const PixelImage prepared, preparePixels(decoded, geometry, options));
    return pixelsToTensor(prepared, inputTensor, geometry, options);
}

} // namespace rf
