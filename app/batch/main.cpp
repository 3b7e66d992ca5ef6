// rangefinder-batch: the headless command line of Rangefinder (see docs/cli.md).

#include <cstdio>
#include <string>
#include <vector>

#include "cli_options.h"
#include "commands.h"

namespace rf::batch {

std::vector<Subcommand>& subcommands()
{
    // A function-local static: registrations in other files run before main()
    // in unspecified order, so the list must exist on first use.
    static std::vector<Subcommand> registered;
    return registered;
}

} // namespace rf::batch

namespace {

void printUsage(std::FILE* stream)
{
    std::fputs(rf::batch::usageText(), stream);
    if (rf::batch::subcommands().empty()) return;
    std::fputs("\nmore commands (each takes --help):\n", stream);
    for (const rf::batch::Subcommand& command : rf::batch::subcommands())
        std::fprintf(stream, "  %-10s %s\n", command.name, command.summary);
}

} // namespace

int main(int argc, char** argv)
{
    using namespace rf::batch;
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!args.empty()) {
        for (const Subcommand& command : subcommands()) {
            if (args[0] == command.name) return command.main(std::vector<std::string>(args.begin() + 1, args.end()));
        }
    }
    const rf::Result<CommandLine> parsed = parseCommandLine(args);
    if (!parsed.isOk()) {
        std::fprintf(stderr, "rangefinder-batch: %s\n\n", parsed.message().c_str());
        printUsage(stderr);
        return kExitBadInput;
    }
    const CommandLine& line = parsed.value();
    switch (line.command) {
    case CommandLine::Command::Help: printUsage(stdout); return kExitOk;
    case CommandLine::Command::Version: std::printf("rangefinder-batch %s\n", RF_VERSION); return kExitOk;
    case CommandLine::Command::Run: return runCommand(line.run);
    case CommandLine::Command::Info: return infoCommand(line.info);
    }
    return kExitBadInput;
}
