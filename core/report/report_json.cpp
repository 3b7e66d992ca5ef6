#include "report/report_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace rf {
namespace {

using nlohmann::json;

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

json metricsJson(const ErrorMetrics& m)
{
    return {{"count", m.count},          {"sqnr_db", number(m.sqnrDb)},     {"mse", number(m.mse)},
            {"max_abs_error", number(m.maxAbsError)}, {"mean_error", number(m.meanError)},
            {"error_std", number(m.errorStd)},        {"cosine", number(m.cosine)}};
}

json optionalMetrics(const std::optional<ErrorMetrics>& m) { return m ? metricsJson(*m) : json(nullptr); }

json optionalNumber(const std::optional<double>& v) { return v ? number(*v) : json(nullptr); }

json histogramJson(const Histogram& h)
{
    return {{"lo", number(h.lo)}, {"hi", number(h.hi)}, {"counts", h.counts}, {"total", h.total},
            {"min_seen", number(h.minSeen)}, {"max_seen", number(h.maxSeen)}};
}

json tensorJson(const TensorReport& t)
{
    json perImage = json::array();
    for (const ErrorMetrics& m : t.perImage) perImage.push_back(metricsJson(m));
    json histogram = histogramJson(t.histogram.values);
    histogram["clip_low"] = number(t.histogram.clipLow);
    histogram["clip_high"] = number(t.histogram.clipHigh);
    histogram["step"] = number(t.histogram.step);
    return {{"name", t.name},
            {"quant_tensor", t.quantTensorName},
            {"quant_tensor_index", t.quantTensor},
            {"float_tensor", t.floatTensorName.empty() ? json(nullptr) : json(t.floatTensorName)},
            {"float_tensor_index", t.floatTensor >= 0 ? json(t.floatTensor) : json(nullptr)},
            {"op_index", t.quantOp},
            {"op_type", t.opType},
            {"dtype", t.dtype},
            {"shape", t.shape},
            {"scale", number(t.scale)},
            {"zero_point", t.zeroPoint},
            {"representable_min", number(t.representableMin)},
            {"representable_max", number(t.representableMax)},
            {"float_min", number(t.floatMin)},
            {"float_max", number(t.floatMax)},
            {"clipping_rate", number(t.clippingRate)},
            {"utilization", number(t.utilization)},
            {"codes_used", t.codesUsed},
            {"code_count", t.codeCount},
            {"match_method", t.matchMethod ? json(matchMethodName(*t.matchMethod)) : json(nullptr)},
            {"error", optionalMetrics(t.error)},
            {"per_image", perImage},
            {"histogram", histogram}};
}

json weightJson(const WeightReport& w)
{
    json channels = json::array();
    for (const WeightChannel& c : w.channels) {
        channels.push_back({{"scale", number(c.scale)},
                            {"zero_point", c.zeroPoint},
                            {"quant_min", number(c.quantMin)},
                            {"quant_max", number(c.quantMax)},
                            {"float_min", std::isnan(c.foldFactor) ? json(nullptr) : number(c.floatMin)},
                            {"float_max", std::isnan(c.foldFactor) ? json(nullptr) : number(c.floatMax)},
                            {"sqnr_db", number(c.sqnrDb)},
                            {"max_abs_error", number(c.maxAbsError)},
                            {"fold_factor", number(c.foldFactor)},
                            {"utilization", number(c.utilization)}});
    }
    return {{"name", w.name},         {"layer", w.layer},         {"op_index", w.quantOp},
            {"op_type", w.opType},    {"dtype", w.dtype},         {"shape", w.shape},
            {"channel_axis", w.channelAxis}, {"per_channel", w.perChannel},
            {"error", optionalMetrics(w.error)}, {"channels", channels},
            {"histogram", histogramJson(w.quantValues)}};
}

} // namespace

std::string reportToJson(const AnalysisResult& result, const ReportContext& context)
{
    json root;
    root["schema"] = "rangefinder-report";
    root["version"] = kReportSchemaVersion;
    root["generator"] = std::string("rangefinder ") + RF_VERSION;
    root["command"] = context.command;
    root["float_model"] = result.floatModelPath.empty() ? json(nullptr) : json(result.floatModelPath);
    root["quant_model"] = result.quantModelPath;
    root["mode"] = result.floatModelPath.empty() ? "quantized_only" : "float_vs_quantized";
    root["kernels"] = result.kernels;
    root["images"] = result.imageNames;
    const ModelMetrics& m = result.model;
    root["model"] = {{"images", m.images},
                     {"top1_agreement", number(m.top1Agreement)},
                     {"top5_agreement", number(m.top5Agreement)},
                     {"labelled_images", m.labelledImages},
                     {"float_top1_accuracy", optionalNumber(m.floatTop1Accuracy)},
                     {"float_top5_accuracy", optionalNumber(m.floatTop5Accuracy)},
                     {"quant_top1_accuracy", optionalNumber(m.quantTop1Accuracy)},
                     {"quant_top5_accuracy", optionalNumber(m.quantTop5Accuracy)},
                     {"output_error", optionalMetrics(m.outputError)}};
    json tensors = json::array();
    for (const TensorReport& t : result.tensors) tensors.push_back(tensorJson(t));
    root["tensors"] = tensors;
    json weights = json::array();
    for (const WeightReport& w : result.weights) weights.push_back(weightJson(w));
    root["weights"] = weights;
    if (result.drift) {
        json drift = json::array();
        for (const DriftTensor& d : result.drift->tensors) {
            drift.push_back({{"name", d.name}, {"op_index", d.quantOp}, {"op_type", d.opType}, {"elements", d.elements},
                             {"differing", d.differing}, {"differing_share", number(d.differingShare)},
                             {"max_step_diff", d.maxStepDiff}});
        }
        root["drift"] = {{"tensors", drift}};
    } else {
        root["drift"] = nullptr;
    }
    if (result.sensitivity) {
        const SensitivityReport& s = *result.sensitivity;
        json layers = json::array();
        for (const LayerSensitivity& l : s.layers) {
            layers.push_back({{"rank", l.rank},
                              {"name", l.name},
                              {"op_index", l.quantOp},
                              {"op_type", l.opType},
                              {"only_this_sqnr_db", number(l.onlyThisSqnrDb)},
                              {"only_this_agreement", number(l.onlyThisAgreement)},
                              {"all_but_this_sqnr_db", number(l.allButThisSqnrDb)},
                              {"all_but_this_agreement", number(l.allButThisAgreement)}});
        }
        root["sensitivity"] = {{"images", s.images},
                               {"all_quant_sqnr_db", number(s.allQuantSqnrDb)},
                               {"all_quant_agreement", number(s.allQuantAgreement)},
                               {"layers", layers}};
    } else {
        root["sensitivity"] = nullptr;
    }
    json gates = json::array();
    for (const GateResult& g : context.gates) {
        gates.push_back({{"kind", g.kind}, {"threshold", number(g.threshold)}, {"passed", g.failing.empty()},
                         {"failing", g.failing}});
    }
    root["gates"] = gates;
    root["unmatched_float"] = result.unmatchedFloat;
    root["unmatched_quant"] = result.unmatchedQuant;
    root["notes"] = result.notes;
    return root.dump(1) + "\n";
}

} // namespace rf
