#include "data/image_source.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/idx_file.h"
#include "data/preprocess.h"
#include "io/npy.h"
#include "io/tensor_files.h"

namespace rf {

namespace fs = std::filesystem;

struct ImageSource::IdxData {
    IdxImages images;
};

namespace {

std::string lowerExtension(const fs::path& path)
{
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension;
}

bool isNpyPath(const fs::path& path) { return lowerExtension(path) == ".npy"; }

std::string trim(const std::string& text)
{
    size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

bool parsesAsNumber(const std::string& token)
{
    if (token.empty()) return false;
    char* end = nullptr;
    std::strtod(token.c_str(), &end);
    return end == token.c_str() + token.size();
}

std::optional<int> parseIndex(const std::string& token)
{
    if (token.empty() || token.size() > 9) return std::nullopt;
    for (char c : token)
        if (c < '0' || c > '9') return std::nullopt;
    return std::stoi(token);
}

/// A list file is .lst/.list, or a .txt/.csv whose first entry is not a number
/// (numbers make it a tensor given as text, the older convention).
bool isListFile(const fs::path& path)
{
    const std::string extension = lowerExtension(path);
    if (extension == ".lst" || extension == ".list") return true;
    if (extension != ".txt" && extension != ".csv") return false;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        const size_t end = line.find_first_of(",; \t");
        return !parsesAsNumber(line.substr(0, end));
    }
    return false;
}

/// Splits a list line into path and label: the path ends at the last separator
/// (tab, comma, semicolon or space) when what follows it is a label; paths with
/// spaces work when the label is separated by a tab, comma or semicolon.
std::pair<std::string, std::string> splitListLine(const std::string& line, const fs::path& base)
{
    for (const char* separators : {"\t", ",;", " "}) {
        const size_t at = line.find_last_of(separators);
        if (at == std::string::npos) continue;
        const std::string path = trim(line.substr(0, at));
        const std::string label = trim(line.substr(at + 1));
        if (path.empty() || label.empty()) continue;
        // A space inside a path whose whole text names an existing file is part of the path.
        if (separators[0] == ' ') {
            std::error_code ec;
            const fs::path whole = fs::path(line).is_absolute() ? fs::path(line) : base / line;
            if (fs::exists(whole, ec)) return {line, ""};
        }
        return {path, label};
    }
    return {line, ""};
}

ImageItemKind kindOfFile(const fs::path& path)
{
    if (isNpyPath(path)) return ImageItemKind::NpyTensor;
    return ImageItemKind::ImageFile;
}

} // namespace

bool ImageSource::looksLikeImageSpec(const std::string& spec)
{
    std::error_code ec;
    const fs::path path(spec);
    if (fs::is_directory(path, ec)) return true;
    if (hasImageExtension(spec) || isIdxImagesPath(spec)) return true;
    return isListFile(path);
}

Result<ImageSource> ImageSource::open(const std::string& spec, const ImageSourceOptions& options)
{
    return open(std::vector<std::string>{spec}, options);
}

Result<ImageSource> ImageSource::open(const std::vector<std::string>& specs, const ImageSourceOptions& options)
{
    ImageSource source;
    const auto full = [&]() { return options.limit && static_cast<int64_t>(source.items_.size()) >= *options.limit; };
    const auto add = [&](ImageItem item, size_t idxIndex = 0) {
        source.items_.push_back(std::move(item));
        source.idxOfItem_.push_back(idxIndex);
    };
    for (const std::string& spec : specs) {
        if (full()) break;
        std::error_code ec;
        const fs::path path(spec);
        const fs::file_status status = fs::status(path, ec);
        if (!fs::exists(status)) return Status::error(spec + ": no such file or folder");

        if (fs::is_directory(status)) {
            std::vector<std::pair<std::string, fs::path>> files;
            fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
            if (ec) return Status::error(spec + ": cannot list the folder: " + ec.message());
            for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) return Status::error(spec + ": cannot list the folder: " + ec.message());
                if (!it->is_regular_file(ec)) continue;
                const fs::path& file = it->path();
                if (!hasImageExtension(file.string()) && !isNpyPath(file)) continue;
                files.emplace_back(file.lexically_relative(path).generic_string(), file);
            }
            if (files.empty()) return Status::error(spec + ": the folder holds no JPEG, PNG, BMP or .npy files");
            // Byte order of the relative paths: the same on every machine and file system.
            std::sort(files.begin(), files.end());
            for (const auto& [relative, file] : files) {
                if (full()) break;
                ImageItem item;
                item.name = relative;
                item.path = file.string();
                item.kind = kindOfFile(file);
                const size_t slash = relative.find('/');
                if (slash != std::string::npos) item.label = relative.substr(0, slash);
                add(std::move(item));
            }
            continue;
        }

        if (isIdxImagesPath(spec)) {
            const std::optional<int64_t> remaining =
                options.limit ? std::optional<int64_t>(*options.limit - static_cast<int64_t>(source.items_.size()))
                              : std::nullopt;
            RF_ASSIGN_OR_RETURN(IdxImages images, readIdxImages(spec, remaining));
            std::vector<uint8_t> labels;
            if (const std::optional<std::string> labelsPath = idxLabelsPathFor(spec)) {
                RF_ASSIGN_OR_RETURN(labels, readIdxLabels(*labelsPath, images.count));
                if (static_cast<int64_t>(labels.size()) < images.count)
                    return Status::error(*labelsPath + ": holds " + std::to_string(labels.size()) + " labels for " +
                                         std::to_string(images.count) + " images in " + spec);
            }
            auto data = std::make_shared<IdxData>();
            data->images = std::move(images);
            source.idx_.push_back(data);
            const size_t idxIndex = source.idx_.size() - 1;
            const std::string fileName = path.filename().string();
            for (int64_t r = 0; r < data->images.count; ++r) {
                ImageItem item;
                char number[24];
                std::snprintf(number, sizeof number, "#%05lld", static_cast<long long>(r));
                item.name = fileName + number;
                item.path = spec;
                item.kind = ImageItemKind::IdxRecord;
                item.record = r;
                if (!labels.empty()) {
                    item.labelIndex = labels[static_cast<size_t>(r)];
                    item.label = std::to_string(labels[static_cast<size_t>(r)]);
                }
                add(std::move(item), idxIndex);
            }
            continue;
        }

        if (hasImageExtension(spec) || isNpyPath(path)) {
            ImageItem item;
            item.name = path.filename().string();
            item.path = spec;
            item.kind = kindOfFile(path);
            add(std::move(item));
            continue;
        }

        if (isListFile(path)) {
            std::ifstream in(path);
            if (!in) return Status::error(spec + ": cannot open the list file");
            const fs::path base = path.parent_path();
            std::string line;
            int lineNumber = 0;
            bool any = false;
            while (std::getline(in, line)) {
                ++lineNumber;
                line = trim(line);
                if (line.empty() || line[0] == '#') continue;
                if (full()) break;
                auto [relative, label] = splitListLine(line, base);
                const fs::path file = fs::path(relative).is_absolute() ? fs::path(relative) : base / relative;
                const std::string where = spec + ":" + std::to_string(lineNumber);
                if (!fs::is_regular_file(file, ec)) return Status::error(where + ": no such file '" + file.string() + "'");
                if (!hasImageExtension(file.string()) && !isNpyPath(file))
                    return Status::error(where + ": '" + relative + "' is not a JPEG, PNG, BMP or .npy file");
                ImageItem item;
                item.name = relative;
                item.path = file.string();
                item.kind = kindOfFile(file);
                item.label = label;
                item.labelIndex = parseIndex(label);
                add(std::move(item));
                any = true;
            }
            if (!any && !full()) return Status::error(spec + ": the list file names no images");
            continue;
        }
        return Status::error(spec + ": not an image (JPEG, PNG, BMP), folder, list file (.txt/.lst), .npy or IDX file");
    }
    return source;
}

std::vector<std::string> ImageSource::labels() const
{
    std::set<std::string> unique;
    for (const ImageItem& item : items_)
        if (!item.label.empty()) unique.insert(item.label);
    return {unique.begin(), unique.end()};
}

Result<PixelImage> ImageSource::loadPixels(size_t index, DecodeColor color) const
{
    if (index >= items_.size())
        return Status::error("image " + std::to_string(index) + " out of range (" + std::to_string(items_.size()) + " items)");
    const ImageItem& item = items_[index];
    PixelImage image;
    switch (item.kind) {
    case ImageItemKind::ImageFile: return decodeImageFile(item.path, color);
    case ImageItemKind::IdxRecord: {
        const IdxImages& images = idx_[idxOfItem_[index]]->images;
        image.height = images.rows;
        image.width = images.cols;
        image.channels = 1;
        const size_t size = static_cast<size_t>(images.rows) * static_cast<size_t>(images.cols);
        const auto begin = images.pixels.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(item.record) * size);
        image.pixels.assign(begin, begin + static_cast<std::ptrdiff_t>(size));
        break;
    }
    case ImageItemKind::NpyTensor: {
        RF_ASSIGN_OR_RETURN(const NpyArray array, readNpyFile(item.path));
        Shape shape = array.shape;
        if (shape.size() == 4 && shape[0] == 1) shape.erase(shape.begin());
        if (shape.size() == 2) shape.push_back(1);
        if (shape.size() != 3 || (shape[2] != 1 && shape[2] != 3) || shape[0] <= 0 || shape[1] <= 0)
            return Status::error(item.path + ": array " + shapeToString(array.shape) +
                                 " is not shaped like an image ([H, W], [H, W, C] or [1, H, W, C] with C = 1 or 3)");
        image.height = shape[0];
        image.width = shape[1];
        image.channels = shape[2];
        const size_t count = static_cast<size_t>(array.elementCount());
        image.pixels.resize(count);
        if (array.dtype == DType::UInt8) {
            std::memcpy(image.pixels.data(), array.data.data(), count);
        } else if (array.dtype == DType::Float32) {
            std::vector<float> values(count);
            std::memcpy(values.data(), array.data.data(), count * sizeof(float));
            float low = 0, high = 0;
            bool first = true;
            for (float v : values) {
                if (!std::isfinite(v)) continue;
                low = first ? v : std::min(low, v);
                high = first ? v : std::max(high, v);
                first = false;
            }
            const float range = high > low ? high - low : 1.0f;
            for (size_t i = 0; i < count; ++i) {
                const float v = std::isfinite(values[i]) ? values[i] : low;
                image.pixels[i] = static_cast<uint8_t>(std::lround((v - low) / range * 255.0f));
            }
        } else {
            return Status::error(item.path + ": only uint8 and float32 arrays can be shown as images, this one is " +
                                 std::string(dtypeName(array.dtype)));
        }
        break;
    }
    }
    if (color == DecodeColor::Native) return image;
    RF_ASSIGN_OR_RETURN(PixelImage converted, convertColor(image, color == DecodeColor::Gray ? 1 : 3, ColorOrder::Auto));
    return converted;
}

Result<TensorValue> ImageSource::loadTensor(size_t index, const Tensor& inputTensor, const PreprocessOptions& options) const
{
    if (index >= items_.size())
        return Status::error("image " + std::to_string(index) + " out of range (" + std::to_string(items_.size()) + " items)");
    const ImageItem& item = items_[index];
    if (item.kind == ImageItemKind::NpyTensor) {
        RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes,
                            loadInputFile(item.path, inputTensor.dtype, elementCount(inputTensor.shape)));
        TensorValue value(inputTensor.dtype, inputTensor.shape);
        if (bytes.size() != value.byteSize())
            return Status::error(item.path + ": holds " + std::to_string(bytes.size()) + " bytes, input tensor '" +
                                 inputTensor.name + "' needs " + std::to_string(value.byteSize()));
        std::memcpy(value.bytes(), bytes.data(), bytes.size());
        return value;
    }
    Result<InputGeometry> geometry = imageInputGeometry(inputTensor, options.layout);
    if (!geometry.isOk()) return geometry.status().withContext(item.name);
    // The codec's own gray conversion (e.g. JPEG luma) for gray inputs, RGB otherwise.
    const bool gray = geometry.value().channels == 1 || options.color == ColorOrder::Gray;
    RF_ASSIGN_OR_RETURN(const PixelImage decoded, loadPixels(index, gray ? DecodeColor::Gray : DecodeColor::Rgb));
    Result<PixelImage> prepared = preparePixels(decoded, geometry.value(), options);
    if (!prepared.isOk()) return prepared.status().withContext(item.path);
    Result<TensorValue> value = pixelsToTensor(prepared.value(), inputTensor, geometry.value(), options);
    if (!value.isOk()) return value.status().withContext(item.path);
    return value;
}

Result<std::vector<std::string>> readLabelsFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in) return Status::error(path + ": cannot open the labels file");
    std::vector<std::string> labels;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        labels.push_back(line);
    }
    while (!labels.empty() && trim(labels.back()).empty()) labels.pop_back();
    if (labels.empty()) return Status::error(path + ": the labels file is empty");
    return labels;
}

namespace {

/// Lower case, '_' and '-' as spaces, trimmed.
std::string normalizeLabel(const std::string& text)
{
    std::string out;
    for (char c : trim(text)) {
        if (c == '_') c = ' ';
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

/// The names a class line stands for: the whole line, without a leading "N "
/// index (Teachable Machine), and each comma-separated alias (ImageNet).
std::vector<std::string> classAliases(const std::string& line)
{
    std::vector<std::string> aliases = {normalizeLabel(line)};
    std::string text = trim(line);
    const size_t space = text.find(' ');
    if (space != std::string::npos && parseIndex(text.substr(0, space))) {
        text = trim(text.substr(space + 1));
        aliases.push_back(normalizeLabel(text));
    }
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        aliases.push_back(normalizeLabel(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return aliases;
}

} // namespace

std::optional<int> resolveLabel(const ImageItem& item, const std::vector<std::string>& classNames)
{
    if (!item.label.empty()) {
        for (size_t i = 0; i < classNames.size(); ++i)
            if (classNames[i] == item.label) return static_cast<int>(i);
        const std::string wanted = normalizeLabel(item.label);
        for (size_t i = 0; i < classNames.size(); ++i)
            for (const std::string& alias : classAliases(classNames[i]))
                if (!alias.empty() && alias == wanted) return static_cast<int>(i);
    }
    if (item.labelIndex && (classNames.empty() || *item.labelIndex < static_cast<int>(classNames.size())))
        return item.labelIndex;
    return std::nullopt;
}

} // namespace rf
