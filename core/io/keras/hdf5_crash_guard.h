#pragma once
// libhdf5 1.10 (Debian 12) crashes (SIGSEGV) or loops forever inside H5Aread when a
// variable-length string attribute's global-heap object or descriptor is corrupt
// (H5T__conv_vlen -> H5HG_read): no check of ours can run before the damage, and Keras 3
// and newer tf.keras files store model_config, layer_names and weight_names exactly that
// way. So the loader never converts a variable-length string in its own process: a
// forked child opens the file, reads every such attribute and sends the strings back
// through a pipe. A crash or a hang then costs the child, and the user gets a message
// naming the file instead of losing the application (and whatever garbage a corrupt
// heap yields without crashing is checked by the loader like any other text).
// Internal to hdf5_file.cpp: the caller holds the HDF5 lock, so no other thread of
// this process is inside the library when it forks.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace rf::keras {

/// Every variable-length string attribute of a file, by object path ("/" is the root,
/// "/model_weights/conv1", ...) and attribute name.
class VariableLengthStrings {
public:
    /// The strings of one attribute, or nullptr when the file has no such
    /// variable-length string attribute (or HDF5 refused to convert it).
    const std::vector<std::string>* find(const std::string& objectPath, const std::string& name) const;
    void add(const std::string& objectPath, const std::string& name, std::vector<std::string> strings);
    /// Serialized form sent through the pipe, and back.
    std::string serialize() const;
    static std::optional<VariableLengthStrings> deserialize(const std::string& bytes);

private:
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> attributes_;
};

/// Converts one variable-length string attribute (`attribute`, `space` with `count`
/// elements, file type `fileType`: HDF5 identifiers) into `out`; false when HDF5 refuses.
/// This is the call that may crash on a corrupt file: only the child runs it, or the
/// parent when no child can be started.
bool convertVariableLengthStrings(int64_t attribute, int64_t fileType, int64_t space, int64_t count,
                                  std::vector<std::string>& out);

/// Runs the child described above. `openInChild` opens the file in the child and
/// returns its HDF5 identifier (negative when HDF5 cannot open it; the parent's own open
/// then reports that). Returns the strings; std::nullopt when no child process could be
/// started (the caller then reads directly); an error naming `sourceName` when the child
/// crashed or did not finish within `timeoutMs` milliseconds.
Result<std::optional<VariableLengthStrings>> readVariableLengthStringsInChild(const std::function<int64_t()>& openInChild,
                                                                              const std::string& sourceName,
                                                                              int timeoutMs = 10000);

} // namespace rf::keras
