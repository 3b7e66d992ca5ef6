#pragma once
// Read-only access to the parts of an HDF5 file a Keras loader needs: string
// attributes and floating-point datasets, addressed by "/"-separated object paths.
// The HDF5 C library does the work; none of its types appear here. Every size and
// type is checked before anything is read, and failures become Status messages
// naming the file and the object path (HDF5's own error printing is switched off).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ir/tensor.h"
#include "util/status.h"

namespace rf::keras {

class VariableLengthStrings;

/// A floating-point dataset converted to float32, row-major.
struct FloatArray {
    Shape shape;
    std::vector<float> values;
};

/// An open HDF5 file (move-only). All calls are serialized internally because the
/// serial HDF5 library is not thread-safe.
class Hdf5File {
public:
    /// Opens `path` read-only; the error says when it is not HDF5 or is truncated/corrupt.
    static Result<Hdf5File> open(const std::string& path);
    /// Opens an in-memory file image (copied; HDF5's "core" driver); `sourceName` names
    /// it in messages.
    static Result<Hdf5File> openImage(const uint8_t* data, size_t size, const std::string& sourceName);

    Hdf5File(Hdf5File&& other) noexcept;
    Hdf5File& operator=(Hdf5File&& other) noexcept;
    Hdf5File(const Hdf5File&) = delete;
    Hdf5File& operator=(const Hdf5File&) = delete;
    ~Hdf5File();

    const std::string& path() const { return path_; }

    /// True when a group or dataset exists at `objectPath` ("/" is the root).
    bool hasObject(const std::string& objectPath) const;
    /// True when the object exists and has the attribute `name`.
    bool hasAttribute(const std::string& objectPath, const std::string& name) const;
    /// True when the object is a group.
    bool isGroup(const std::string& objectPath) const;
    /// The names of a group's direct members, in HDF5's name order.
    Result<std::vector<std::string>> memberNames(const std::string& groupPath) const;

    /// A scalar (or one-element) string attribute, fixed-length or variable-length.
    Result<std::string> readStringAttribute(const std::string& objectPath, const std::string& name) const;
    /// A 1-D string array attribute. Keras splits long lists into `name0`, `name1`, ...
    /// attributes (save_attributes_to_hdf5_group); those are joined transparently.
    Result<std::vector<std::string>> readStringListAttribute(const std::string& objectPath,
                                                             const std::string& name) const;
    /// A floating-point dataset (float16/32/64), converted to float32.
    Result<FloatArray> readFloatDataset(const std::string& datasetPath) const;

    /// Upper bounds applied before reading (generous for real models, small enough
    /// that a hostile file cannot make us allocate gigabytes).
    static constexpr int64_t kMaxDatasetElements = int64_t{1} << 28;
    static constexpr int64_t kMaxAttributeBytes = int64_t{1} << 28;

private:
    Hdf5File(std::string path, int64_t fileId, std::shared_ptr<const VariableLengthStrings> strings)
        : path_(std::move(path)), fileId_(fileId), variableLengthStrings_(std::move(strings))
    {
    }
    Result<std::vector<std::string>> readStrings(const std::string& objectPath, const std::string& name) const;
    std::string where(const std::string& objectPath) const;

    std::string path_;
    int64_t fileId_ = -1;
    /// The file's variable-length string attributes, read by a child process (see
    /// hdf5_crash_guard.h); null when no child could be started.
    std::shared_ptr<const VariableLengthStrings> variableLengthStrings_;
};

} // namespace rf::keras
