#pragma once
// Internal to the Keras reader: the graph under construction and the lowering of
// one Keras layer call into core (TFLite-style) ops. Uses nlohmann::json, a private
// dependency of core, so this header must not be included outside core/io/keras.

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/keras/hdf5_file.h"
#include "io/keras/keras_weights.h"
#include "ir/graph.h"
#include "util/status.h"

namespace rf::keras {

using Json = nlohmann::json;

/// A config value that is not a usable number. Thrown by configInt/configFloat and
/// turned into a Status (naming the layer) where JSON type errors are caught.
struct ConfigValueError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
/// An integer config value (dimension, stride, index) within +-2^24; fractional or
/// out-of-range values throw ConfigValueError (no undefined float-to-int casts).
int configInt(const Json& value);
/// A finite config number that fits a float; otherwise throws ConfigValueError.
float configFloat(const Json& value);
/// Largest dimension / element count a lowered tensor may have.
inline constexpr int64_t kMaxDimension = int64_t{1} << 24;
inline constexpr int64_t kMaxElements = int64_t{1} << 28;

/// Which TensorFlow generation wrote the model; it decides a few numerics.
struct KerasFlavour {
    /// Keras 3 (keras_version 3.x).
    bool keras3 = false;
    /// Standalone Keras 2.0-2.3 or TF 1.x era tf.keras ("2.2.4-tf" and older), whose
    /// UpSampling2D resized without half-pixel centers ("2.3.0-tf" and 2.4+ use them).
    bool legacyResize = false;
};

/// The graph being built, with unique tensor names and shared constants.
class GraphBuilder {
public:
    GraphBuilder(std::string sourcePath, const Hdf5File* weightsFile, const KerasWeights* weights, KerasFlavour flavour)
        : sourcePath_(std::move(sourcePath)), weightsFile_(weightsFile), weights_(weights), flavour_(flavour)
    {
        graph_.sourcePath = sourcePath_;
    }

    Graph& graph() { return graph_; }
    const std::string& sourcePath() const { return sourcePath_; }
    const KerasFlavour& flavour() const { return flavour_; }
    const KerasWeights* weights() const { return weights_; }
    const Hdf5File* weightsFile() const { return weightsFile_; }

    /// `preferred` if unused, else "<scope>/<preferred>", else "<preferred>_<n>".
    std::string uniqueName(const std::string& preferred, const std::string& scope = {});
    /// A float32 activation tensor whose name is already unique.
    int32_t activation(const std::string& uniqueTensorName, Shape shape);
    /// Float32 / int32 constants (named uniquely from `name`).
    int32_t floatConstant(const std::string& name, Shape shape, const std::vector<float>& values);
    int32_t intConstant(const std::string& name, Shape shape, const std::vector<int32_t>& values);
    /// Appends an op.
    Op& op(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs, const std::string& layerName);
    const Shape& shape(int32_t tensor) const { return graph_.tensors[static_cast<size_t>(tensor)].shape; }

    /// A constant shared by every call of the same layer (shared layers reuse weights).
    std::map<std::string, int32_t>& constantCache() { return constantCache_; }

private:
    std::string sourcePath_;
    const Hdf5File* weightsFile_;
    const KerasWeights* weights_;
    KerasFlavour flavour_;
    Graph graph_;
    std::map<std::string, int32_t> usedNames_;
    std::map<std::string, int32_t> constantCache_;
};

/// One call of a layer (a node of the Keras graph).
struct LayerCall {
    std::string className;
    std::string name;       ///< The Keras layer name.
    std::string scope;      ///< Enclosing nested models, "outer/inner" (empty at top level).
    std::string topLevel;   ///< The top-level layer whose weight group holds this layer's weights.
    const Json* config = nullptr;
    std::string outputName; ///< Unique name for the layer's (first) output tensor.
};

/// "<file>: layer 'conv1' (Conv2D)" — the prefix of every layer error.
std::string layerLabel(const GraphBuilder& builder, const LayerCall& call);

/// Lowers one call of a (non-model) layer on `inputs`; returns its output tensors.
/// Layers that are the identity at inference (Dropout, ...) return their input.
Result<std::vector<int32_t>> lowerLayer(GraphBuilder& builder, const LayerCall& call, const std::vector<int32_t>& inputs);

/// True for class names that are models (lowered by the model walker, not lowerLayer).
bool isModelClass(const std::string& className);

} // namespace rf::keras
