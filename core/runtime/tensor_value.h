#pragma once
// Run-time storage of one tensor: element type, shape and a 64-byte aligned buffer.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "ir/dtype.h"
#include "ir/tensor.h"

namespace rf {

/// The value of a tensor during a run. Owns its bytes; copyable (deep copy) so that
/// observers and callers can keep snapshots.
class TensorValue {
public:
    TensorValue() = default;
    TensorValue(DType dtype, Shape shape) { reset(dtype, std::move(shape)); }
    TensorValue(const TensorValue& other) { *this = other; }
    TensorValue& operator=(const TensorValue& other)
    {
        if (this == &other) return *this;
        reset(other.dtype_, other.shape_);
        if (other.bytes_) std::memcpy(data_.get(), other.data_.get(), other.bytes_);
        return *this;
    }
    TensorValue(TensorValue&&) noexcept = default;
    TensorValue& operator=(TensorValue&&) noexcept = default;

    /// Re-shapes and re-allocates (contents become zero). Keeps the buffer when
    /// it is already large enough.
    void reset(DType dtype, Shape shape)
    {
        dtype_ = dtype;
        shape_ = std::move(shape);
        const size_t bytes = static_cast<size_t>(rf::elementCount(shape_)) * dtypeSize(dtype_);
        if (bytes > capacity_) {
            const size_t rounded = (bytes + 63) / 64 * 64;
            data_.reset(static_cast<std::byte*>(std::aligned_alloc(64, rounded ? rounded : 64)));
            capacity_ = rounded;
        }
        bytes_ = bytes;
        if (bytes_) std::memset(data_.get(), 0, bytes_);
    }

    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    int64_t elementCount() const { return rf::elementCount(shape_); }
    size_t byteSize() const { return bytes_; }
    /// Size of dimension `i`; negative indices count from the back.
    int32_t dim(int i) const { return shape_[i < 0 ? static_cast<int>(shape_.size()) + i : i]; }
    int rank() const { return static_cast<int>(shape_.size()); }

    std::byte* bytes() { return data_.get(); }
    const std::byte* bytes() const { return data_.get(); }
    /// Typed access. The caller is responsible for T matching dtype().
    template <typename T> T* data() { return reinterpret_cast<T*>(data_.get()); }
    template <typename T> const T* data() const { return reinterpret_cast<const T*>(data_.get()); }
    template <typename T> std::span<T> span() { return {data<T>(), static_cast<size_t>(elementCount())}; }
    template <typename T> std::span<const T> span() const { return {data<T>(), static_cast<size_t>(elementCount())}; }

private:
    struct FreeDeleter {
        void operator()(std::byte* p) const { std::free(p); }
    };
    DType dtype_ = DType::Unknown;
    Shape shape_;
    std::unique_ptr<std::byte[], FreeDeleter> data_;
    size_t bytes_ = 0;
    size_t capacity_ = 0;
};

} // namespace rf
