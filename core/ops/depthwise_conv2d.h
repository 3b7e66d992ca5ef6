#pragma once
// DEPTHWISE_CONV_2D: the kernel factory (the implementation lives in depthwise_conv2d.cpp).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one DEPTHWISE_CONV_2D node.
std::unique_ptr<OpKernel> makeDepthwiseConv2DKernel();

} // namespace rf
