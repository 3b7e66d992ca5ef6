#include "quant/range_policies.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "quant/calibration_observer.h"

namespace rf {

std::string_view rangeMethodName(RangeMethod method)
{
    switch (method) {
    case RangeMethod::MinMax: return "minmax";
    case RangeMethod::MovingAverage: return "moving_average";
    case RangeMethod::Percentile: return "percentile";
    case RangeMethod::KlDivergence: return "kl";
    case RangeMethod::Mse: return "mse";
    }
    return "unknown";
}

std::optional<RangeMethod> rangeMethodFromName(std::string_view name)
{
    for (RangeMethod method : {RangeMethod::MinMax, RangeMethod::MovingAverage, RangeMethod::Percentile,
                               RangeMethod::KlDivergence, RangeMethod::Mse})
        if (rangeMethodName(method) == name) return method;
    if (name == "min_max") return RangeMethod::MinMax;
    if (name == "ema" || name == "moving_average_minmax") return RangeMethod::MovingAverage;
    if (name == "entropy" || name == "kl_divergence") return RangeMethod::KlDivergence;
    return std::nullopt;
}

Status validateRangePolicy(const RangePolicy& policy)
{
    if (policy.method == RangeMethod::Percentile && !(policy.percentile > 50.0 && policy.percentile <= 100.0))
        return Status::error("percentile must be in (50, 100], got " + std::to_string(policy.percentile));
    if (policy.method == RangeMethod::MovingAverage && !(policy.emaDecay >= 0.0 && policy.emaDecay < 1.0))
        return Status::error("moving-average decay must be in [0, 1), got " + std::to_string(policy.emaDecay));
    if (policy.method == RangeMethod::KlDivergence &&
        (policy.klQuantizedBins < 2 || policy.klBins < policy.klQuantizedBins || policy.klBins > (1 << 16)))
        return Status::error("KL needs 2 <= quantized bins <= bins <= 65536, got " + std::to_string(policy.klBins) +
                             " bins and " + std::to_string(policy.klQuantizedBins) + " quantized bins");
    if (policy.method == RangeMethod::Mse && (policy.mseLevels < 2 || policy.mseSteps < 1 || policy.mseSteps > 1000000))
        return Status::error("MSE needs at least 2 levels and 1..1000000 steps, got " +
                             std::to_string(policy.mseLevels) + " levels and " + std::to_string(policy.mseSteps) +
                             " steps");
    if (policy.defaultRange) {
        const TensorRange& r = *policy.defaultRange;
        if (!std::isfinite(r.min) || !std::isfinite(r.max) || r.min > r.max)
            return Status::error("default ranges [" + std::to_string(r.min) + ", " + std::to_string(r.max) +
                                 "] must be finite with min <= max");
    }
    return Status::ok();
}

TensorRange movingAverageRange(std::span<const float> sampleMin, std::span<const float> sampleMax, double decay,
                               bool startAtFirstSample)
{
    const size_t samples = std::min(sampleMin.size(), sampleMax.size());
    // quant_ops.py MovingAvgQuantize: init_min = -6, init_max = 6.
    double emaMin = -6.0, emaMax = 6.0;
    size_t k = 0;
    if (startAtFirstSample && samples > 0) {
        emaMin = std::min(static_cast<double>(sampleMin[0]), 0.0);
        emaMax = std::max(static_cast<double>(sampleMax[0]), 0.0);
        k = 1;
    }
    for (; k < samples; ++k) {
        // "TFLite requires that 0.0 is always in the [min; max] range."
        const double batchMin = std::min(static_cast<double>(sampleMin[k]), 0.0);
        const double batchMax = std::max(static_cast<double>(sampleMax[k]), 0.0);
        emaMin -= (emaMin - batchMin) * (1.0 - decay);
        emaMax -= (emaMax - batchMax) * (1.0 - decay);
    }
    return {static_cast<float>(emaMin), static_cast<float>(emaMax), RangeOrigin::Calibrated};
}

TensorRange percentileRange(const CalibrationHistogram& histogram, float min, float max, double percentile)
{
    if (histogram.empty()) return {min, max, RangeOrigin::Calibrated};
    const double p = percentile / 100.0;
    double lo = histogram.quantile(1.0 - p);
    double hi = histogram.quantile(p);
    // Inside the bin holding the global min (max) the interpolation is a guess; the
    // exact extreme is known, so keep it rather than a made-up value near it.
    const double width = histogram.binWidth();
    if (std::floor(lo / width) <= std::floor(static_cast<double>(min) / width)) lo = min;
    if (std::floor(hi / width) >= std::floor(static_cast<double>(max) / width)) hi = max;
    lo = std::clamp(lo, static_cast<double>(min), static_cast<double>(max));
    hi = std::clamp(hi, lo, static_cast<double>(max));
    return {static_cast<float>(lo), static_cast<float>(hi), RangeOrigin::Calibrated};
}

namespace {

/// klDivergenceForThreshold() with log(bins[j]) precomputed (`logBins`), so a
/// candidate costs no logarithm per bin: log p - log q splits into per-bin and
/// per-group terms.
double klDivergenceWithLogs(std::span<const double> bins, std::span<const double> logBins, int kept, int quantizedBins)
{
    const int n = static_cast<int>(bins.size());
    kept = std::clamp(kept, 1, n);
    double outliers = 0;
    for (int j = kept; j < n; ++j) outliers += bins[j];
    thread_local std::vector<double> groupMass, groupLog;
    thread_local std::vector<int> groupNonEmpty;
    groupMass.assign(static_cast<size_t>(quantizedBins), 0.0);
    groupLog.assign(static_cast<size_t>(quantizedBins), 0.0);
    groupNonEmpty.assign(static_cast<size_t>(quantizedBins), 0);
    double totalP = outliers, totalQ = 0;
    for (int j = 0; j < kept; ++j) {
        totalP += bins[j];
        if (bins[j] > 0) {
            const int g = static_cast<int>(static_cast<int64_t>(j) * quantizedBins / kept);
            groupMass[g] += bins[j];
            ++groupNonEmpty[g];
            totalQ += bins[j];
        }
    }
    if (!(totalP > 0) || !(totalQ > 0)) return std::numeric_limits<double>::infinity();
    for (int g = 0; g < quantizedBins; ++g)
        if (groupNonEmpty[g]) groupLog[g] = std::log(groupMass[g] / groupNonEmpty[g]);
    // p_j = b_j / P, q_j = m_g / (k_g Q): p log(p / q) = p (log b_j - log(m_g / k_g) - log P + log Q).
    const double logRatio = std::log(totalQ) - std::log(totalP);
    double divergence = 0;
    for (int j = 0; j < kept - 1; ++j) {
        if (!(bins[j] > 0)) continue;
        const int g = static_cast<int>(static_cast<int64_t>(j) * quantizedBins / kept);
        divergence += bins[j] * (logBins[j] - groupLog[g] + logRatio);
    }
    divergence /= totalP;
    // The last kept bin also holds the outliers.
    const int last = kept - 1;
    const double pLast = bins[last] + outliers;
    if (pLast > 0) {
        if (!(bins[last] > 0)) return std::numeric_limits<double>::infinity();
        const int g = static_cast<int>(static_cast<int64_t>(last) * quantizedBins / kept);
        divergence += pLast / totalP * (std::log(pLast) - groupLog[g] + logRatio);
    }
    return divergence;
}

std::vector<double> logsOf(std::span<const double> bins)
{
    std::vector<double> logs(bins.size(), 0.0);
    for (size_t j = 0; j < bins.size(); ++j)
        if (bins[j] > 0) logs[j] = std::log(bins[j]);
    return logs;
}

} // namespace

double klDivergenceForThreshold(std::span<const double> bins, int kept, int quantizedBins)
{
    // pytorch-quantization _compute_amax_entropy (TensorRT's legacy entropy calibrator):
    // P = bins[0..kept) with all outliers added to its last bin; Q = bins[0..kept)
    // merged into `quantizedBins` groups (np.linspace(0, kept, quantizedBins + 1) edges:
    // bin j is in group floor(j * quantizedBins / kept)), each group's mass spread
    // evenly over its non-empty bins; both normalised.
    const std::vector<double> logs = logsOf(bins);
    return klDivergenceWithLogs(bins, logs, kept, quantizedBins);
}

TensorRange klDivergenceRange(const CalibrationHistogram& histogram, float min, float max, int bins, int quantizedBins)
{
    const double maxAbs = std::max(std::fabs(static_cast<double>(min)), std::fabs(static_cast<double>(max)));
    if (histogram.empty() || !(maxAbs > 0)) return {min, max, RangeOrigin::Calibrated};
    const std::vector<double> magnitude = histogram.resampleMagnitude(maxAbs, bins);
    const std::vector<double> logs = logsOf(magnitude);
    double best = std::numeric_limits<double>::infinity();
    int bestKept = bins;
    for (int kept = quantizedBins; kept <= bins; ++kept) {
        const double divergence = klDivergenceWithLogs(magnitude, logs, kept, quantizedBins);
        // Ties go to the larger threshold (pytorch-quantization takes the last argmin).
        if (divergence <= best) {
            best = divergence;
            bestKept = kept;
        }
    }
    const double threshold = maxAbs * bestKept / bins;
    const float lo = static_cast<float>(std::max(static_cast<double>(min), -threshold));
    const float hi = static_cast<float>(std::min(static_cast<double>(max), threshold));
    return {lo, hi, RangeOrigin::Calibrated};
}

namespace {

/// The histogram's non-empty bins as (centre, count), for the MSE search.
struct BinCentres {
    std::vector<double> centre;
    std::vector<double> count;
    double total = 0;

    explicit BinCentres(const CalibrationHistogram& h)
    {
        const int a = h.firstNonEmpty(), b = h.lastNonEmpty();
        if (a < 0) return;
        for (int i = a; i <= b; ++i) {
            if (!h.counts()[i]) continue;
            centre.push_back(0.5 * (h.binLower(i) + h.binUpper(i)));
            count.push_back(static_cast<double>(h.counts()[i]));
            total += count.back();
        }
    }
    /// Mean squared error of fake-quantizing every bin centre to `levels` levels on
    /// [lo, hi]: clamp, then round to the nearest level. Bins are far finer than the
    /// levels (>= 2048 bins over the data), so this is the error of the values
    /// themselves up to the bin width; a run of exact zeros (ReLU) costs almost nothing,
    /// as it does after quantization (0 is exactly representable).
    double mse(double lo, double hi, int levels) const
    {
        if (!(total > 0)) return 0;
        const double step = (hi - lo) / (levels - 1);
        if (!(step > 0)) return 0;
        const double inverse = 1.0 / step;
        double sum = 0;
        for (size_t i = 0; i < centre.size(); ++i) {
            const double c = centre[i];
            const double k = std::clamp(std::round((c - lo) * inverse), 0.0, static_cast<double>(levels - 1));
            const double d = lo + k * step - c;
            sum += count[i] * d * d;
        }
        return sum / total;
    }
};

} // namespace

double expectedQuantizationMse(const CalibrationHistogram& histogram, double lo, double hi, int levels)
{
    return BinCentres(histogram).mse(lo, hi, levels);
}

TensorRange mseRange(const CalibrationHistogram& histogram, float min, float max, int levels, int steps)
{
    const double lo = std::min(static_cast<double>(min), 0.0);
    const double hi = std::max(static_cast<double>(max), 0.0);
    if (histogram.empty() || !(hi > lo)) return {min, max, RangeOrigin::Calibrated};
    const BinCentres table(histogram);
    // Coordinate search over [sLo * lo, sHi * hi], sLo, sHi in {1/steps, ..., 1}: the
    // upper end with the lower one fixed, then the lower end, then the upper end
    // again. The two tails of an activation are usually very different (a ReLU-like
    // floor below, a long tail above), so they are clipped independently.
    double sLo = 1.0, sHi = 1.0;
    double best = table.mse(lo, hi, levels);
    const auto searchUpper = [&] {
        if (!(hi > 0)) return;
        for (int k = steps; k >= 1; --k) {
            const double s = static_cast<double>(k) / steps;
            const double error = table.mse(sLo * lo, s * hi, levels);
            // Strictly smaller: among equal errors the widest range (least clipping) wins.
            if (error < best) best = error, sHi = s;
        }
    };
    const auto searchLower = [&] {
        if (!(lo < 0)) return;
        for (int k = steps; k >= 1; --k) {
            const double s = static_cast<double>(k) / steps;
            const double error = table.mse(s * lo, sHi * hi, levels);
            if (error < best) best = error, sLo = s;
        }
    };
    searchUpper();
    searchLower();
    searchUpper();
    // Report the clipped range, but never beyond what was observed.
    const float outLo = static_cast<float>(std::max(static_cast<double>(min), sLo * lo));
    const float outHi = static_cast<float>(std::min(static_cast<double>(max), sHi * hi));
    return {outLo, outHi, RangeOrigin::Calibrated};
}

Result<TensorRange> chooseRange(const TensorStatistics& stats, const RangePolicy& policy)
{
    RF_RETURN_IF_ERROR(validateRangePolicy(policy));
    if (stats.count == 0)
        return Status::error("tensor '" + stats.name + "' has no finite calibration values" +
                             (stats.nanCount ? " (" + std::to_string(stats.nanCount) + " NaN)" : std::string()));
    switch (policy.method) {
    case RangeMethod::MinMax: return TensorRange{stats.min, stats.max, RangeOrigin::Calibrated};
    case RangeMethod::MovingAverage:
        return movingAverageRange(stats.sampleMin, stats.sampleMax, policy.emaDecay, policy.emaStartAtFirstSample);
    case RangeMethod::Percentile: return percentileRange(stats.histogram, stats.min, stats.max, policy.percentile);
    case RangeMethod::KlDivergence:
        return klDivergenceRange(stats.histogram, stats.min, stats.max, policy.klBins, policy.klQuantizedBins);
    case RangeMethod::Mse: return mseRange(stats.histogram, stats.min, stats.max, policy.mseLevels, policy.mseSteps);
    }
    return Status::error("unknown range method");
}

namespace {

/// "#3 'a', #7 'b' and 12 more".
std::string listTensors(const Graph& graph, const std::vector<int32_t>& indices)
{
    std::string text;
    const size_t shown = std::min<size_t>(indices.size(), 8);
    for (size_t i = 0; i < shown; ++i) {
        if (i) text += ", ";
        text += graph.tensorLabel(indices[i]);
    }
    if (indices.size() > shown) text += " and " + std::to_string(indices.size() - shown) + " more";
    return text;
}

std::string formatRange(const TensorRange& range)
{
    char text[64];
    std::snprintf(text, sizeof text, "[%g, %g]", static_cast<double>(range.min), static_cast<double>(range.max));
    return text;
}

} // namespace

Result<RangeTable> chooseRanges(const CalibrationStatistics& statistics, const Graph& graph, const RangePolicy& policy,
                                const RangeOverrides& overrides, std::vector<std::string>* warnings)
{
    RF_RETURN_IF_ERROR(validateRangePolicy(policy).withContext(graph.sourcePath + ": range policy"));
    std::map<std::string, int32_t> activationIndex;
    for (size_t t = 0; t < graph.tensors.size(); ++t)
        if (CalibrationObserver::isObserved(graph.tensors[t]))
            activationIndex.emplace(graph.tensors[t].name, static_cast<int32_t>(t));

    std::vector<std::string> unknown;
    for (const auto& [name, range] : overrides) {
        if (!activationIndex.count(name)) unknown.push_back("'" + name + "'");
        else if (!std::isfinite(range.min) || !std::isfinite(range.max) || range.min > range.max)
            return Status::error(graph.sourcePath + ": override for tensor '" + name + "' " + formatRange(range) +
                                 " must be finite with min <= max");
    }
    if (!unknown.empty()) {
        std::string list;
        for (size_t i = 0; i < unknown.size(); ++i) list += (i ? ", " : "") + unknown[i];
        return Status::error(graph.sourcePath + ": range overrides name tensors that are not float activations of the model: " + list);
    }
    for (const TensorStatistics& stats : statistics.tensors)
        if (!activationIndex.count(stats.name))
            return Status::error(graph.sourcePath + ": calibration statistics (" + statistics.modelName +
                                 ") name tensor '" + stats.name +
                                 "', which is not a float activation of this model (statistics of another model?)");

    RangeTable table;
    std::vector<int32_t> missing, defaulted;
    for (const auto& [name, index] : activationIndex) {
        if (auto it = overrides.find(name); it != overrides.end()) {
            table[name] = TensorRange{it->second.min, it->second.max, RangeOrigin::Override};
            continue;
        }
        const TensorStatistics* stats = statistics.find(name);
        if (stats && stats->count > 0) {
            Result<TensorRange> range = chooseRange(*stats, policy);
            if (!range.isOk()) return range.status().withContext(graph.sourcePath + ": " + graph.tensorLabel(index));
            table[name] = range.value();
            if (warnings && (stats->nanCount || stats->infCount))
                warnings->push_back(graph.sourcePath + ": " + graph.tensorLabel(index) + " produced " +
                                    std::to_string(stats->nanCount) + " NaN and " + std::to_string(stats->infCount) +
                                    " infinite values during calibration; they are left out of its range");
            continue;
        }
        if (policy.defaultRange) {
            table[name] = TensorRange{policy.defaultRange->min, policy.defaultRange->max, RangeOrigin::DefaultRanges};
            defaulted.push_back(index);
            continue;
        }
        missing.push_back(index);
    }
    auto byIndex = [](std::vector<int32_t>& v) { std::sort(v.begin(), v.end()); };
    byIndex(missing);
    byIndex(defaulted);
    if (!missing.empty())
        return Status::error(graph.sourcePath + ": " + std::to_string(missing.size()) +
                             " activation tensor(s) have no range: " + listTensors(graph, missing) +
                             ". Calibrate with representative inputs, give ranges per tensor, or set "
                             "default_ranges_min/max (for experiments only)");
    if (warnings && !defaulted.empty())
        warnings->push_back(graph.sourcePath + ": default ranges " + formatRange(*policy.defaultRange) + " used for " +
                            std::to_string(defaulted.size()) + " tensor(s) without statistics (" +
                            listTensors(graph, defaulted) +
                            "): default ranges are for experiments; calibrate with representative inputs for real use");
    return table;
}

} // namespace rf
