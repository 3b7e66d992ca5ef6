#pragma once
// RESIZE_BILINEAR (float32, uint8, int8, int16) and RESIZE_NEAREST_NEIGHBOR (any
// element type TFLite supports: float32, uint8, int8, int16) with align_corners and
// half_pixel_centers, reproducing the kernel TFLite's builtin op picks for each case.
// The output size comes from a constant int32 tensor of two values (height, width).
// KernelMode::Xnnpack computes the same as Builtin (not verified against the
// oracle: no corpus model contains a resize).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one RESIZE_BILINEAR node.
std::unique_ptr<OpKernel> makeResizeBilinearKernel();
/// Creates the kernel of one RESIZE_NEAREST_NEIGHBOR node.
std::unique_ptr<OpKernel> makeResizeNearestNeighborKernel();

} // namespace rf
