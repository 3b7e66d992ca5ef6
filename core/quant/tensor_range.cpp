#include "quant/tensor_range.h"

namespace rf {

std::string_view rangeOriginName(RangeOrigin origin)
{
    switch (origin) {
    case RangeOrigin::Calibrated: return "calibrated";
    case RangeOrigin::Override: return "override";
    case RangeOrigin::DefaultRanges: return "default_ranges";
    case RangeOrigin::Fixed: return "fixed";
    case RangeOrigin::FromModel: return "from_model";
    }
    return "unknown";
}

} // namespace rf
