// rangefinder-keras-load-bench: wall-clock time to load each Keras .h5 of
// ../shared/corpus into a Graph (HDF5 read + config parse + lowering), as a
// markdown table; issue #3 asks for under 0.5 s on the largest corpus .h5.
// Not a ctest test: timings depend on the machine.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/keras/keras_h5_reader.h"
#include "test_support.h"

namespace fs = std::filesystem;

int main(int argc, char** argv)
{
    int runs = 10;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--runs" && i + 1 < argc) {
            runs = std::max(1, std::atoi(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: rangefinder-keras-load-bench [--runs N]\n"
                                 "Times readKerasH5File on every full-model .h5 of ../shared/corpus (median of N runs).\n");
            return arg == "-h" || arg == "--help" ? 0 : 2;
        }
    }
    const auto shared = rf::test::sharedDir();
    if (!shared) {
        std::fprintf(stderr, "%s\n", rf::test::sharedMissingMessage().c_str());
        return 1;
    }
    std::vector<std::string> files;
    for (const char* dir : {"/corpus/keras", "/corpus/pairs"})
        for (const auto& entry : fs::recursive_directory_iterator(*shared + dir))
            if (entry.path().extension() == ".h5" && entry.path().filename().string().find("negative_") == std::string::npos)
                files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());

    std::printf("| file | bytes | ops | median ms | max ms |\n|---|---|---|---|---|\n");
    std::string largest;
    uintmax_t largestSize = 0;
    double largestMedian = 0;
    for (const std::string& file : files) {
        std::vector<double> times;
        size_t ops = 0;
        for (int r = 0; r < runs; ++r) {
            const auto start = std::chrono::steady_clock::now();
            auto graph = rf::readKerasH5File(file);
            const auto end = std::chrono::steady_clock::now();
            if (!graph.isOk()) {
                std::fprintf(stderr, "%s\n", graph.message().c_str());
                return 1;
            }
            ops = graph.value().ops.size();
            times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
        }
        std::sort(times.begin(), times.end());
        const double median = times[times.size() / 2];
        const uintmax_t size = fs::file_size(file);
        std::printf("| %s | %ju | %zu | %.1f | %.1f |\n", file.substr(shared->size() + 1).c_str(), size, ops, median, times.back());
        if (size > largestSize) {
            largestSize = size;
            largest = file;
            largestMedian = median;
        }
    }
    std::printf("\nLargest .h5: %s (%ju bytes): median %.1f ms (budget 500 ms): %s\n", largest.substr(shared->size() + 1).c_str(),
                largestSize, largestMedian, largestMedian < 500.0 ? "within budget" : "OVER BUDGET");
    return largestMedian < 500.0 ? 0 : 1;
}
