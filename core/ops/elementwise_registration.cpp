#include "ops/elementwise_ops.h"
#include "ops/registry.h"

namespace rf {

void registerElementwiseOps(OpRegistry& registry)
{
    registry.add(OpType::Add, &makeAddKernel);
    registry.add(OpType::Sub, &makeSubKernel);
    registry.add(OpType::Mul, &makeMulKernel);
    registry.add(OpType::Relu, &makeReluKernel);
    registry.add(OpType::Relu6, &makeRelu6Kernel);
    registry.add(OpType::ReluN1To1, &makeReluN1To1Kernel);
    registry.add(OpType::LeakyRelu, &makeLeakyReluKernel);
    registry.add(OpType::HardSwish, &makeHardSwishKernel);
    registry.add(OpType::Logistic, &makeLogisticKernel);
    registry.add(OpType::Tanh, &makeTanhKernel);
    registry.add(OpType::Softmax, &makeSoftmaxKernel);
    registry.add(OpType::Quantize, &makeQuantizeKernel);
    registry.add(OpType::Dequantize, &makeDequantizeKernel);
    registry.add(OpType::Maximum, &makeMaximumKernel);
    registry.add(OpType::Minimum, &makeMinimumKernel);
    registry.add(OpType::Div, &makeDivKernel);
    registry.add(OpType::Exp, &makeExpKernel);
    registry.add(OpType::Elu, &makeEluKernel);
    registry.add(OpType::Gelu, &makeGeluKernel);
    registry.add(OpType::Prelu, &makePreluKernel);
}

} // namespace rf
