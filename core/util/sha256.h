#pragma once
// SHA-256 (FIPS 180-4), used to identify model and input files in run manifests
// and caches.

#include <cstdint>
#include <span>
#include <string>

#include "util/status.h"

namespace rf {

/// The SHA-256 digest of `bytes` as 64 lower-case hex digits.
std::string sha256Hex(std::span<const uint8_t> bytes);
/// The SHA-256 digest of a file's contents, or an error naming the file.
Result<std::string> sha256OfFile(const std::string& path);

} // namespace rf
