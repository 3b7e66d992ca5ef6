#pragma once
// The results of an analysis as plain, copyable structs (snapshots): what the report
// writers serialise and the GUI shows. No behaviour beyond trivial accessors.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analysis/error_stats.h"
#include "analysis/histogram.h"
#include "analysis/quant_grid.h"
#include "analysis/tensor_matching.h"

namespace rf {

/// Metrics of one error set, derived from ErrorStats (filled by summarize()).
struct ErrorMetrics {
    int64_t count = 0;
    double sqnrDb = 0.0;
    double mse = 0.0;
    double maxAbsError = 0.0;
    double meanError = 0.0;
    double errorStd = 0.0;
    double cosine = 0.0;

    static ErrorMetrics summarize(const ErrorStats& stats);
};

/// The float activation histogram of one tensor with the quantization grid on top.
struct ActivationHistogram {
    /// Float values over all analysed images (from the float model when there is one,
    /// else the quantized model's dequantized values).
    Histogram values;
    /// The grid's representable range: values outside were clipped.
    double clipLow = 0.0;
    double clipHigh = 0.0;
    /// Grid step (one integer code), for drawing grid lines.
    double step = 0.0;
};

/// Everything measured about one activation tensor of the quantized model.
struct TensorReport {
    /// Display name (the Keras layer name when known).
    std::string name;
    std::string quantTensorName;
    /// Empty in quantized-only analysis or when unmatched.
    std::string floatTensorName;
    int32_t quantTensor = -1;
    int32_t floatTensor = -1;
    /// Producing op in the quantized graph (-1: graph input) and its type ("CONV_2D").
    int quantOp = -1;
    std::string opType;
    std::string dtype;
    std::vector<int32_t> shape;
    /// Per-tensor quantization of the quantized tensor (float tensors: scale 0).
    double scale = 0.0;
    int64_t zeroPoint = 0;
    /// Range the grid can represent.
    double representableMin = 0.0;
    double representableMax = 0.0;
    /// Range of the float values seen (float model), or of the dequantized values (quantized-only).
    double floatMin = 0.0;
    double floatMax = 0.0;
    /// Share of float values outside the representable range (beyond half a step).
    double clippingRate = 0.0;
    /// Share of the integer codes used by the quantized model over all images.
    double utilization = 0.0;
    int64_t codesUsed = 0;
    int64_t codeCount = 0;
    /// Float vs quantized error over all images (absent in quantized-only analysis).
    std::optional<ErrorMetrics> error;
    /// Per image, in image order (same length as AnalysisResult::imageNames when present).
    std::vector<ErrorMetrics> perImage;
    ActivationHistogram histogram;
    /// How the float and quantized tensors were paired.
    std::optional<MatchMethod> matchMethod;
    /// Raw statistics, so that a tensor's metrics can be recomputed or merged.
    ErrorStats errorStats;
};

/// Per output channel statistics of one weight tensor.
struct WeightChannel {
    double floatMin = 0.0, floatMax = 0.0;   ///< float weights (when a float model is known)
    double quantMin = 0.0, quantMax = 0.0;   ///< dequantized weights of the quantized model
    double scale = 0.0;
    int64_t zeroPoint = 0;
    /// Error of the dequantized weights against the float weights (after the fitted factor).
    double sqnrDb = std::numeric_limits<double>::quiet_NaN();
    double maxAbsError = std::numeric_limits<double>::quiet_NaN();
    /// Least-squares factor a with quant ~ a * float (1 without BN folding; the BN
    /// scale gamma/sqrt(var+eps) when the converter folded a BatchNormalization).
    double foldFactor = std::numeric_limits<double>::quiet_NaN();
    /// Share of the channel's integer codes used.
    double utilization = 0.0;
};

/// One weight tensor of the quantized model.
struct WeightReport {
    std::string name;        ///< quantized tensor name
    std::string layer;       ///< display name of the op's output (matches TensorReport::name)
    int quantOp = -1;
    std::string opType;
    std::string dtype;
    std::vector<int32_t> shape;
    int32_t channelAxis = 0;
    bool perChannel = false;
    std::vector<WeightChannel> channels;
    /// Whole-tensor error (when a float weight was paired).
    std::optional<ErrorMetrics> error;
    Histogram quantValues; ///< dequantized weight values
};

/// Model-level comparison of the outputs.
struct ModelMetrics {
    int64_t images = 0;
    /// Share of images whose float top-1 class equals the quantized top-1 class.
    double top1Agreement = std::numeric_limits<double>::quiet_NaN();
    /// Share of images whose float top-1 class is in the quantized top-5.
    double top5Agreement = std::numeric_limits<double>::quiet_NaN();
    /// Accuracy against labels (absent without labels).
    std::optional<double> floatTop1Accuracy, quantTop1Accuracy;
    std::optional<double> floatTop5Accuracy, quantTop5Accuracy;
    int64_t labelledImages = 0;
    /// Error of output 0 over all images.
    std::optional<ErrorMetrics> outputError;
};

/// Builtin vs XNNPACK kernels on one quantized tensor.
struct DriftTensor {
    std::string name;
    int32_t quantTensor = -1;
    int quantOp = -1;
    std::string opType;
    int64_t elements = 0;
    int64_t differing = 0;
    /// differing / elements.
    double differingShare = 0.0;
    /// Largest |builtin - xnnpack| in integer steps.
    int64_t maxStepDiff = 0;
};

/// Per tensor drift between the two kernel paths, in execution order.
struct DriftReport {
    std::vector<DriftTensor> tensors;
};

/// One layer's cost in the sensitivity analysis (see sensitivity.h).
struct LayerSensitivity {
    std::string name;
    int quantOp = -1;
    std::string opType;
    /// Output SQNR (dB) vs float and top-1 agreement when ONLY this layer is fake-quantized.
    double onlyThisSqnrDb = 0.0;
    double onlyThisAgreement = 0.0;
    /// The same when every matched layer EXCEPT this one is fake-quantized.
    double allButThisSqnrDb = 0.0;
    double allButThisAgreement = 0.0;
    /// 1 = most sensitive (lowest onlyThisSqnrDb).
    int rank = 0;
};

/// Result of runSensitivity().
struct SensitivityReport {
    /// Output SQNR / agreement with every matched layer fake-quantized.
    double allQuantSqnrDb = 0.0;
    double allQuantAgreement = 0.0;
    /// Sorted by rank (most sensitive first).
    std::vector<LayerSensitivity> layers;
    int64_t images = 0;
};

/// Everything one analysis run produced.
struct AnalysisResult {
    std::string floatModelPath;  ///< empty in quantized-only analysis
    std::string quantModelPath;
    std::string kernels;         ///< "builtin" / "xnnpack"
    std::vector<std::string> imageNames;
    /// Activation tensors in the quantized graph's execution order.
    std::vector<TensorReport> tensors;
    std::vector<WeightReport> weights;
    ModelMetrics model;
    std::optional<DriftReport> drift;
    std::optional<SensitivityReport> sensitivity;
    /// Tensors that could not be paired, by name, and matching remarks.
    std::vector<std::string> unmatchedFloat;
    std::vector<std::string> unmatchedQuant;
    std::vector<std::string> notes;
};

} // namespace rf
