#include "ir/tensor.h"

namespace rf {

int64_t elementCount(const Shape& shape)
{
    int64_t count = 1;
    for (int32_t dim : shape) count *= dim;
    return count;
}

std::string shapeToString(const Shape& shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

} // namespace rf
