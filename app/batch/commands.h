#pragma once
// The commands of rangefinder-batch. Each returns the process exit code and
// prints results on stdout and problems on stderr.

#include "cli_options.h"

namespace rf::batch {

/// `rangefinder-batch run`: runs a model and writes the oracle-compatible result files.
int runCommand(const RunOptions& options);
/// `rangefinder-batch info`: describes a model as JSON (or a summary).
int infoCommand(const InfoOptions& options);

} // namespace rf::batch
