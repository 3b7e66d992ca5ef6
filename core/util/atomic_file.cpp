#include "util/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace rf {

namespace {

std::string errnoText(int error) { return std::strerror(error); }

/// Writes all of `bytes` to `fd`, retrying on short writes and EINTR.
bool writeAll(int fd, const uint8_t* data, size_t size)
{
    while (size > 0) {
        const ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += written;
        size -= static_cast<size_t>(written);
    }
    return true;
}

/// Makes the rename itself durable: the directory entry lives in the parent
/// directory, which has to be flushed as well. Failure here is not reported,
/// because some file systems refuse fsync on directories and the data is safe anyway.
void syncDirectory(const std::filesystem::path& directory)
{
    const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

/// Moves `from` to `to` without ever replacing an existing `to`. renameat2 with
/// RENAME_NOREPLACE does this atomically; where the file system does not support
/// it, a hard link (which also fails on an existing target) is the fallback.
Status renameNoReplace(const std::string& from, const std::string& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return Status::ok();
    if (errno == EEXIST) return Status::error(to + ": file exists (refusing to overwrite it)");
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
        return Status::error(to + ": cannot rename the temporary file into place: " + errnoText(errno));
    }
    if (::link(from.c_str(), to.c_str()) == 0) {
        ::unlink(from.c_str());
        return Status::ok();
    }
    if (errno == EEXIST) return Status::error(to + ": file exists (refusing to overwrite it)");
    return Status::error(to + ": cannot move the temporary file into place: " + errnoText(errno));
}

} // namespace

Status writeFileAtomic(const std::string& path, std::span<const uint8_t> bytes, OverwritePolicy policy)
{
    const std::filesystem::path target(path);
    const std::filesystem::path directory = target.parent_path();
    if (target.filename().empty()) return Status::error(path + ": not a file name");

    // The temporary file must be in the same directory: rename() is only atomic
    // within one file system. The leading dot keeps it out of casual listings.
    std::string tempPath;
    int fd = -1;
    std::random_device random;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
        tempPath = (directory / ("." + target.filename().string() + ".tmp-" + std::to_string(random()))).string();
        fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST) {
            return Status::error(path + ": cannot create a file in " +
                                 (directory.empty() ? std::string(".") : directory.string()) + ": " + errnoText(errno));
        }
    }
    if (fd < 0) return Status::error(path + ": cannot create a unique temporary file");

    const bool written = writeAll(fd, bytes.data(), bytes.size());
    const int writeError = errno;
    const bool synced = written && ::fsync(fd) == 0;
    const int syncError = errno;
    const bool closed = ::close(fd) == 0;
    if (!written || !synced || !closed) {
        ::unlink(tempPath.c_str());
        return Status::error(path + ": write failed: " + errnoText(!written ? writeError : syncError));
    }

    Status moved = Status::ok();
    if (policy == OverwritePolicy::Replace) {
        if (::rename(tempPath.c_str(), path.c_str()) != 0)
            moved = Status::error(path + ": cannot rename the temporary file into place: " + errnoText(errno));
    } else {
        moved = renameNoReplace(tempPath, path);
    }
    if (!moved.isOk()) {
        ::unlink(tempPath.c_str());
        return moved;
    }
    syncDirectory(directory);
    return Status::ok();
}

Status writeFileAtomic(const std::string& path, std::string_view text, OverwritePolicy policy)
{
    return writeFileAtomic(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                           policy);
}

Result<std::vector<uint8_t>> readFileContents(const std::string& path, uint64_t maxBytes)
{
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) return Status::error(path + ": no such file");
    if (std::filesystem::is_directory(status)) return Status::error(path + ": is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::error(path + ": cannot open: " + errnoText(errno));
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size < 0) return Status::error(path + ": cannot determine the file size");
    if (static_cast<uint64_t>(size) > maxBytes)
        return Status::error(path + ": file is too large (" + std::to_string(size) + " bytes)");
    in.seekg(0, std::ios::beg);
    std::vector<uint8_t> bytes(static_cast<size_t>(size));
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
        return Status::error(path + ": read failed");
    return bytes;
}

} // namespace rf
