#pragma once
// Pure data movement for the layout ops (PAD, STRIDED_SLICE, TRANSPOSE,
// CONCATENATION, SPLIT). Elements are moved as opaque bit patterns of 1, 2, 4 or 8
// bytes, so one implementation serves every element type and the results are exact
// by construction; the innermost contiguous runs are copied with memcpy.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace rf::kernels {

namespace detail {

/// Calls fn with a default-constructed unsigned integer of `elementSize` bytes.
template <typename Fn>
void withCarrier(size_t elementSize, Fn&& fn)
{
    switch (elementSize) {
    case 1: fn(uint8_t{}); break;
    case 2: fn(uint16_t{}); break;
    case 4: fn(uint32_t{}); break;
    default: fn(uint64_t{}); break;
    }
}

template <typename C>
void fillPattern(C* out, int64_t count, C value)
{
    for (int64_t i = 0; i < count; ++i) out[i] = value;
}

template <typename C>
void padVisit(const std::vector<int64_t>& inDims, const std::vector<int64_t>& before, const std::vector<int64_t>& after,
              const std::vector<int64_t>& outBlock, const std::vector<int64_t>& inBlock, size_t dim, const C* in, C* out,
              C padValue)
{
    const int64_t block = outBlock[dim];
    fillPattern(out, before[dim] * block, padValue);
    out += before[dim] * block;
    if (dim + 1 == inDims.size()) {
        std::memcpy(out, in, static_cast<size_t>(inDims[dim]) * sizeof(C));
        out += inDims[dim];
    } else {
        for (int64_t i = 0; i < inDims[dim]; ++i, out += block)
            padVisit(inDims, before, after, outBlock, inBlock, dim + 1, in + i * inBlock[dim], out, padValue);
    }
    fillPattern(out, after[dim] * block, padValue);
}

} // namespace detail

/// PAD: out has shape in + before + after per dimension; cells outside the input hold
/// `padValue` (the element's bytes, little-endian). Scalars (rank 0) are copied.
inline void pad(const void* input, void* output, const std::vector<int64_t>& inputDims, const std::vector<int64_t>& before,
                const std::vector<int64_t>& after, size_t elementSize, const void* padValue)
{
    detail::withCarrier(elementSize, [&](auto carrier) {
        using C = decltype(carrier);
        C value{};
        std::memcpy(&value, padValue, sizeof(C));
        const size_t rank = inputDims.size();
        if (rank == 0) {
            std::memcpy(output, input, sizeof(C));
            return;
        }
        // Elements per step of each dimension, in the output and in the input.
        std::vector<int64_t> outBlock(rank), inBlock(rank);
        int64_t outSize = 1, inSize = 1;
        for (size_t d = rank; d-- > 0;) {
            outBlock[d] = outSize;
            inBlock[d] = inSize;
            outSize *= before[d] + inputDims[d] + after[d];
            inSize *= inputDims[d];
        }
        if (inSize == 0) {
            detail::fillPattern(static_cast<C*>(output), outSize, value);
            return;
        }
        detail::padVisit(inputDims, before, after, outBlock, inBlock, 0, static_cast<const C*>(input),
                         static_cast<C*>(output), value);
    });
}

/// One dimension of a strided gather: `count` steps of `step` input elements from `start`.
struct GatherDim {
    int64_t start = 0;
    int64_t step = 1;
    int64_t count = 0;
};

namespace detail {
template <typename C>
C* gatherVisit(const std::vector<GatherDim>& dims, size_t dim, const C* in, C* out)
{
    const GatherDim& g = dims[dim];
    const C* base = in + g.start;
    if (dim + 1 == dims.size()) {
        if (g.step == 1) {
            std::memcpy(out, base, static_cast<size_t>(g.count) * sizeof(C));
            return out + g.count;
        }
        for (int64_t i = 0; i < g.count; ++i) *out++ = base[i * g.step];
        return out;
    }
    for (int64_t i = 0; i < g.count; ++i) out = gatherVisit(dims, dim + 1, base + i * g.step, out);
    return out;
}
} // namespace detail

/// Writes, in row-major order of the output, input[sum_d (start_d + i_d * step_d)] for
/// every index tuple i (0 <= i_d < count_d). Steps are in elements and already include
/// each dimension's input stride, so this covers strided slices (negative steps
/// included) and transposes. With no dimensions, copies one element.
inline void stridedGather(const void* input, void* output, const std::vector<GatherDim>& dims, size_t elementSize)
{
    detail::withCarrier(elementSize, [&](auto carrier) {
        using C = decltype(carrier);
        if (dims.empty()) {
            std::memcpy(output, input, sizeof(C));
            return;
        }
        for (const GatherDim& g : dims)
            if (g.count == 0) return;
        detail::gatherVisit(dims, 0, static_cast<const C*>(input), static_cast<C*>(output));
    });
}

/// CONCATENATION without rescaling: for each of `outer` blocks, the inputs' slices of
/// `inputRunBytes[i]` bytes follow each other in the output.
inline void concatenateBytes(const std::vector<const std::byte*>& inputs, const std::vector<size_t>& inputRunBytes,
                             int64_t outer, std::byte* output)
{
    for (int64_t k = 0; k < outer; ++k)
        for (size_t i = 0; i < inputs.size(); ++i) {
            std::memcpy(output, inputs[i] + static_cast<size_t>(k) * inputRunBytes[i], inputRunBytes[i]);
            output += inputRunBytes[i];
        }
}

/// SPLIT / SPLIT_V: the inverse of concatenateBytes.
inline void splitBytes(const std::byte* input, int64_t outer, const std::vector<size_t>& outputRunBytes,
                       const std::vector<std::byte*>& outputs)
{
    for (int64_t k = 0; k < outer; ++k)
        for (size_t i = 0; i < outputs.size(); ++i) {
            std::memcpy(outputs[i] + static_cast<size_t>(k) * outputRunBytes[i], input, outputRunBytes[i]);
            input += outputRunBytes[i];
        }
}

} // namespace rf::kernels
