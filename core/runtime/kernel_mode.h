#pragma once

#include <optional>
#include <string_view>

namespace rf {

/// Which TensorFlow Lite execution path quantized (and float) kernels reproduce.
enum class KernelMode {
    /// TFLite's builtin kernels (XNNPACK off): double rounding
    /// (SaturatingRoundingDoublingHighMul + RoundingDivideByPOT). The default.
    Builtin,
    /// What the XNNPACK delegate computes for the ops it takes (float32, int8, uint8);
    /// ops XNNPACK does not take run as Builtin.
    Xnnpack,
};

std::string_view kernelModeName(KernelMode mode);
std::optional<KernelMode> kernelModeFromName(std::string_view name);

} // namespace rf
