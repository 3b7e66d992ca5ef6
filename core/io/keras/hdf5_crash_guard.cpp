#include "io/keras/hdf5_crash_guard.h"

#include <hdf5.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace rf::keras {

namespace {

/// Exit code of a child whose HDF5 could not open the file (not the guard's business).
constexpr int kChildCannotOpen = 3;
/// Upper bound of what the child may send: the loader's own attribute limit is 256 MiB.
constexpr size_t kMaxPipeBytes = size_t{512} << 20;
/// Same element bound as the loader's.
constexpr int64_t kMaxElements = 10000000;

void appendU64(std::string& out, uint64_t value)
{
    char bytes[8];
    std::memcpy(bytes, &value, 8);
    out.append(bytes, 8);
}

bool readU64(const std::string& in, size_t& pos, uint64_t& value)
{
    if (in.size() - pos < 8) return false;
    std::memcpy(&value, in.data() + pos, 8);
    pos += 8;
    return true;
}

bool readText(const std::string& in, size_t& pos, std::string& text)
{
    uint64_t length = 0;
    if (!readU64(in, pos, length) || in.size() - pos < length) return false;
    text.assign(in.data() + pos, static_cast<size_t>(length));
    pos += static_cast<size_t>(length);
    return true;
}

/// What the attribute callback needs: where it is and where the strings go.
struct AttributeVisit {
    const std::string* path;
    VariableLengthStrings* out;
};

/// H5Aiterate callback: converts one attribute if it is a variable-length string.
herr_t collectAttribute(hid_t object, const char* name, const H5A_info_t*, void* data)
{
    const auto* visit = static_cast<const AttributeVisit*>(data);
    const hid_t attribute = H5Aopen(object, name, H5P_DEFAULT);
    if (attribute < 0) return 0;
    const hid_t type = H5Aget_type(attribute);
    const hid_t space = H5Aget_space(attribute);
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
        std::vector<std::string> strings;
        if (convertVariableLengthStrings(attribute, type, space, H5Sget_simple_extent_npoints(space), strings))
            visit->out->add(*visit->path, name, std::move(strings));
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attribute);
    return 0;
}

/// Reads the variable-length string attributes of the object at `path` (child side).
void collectAttributes(hid_t file, const std::string& path, VariableLengthStrings& out)
{
    const hid_t object = H5Oopen(file, path.c_str(), H5P_DEFAULT);
    if (object < 0) return;
    AttributeVisit visit{&path, &out};
    H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, nullptr, &collectAttribute, &visit);
    H5Oclose(object);
}

/// H5Lvisit callback: every link path (an object reached by two links is read twice,
/// so lookups by either path succeed).
herr_t visitLink(hid_t file, const char* name, const H5L_info_t* info, void* data)
{
    auto* visit = static_cast<std::pair<hid_t, VariableLengthStrings*>*>(data);
    if (info->type == H5L_TYPE_HARD) collectAttributes(visit->first, std::string("/") + name, *visit->second);
    (void)file;
    return 0;
}

/// Writes all of `bytes` to `fd`.
bool writeAll(int fd, const std::string& bytes)
{
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

/// The child's whole life: never returns.
[[noreturn]] void runChild(const std::function<int64_t()>& openInChild, int pipeOut)
{
    // A crashing library or a sanitizer report should not reach the user's terminal.
    const int devNull = ::open("/dev/null", O_WRONLY);
    if (devNull >= 0) {
        ::dup2(devNull, STDERR_FILENO);
        ::dup2(devNull, STDOUT_FILENO);
    }
    // A crash must reach the parent as the signal it is, not as whatever exit code a
    // sanitizer's or the application's own fault handler would turn it into.
    for (int signal : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(signal, SIG_DFL);
    const hid_t file = openInChild();
    if (file < 0) ::_exit(kChildCannotOpen);
    VariableLengthStrings strings;
    collectAttributes(file, "/", strings);
    std::pair<hid_t, VariableLengthStrings*> visit{file, &strings};
    H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, &visitLink, &visit);
    const bool sent = writeAll(pipeOut, strings.serialize());
    // No H5Fclose and no atexit handlers: the parent's library state was copied into
    // this process and must not be flushed or torn down from here.
    ::_exit(sent ? 0 : 1);
}

} // namespace

const std::vector<std::string>* VariableLengthStrings::find(const std::string& objectPath, const std::string& name) const
{
    const auto found = attributes_.find({objectPath, name});
    return found == attributes_.end() ? nullptr : &found->second;
}

void VariableLengthStrings::add(const std::string& objectPath, const std::string& name, std::vector<std::string> strings)
{
    attributes_[{objectPath, name}] = std::move(strings);
}

std::string VariableLengthStrings::serialize() const
{
    std::string out;
    appendU64(out, attributes_.size());
    for (const auto& [key, strings] : attributes_) {
        appendU64(out, key.first.size());
        out += key.first;
        appendU64(out, key.second.size());
        out += key.second;
        appendU64(out, strings.size());
        for (const std::string& s : strings) {
            appendU64(out, s.size());
            out += s;
        }
    }
    return out;
}

std::optional<VariableLengthStrings> VariableLengthStrings::deserialize(const std::string& bytes)
{
    VariableLengthStrings result;
    size_t pos = 0;
    uint64_t attributes = 0;
    if (!readU64(bytes, pos, attributes)) return std::nullopt;
    for (uint64_t a = 0; a < attributes; ++a) {
        std::string path, name;
        uint64_t count = 0;
        if (!readText(bytes, pos, path) || !readText(bytes, pos, name) || !readU64(bytes, pos, count)) return std::nullopt;
        // Every string costs at least its 8-byte length: a count beyond that is corrupt.
        if (count > (bytes.size() - pos) / 8) return std::nullopt;
        std::vector<std::string> strings(static_cast<size_t>(count));
        for (std::string& s : strings)
            if (!readText(bytes, pos, s)) return std::nullopt;
        result.add(path, name, std::move(strings));
    }
    if (pos != bytes.size()) return std::nullopt;
    return result;
}

bool convertVariableLengthStrings(int64_t attribute, int64_t fileType, int64_t space, int64_t count,
                                  std::vector<std::string>& out)
{
    if (count < 0 || count > kMaxElements) return false;
    const hid_t memoryType = H5Tcopy(H5T_C_S1);
    if (memoryType < 0) return false;
    bool ok = H5Tset_size(memoryType, H5T_VARIABLE) >= 0;
    if (ok) H5Tset_cset(memoryType, H5Tget_cset(fileType));
    std::vector<char*> pointers(static_cast<size_t>(count), nullptr);
    ok = ok && H5Aread(attribute, memoryType, pointers.data()) >= 0;
    if (ok) {
        out.clear();
        for (char* pointer : pointers) out.push_back(pointer ? std::string(pointer) : std::string());
        H5Dvlen_reclaim(memoryType, space, H5P_DEFAULT, pointers.data());
    }
    H5Tclose(memoryType);
    return ok;
}

Result<std::optional<VariableLengthStrings>> readVariableLengthStringsInChild(const std::function<int64_t()>& openInChild,
                                                                              const std::string& sourceName, int timeoutMs)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::optional<VariableLengthStrings>{};
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        // Without a child the guard cannot run; refusing every .h5 would be worse than
        // the (rare) crash it guards against, so the caller reads directly.
        return std::optional<VariableLengthStrings>{};
    }
    if (child == 0) {
        ::close(fds[0]);
        runChild(openInChild, fds[1]);
    }
    ::close(fds[1]);

    // Drain the pipe while waiting (a large model_config would fill it and block the
    // child), until EOF or the deadline.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    std::string received;
    bool timedOut = false, tooLarge = false;
    char chunk[65536];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timedOut = true;
            break;
        }
        pollfd poller{fds[0], POLLIN, 0};
        const int ready = ::poll(&poller, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue; // timeout is detected at the top of the loop
        const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; // EOF: the child exited (or closed its end)
        received.append(chunk, static_cast<size_t>(n));
        if (received.size() > kMaxPipeBytes) {
            tooLarge = true;
            break;
        }
    }
    ::close(fds[0]);
    if (timedOut || tooLarge) ::kill(child, SIGKILL);
    int status = 0;
    // The child has closed its pipe end; it exits right after (or was killed above).
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut)
        return Status::error(sourceName + ": the HDF5 library did not finish reading the file's variable-length string "
                             "attributes (model_config, layer_names, weight_names) within " +
                             std::to_string(timeoutMs / 1000) + " s; the file is corrupt");
    if (tooLarge)
        return Status::error(sourceName + ": the file's variable-length string attributes exceed " +
                             std::to_string(kMaxPipeBytes >> 20) + " MiB");
    if (WIFSIGNALED(status))
        return Status::error(sourceName + ": the HDF5 library crashed (signal " + std::to_string(WTERMSIG(status)) + ", " +
                             ::strsignal(WTERMSIG(status)) +
                             ") reading the file's variable-length string attributes (model_config, layer_names, "
                             "weight_names); the file is corrupt");
    if (WIFEXITED(status) && WEXITSTATUS(status) == kChildCannotOpen) return std::optional<VariableLengthStrings>{VariableLengthStrings{}};
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return Status::error(sourceName + ": the HDF5 library failed (exit status " +
                             std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                             ") reading the file's variable-length string attributes; the file is corrupt");
    std::optional<VariableLengthStrings> strings = VariableLengthStrings::deserialize(received);
    if (!strings) return Status::error(sourceName + ": internal error: the HDF5 reader process sent malformed data");
    return strings;
}

} // namespace rf::keras
