#include "io/keras/keras_weights.h"

namespace rf::keras {

namespace {

/// "conv1/kernel:0" -> {"conv1", "kernel"}; "m/conv1/kernel" -> {"conv1", "kernel"};
/// "kernel" -> {topLevel, "kernel"}.
WeightEntry parseWeightName(const std::string& topLevel, const std::string& weightName)
{
    std::string name = weightName;
    // Drop a TF variable's output suffix ":0" (Keras 2; Keras 3 writes none).
    const size_t colon = name.rfind(':');
    if (colon != std::string::npos && colon + 1 < name.size() &&
        name.find_first_not_of("0123456789", colon + 1) == std::string::npos)
        name.resize(colon);
    WeightEntry entry;
    const size_t slash = name.rfind('/');
    entry.kind = slash == std::string::npos ? name : name.substr(slash + 1);
    if (slash == std::string::npos || slash == 0) {
        entry.owner = topLevel;
    } else {
        const size_t previous = name.rfind('/', slash - 1);
        entry.owner = name.substr(previous == std::string::npos ? 0 : previous + 1,
                                  slash - (previous == std::string::npos ? 0 : previous + 1));
    }
    return entry;
}

} // namespace

Result<KerasWeights> KerasWeights::index(const Hdf5File& file, const std::string& rootGroup)
{
    KerasWeights weights;
    RF_ASSIGN_OR_RETURN(std::vector<std::string> layerNames, file.readStringListAttribute(rootGroup, "layer_names"));
    const std::string root = rootGroup == "/" ? std::string() : rootGroup;
    for (const std::string& layer : layerNames) {
        const std::string groupPath = root + "/" + layer;
        std::vector<WeightEntry>& entries = weights.groups_[layer];
        if (!file.hasObject(groupPath)) continue; // Reported when a layer needs weights it does not have.
        if (!file.hasAttribute(groupPath, "weight_names") && !file.hasAttribute(groupPath, "weight_names0")) continue;
        RF_ASSIGN_OR_RETURN(std::vector<std::string> weightNames, file.readStringListAttribute(groupPath, "weight_names"));
        for (const std::string& weightName : weightNames) {
            WeightEntry entry = parseWeightName(layer, weightName);
            entry.datasetPath = groupPath + "/" + weightName;
            entries.push_back(std::move(entry));
        }
    }
    return weights;
}

const WeightEntry* KerasWeights::find(const std::string& topLevel, const std::string& owner, const std::string& kind) const
{
    const auto group = groups_.find(topLevel);
    if (group == groups_.end()) return nullptr;
    for (const WeightEntry& entry : group->second)
        if (entry.owner == owner && entry.kind == kind) return &entry;
    return nullptr;
}

const std::vector<WeightEntry>* KerasWeights::group(const std::string& topLevel) const
{
    const auto group = groups_.find(topLevel);
    return group == groups_.end() ? nullptr : &group->second;
}

} // namespace rf::keras
