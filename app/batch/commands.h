#pragma once
// The commands of rangefinder-batch. Each returns the process exit code and
// prints results on stdout and problems on stderr.

#include <string>
#include <vector>

#include "cli_options.h"

namespace rf::batch {

/// `rangefinder-batch run`: runs a model and writes the oracle-compatible result files.
int runCommand(const RunOptions& options);
/// `rangefinder-batch info`: describes a model as JSON (or a summary).
int infoCommand(const InfoOptions& options);

/// A command that parses its own arguments (convert, report, ...). Each lives in
/// its own file and registers itself with a file-scope `SubcommandRegistration`,
/// so adding a command never touches main.cpp or another command's file.
struct Subcommand {
    /// The word after the program name ("convert").
    const char* name;
    /// One line for the usage text.
    const char* summary;
    /// Runs the command on its arguments (without the command word); returns the exit code.
    int (*main)(const std::vector<std::string>& args);
};

/// Every registered subcommand, in registration order.
std::vector<Subcommand>& subcommands();

/// Registers a subcommand at static-initialisation time.
struct SubcommandRegistration {
    explicit SubcommandRegistration(Subcommand command) { subcommands().push_back(command); }
};

} // namespace rf::batch
