#include "io/keras/hdf5_file.h"

#include "io/keras/hdf5_crash_guard.h"

#include <hdf5.h>

#include <memory>
#include <mutex>
#include <new>

namespace rf::keras {

namespace {

/// The serial HDF5 build keeps global state; every call goes through this lock.
std::mutex& hdf5Mutex()
{
    static std::mutex mutex;
    return mutex;
}

/// Silences HDF5's automatic printing of its error stack (once per process): the
/// loader reports failures itself, as Status messages.
void silenceHdf5Errors()
{
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

/// Closes an HDF5 identifier with the matching close function at scope exit.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle()
    {
        if (id_ >= 0) closer_(id_);
    }
    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }

private:
    hid_t id_;
    Closer closer_;
};

/// Splits "a/b/c" into its non-empty components.
std::vector<std::string> pathComponents(const std::string& path)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t end = path.find('/', start);
        const std::string part = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty()) parts.push_back(part);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return parts;
}

/// H5Oexists_by_name fails (rather than returning false) when an intermediate group
/// is missing, so the path is walked one link at a time.
bool linkPathExists(hid_t file, const std::string& path)
{
    std::string prefix;
    for (const std::string& part : pathComponents(path)) {
        prefix += "/" + part;
        if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
        if (H5Oexists_by_name(file, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    }
    return true;
}

std::string normalized(const std::string& objectPath)
{
    std::string path;
    for (const std::string& part : pathComponents(objectPath)) path += "/" + part;
    return path.empty() ? "/" : path;
}

} // namespace

Result<Hdf5File> Hdf5File::open(const std::string& path)
{
    std::lock_guard lock(hdf5Mutex());
    silenceHdf5Errors();
    const htri_t isHdf5 = H5Fis_hdf5(path.c_str());
    if (isHdf5 <= 0)
        return Status::error(path + ": not a readable HDF5 file (the HDF5 signature or superblock is missing or damaged)");
    const auto openFile = [&path]() -> int64_t {
        Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
        if (access.valid()) H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG);
        return H5Fopen(path.c_str(), H5F_ACC_RDONLY, access.valid() ? access.get() : H5P_DEFAULT);
    };
    RF_ASSIGN_OR_RETURN(std::optional<VariableLengthStrings> strings, readVariableLengthStringsInChild(openFile, path));
    const hid_t file = openFile();
    if (file < 0)
        return Status::error(path + ": the HDF5 library cannot open the file (it is truncated or corrupt)");
    return Hdf5File(path, file, strings ? std::make_shared<const VariableLengthStrings>(std::move(*strings)) : nullptr);
}

Result<Hdf5File> Hdf5File::openImage(const uint8_t* data, size_t size, const std::string& sourceName)
{
    std::lock_guard lock(hdf5Mutex());
    silenceHdf5Errors();
    if (size < 8) return Status::error(sourceName + ": not a readable HDF5 file (only " + std::to_string(size) + " bytes)");
    // The core driver refuses a name that exists on disk ("file already exists"), so the
    // image is opened under a name that cannot exist; messages still use `sourceName`.
    static int imageCounter = 0;
    const std::string imageName = "/nonexistent/rangefinder-memory-image-" + std::to_string(++imageCounter) + ".h5";
    bool setUp = true;
    const auto openFile = [&]() -> int64_t {
        Handle access(H5Pcreate(H5P_FILE_ACCESS), &H5Pclose);
        if (!access.valid() || H5Pset_fapl_core(access.get(), 1 << 16, /*backing_store=*/0) < 0 ||
            H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG) < 0 ||
            H5Pset_file_image(access.get(), const_cast<uint8_t*>(data), size) < 0) {
            setUp = false;
            return -1;
        }
        return H5Fopen(imageName.c_str(), H5F_ACC_RDONLY, access.get());
    };
    RF_ASSIGN_OR_RETURN(std::optional<VariableLengthStrings> strings,
                        readVariableLengthStringsInChild(openFile, sourceName));
    const hid_t file = openFile();
    if (!setUp) return Status::error(sourceName + ": cannot set up HDF5 in-memory file access");
    if (file < 0) return Status::error(sourceName + ": the HDF5 library cannot open the file (it is truncated or corrupt)");
    return Hdf5File(sourceName, file,
                    strings ? std::make_shared<const VariableLengthStrings>(std::move(*strings)) : nullptr);
}

Hdf5File::Hdf5File(Hdf5File&& other) noexcept
    : path_(std::move(other.path_)), fileId_(other.fileId_), variableLengthStrings_(std::move(other.variableLengthStrings_))
{
    other.fileId_ = -1;
}

Hdf5File& Hdf5File::operator=(Hdf5File&& other) noexcept
{
    if (this != &other) {
        if (fileId_ >= 0) {
            std::lock_guard lock(hdf5Mutex());
            H5Fclose(fileId_);
        }
        path_ = std::move(other.path_);
        fileId_ = other.fileId_;
        variableLengthStrings_ = std::move(other.variableLengthStrings_);
        other.fileId_ = -1;
    }
    return *this;
}

Hdf5File::~Hdf5File()
{
    if (fileId_ >= 0) {
        std::lock_guard lock(hdf5Mutex());
        H5Fclose(fileId_);
    }
}

std::string Hdf5File::where(const std::string& objectPath) const { return path_ + ": HDF5 object '" + normalized(objectPath) + "'"; }

bool Hdf5File::hasObject(const std::string& objectPath) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(objectPath);
    return path == "/" || linkPathExists(fileId_, path);
}

bool Hdf5File::isGroup(const std::string& objectPath) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(objectPath);
    if (path != "/" && !linkPathExists(fileId_, path)) return false;
    H5O_info_t info;
    if (H5Oget_info_by_name(fileId_, path.c_str(), &info, H5P_DEFAULT) < 0) return false;
    return info.type == H5O_TYPE_GROUP;
}

bool Hdf5File::hasAttribute(const std::string& objectPath, const std::string& name) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(objectPath);
    if (path != "/" && !linkPathExists(fileId_, path)) return false;
    return H5Aexists_by_name(fileId_, path.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

Result<std::vector<std::string>> Hdf5File::memberNames(const std::string& groupPath) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(groupPath);
    if (path != "/" && !linkPathExists(fileId_, path)) return Status::error(where(path) + " does not exist");
    Handle group(H5Gopen2(fileId_, path.c_str(), H5P_DEFAULT), &H5Gclose);
    if (!group.valid()) return Status::error(where(path) + " is not a readable group");
    H5G_info_t info;
    if (H5Gget_info(group.get(), &info) < 0) return Status::error(where(path) + ": cannot list the group's members");
    if (info.nlinks > 1000000) return Status::error(where(path) + " claims " + std::to_string(info.nlinks) + " members");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t length = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
        if (length < 0 || length > 65536) return Status::error(where(path) + ": cannot read the name of member " + std::to_string(i));
        std::string name(static_cast<size_t>(length) + 1, '\0');
        if (H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT) < 0)
            return Status::error(where(path) + ": cannot read the name of member " + std::to_string(i));
        name.resize(static_cast<size_t>(length));
        names.push_back(std::move(name));
    }
    return names;
}

Result<std::vector<std::string>> Hdf5File::readStrings(const std::string& objectPath, const std::string& name) const
{
    const std::string path = normalized(objectPath);
    const std::string label = where(path) + " attribute '" + name + "'";
    if (path != "/" && !linkPathExists(fileId_, path)) return Status::error(where(path) + " does not exist");
    if (H5Aexists_by_name(fileId_, path.c_str(), name.c_str(), H5P_DEFAULT) <= 0) return Status::error(label + " does not exist");
    Handle attribute(H5Aopen_by_name(fileId_, path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), &H5Aclose);
    if (!attribute.valid()) return Status::error(label + " cannot be opened");
    Handle space(H5Aget_space(attribute.get()), &H5Sclose);
    if (!space.valid()) return Status::error(label + " has no readable dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > 1) return Status::error(label + " has rank " + std::to_string(rank) + ", expected a scalar or a list");
    const hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (count < 0 || count > 10000000) return Status::error(label + " has an invalid element count");
    // An empty list (a layer without weights) may be stored with any type: Keras 2
    // writes numpy's empty float64 array.
    if (count == 0) return std::vector<std::string>{};
    Handle type(H5Aget_type(attribute.get()), &H5Tclose);
    if (!type.valid() || H5Tget_class(type.get()) != H5T_STRING) return Status::error(label + " is not a string attribute");
    const htri_t variable = H5Tis_variable_str(type.get());
    if (variable < 0) return Status::error(label + " has an unreadable string type");

    std::vector<std::string> strings;
    if (variable > 0) {
        // Converted by the child process when there is one (hdf5_crash_guard.h).
        if (variableLengthStrings_) {
            const std::vector<std::string>* found = variableLengthStrings_->find(path, name);
            if (!found) return Status::error(label + " cannot be read (corrupt file?)");
            strings = *found;
        } else if (!convertVariableLengthStrings(attribute.get(), type.get(), space.get(), count, strings)) {
            return Status::error(label + " cannot be read (corrupt file?)");
        }
        int64_t total = 0;
        for (const std::string& text : strings) total += static_cast<int64_t>(text.size());
        if (total > kMaxAttributeBytes) return Status::error(label + " is larger than " + std::to_string(kMaxAttributeBytes) + " bytes");
    } else {
        const size_t size = H5Tget_size(type.get());
        if (size == 0) return Status::error(label + " has a zero-sized string type");
        if (static_cast<int64_t>(size) * count > kMaxAttributeBytes)
            return Status::error(label + " is larger than " + std::to_string(kMaxAttributeBytes) + " bytes");
        std::vector<char> buffer(size * static_cast<size_t>(count));
        // Read with the file's own fixed-length type so no conversion is involved.
        if (count > 0 && H5Aread(attribute.get(), type.get(), buffer.data()) < 0)
            return Status::error(label + " cannot be read (corrupt file?)");
        for (hssize_t i = 0; i < count; ++i) {
            const char* begin = buffer.data() + static_cast<size_t>(i) * size;
            size_t length = 0;
            while (length < size && begin[length] != '\0') ++length; // NUL-padded or space-padded storage
            strings.emplace_back(begin, length);
        }
    }
    return strings;
}

Result<std::string> Hdf5File::readStringAttribute(const std::string& objectPath, const std::string& name) const
{
    std::lock_guard lock(hdf5Mutex());
    RF_ASSIGN_OR_RETURN(std::vector<std::string> strings, readStrings(objectPath, name));
    if (strings.size() != 1)
        return Status::error(where(objectPath) + " attribute '" + name + "' holds " + std::to_string(strings.size()) +
                             " strings, expected one");
    return std::move(strings[0]);
}

Result<std::vector<std::string>> Hdf5File::readStringListAttribute(const std::string& objectPath, const std::string& name) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(objectPath);
    if (path == "/" || linkPathExists(fileId_, path)) {
        if (H5Aexists_by_name(fileId_, path.c_str(), name.c_str(), H5P_DEFAULT) > 0) return readStrings(path, name);
        // Keras stores lists too long for one HDF5 object header as name0, name1, ...
        std::vector<std::string> joined;
        for (int chunk = 0;; ++chunk) {
            const std::string chunkName = name + std::to_string(chunk);
            if (H5Aexists_by_name(fileId_, path.c_str(), chunkName.c_str(), H5P_DEFAULT) <= 0) {
                if (chunk == 0) break;
                return joined;
            }
            RF_ASSIGN_OR_RETURN(std::vector<std::string> part, readStrings(path, chunkName));
            joined.insert(joined.end(), part.begin(), part.end());
        }
    }
    return Status::error(where(path) + " has no attribute '" + name + "'");
}

Result<FloatArray> Hdf5File::readFloatDataset(const std::string& datasetPath) const
{
    std::lock_guard lock(hdf5Mutex());
    const std::string path = normalized(datasetPath);
    const std::string label = where(path);
    if (!linkPathExists(fileId_, path)) return Status::error(label + " does not exist");
    Handle dataset(H5Dopen2(fileId_, path.c_str(), H5P_DEFAULT), &H5Dclose);
    if (!dataset.valid()) return Status::error(label + " is not a readable dataset");
    Handle type(H5Dget_type(dataset.get()), &H5Tclose);
    if (!type.valid()) return Status::error(label + " has an unreadable data type");
    const H5T_class_t typeClass = H5Tget_class(type.get());
    if (typeClass != H5T_FLOAT && typeClass != H5T_INTEGER)
        return Status::error(label + " does not hold numbers (HDF5 type class " + std::to_string(static_cast<int>(typeClass)) + ")");
    const size_t typeSize = H5Tget_size(type.get());
    if (typeSize == 0 || typeSize > 8) return Status::error(label + " has an unsupported element size of " + std::to_string(typeSize) + " bytes");
    Handle space(H5Dget_space(dataset.get()), &H5Sclose);
    if (!space.valid()) return Status::error(label + " has no readable dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > 8) return Status::error(label + " has an unsupported rank " + std::to_string(rank));
    hsize_t dims[8] = {};
    if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims, nullptr) < 0) return Status::error(label + " has unreadable dimensions");
    FloatArray array;
    int64_t count = 1;
    for (int i = 0; i < rank; ++i) {
        if (dims[i] > static_cast<hsize_t>(kMaxDatasetElements))
            return Status::error(label + " has an oversized dimension " + std::to_string(dims[i]));
        count *= static_cast<int64_t>(dims[i]);
        if (count > kMaxDatasetElements)
            return Status::error(label + " holds more than " + std::to_string(kMaxDatasetElements) + " elements");
        array.shape.push_back(static_cast<int32_t>(dims[i]));
    }
    try {
        array.values.resize(static_cast<size_t>(count));
    } catch (const std::bad_alloc&) {
        return Status::error(label + ": not enough memory for " + std::to_string(count) + " values");
    }
    // HDF5 converts float16/float64 (and integers) to native float32 while reading.
    if (count > 0 && H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, array.values.data()) < 0)
        return Status::error(label + " cannot be read (truncated or corrupt data)");
    return array;
}

} // namespace rf::keras
