#pragma once
// A float model rebuilt from a quantized one: every integer activation becomes
// float32, every quantized constant (weights, biases) its dequantized values, and
// QUANTIZE / DEQUANTIZE ops disappear. Its weights equal the quantized model's, so
// comparing the two isolates the activation quantization. Used when no float model
// is available (a Google int8 MobileNet alone) and by tests and benchmarks.

#include "ir/graph.h"
#include "util/status.h"

namespace rf {

/// Builds the float twin. Tensor names are kept, so matchTensors() pairs every tensor
/// by name. Fails for ops whose float form differs from their integer form in more
/// than the element type (none of the converter's image-model ops do).
Result<Graph> buildDequantizedTwin(const Graph& quantGraph);

} // namespace rf
