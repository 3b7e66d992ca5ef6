#include "runtime/kernel_mode.h"

namespace rf {

std::string_view kernelModeName(KernelMode mode)
{
    return mode == KernelMode::Builtin ? "builtin" : "xnnpack";
}

std::optional<KernelMode> kernelModeFromName(std::string_view name)
{
    if (name == "builtin") return KernelMode::Builtin;
    if (name == "xnnpack") return KernelMode::Xnnpack;
    return std::nullopt;
}

} // namespace rf
