#pragma once
// Run-time choice of the instruction set used by the optimized kernels. The binary is
// built for plain x86-64; the fast paths are compiled per function with target
// attributes and chosen here from what the CPU reports, so the same executable runs
// everywhere and uses AVX-512 VNNI where it exists.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace rf::optimized {

/// The instruction-set tiers the optimized kernels are written for, lowest first.
enum class SimdLevel {
    Scalar = 0, ///< Portable C++ loops.
    Avx2 = 1,   ///< AVX2 + FMA (256-bit; int8 products through 16-bit multiply-add).
    Avx512 = 2, ///< AVX-512 F/BW/VL/DQ + VNNI (512-bit; int8 dot products with vpdpbusd).
};

/// The highest level this CPU supports (detected once).
SimdLevel detectedSimdLevel();
/// The level kernels use now: the detected level, lowered by setSimdLevelLimit() or by
/// the environment variable RF_SIMD (scalar, avx2, avx512) read at first use.
SimdLevel activeSimdLevel();
/// Test and benchmark hook: caps the active level (it never rises above the detected
/// one). Weights packed before the change keep the layout of the level they were
/// packed for, so call it before preparing a model.
void setSimdLevelLimit(SimdLevel limit);
/// A short lowercase name ("scalar", "avx2", "avx512") for logs and test names.
const char* simdLevelName(SimdLevel level);

/// A fixed-size, zero-initialised, 64-byte aligned array for packed weights and
/// scratch space (std::vector does not guarantee the alignment wide loads like).
template <typename T>
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(size_t count) { resize(count); }
    /// Re-allocates to `count` zeroed elements.
    void resize(size_t count)
    {
        const size_t bytes = ((count * sizeof(T)) + 63) / 64 * 64;
        data_.reset(static_cast<T*>(std::aligned_alloc(64, bytes ? bytes : 64)));
        if (!data_) throw std::bad_alloc();
        std::memset(static_cast<void*>(data_.get()), 0, bytes ? bytes : 64);
        size_ = count;
    }
    /// Grows (never shrinks) to at least `count` elements; contents are not kept.
    void ensure(size_t count)
    {
        if (count > size_) resize(count);
    }
    T* data() { return data_.get(); }
    const T* data() const { return data_.get(); }
    size_t size() const { return size_; }
    T& operator[](size_t i) { return data_.get()[i]; }
    const T& operator[](size_t i) const { return data_.get()[i]; }

private:
    struct FreeDeleter {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T, FreeDeleter> data_;
    size_t size_ = 0;
};

} // namespace rf::optimized

// Function attributes that let one translation unit hold code for several levels.
// Only raw-pointer code goes inside such functions (no library templates), so nothing
// compiled for a higher level can be merged into code that runs on the baseline.
#define RF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define RF_TARGET_AVX512 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
