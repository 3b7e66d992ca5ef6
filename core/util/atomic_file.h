#pragma once
// Crash-safe file writing: a file is either absent, or complete with the new
// contents, never half written. Used for every file the batch tool produces.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace rf {

/// What to do when the destination of a write already exists.
enum class OverwritePolicy {
    /// Fail with an error naming the file; the existing file is left untouched.
    Refuse,
    /// Replace the existing file atomically.
    Replace,
};

/// Writes `bytes` to `path` atomically: the data goes to a temporary file in the
/// same directory, which is flushed to disk (fsync) and then renamed over `path`.
/// Readers see either the old file or the complete new one. With
/// OverwritePolicy::Refuse an existing `path` is an error (checked atomically with
/// the rename, so a file created concurrently is not clobbered either). The parent
/// directory must exist. On failure the temporary file is removed.
Status writeFileAtomic(const std::string& path, std::span<const uint8_t> bytes, OverwritePolicy policy);

/// Convenience overload for text (JSON, CSV).
Status writeFileAtomic(const std::string& path, std::string_view text, OverwritePolicy policy);

/// Reads a whole file into memory, failing with a message that names the file.
/// `maxBytes` guards against accidentally reading something huge (a device, a wrong path).
Result<std::vector<uint8_t>> readFileContents(const std::string& path, uint64_t maxBytes = (uint64_t{1} << 32));

} // namespace rf
