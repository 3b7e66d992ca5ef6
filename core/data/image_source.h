#pragma once
// A set of input images from one or more specs: single image files (JPEG, PNG,
// BMP), folders (recursive; the first sub-folder level names the class), list
// files (one path per line, optionally followed by a label), prepared .npy
// tensors, and MNIST/Fashion-MNIST IDX files (plain or .gz, labels from the
// matching idx1 file). Items are listed eagerly in a deterministic order; pixels
// are decoded only when asked for, so large sets cost little until used.
// Used by `rangefinder-batch run`, calibration over a set, analysis over a set
// and GUI thumbnails.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/image_decode.h"
#include "data/pixel_image.h"
#include "data/preprocess_options.h"
#include "ir/tensor.h"
#include "runtime/tensor_value.h"
#include "util/status.h"

namespace rf {

/// Where an item's data comes from.
enum class ImageItemKind {
    /// An image file decoded with OpenCV.
    ImageFile,
    /// A .npy file holding a prepared tensor (fed as is, converted to the input's type).
    NpyTensor,
    /// One record of an IDX images file (gray, rows x cols).
    IdxRecord,
};

/// One input of a set.
struct ImageItem {
    /// Short display name, unique within the source: the path relative to the
    /// folder or list file it came from, the file name for single files,
    /// "<idx file name>#<record>" for IDX records.
    std::string name;
    /// The file holding the data (the IDX file for IDX records).
    std::string path;
    /// The class as given by the source: sub-folder name, the list file's label
    /// column, or the IDX label as a decimal number. Empty when unknown.
    std::string label;
    /// The class index when the source gives a number (IDX labels, numeric list labels).
    std::optional<int> labelIndex;
    ImageItemKind kind = ImageItemKind::ImageFile;
    /// The record number inside an IDX file.
    int64_t record = 0;
};

/// Options of ImageSource::open.
struct ImageSourceOptions {
    /// Keep only the first `limit` items (after sorting), when set.
    std::optional<int64_t> limit;
};

/// An ordered, labelled set of input images.
class ImageSource {
public:
    ImageSource() = default;

    /// Opens one spec: an image file, a folder, a list file (.txt/.lst/.list/.csv
    /// lines "path[,; \t]label" with paths relative to the list file; '#' starts a
    /// comment), a .npy file, or an IDX images file. Errors name the spec.
    static Result<ImageSource> open(const std::string& spec, const ImageSourceOptions& options = {});
    /// Opens several specs and concatenates them in the given order.
    static Result<ImageSource> open(const std::vector<std::string>& specs, const ImageSourceOptions& options = {});

    /// True when a path would be taken as an image input by open() rather than as a
    /// prepared tensor file (folders, image files, IDX files, list files).
    static bool looksLikeImageSpec(const std::string& spec);

    size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    const ImageItem& item(size_t index) const { return items_[index]; }
    const std::vector<ImageItem>& items() const { return items_; }

    /// The distinct text labels of the items, sorted (folder class names, list
    /// labels, IDX label numbers).
    std::vector<std::string> labels() const;

    /// Decodes item `index` (image files, IDX records, and .npy arrays shaped like
    /// an image: [H, W], [H, W, C] or [1, H, W, C] with C = 1 or 3; uint8 as is,
    /// float scaled from its min..max to 0..255, which is only meant for display).
    Result<PixelImage> loadPixels(size_t index, DecodeColor color = DecodeColor::Native) const;

    /// The value of `inputTensor` for item `index`: images (and IDX records)
    /// through the preprocessing; .npy tensors converted to the tensor's type and
    /// checked against its element count. Errors name the item.
    Result<TensorValue> loadTensor(size_t index, const Tensor& inputTensor, const PreprocessOptions& options) const;

private:
    struct IdxData;
    std::vector<ImageItem> items_;
    /// Decoded IDX files, shared by their records (and copies of the source).
    std::vector<std::shared_ptr<const IdxData>> idx_;
    std::vector<size_t> idxOfItem_;
};

/// Reads a labels file: one class name per line (Teachable Machine's "0 cat"
/// lines keep their text; a trailing '\r' is dropped). Errors name the file.
Result<std::vector<std::string>> readLabelsFile(const std::string& path);

/// The class index of an item among `classNames` (the model's output order):
/// the label text matched against a class name (exactly, then ignoring case,
/// '_' vs ' ', a leading "N " index as Teachable Machine writes, and any
/// comma-separated alias as in ImageNet's "tench, Tinca tinca"); else the
/// item's numeric label. nullopt when the item has no usable label.
std::optional<int> resolveLabel(const ImageItem& item, const std::vector<std::string>& classNames);

} // namespace rf
