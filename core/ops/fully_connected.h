#pragma once
// FULLY_CONNECTED: the kernel factory (the implementation lives in fully_connected.cpp).

#include <memory>

#include "ops/op_kernel.h"

namespace rf {

/// Creates the kernel of one FULLY_CONNECTED node.
std::unique_ptr<OpKernel> makeFullyConnectedKernel();

} // namespace rf
