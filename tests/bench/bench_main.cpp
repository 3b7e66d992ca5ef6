// rangefinder-bench: median ms/inference of Rangefinder's kernels (builtin and
// xnnpack modes, 1 and 2 threads) beside the TFLite oracle's `--bench` figure for
// the same model in the same run, as a markdown table. Not a ctest test: timings
// depend on the machine and its load. See docs/benchmarks.md.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "io/model_loader.h"
#include "io/tensor_files.h"
#include "oracle_runner.h"
#include "runtime/interpreter.h"
#include "test_support.h"

using namespace rf;

namespace {

struct Options {
    int runs = 30;
    int warmup = 5;
    std::vector<int> threads = {1, 2};
    bool oracle = true;
    std::vector<std::string> models; // Relative to ../shared/corpus.
};

const std::vector<std::string> kDefaultModels = {
    "tflite/tf2_mobilenet_v2_1.0_224_ptq_int8.tflite",
    "tflite/mobilenet_v1_0.25_128_quant_uint8.tflite",
    "pairs/st_mobilenet_v1_0.25_224_flowers/model.tflite",
    "pairs/tm_cat_dog_jana/model_unquant.tflite",
};

void usage()
{
    std::fprintf(stderr,
                 "usage: rangefinder-bench [--runs N] [--warmup W] [--threads 1,2] [--no-oracle] [MODEL ...]\n"
                 "MODEL paths are relative to ../shared/corpus (default: the four MobileNet-class models).\n");
}

/// Median ms/inference of our interpreter, or a negative value with `error` set.
double benchOurs(const Graph& graph, KernelMode mode, int threads, const Options& options, std::string& error)
{
    InterpreterOptions interpreterOptions;
    interpreterOptions.mode = mode;
    interpreterOptions.threads = threads;
    Result<std::unique_ptr<Interpreter>> created = Interpreter::create(graph, interpreterOptions);
    if (!created.isOk()) {
        error = created.message();
        return -1;
    }
    Interpreter& interpreter = *created.value();
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
        // The oracle's --fill random bytes, so both runtimes see the same data.
        const std::vector<uint8_t> bytes =
            fillInputBytes(InputFill::Random, interpreter.input(i).byteSize(), 12345u + static_cast<uint32_t>(i));
        if (Status status = interpreter.setInput(i, bytes.data(), bytes.size()); !status.isOk()) {
            error = status.message();
            return -1;
        }
    }
    for (int i = 0; i < options.warmup; ++i) (void)interpreter.invoke();
    std::vector<double> times;
    for (int i = 0; i < options.runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        (void)interpreter.invoke();
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    return summarizeTimings(times, options.warmup, threads, std::string(kernelModeName(mode))).medianMs;
}

/// The oracle's median ms/inference (`--bench`), or a negative value with `error` set.
double benchOracle(const test::OracleInstall& oracle, const std::string& model, int threads, const Options& options,
                   std::string& error)
{
    const QString out = QString::fromStdString(test::makeTempDir("rf-bench-oracle"));
    const test::OracleRun run = test::runOracle(
        oracle, {"run", QFileInfo(QString::fromStdString(model)).absoluteFilePath(), "--fill", "random", "--bench",
                 QString::number(options.runs), "--warmup", QString::number(options.warmup), "--threads",
                 QString::number(threads), "-o", out});
    double median = -1;
    QFile timing(out + "/timing.json");
    if (run.ok && timing.open(QIODevice::ReadOnly))
        median = QJsonDocument::fromJson(timing.readAll()).object().value("median_ms").toDouble(-1);
    else
        error = run.log.trimmed().toStdString();
    QDir(out).removeRecursively();
    return median;
}

std::string cell(double ms)
{
    if (ms < 0) return "n/a";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", ms);
    return text;
}

std::string ratio(double ours, double theirs)
{
    if (ours < 0 || theirs <= 0) return "n/a";
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", ours / theirs);
    return text;
}

} // namespace

int main(int argc, char** argv)
{
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--runs")
            options.runs = std::max(1, std::atoi(value().c_str()));
        else if (arg == "--warmup")
            options.warmup = std::max(0, std::atoi(value().c_str()));
        else if (arg == "--threads") {
            options.threads.clear();
            for (const QString& t : QString::fromStdString(value()).split(',', Qt::SkipEmptyParts))
                options.threads.push_back(std::max(1, t.toInt()));
        } else if (arg == "--no-oracle")
            options.oracle = false;
        else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (!arg.empty() && arg[0] == '-') {
            usage();
            return 2;
        } else
            options.models.push_back(arg);
    }
    if (options.models.empty()) options.models = kDefaultModels;

    const std::optional<std::string> shared = test::sharedDir();
    if (!shared) {
        std::fprintf(stderr, "rangefinder-bench: %s\n", test::sharedMissingMessage().c_str());
        return 2;
    }
    test::OracleInstall oracle;
    if (options.oracle) {
        oracle = test::installedOracle();
        if (oracle.script.isEmpty()) {
            std::fprintf(stderr, "rangefinder-bench: no oracle (%s); use --no-oracle for our figures only\n",
                         qPrintable(oracle.skipReason + oracle.error));
            return 2;
        }
    }

    std::printf("Median ms/inference over %d runs after %d warm-up, inputs = the oracle's --fill random bytes.\n"
                "ratio = ours / oracle (below 1.0: Rangefinder is faster). Oracle: TFLite + XNNPACK, WebAssembly SIMD under Node.\n\n",
                options.runs, options.warmup);
    std::printf("| model | threads | ours builtin | ours xnnpack | oracle | ratio builtin | ratio xnnpack |\n");
    std::printf("|---|---|---|---|---|---|---|\n");
    std::fflush(stdout);
    for (const std::string& name : options.models) {
        const std::string path = *shared + "/corpus/" + name;
        Result<Graph> graph = loadModelFile(path);
        if (!graph.isOk()) {
            std::fprintf(stderr, "%s\n", graph.message().c_str());
            continue;
        }
        for (int threads : options.threads) {
            std::string error;
            const double builtin = benchOurs(graph.value(), KernelMode::Builtin, threads, options, error);
            const double xnnpack = benchOurs(graph.value(), KernelMode::Xnnpack, threads, options, error);
            const double theirs = options.oracle ? benchOracle(oracle, path, threads, options, error) : -1;
            std::printf("| %s | %d | %s | %s | %s | %s | %s |\n", name.c_str(), threads, cell(builtin).c_str(),
                        cell(xnnpack).c_str(), cell(theirs).c_str(), ratio(builtin, theirs).c_str(),
                        ratio(xnnpack, theirs).c_str());
            std::fflush(stdout);
            if (!error.empty()) std::fprintf(stderr, "  %s (%d threads): %s\n", name.c_str(), threads, error.c_str());
        }
    }
    return 0;
}
