#pragma once
// The weights of a Keras HDF5 file, indexed by the layer that owns them. Keras
// writes one group per top-level layer (model_weights/<layer>, or the root of a
// save_weights file) with a `weight_names` attribute listing dataset paths inside
// that group: "conv1/kernel:0" (Keras 2), "model/conv1/kernel" (Keras 3 legacy h5),
// or "Conv1/kernel:0" for a layer of a nested model stored under the nested model's
// group. Internal to the Keras reader.

#include <map>
#include <string>
#include <vector>

#include "io/keras/hdf5_file.h"
#include "util/status.h"

namespace rf::keras {

/// One weight dataset of a top-level layer group.
struct WeightEntry {
    std::string owner;       ///< The layer that owns it (the path component before the kind).
    std::string kind;        ///< "kernel", "bias", "gamma", ... (":0" removed).
    std::string datasetPath; ///< Full HDF5 path.
};

class KerasWeights {
public:
    /// Indexes the weights under `rootGroup` ("/model_weights", or "/" for a
    /// weights-only file) using its `layer_names` and each group's `weight_names`.
    static Result<KerasWeights> index(const Hdf5File& file, const std::string& rootGroup);

    /// The weight `kind` of layer `owner`, stored in the group of top-level layer
    /// `topLevel`; nullptr when there is none.
    const WeightEntry* find(const std::string& topLevel, const std::string& owner, const std::string& kind) const;
    /// All weights of a top-level layer's group, in `weight_names` order.
    const std::vector<WeightEntry>* group(const std::string& topLevel) const;
    /// True when `layer_names` lists the top-level layer.
    bool hasLayer(const std::string& topLevel) const { return groups_.count(topLevel) != 0; }

private:
    std::map<std::string, std::vector<WeightEntry>> groups_;
};

} // namespace rf::keras
