#include "io/tflite_builtin_ops.h"

#include <array>

#include "tflite_schema_generated.h"

namespace rf {

namespace {

using tflite::BuiltinOperator;

constexpr int32_t kFirstCode = static_cast<int32_t>(BuiltinOperator::MIN);
constexpr int32_t kLastCode = static_cast<int32_t>(BuiltinOperator::MAX);

// Builtin code -> OpType, built once. OpType's spelling (opTypeName) is TFLite's, so
// matching names maps every op type the core knows, including ones added later,
// without a second hand-written table that could drift.
const std::array<OpType, kLastCode + 1>& opTypeByCode()
{
    static const std::array<OpType, kLastCode + 1> table = [] {
        std::array<OpType, kLastCode + 1> byCode{};
        byCode.fill(OpType::Unsupported);
        for (int32_t code = kFirstCode; code <= kLastCode; ++code) {
            const std::string name = tfliteBuiltinName(code);
            for (size_t t = 1; t < static_cast<size_t>(OpType::Count); ++t)
                if (opTypeName(static_cast<OpType>(t)) == name) byCode[code] = static_cast<OpType>(t);
        }
        return byCode;
    }();
    return table;
}

} // namespace

std::string tfliteBuiltinName(int32_t code)
{
    // The generated enum-name table is the schema's own list, so it cannot drift from it.
    const char* name = tflite::EnumNameBuiltinOperator(static_cast<BuiltinOperator>(code));
    if (name == nullptr || *name == '\0') return "BUILTIN_" + std::to_string(code);
    return name;
}

OpType opTypeFromTfliteBuiltin(int32_t code)
{
    if (code < kFirstCode || code > kLastCode) return OpType::Unsupported;
    return opTypeByCode()[code];
}

std::optional<int32_t> tfliteBuiltinFromOpType(OpType type)
{
    if (type == OpType::Unsupported || type == OpType::Count) return std::nullopt;
    const auto& table = opTypeByCode();
    for (int32_t code = kFirstCode; code <= kLastCode; ++code)
        if (table[code] == type) return code;
    return std::nullopt;
}

} // namespace rf
