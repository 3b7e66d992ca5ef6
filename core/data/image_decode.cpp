#include "data/image_decode.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace rf {

bool hasImageExtension(std::string_view path)
{
    const size_t dot = path.rfind('.');
    if (dot == std::string_view::npos) return false;
    std::string extension(path.substr(dot + 1));
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == "jpg" || extension == "jpeg" || extension == "png" || extension == "bmp";
}

Result<PixelImage> decodeImageFile(const std::string& path, DecodeColor color)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return Status::error(path + ": no such image file");
    int flags = cv::IMREAD_COLOR;
    if (color == DecodeColor::Gray) flags = cv::IMREAD_GRAYSCALE;
    // IMREAD_ANYCOLOR keeps gray files gray and drops alpha; depth becomes 8 bits.
    if (color == DecodeColor::Native) flags = cv::IMREAD_ANYCOLOR;
    cv::Mat decoded;
    try {
        decoded = cv::imread(path, flags);
    } catch (const cv::Exception& e) {
        return Status::error(path + ": cannot decode the image: " + e.what());
    }
    if (decoded.empty()) return Status::error(path + ": cannot decode the image (JPEG, PNG or BMP expected)");
    if (decoded.depth() != CV_8U) decoded.convertTo(decoded, CV_8U);
    if (decoded.channels() == 4) cv::cvtColor(decoded, decoded, cv::COLOR_BGRA2BGR);
    if (decoded.channels() == 3) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
    if (decoded.channels() != 1 && decoded.channels() != 3)
        return Status::error(path + ": unsupported channel count " + std::to_string(decoded.channels()));

    PixelImage image;
    image.height = decoded.rows;
    image.width = decoded.cols;
    image.channels = decoded.channels();
    const size_t rowBytes = static_cast<size_t>(image.width) * static_cast<size_t>(image.channels);
    image.pixels.resize(rowBytes * static_cast<size_t>(image.height));
    for (int y = 0; y < image.height; ++y)
        std::memcpy(image.pixels.data() + static_cast<size_t>(y) * rowBytes, decoded.ptr<uint8_t>(y), rowBytes);
    return image;
}

} // namespace rf
