#include "kernels/optimized/simd_level.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace rf::optimized {

namespace {

SimdLevel detectOnce()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512vnni");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx512 && avx2) return SimdLevel::Avx512;
    if (avx2) return SimdLevel::Avx2;
#endif
    return SimdLevel::Scalar;
}

SimdLevel limitFromEnvironment()
{
    // RF_SIMD lets a benchmark or a bug report compare levels without rebuilding.
    const char* value = std::getenv("RF_SIMD");
    if (!value) return SimdLevel::Avx512;
    if (std::strcmp(value, "scalar") == 0) return SimdLevel::Scalar;
    if (std::strcmp(value, "avx2") == 0) return SimdLevel::Avx2;
    return SimdLevel::Avx512;
}

std::atomic<int>& limitStorage()
{
    static std::atomic<int> limit{static_cast<int>(limitFromEnvironment())};
    return limit;
}

} // namespace

SimdLevel detectedSimdLevel()
{
    static const SimdLevel detected = detectOnce();
    return detected;
}

SimdLevel activeSimdLevel()
{
    return static_cast<SimdLevel>(std::min(static_cast<int>(detectedSimdLevel()), limitStorage().load()));
}

void setSimdLevelLimit(SimdLevel limit) { limitStorage().store(static_cast<int>(limit)); }

const char* simdLevelName(SimdLevel level)
{
    switch (level) {
    case SimdLevel::Scalar: return "scalar";
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
    }
    return "unknown";
}

} // namespace rf::optimized
