#include "data/image_input.h"

#include "data/image_decode.h"
#include "data/preprocess.h"

namespace rf {

namespace {

PreprocessOptions toPreprocessOptions(const ImageInputOptions& options, int channels)
{
    PreprocessOptions converted;
    converted.resize = ResizeMethod::Bilinear;
    if (channels == 1) {
        converted.meanValues = {options.mean[0]};
        converted.stdDevValues = {options.stddev[0]};
    } else {
        converted.meanValues.assign(options.mean.begin(), options.mean.end());
        converted.stdDevValues.assign(options.stddev.begin(), options.stddev.end());
    }
    converted.integerInput = options.integerEncoding == ImageInputOptions::IntegerEncoding::RawPixels
                                 ? IntegerInputMode::RawPixels
                                 : IntegerInputMode::Quantize;
    return converted;
}

} // namespace

Result<PixelImage> loadPixelImage(const std::string& path, int height, int width, int channels)
{
    if (height <= 0 || width <= 0 || (channels != 1 && channels != 3))
        return Status::error(path + ": invalid target size " + std::to_string(height) + "x" + std::to_string(width) + "x" +
                             std::to_string(channels));
    RF_ASSIGN_OR_RETURN(const PixelImage decoded, decodeImageFile(path, channels == 1 ? DecodeColor::Gray : DecodeColor::Rgb));
    Result<PixelImage> resized = resizeImage(decoded, height, width, ResizeMethod::Bilinear);
    if (!resized.isOk()) return resized.status().withContext(path);
    return resized;
}

Result<TensorValue> pixelsToInputTensor(const PixelImage& image, const Tensor& inputTensor, const ImageInputOptions& options)
{
    RF_ASSIGN_OR_RETURN(const InputGeometry geometry, imageInputGeometry(inputTensor, TensorLayout::Nhwc));
    return pixelsToTensor(image, inputTensor, geometry, toPreprocessOptions(options, geometry.channels));
}

Result<TensorValue> imageToInputTensor(const std::string& path, const Tensor& inputTensor, const ImageInputOptions& options)
{
    Result<InputGeometry> geometry = imageInputGeometry(inputTensor, TensorLayout::Nhwc);
    if (!geometry.isOk()) return geometry.status().withContext(path);
    RF_ASSIGN_OR_RETURN(PixelImage image,
                        loadPixelImage(path, geometry.value().height, geometry.value().width, geometry.value().channels));
    Result<TensorValue> value = pixelsToInputTensor(image, inputTensor, options);
    if (!value.isOk()) return value.status().withContext(path);
    return value;
}

} // namespace rf
