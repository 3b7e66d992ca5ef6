#pragma once
// Hooks through which analysis and calibration watch a run.

#include <atomic>
#include <cstdint>
#include <functional>

#include "ir/graph.h"
#include "runtime/tensor_value.h"

namespace rf {

/// Sees every tensor as it is produced: graph inputs first (opIndex == -1), then each
/// op's outputs right after the op ran. The value reference is valid only during the
/// call; copy it to keep it.
class TensorObserver {
public:
    virtual ~TensorObserver() = default;
    virtual void onTensor(int opIndex, int32_t tensorIndex, const Tensor& tensor, const TensorValue& value) = 0;
};

/// Progress reporting and cancellation for long runs. Both members are optional.
struct RunControl {
    /// Called after each op with (ops done, ops total).
    std::function<void(size_t done, size_t total)> onProgress;
    /// When set and true, the run stops before the next op and reports "cancelled".
    const std::atomic<bool>* cancel = nullptr;
};

} // namespace rf
