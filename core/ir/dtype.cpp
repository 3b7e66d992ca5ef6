#include "ir/dtype.h"

#include <array>
#include <utility>

namespace rf {

namespace {
constexpr std::array<std::pair<DType, std::string_view>, 11> kNames = {{
    {DType::Unknown, "unknown"},
    {DType::Float32, "float32"},
    {DType::Float16, "float16"},
    {DType::Float64, "float64"},
    {DType::Int8, "int8"},
    {DType::UInt8, "uint8"},
    {DType::Int16, "int16"},
    {DType::Int32, "int32"},
    {DType::Int64, "int64"},
    {DType::UInt32, "uint32"},
    {DType::Bool, "bool"},
}};
} // namespace

size_t dtypeSize(DType dtype)
{
    switch (dtype) {
    case DType::Float32: return 4;
    case DType::Float16: return 2;
    case DType::Float64: return 8;
    case DType::Int8: return 1;
    case DType::UInt8: return 1;
    case DType::Int16: return 2;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::UInt32: return 4;
    case DType::Bool: return 1;
    case DType::Unknown: return 0;
    }
    return 0;
}

std::string_view dtypeName(DType dtype)
{
    for (const auto& [type, name] : kNames)
        if (type == dtype) return name;
    return "unknown";
}

DType dtypeFromName(std::string_view name)
{
    for (const auto& [type, typeName] : kNames)
        if (typeName == name) return type;
    return DType::Unknown;
}

bool isQuantizableIntType(DType dtype)
{
    return dtype == DType::Int8 || dtype == DType::UInt8 || dtype == DType::Int16 || dtype == DType::Int32;
}

} // namespace rf
