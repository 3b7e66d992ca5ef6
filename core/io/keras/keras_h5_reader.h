#pragma once
// Loads Keras models saved as HDF5 — by standalone Keras 2.0-2.3, tf.keras (TF 1.x
// and 2.x) and Keras 3's legacy .h5 format — into the core Graph, lowering every
// layer to the core's TFLite-style ops so the Interpreter runs them.
//
// Naming: each Keras layer's output tensor is named exactly like the layer (on a
// clash, "<nested model>/<layer>" or "<layer>_<n>"); tensors inside a multi-op
// lowering are "<layer>/<part>"; constants "<layer>/kernel", "<layer>/bias", ...;
// every op's layerName is its Keras layer; graph inputs carry the InputLayer's name.
// Layers that are the identity at inference (Dropout, GaussianNoise, ...) produce
// no op: their output is their input tensor.

#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// Loads a full Keras model file written by model.save(): architecture from the
/// root `model_config` attribute, weights from the `model_weights` group. A weights-
/// only file (save_weights) is refused with a message saying what is needed.
Result<Graph> readKerasH5File(const std::string& path);

/// The same from the bytes of a .h5 file already in memory; `sourceName` is used in
/// messages and as the graph's sourcePath.
Result<Graph> readKerasH5Buffer(const uint8_t* data, size_t size, const std::string& sourceName);

/// Loads the JSON architecture written by model.to_json() together with the weights
/// written by model.save_weights() (or the weights of a full model file).
Result<Graph> readKerasJsonWithWeights(const std::string& jsonPath, const std::string& weightsH5Path);

} // namespace rf
