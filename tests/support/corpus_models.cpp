#include "corpus_models.h"

#include <algorithm>
#include <filesystem>

namespace rf::test {

namespace fs = std::filesystem;

std::string modelForGoldenFolder(const std::string& shared, const std::string& folder)
{
    std::error_code ec;
    std::vector<fs::path> candidates;
    if (const size_t split = folder.find("__"); split != std::string::npos)
        candidates.push_back(fs::path(shared) / "corpus/pairs" / folder.substr(0, split) / (folder.substr(split + 2) + ".tflite"));
    candidates.push_back(fs::path(shared) / "corpus/tflite" / (folder + ".tflite"));
    candidates.push_back(fs::path(shared) / "oracle/testdata/models" / (folder + ".tflite"));
    for (const fs::path& candidate : candidates)
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    return {};
}

std::string goldenFolderForModel(const std::string& shared, const std::string& modelPath)
{
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(shared) / "golden", ec)) {
        if (!entry.is_directory(ec)) continue;
        const std::string model = modelForGoldenFolder(shared, entry.path().filename().string());
        if (!model.empty() && fs::equivalent(model, modelPath, ec)) return entry.path().string();
    }
    return {};
}

std::vector<std::string> corpusTfliteModels(const std::string& shared)
{
    std::vector<std::string> models;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fs::path(shared) / "corpus/tflite", ec))
        if (entry.path().extension() == ".tflite") models.push_back(entry.path().string());
    for (const auto& pair : fs::directory_iterator(fs::path(shared) / "corpus/pairs", ec)) {
        if (!pair.is_directory(ec)) continue;
        for (const auto& entry : fs::directory_iterator(pair.path(), ec))
            if (entry.path().extension() == ".tflite") models.push_back(entry.path().string());
    }
    std::sort(models.begin(), models.end());
    return models;
}

std::string corpusModelName(const std::string& shared, const std::string& modelPath)
{
    return fs::path(modelPath).lexically_relative(fs::path(shared) / "corpus").string();
}

} // namespace rf::test
