#include "ops/conv2d.h"
#include "ops/depthwise_conv2d.h"
#include "ops/fully_connected.h"
#include "ops/registry.h"
#include "ops/transpose_conv.h"

namespace rf {

void registerConvolutionOps(OpRegistry& registry)
{
    registry.add(OpType::Conv2D, &makeConv2DKernel);
    registry.add(OpType::DepthwiseConv2D, &makeDepthwiseConv2DKernel);
    registry.add(OpType::FullyConnected, &makeFullyConnectedKernel);
    registry.add(OpType::TransposeConv, &makeTransposeConvKernel);
}

} // namespace rf
