// rangefinder-batch: the headless command line of Rangefinder (see docs/cli.md).

#include <cstdio>
#include <string>
#include <vector>

#include "cli_options.h"
#include "commands.h"

int main(int argc, char** argv)
{
    using namespace rf::batch;
    std::vector<std::string> args(argv + 1, argv + argc);
    const rf::Result<CommandLine> parsed = parseCommandLine(args);
    if (!parsed.isOk()) {
        std::fprintf(stderr, "rangefinder-batch: %s\n\n%s", parsed.message().c_str(), usageText());
        return kExitBadInput;
    }
    const CommandLine& line = parsed.value();
    switch (line.command) {
    case CommandLine::Command::Help: std::fputs(usageText(), stdout); return kExitOk;
    case CommandLine::Command::Version: std::printf("rangefinder-batch %s\n", RF_VERSION); return kExitOk;
    case CommandLine::Command::Run: return runCommand(line.run);
    case CommandLine::Command::Info: return infoCommand(line.info);
    }
    return kExitBadInput;
}
