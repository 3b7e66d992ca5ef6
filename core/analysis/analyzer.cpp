#include "analysis/analyzer.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <thread>
#include <type_traits>

#include "analysis/sample_loop.h"
#include "runtime/interpreter.h"

namespace rf {

ErrorMetrics ErrorMetrics::summarize(const ErrorStats& stats)
{
    ErrorMetrics m;
    m.count = stats.count;
    m.sqnrDb = stats.sqnrDb();
    m.mse = stats.mse();
    m.maxAbsError = stats.maxAbsErr;
    m.meanError = stats.meanError();
    m.errorStd = stats.errorStd();
    m.cosine = stats.cosine();
    return m;
}

std::vector<int> topK(std::span<const float> scores, int k)
{
    std::vector<int> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    const auto n = std::min<size_t>(static_cast<size_t>(std::max(k, 0)), order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<long>(n), order.end(), [&](int a, int b) {
        const float sa = scores[static_cast<size_t>(a)], sb = scores[static_cast<size_t>(b)];
        return sa != sb ? sa > sb : a < b;
    });
    order.resize(n);
    return order;
}

namespace {

bool isIntegerActivation(const Tensor& tensor)
{
    return !tensor.isConstant && tensor.isQuantized() &&
           (tensor.dtype == DType::Int8 || tensor.dtype == DType::UInt8 || tensor.dtype == DType::Int16);
}

/// The per-tensor grid of a quantized-graph tensor; scale 0 for float tensors.
QuantGrid gridOf(const Tensor& tensor)
{
    if (!tensor.isQuantized()) {
        QuantGrid grid;
        grid.scale = 0.0;
        return grid;
    }
    return QuantGrid::fromTensor(tensor);
}

/// One compared tensor: which tensors, and its grid.
struct Slot {
    int32_t floatTensor = -1; ///< -1 in quantized-only analysis
    int32_t quantTensor = -1;
    QuantGrid grid;
    bool quantized = false;
};

/// What one worker accumulates for one slot.
struct SlotAccumulator {
    ErrorStats error;
    HistogramBuilder histogram;
    CodeUsage codes;
    int64_t clipped = 0;
    int64_t values = 0;
    explicit SlotAccumulator(const Slot& slot, size_t bins)
        : histogram(bins, slot.quantized ? slot.grid.representableMin() : -1.0,
                    slot.quantized ? slot.grid.representableMax() + slot.grid.scale : 1.0),
          codes(slot.quantized ? slot.grid : QuantGrid{0.0, 0, 0, 0})
    {
    }
};

/// Model-level counters of one worker.
struct ModelAccumulator {
    int64_t images = 0, top1 = 0, top5 = 0;
    int64_t labelled = 0, floatTop1 = 0, quantTop1 = 0, floatTop5 = 0, quantTop5 = 0;
    ErrorStats output;
};

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

/// One pass over an 8-bit quantized tensor and its float reference: error sums,
/// clipping count and code usage together (the analysis must stay within a small
/// multiple of the cost of running the models, so the values are read once).
template <typename Code>
void accumulate8Bit(const float* reference, const Code* codes, size_t n, const QuantGrid& grid, ErrorStats& stats,
                    CodeUsage& usage, int64_t& clipped, float& minSeen, float& maxSeen)
{
    float rmin = n ? reference[0] : 0.0f, rmax = rmin;
    float table[256];
    for (int c = 0; c < 256; ++c) {
        const int code = std::is_signed_v<Code> ? c - 128 : c;
        table[c] = static_cast<float>(grid.scale) * static_cast<float>(code - static_cast<int>(grid.zeroPoint));
    }
    const float lo = static_cast<float>(grid.representableMin() - 0.5 * grid.scale);
    const float hi = static_cast<float>(grid.representableMax() + 0.5 * grid.scale);
    int64_t histogram[256] = {};
    double r2 = 0.0, t2 = 0.0, rt = 0.0, e1 = 0.0, e2 = 0.0, emax = stats.maxAbsErr;
    int64_t outside = 0;
    for (size_t i = 0; i < n; ++i) {
        const int index = std::is_signed_v<Code> ? static_cast<int>(codes[i]) + 128 : static_cast<int>(codes[i]);
        ++histogram[index];
        const double r = reference[i];
        const double t = table[index];
        const double e = t - r;
        r2 += r * r;
        t2 += t * t;
        rt += r * t;
        e1 += e;
        e2 += e * e;
        emax = std::max(emax, std::abs(e));
        outside += (reference[i] < lo || reference[i] > hi) ? 1 : 0;
        rmin = std::min(rmin, reference[i]);
        rmax = std::max(rmax, reference[i]);
    }
    minSeen = rmin;
    maxSeen = rmax;
    stats.count += static_cast<int64_t>(n);
    stats.sumRef2 += r2;
    stats.sumTest2 += t2;
    stats.sumRefTest += rt;
    stats.sumErr += e1;
    stats.sumErr2 += e2;
    stats.maxAbsErr = emax;
    clipped += outside;
    const int64_t first = std::is_signed_v<Code> ? -128 : 0;
    for (int c = 0; c < 256; ++c) {
        if (histogram[c]) usage.counts[static_cast<size_t>(first + c - usage.qmin)] += histogram[c];
    }
}

Result<AnalysisResult> analyze(const Graph* floatGraph, const Graph& quantGraph, const AnalysisInputs& inputs,
                               const AnalysisOptions& options, const AnalysisControl* control)
{
    if (inputs.names.empty()) return Status::error("no images to analyse");
    if (!inputs.provider) return Status::error("no input provider");
    AnalysisResult result;
    result.quantModelPath = quantGraph.sourcePath;
    result.kernels = std::string(kernelModeName(options.kernels));
    result.imageNames = inputs.names;

    // Which tensors to compare.
    TensorMatching matching;
    std::vector<Slot> slots;
    if (floatGraph) {
        result.floatModelPath = floatGraph->sourcePath;
        RF_ASSIGN_OR_RETURN(matching, matchTensors(*floatGraph, quantGraph));
        for (const TensorMatch& match : matching.matches) {
            const Tensor& qt = quantGraph.tensors[static_cast<size_t>(match.quantTensor)];
            const Tensor& ft = floatGraph->tensors[static_cast<size_t>(match.floatTensor)];
            // A float graph input fed identically to both models carries no quantization error.
            if (match.quantOp < 0 && !qt.isQuantized()) continue;
            if (ft.dtype != DType::Float32) {
                matching.notes.push_back("float " + floatGraph->tensorLabel(match.floatTensor) + " is " +
                                         std::string(dtypeName(ft.dtype)) + ", not float32: not compared");
                continue;
            }
            slots.push_back({match.floatTensor, match.quantTensor, gridOf(qt), isIntegerActivation(qt)});
        }
        for (int32_t t : matching.unmatchedFloat) result.unmatchedFloat.push_back(floatGraph->tensors[static_cast<size_t>(t)].name);
        for (int32_t t : matching.unmatchedQuant) result.unmatchedQuant.push_back(quantGraph.tensors[static_cast<size_t>(t)].name);
        result.notes = matching.notes;
    } else {
        std::vector<int32_t> order(quantGraph.inputs.begin(), quantGraph.inputs.end());
        for (const Op& op : quantGraph.ops) order.insert(order.end(), op.outputs.begin(), op.outputs.end());
        for (int32_t t : order) {
            const Tensor& qt = quantGraph.tensors[static_cast<size_t>(t)];
            if (isIntegerActivation(qt)) slots.push_back({-1, t, gridOf(qt), true});
        }
        if (slots.empty()) {
            return Status::error(quantGraph.sourcePath + ": no quantized (int8, uint8, int16) activation tensor to analyse");
        }
    }

    // One set of interpreters and accumulators per worker.
    const int jobs = std::max(1, options.jobs);
    const size_t workers = static_cast<size_t>(std::min<int>(jobs, static_cast<int>(inputs.names.size())));
    struct Worker {
        std::unique_ptr<Interpreter> floatModel, quantModel;
        std::vector<SlotAccumulator> slots;
        ModelAccumulator model;
        std::vector<float> quantValues, floatOut, quantOut;
        std::vector<int64_t> codes;
    };
    std::vector<Worker> pool(workers);
    for (Worker& w : pool) {
        if (floatGraph) {
            RF_ASSIGN_OR_RETURN(w.floatModel, Interpreter::create(*floatGraph, {KernelMode::Builtin, 1}));
        }
        RF_ASSIGN_OR_RETURN(w.quantModel, Interpreter::create(quantGraph, {options.kernels, 1}));
        for (const Slot& slot : slots) w.slots.emplace_back(slot, options.histogramBins);
    }
    std::vector<std::vector<ErrorStats>> perImage(slots.size(), std::vector<ErrorStats>(inputs.names.size()));

    Status status = forEachSample(inputs.names.size(), jobs, control, "analysing images", [&](size_t wi, size_t sample) -> Status {
        Worker& w = pool[wi];
        const std::string& name = inputs.names[sample];
        if (w.floatModel) {
            RF_RETURN_IF_ERROR(setInputs(*w.floatModel, inputs, sample));
            RF_RETURN_IF_ERROR(invokeNamed(*w.floatModel, control, name));
        }
        RF_RETURN_IF_ERROR(setInputs(*w.quantModel, inputs, sample));
        RF_RETURN_IF_ERROR(invokeNamed(*w.quantModel, control, name));
        for (size_t s = 0; s < slots.size(); ++s) {
            const Slot& slot = slots[s];
            SlotAccumulator& acc = w.slots[s];
            const TensorValue& qv = w.quantModel->tensorValue(slot.quantTensor);
            const bool eightBit = qv.dtype() == DType::Int8 || qv.dtype() == DType::UInt8;
            if (w.floatModel && slot.quantized && eightBit) {
                const TensorValue& fv = w.floatModel->tensorValue(slot.floatTensor);
                if (fv.elementCount() != qv.elementCount()) {
                    return Status::error("tensor sizes differ at run time: float " + floatGraph->tensorLabel(slot.floatTensor) +
                                         " " + shapeToString(fv.shape()) + " vs quantized " +
                                         quantGraph.tensorLabel(slot.quantTensor) + " " + shapeToString(qv.shape()));
                }
                ErrorStats stats;
                const auto n = static_cast<size_t>(qv.elementCount());
                float lo = 0.0f, hi = 0.0f;
                if (qv.dtype() == DType::Int8) {
                    accumulate8Bit(fv.data<float>(), qv.data<int8_t>(), n, slot.grid, stats, acc.codes, acc.clipped, lo, hi);
                } else {
                    accumulate8Bit(fv.data<float>(), qv.data<uint8_t>(), n, slot.grid, stats, acc.codes, acc.clipped, lo, hi);
                }
                acc.error.merge(stats);
                perImage[s][sample] = stats;
                if (std::isfinite(lo) && std::isfinite(hi)) {
                    acc.histogram.add(fv.span<const float>(), lo, hi);
                } else {
                    acc.histogram.add(fv.span<const float>());
                }
                acc.values += static_cast<int64_t>(n);
                continue;
            }
            const QuantGrid dequantGrid = slot.quantized ? slot.grid : QuantGrid{};
            dequantizeToFloat(qv.dtype(), qv.bytes(), qv.elementCount(), dequantGrid, w.quantValues);
            std::span<const float> reference = w.quantValues;
            if (w.floatModel) {
                const TensorValue& fv = w.floatModel->tensorValue(slot.floatTensor);
                reference = fv.span<const float>();
                if (reference.size() != w.quantValues.size()) {
                    return Status::error("tensor sizes differ at run time: float " + floatGraph->tensorLabel(slot.floatTensor) +
                                         " " + shapeToString(fv.shape()) + " vs quantized " +
                                         quantGraph.tensorLabel(slot.quantTensor) + " " + shapeToString(qv.shape()));
                }
                ErrorStats stats;
                stats.add(reference, w.quantValues);
                acc.error.merge(stats);
                perImage[s][sample] = stats;
            }
            acc.histogram.add(reference);
            acc.values += static_cast<int64_t>(reference.size());
            if (slot.quantized) {
                if (w.floatModel) {
                    const double lo = slot.grid.representableMin() - 0.5 * slot.grid.scale;
                    const double hi = slot.grid.representableMax() + 0.5 * slot.grid.scale;
                    int64_t clipped = 0;
                    for (float v : reference) clipped += (v < lo || v > hi) ? 1 : 0;
                    acc.clipped += clipped;
                }
                readCodes(qv.dtype(), qv.bytes(), qv.elementCount(), w.codes);
                for (int64_t c : w.codes) acc.codes.addCode(std::clamp(c, slot.grid.qmin, slot.grid.qmax));
            }
        }
        // Model level: classification agreement and output error on output 0.
        outputAsFloat(*w.quantModel, w.quantOut);
        const std::vector<int> quantTop = topK(w.quantOut, 5);
        const int label = sample < inputs.labels.size() ? inputs.labels[sample] : -1;
        if (label >= 0) {
            ++w.model.labelled;
            w.model.quantTop1 += (!quantTop.empty() && quantTop[0] == label) ? 1 : 0;
            w.model.quantTop5 += contains(quantTop, label) ? 1 : 0;
        }
        if (w.floatModel) {
            outputAsFloat(*w.floatModel, w.floatOut);
            const std::vector<int> floatTop = topK(w.floatOut, 5);
            if (!floatTop.empty() && !quantTop.empty()) {
                w.model.top1 += floatTop[0] == quantTop[0] ? 1 : 0;
                w.model.top5 += contains(quantTop, floatTop[0]) ? 1 : 0;
            }
            if (label >= 0) {
                w.model.floatTop1 += (!floatTop.empty() && floatTop[0] == label) ? 1 : 0;
                w.model.floatTop5 += contains(floatTop, label) ? 1 : 0;
            }
            if (w.floatOut.size() == w.quantOut.size()) w.model.output.add(w.floatOut, w.quantOut);
        }
        ++w.model.images;
        return Status::ok();
    });
    RF_RETURN_IF_ERROR(status);

    // Merge the workers and fill the snapshots.
    for (size_t s = 0; s < slots.size(); ++s) {
        const Slot& slot = slots[s];
        SlotAccumulator total(slot, options.histogramBins);
        for (Worker& w : pool) {
            total.error.merge(w.slots[s].error);
            total.histogram.merge(w.slots[s].histogram.histogram());
            total.codes.merge(w.slots[s].codes);
            total.clipped += w.slots[s].clipped;
            total.values += w.slots[s].values;
        }
        const Tensor& qt = quantGraph.tensors[static_cast<size_t>(slot.quantTensor)];
        TensorReport report;
        report.quantTensor = slot.quantTensor;
        report.quantTensorName = qt.name;
        report.name = qt.name;
        report.dtype = std::string(dtypeName(qt.dtype));
        report.shape = qt.shape;
        for (size_t o = 0; o < quantGraph.ops.size(); ++o) {
            const auto& outs = quantGraph.ops[o].outputs;
            if (std::find(outs.begin(), outs.end(), slot.quantTensor) != outs.end()) {
                report.quantOp = static_cast<int>(o);
                report.opType = std::string(opTypeName(quantGraph.ops[o].type));
            }
        }
        if (report.quantOp < 0) report.opType = "INPUT";
        if (floatGraph) {
            const TensorMatch* match = nullptr;
            for (const TensorMatch& m : matching.matches) {
                if (m.quantTensor == slot.quantTensor && m.floatTensor == slot.floatTensor) match = &m;
            }
            report.floatTensor = slot.floatTensor;
            report.floatTensorName = floatGraph->tensors[static_cast<size_t>(slot.floatTensor)].name;
            if (match) {
                report.name = match->name;
                report.matchMethod = match->method;
            }
            report.error = ErrorMetrics::summarize(total.error);
            report.errorStats = total.error;
            if (options.perImage) {
                for (const ErrorStats& stats : perImage[s]) report.perImage.push_back(ErrorMetrics::summarize(stats));
            }
        }
        const Histogram& h = total.histogram.histogram();
        report.floatMin = h.total ? h.minSeen : 0.0;
        report.floatMax = h.total ? h.maxSeen : 0.0;
        report.histogram.values = h;
        if (slot.quantized) {
            report.scale = slot.grid.scale;
            report.zeroPoint = slot.grid.zeroPoint;
            report.representableMin = slot.grid.representableMin();
            report.representableMax = slot.grid.representableMax();
            report.codesUsed = total.codes.codesUsed();
            report.codeCount = slot.grid.codeCount();
            report.utilization = total.codes.utilization();
            report.clippingRate = total.values ? static_cast<double>(total.clipped) / static_cast<double>(total.values) : 0.0;
            report.histogram.clipLow = report.representableMin;
            report.histogram.clipHigh = report.representableMax;
            report.histogram.step = slot.grid.scale;
        } else {
            report.representableMin = -std::numeric_limits<double>::infinity();
            report.representableMax = std::numeric_limits<double>::infinity();
            report.histogram.clipLow = report.floatMin;
            report.histogram.clipHigh = report.floatMax;
        }
        result.tensors.push_back(std::move(report));
    }

    ModelAccumulator model;
    for (Worker& w : pool) {
        model.images += w.model.images;
        model.top1 += w.model.top1;
        model.top5 += w.model.top5;
        model.labelled += w.model.labelled;
        model.floatTop1 += w.model.floatTop1;
        model.quantTop1 += w.model.quantTop1;
        model.floatTop5 += w.model.floatTop5;
        model.quantTop5 += w.model.quantTop5;
        model.output.merge(w.model.output);
    }
    const auto share = [](int64_t part, int64_t whole) { return whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0; };
    result.model.images = model.images;
    if (floatGraph) {
        result.model.top1Agreement = share(model.top1, model.images);
        result.model.top5Agreement = share(model.top5, model.images);
        if (model.output.count) result.model.outputError = ErrorMetrics::summarize(model.output);
    }
    result.model.labelledImages = model.labelled;
    if (model.labelled) {
        result.model.quantTop1Accuracy = share(model.quantTop1, model.labelled);
        result.model.quantTop5Accuracy = share(model.quantTop5, model.labelled);
        if (floatGraph) {
            result.model.floatTop1Accuracy = share(model.floatTop1, model.labelled);
            result.model.floatTop5Accuracy = share(model.floatTop5, model.labelled);
        }
    }
    result.weights = analyzeWeights(quantGraph, floatGraph, floatGraph ? &matching : nullptr);
    if (options.drift) {
        RF_ASSIGN_OR_RETURN(DriftReport drift, runKernelDrift(quantGraph, inputs, jobs, control));
        result.drift = std::move(drift);
    }
    return result;
}

} // namespace

Result<AnalysisResult> runAnalysis(const Graph& floatGraph, const Graph& quantGraph, const AnalysisInputs& inputs,
                                   const AnalysisOptions& options, const AnalysisControl* control)
{
    return analyze(&floatGraph, quantGraph, inputs, options, control);
}

Result<AnalysisResult> runQuantizedOnlyAnalysis(const Graph& quantGraph, const AnalysisInputs& inputs,
                                                const AnalysisOptions& options, const AnalysisControl* control)
{
    return analyze(nullptr, quantGraph, inputs, options, control);
}

Result<DriftReport> runKernelDrift(const Graph& quantGraph, const AnalysisInputs& inputs, int jobs,
                                   const AnalysisControl* control)
{
    if (inputs.names.empty()) return Status::error("no images to analyse");
    std::vector<int32_t> tensors;
    std::vector<int> producers;
    for (size_t o = 0; o < quantGraph.ops.size(); ++o) {
        for (int32_t t : quantGraph.ops[o].outputs) {
            const Tensor& tensor = quantGraph.tensors[static_cast<size_t>(t)];
            if (!tensor.isConstant && (tensor.dtype == DType::Int8 || tensor.dtype == DType::UInt8 ||
                                       tensor.dtype == DType::Int16 || tensor.dtype == DType::Int32)) {
                tensors.push_back(t);
                producers.push_back(static_cast<int>(o));
            }
        }
    }
    if (tensors.empty()) return Status::error(quantGraph.sourcePath + ": no integer activation tensor: kernel drift needs a quantized model");
    const size_t workers = static_cast<size_t>(std::max(1, std::min<int>(jobs, static_cast<int>(inputs.names.size()))));
    struct Worker {
        std::unique_ptr<Interpreter> builtin, xnnpack;
        std::vector<int64_t> differing, elements, maxDiff;
        std::vector<int64_t> a, b;
    };
    std::vector<Worker> pool(workers);
    for (Worker& w : pool) {
        RF_ASSIGN_OR_RETURN(w.builtin, Interpreter::create(quantGraph, {KernelMode::Builtin, 1}));
        RF_ASSIGN_OR_RETURN(w.xnnpack, Interpreter::create(quantGraph, {KernelMode::Xnnpack, 1}));
        w.differing.assign(tensors.size(), 0);
        w.elements.assign(tensors.size(), 0);
        w.maxDiff.assign(tensors.size(), 0);
    }
    RF_RETURN_IF_ERROR(forEachSample(inputs.names.size(), jobs, control, "kernel drift", [&](size_t wi, size_t sample) -> Status {
        Worker& w = pool[wi];
        RF_RETURN_IF_ERROR(setInputs(*w.builtin, inputs, sample));
        RF_RETURN_IF_ERROR(setInputs(*w.xnnpack, inputs, sample));
        RF_RETURN_IF_ERROR(invokeNamed(*w.builtin, control, inputs.names[sample]));
        RF_RETURN_IF_ERROR(invokeNamed(*w.xnnpack, control, inputs.names[sample]));
        for (size_t i = 0; i < tensors.size(); ++i) {
            const TensorValue& va = w.builtin->tensorValue(tensors[i]);
            const TensorValue& vb = w.xnnpack->tensorValue(tensors[i]);
            readCodes(va.dtype(), va.bytes(), va.elementCount(), w.a);
            readCodes(vb.dtype(), vb.bytes(), vb.elementCount(), w.b);
            const size_t n = std::min(w.a.size(), w.b.size());
            int64_t differing = 0, maxDiff = w.maxDiff[i];
            for (size_t k = 0; k < n; ++k) {
                const int64_t d = w.a[k] > w.b[k] ? w.a[k] - w.b[k] : w.b[k] - w.a[k];
                differing += d != 0 ? 1 : 0;
                maxDiff = std::max(maxDiff, d);
            }
            w.differing[i] += differing;
            w.elements[i] += static_cast<int64_t>(n);
            w.maxDiff[i] = maxDiff;
        }
        return Status::ok();
    }));
    DriftReport report;
    for (size_t i = 0; i < tensors.size(); ++i) {
        DriftTensor d;
        d.quantTensor = tensors[i];
        d.name = quantGraph.tensors[static_cast<size_t>(tensors[i])].name;
        d.quantOp = producers[i];
        d.opType = std::string(opTypeName(quantGraph.ops[static_cast<size_t>(producers[i])].type));
        for (const Worker& w : pool) {
            d.elements += w.elements[i];
            d.differing += w.differing[i];
            d.maxStepDiff = std::max(d.maxStepDiff, w.maxDiff[i]);
        }
        d.differingShare = d.elements ? static_cast<double>(d.differing) / static_cast<double>(d.elements) : 0.0;
        report.tensors.push_back(std::move(d));
    }
    return report;
}

} // namespace rf
