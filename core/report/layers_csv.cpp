#include "report/layers_csv.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

namespace rf {
namespace {

std::string quote(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string num(double value)
{
    if (std::isnan(value)) return "";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.9g", value);
    return buffer;
}

std::string shapeText(const std::vector<int32_t>& shape)
{
    std::string out;
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? "x" : "") + std::to_string(shape[i]);
    return out;
}

} // namespace

const std::vector<std::string>& layersCsvColumns()
{
    static const std::vector<std::string> columns = {
        "index", "name", "op_index", "op_type", "quant_tensor", "float_tensor", "dtype", "shape", "scale",
        "zero_point", "float_min", "float_max", "representable_min", "representable_max", "clipping_rate",
        "utilization", "codes_used", "code_count", "sqnr_db", "mse", "max_abs_error", "mean_error", "error_std",
        "cosine", "match_method", "sensitivity_rank", "only_this_sqnr_db", "all_but_this_sqnr_db"};
    return columns;
}

std::string layersToCsv(const AnalysisResult& result)
{
    std::ostringstream out;
    const auto& columns = layersCsvColumns();
    for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << columns[i];
    out << "\n";
    for (size_t i = 0; i < result.tensors.size(); ++i) {
        const TensorReport& t = result.tensors[i];
        const LayerSensitivity* sensitivity = nullptr;
        if (result.sensitivity) {
            for (const LayerSensitivity& l : result.sensitivity->layers) {
                if (l.name == t.name && l.quantOp == t.quantOp) sensitivity = &l;
            }
        }
        const std::optional<ErrorMetrics>& e = t.error;
        const double nan = std::nan("");
        std::vector<std::string> cells = {
            std::to_string(i), quote(t.name), std::to_string(t.quantOp), t.opType, quote(t.quantTensorName),
            quote(t.floatTensorName), t.dtype, shapeText(t.shape), num(t.scale), std::to_string(t.zeroPoint),
            num(t.floatMin), num(t.floatMax), num(t.representableMin), num(t.representableMax), num(t.clippingRate),
            num(t.utilization), std::to_string(t.codesUsed), std::to_string(t.codeCount),
            num(e ? e->sqnrDb : nan), num(e ? e->mse : nan), num(e ? e->maxAbsError : nan),
            num(e ? e->meanError : nan), num(e ? e->errorStd : nan), num(e ? e->cosine : nan),
            t.matchMethod ? matchMethodName(*t.matchMethod) : "",
            sensitivity ? std::to_string(sensitivity->rank) : "",
            num(sensitivity ? sensitivity->onlyThisSqnrDb : nan), num(sensitivity ? sensitivity->allButThisSqnrDb : nan)};
        for (size_t c = 0; c < cells.size(); ++c) out << (c ? "," : "") << cells[c];
        out << "\n";
    }
    return out.str();
}

} // namespace rf
