#pragma once
// Runs a float model and its quantized twin on the same images and keeps, per layer,
// what the inspector shows: ranges, the quantized tensor's grid, error metrics over
// all values, a bounded sample of values (for histograms, scatter plots and re-quantizing
// while a range handle is dragged), per-channel weight ranges, and per-image top-5.
// Either model may be absent: a float model alone is measured against a simulated int8
// grid (its seen range or the user's override); a quantized model alone shows its own
// ranges and utilization.

#include "inspector/tensor_error.h"

#include "io/model_loader.h"
#include "data/image_input.h"
#include "ir/graph.h"
#include "quant/tensor_range.h"
#include "runtime/observer.h"
#include "util/status.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rf::ui {

/// Per-output-channel weight ranges of the op that produces a layer.
struct ChannelRanges {
    /// Name of the weight tensor (float model's, or the quantized model's when alone).
    std::string tensorName;
    std::vector<float> floatMin, floatMax;
    /// The quantized model's dequantized weights per channel (empty without one).
    std::vector<float> quantMin, quantMax;
};

/// One activation tensor as the inspector shows it.
struct LayerRecord {
    std::string name;
    /// The key of this tensor's range in range tables and overrides: the float tensor's
    /// name (what calibration and the quantizer see), else the quantized tensor's.
    std::string rangeKey;
    std::string opType;
    Shape shape;
    int32_t floatTensor = -1;
    int32_t quantTensor = -1;
    /// Float range seen over all images (quantized model's dequantized range when alone).
    float seenMin = 0.0f, seenMax = 0.0f;
    /// The grid the values are measured on: the quantized model's, or simulated int8.
    QuantGrid grid;
    /// The integer type of `grid` (new ranges get a grid of the same type).
    DType gridDtype = DType::Int8;
    /// True when `grid` is simulated (no quantized model, or an integer type it lacks).
    bool simulatedGrid = false;
    DType quantDtype = DType::Unknown;
    /// How the float and quantized tensors were paired (pairs only).
    std::string matchMethod;
    /// Error of the quantized tensor against the float one over every value of every image.
    QuantError measured;
    bool hasMeasured = false;
    /// Bounded sample of float values (same positions in `quantSamples` when paired).
    std::vector<float> floatSamples;
    std::vector<float> quantSamples;
    ChannelRanges weights;
    /// A user range override and the error of this tensor re-quantized with it.
    std::optional<TensorRange> override;
    QuantError tuned;

    /// The error the table shows: tuned when overridden, else measured.
    const QuantError& shownError() const { return override ? tuned : measured; }
};

/// Top-5 predictions of both models for one image.
struct ImagePrediction {
    std::string path;
    std::vector<std::pair<int, float>> floatTop5;
    std::vector<std::pair<int, float>> quantTop5;
};

/// Everything one inspection run produced; a plain copyable snapshot.
struct InspectionResult {
    std::vector<LayerRecord> layers;
    std::vector<ImagePrediction> images;
    /// Share of images whose top-1 class agrees (NaN without both models).
    double top1Agreement = 0.0;
    /// Share of images whose float top-1 class is in the quantized top-5.
    double top5Overlap = 0.0;
    /// Tensors of one model with no twin in the other, "name (reason)".
    std::vector<std::string> unmatched;
    bool hasFloat = false;
    bool hasQuant = false;

    /// Index of the layer named `name`, or -1.
    int indexOf(const std::string& name) const;
};

/// What to run.
struct InspectionRequest {
    std::shared_ptr<const Graph> floatGraph;
    std::shared_ptr<const Graph> quantGraph;
    std::vector<std::string> imagePaths;
    ImageInputOptions preprocessing;
    /// Ranges the user set, by LayerRecord::rangeKey.
    RangeTable overrides;
    /// Values kept per tensor for plots and re-quantization (spread over the images).
    size_t samplesPerTensor = 30000;
    int threads = 1;
};

/// Checks that two models can be compared (core/analysis matchTensors: same inputs and
/// outputs, ops that pair up). The message names both files.
Status checkModelsComparable(const Graph& floatGraph, const Graph& quantGraph);

/// Runs the request. `onImage(done, total)` is called after each image; `control`
/// (optional) cancels between and inside runs. Errors name the file and tensor.
Result<InspectionResult> runInspection(const InspectionRequest& request, const RunControl* control = nullptr,
                                       const std::function<void(size_t, size_t)>& onImage = {});

/// Re-quantizes one layer's samples with `range` and returns the error (the inspector's
/// live answer to a dragged handle). The grid keeps the layer's integer type.
QuantError requantizeLayer(const LayerRecord& layer, const TensorRange& range);

} // namespace rf::ui
