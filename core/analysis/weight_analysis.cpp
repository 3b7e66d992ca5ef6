// analyzeWeights(): per output channel statistics of quantized weights, and their
// error against the float model's weights (declared in analyzer.h).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "analysis/analyzer.h"

namespace rf {
namespace {

/// The weight operand of ops that have one.
int weightInputIndex(OpType type)
{
    switch (type) {
    case OpType::Conv2D:
    case OpType::DepthwiseConv2D:
    case OpType::FullyConnected:
    case OpType::TransposeConv: return 1;
    default: return -1;
    }
}

/// The output-channel axis of a weight tensor (TFLite layouts: OHWI, 1HWO, OI, OHWI).
int32_t defaultChannelAxis(OpType type, const Shape& shape)
{
    if (type == OpType::DepthwiseConv2D) return static_cast<int32_t>(shape.size()) - 1;
    return 0;
}

std::vector<float> floatValues(const Tensor& tensor)
{
    std::vector<float> values(static_cast<size_t>(tensor.elementCount()));
    if (tensor.dtype == DType::Float32 && tensor.data.size() == values.size() * sizeof(float)) {
        std::memcpy(values.data(), tensor.data.data(), tensor.data.size());
    } else {
        values.clear();
    }
    return values;
}

} // namespace

std::vector<WeightReport> analyzeWeights(const Graph& quantGraph, const Graph* floatGraph,
                                         const TensorMatching* matching, size_t histogramBins)
{
    std::vector<WeightReport> reports;
    for (size_t o = 0; o < quantGraph.ops.size(); ++o) {
        const Op& op = quantGraph.ops[o];
        const int wi = weightInputIndex(op.type);
        if (wi < 0 || op.inputs.size() <= static_cast<size_t>(wi)) continue;
        const int32_t wt = op.inputs[static_cast<size_t>(wi)];
        if (wt < 0) continue;
        const Tensor& w = quantGraph.tensors[static_cast<size_t>(wt)];
        if (!w.isConstant || !w.isQuantized() || w.shape.empty() || w.data.size() != w.byteSize()) continue;
        if (w.dtype != DType::Int8 && w.dtype != DType::UInt8 && w.dtype != DType::Int16) continue;

        WeightReport report;
        report.name = w.name;
        report.quantOp = static_cast<int>(o);
        report.opType = std::string(opTypeName(op.type));
        report.dtype = std::string(dtypeName(w.dtype));
        report.shape = w.shape;
        report.perChannel = w.quant.perAxis();
        report.channelAxis = report.perChannel ? w.quant.axis : defaultChannelAxis(op.type, w.shape);
        report.layer = op.outputs.empty() ? w.name : quantGraph.tensors[static_cast<size_t>(op.outputs[0])].name;

        // The paired float weights: the weight operand of the float op the matcher
        // anchored this op's output to, when it has the same shape.
        std::vector<float> floatW;
        if (floatGraph && matching && !op.outputs.empty()) {
            if (const TensorMatch* match = matching->findByQuantTensor(op.outputs[0])) {
                report.layer = match->name;
                if (match->floatAnchorOp >= 0) {
                    const Op& fop = floatGraph->ops[static_cast<size_t>(match->floatAnchorOp)];
                    if (fop.type == op.type && fop.inputs.size() > static_cast<size_t>(wi) && fop.inputs[static_cast<size_t>(wi)] >= 0) {
                        const Tensor& fw = floatGraph->tensors[static_cast<size_t>(fop.inputs[static_cast<size_t>(wi)])];
                        if (fw.isConstant && fw.shape == w.shape) floatW = floatValues(fw);
                    }
                }
            }
        }

        const auto axis = static_cast<size_t>(std::clamp<int32_t>(report.channelAxis, 0, static_cast<int32_t>(w.shape.size()) - 1));
        const int64_t channels = w.shape[axis];
        int64_t inner = 1;
        for (size_t d = axis + 1; d < w.shape.size(); ++d) inner *= w.shape[d];
        std::vector<int64_t> codes;
        readCodes(w.dtype, w.data.data(), w.elementCount(), codes);

        // Per channel sums for the fitted factor a = <q,f>/<f,f> and the residual.
        struct Sums {
            double ff = 0, qf = 0, qq = 0;
            double fmin = std::numeric_limits<double>::infinity(), fmax = -std::numeric_limits<double>::infinity();
            double qmin = std::numeric_limits<double>::infinity(), qmax = -std::numeric_limits<double>::infinity();
            std::vector<bool> used;
        };
        std::vector<Sums> sums(static_cast<size_t>(channels));
        const auto [codeMin, codeMax] = dtypeCodeRange(w.dtype);
        for (auto& s : sums) s.used.assign(static_cast<size_t>(codeMax - codeMin + 1), false);
        std::vector<float> dequantized(codes.size());
        for (size_t i = 0; i < codes.size(); ++i) {
            const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
            const double q = w.quant.scale(c) * static_cast<double>(codes[i] - w.quant.zeroPoint(c));
            dequantized[i] = static_cast<float>(q);
            Sums& s = sums[c];
            s.qq += q * q;
            s.qmin = std::min(s.qmin, q);
            s.qmax = std::max(s.qmax, q);
            s.used[static_cast<size_t>(std::clamp(codes[i], codeMin, codeMax) - codeMin)] = true;
            if (!floatW.empty()) {
                const double f = floatW[i];
                s.ff += f * f;
                s.qf += q * f;
                s.fmin = std::min(s.fmin, f);
                s.fmax = std::max(s.fmax, f);
            }
        }
        ErrorStats total;
        std::vector<double> factors(static_cast<size_t>(channels), 1.0);
        for (int64_t c = 0; c < channels; ++c) {
            const Sums& s = sums[static_cast<size_t>(c)];
            WeightChannel ch;
            ch.quantMin = s.qmin;
            ch.quantMax = s.qmax;
            ch.scale = w.quant.scale(static_cast<size_t>(c));
            ch.zeroPoint = w.quant.zeroPoint(static_cast<size_t>(c));
            ch.utilization = static_cast<double>(std::count(s.used.begin(), s.used.end(), true)) /
                             static_cast<double>(s.used.size());
            if (!floatW.empty()) {
                ch.floatMin = s.fmin;
                ch.floatMax = s.fmax;
                ch.foldFactor = s.ff > 0 ? s.qf / s.ff : 1.0;
                factors[static_cast<size_t>(c)] = ch.foldFactor;
            }
            report.channels.push_back(ch);
        }
        if (!floatW.empty()) {
            // Residual per channel after the fitted factor: the quantization error alone.
            std::vector<ErrorStats> perChannel(static_cast<size_t>(channels));
            std::vector<float> ref(1), test(1);
            for (size_t i = 0; i < codes.size(); ++i) {
                const auto c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
                ref[0] = static_cast<float>(factors[c] * floatW[i]);
                test[0] = dequantized[i];
                perChannel[c].add(ref, test);
            }
            for (size_t c = 0; c < perChannel.size(); ++c) {
                report.channels[c].sqnrDb = perChannel[c].sqnrDb();
                report.channels[c].maxAbsError = perChannel[c].maxAbsErr;
                total.merge(perChannel[c]);
            }
            report.error = ErrorMetrics::summarize(total);
        }
        double lo = *std::min_element(dequantized.begin(), dequantized.end());
        double hi = *std::max_element(dequantized.begin(), dequantized.end());
        HistogramBuilder histogram(histogramBins, lo, hi > lo ? hi + (hi - lo) * 1e-6 : lo + 1.0);
        histogram.add(dequantized);
        report.quantValues = histogram.histogram();
        reports.push_back(std::move(report));
    }
    return reports;
}

} // namespace rf
