#pragma once
// STRIDED_SLICE with every mask (begin, end, ellipsis, new_axis, shrink_axis),
// negative indices and strides, and the `offset` option (end = begin + size), following
// TFLite's strided_slice.cc (BuildStridedSliceParams) and reference StartForAxis /
// EndForAxis. Pure data movement for all element types.

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one STRIDED_SLICE node.
std::unique_ptr<OpKernel> makeStridedSliceKernel();

} // namespace rf
