#pragma once
// NumPy-style broadcasting of two operands for the binary elementwise ops (ADD, SUB,
// MUL, MAXIMUM, ...), up to rank 6 as TFLite's BroadcastXXX6DSlow kernels allow.
//
// The plan collapses adjacent dimensions that broadcast the same way, so that the
// innermost run is as long as possible; kernels then walk "rows" whose operands
// advance with stride 0 (broadcast) or 1 (contiguous). Every elementwise op computes
// each output element independently, so the visiting order does not change any bits.

#include <array>
#include <cstdint>
#include <optional>

#include "ir/tensor.h"

namespace rf::kernels {

/// The highest rank the binary elementwise ops accept (TFLite: 6 for ADD/SUB/MUL).
inline constexpr int kMaxBroadcastRank = 6;

/// The broadcast output shape of `a` and `b` (dimensions aligned at the back; each
/// pair equal or one of them 1), or nullopt when the shapes are incompatible.
inline std::optional<Shape> broadcastShape(const Shape& a, const Shape& b)
{
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank, 1);
    for (size_t i = 0; i < rank; ++i) {
        const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (da == db || db == 1)
            out[i] = da;
        else if (da == 1)
            out[i] = db;
        else
            return std::nullopt;
    }
    return out;
}

/// How to walk two broadcast operands: collapsed output dimensions and, for each
/// operand, the element stride of every dimension (0 where it is broadcast).
struct BroadcastPlan {
    int rank = 0;
    std::array<int64_t, kMaxBroadcastRank + 1> dims{};
    std::array<int64_t, kMaxBroadcastRank + 1> strideA{};
    std::array<int64_t, kMaxBroadcastRank + 1> strideB{};
    /// Total number of output elements.
    int64_t count = 0;
    /// True when both operands have the output's element count (plain elementwise).
    bool elementwise = false;
};

/// Builds the walk for operands of shapes `a` and `b` (which must be broadcastable).
inline BroadcastPlan makeBroadcastPlan(const Shape& a, const Shape& b)
{
    BroadcastPlan plan;
    const Shape out = *broadcastShape(a, b);
    const size_t rank = out.size();
    plan.count = elementCount(out);
    plan.elementwise = elementCount(a) == plan.count && elementCount(b) == plan.count;
    // Per-dimension "present" flags (dimension > 1 in the operand), then natural strides.
    std::array<int64_t, kMaxBroadcastRank + 1> dims{}, sa{}, sb{};
    int n = 0;
    int64_t strideOfA = 1, strideOfB = 1;
    // Walk from the innermost dimension outwards, merging dimensions whose
    // broadcast pattern matches the previous (inner) one.
    std::array<int64_t, kMaxBroadcastRank + 1> rdims{}, rsa{}, rsb{};
    for (size_t k = 0; k < rank; ++k) {
        const size_t i = rank - 1 - k;
        const int64_t d = out[i];
        if (d == 1) continue; // Size-1 output dimensions do not affect addressing.
        const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        const int64_t stepA = da == 1 ? 0 : strideOfA;
        const int64_t stepB = db == 1 ? 0 : strideOfB;
        if (n > 0) {
            // Mergeable when each operand either is broadcast in both dimensions or
            // is contiguous across them.
            const bool mergeA = (stepA == 0 && rsa[n - 1] == 0) || (stepA != 0 && rsa[n - 1] != 0 && stepA == rsa[n - 1] * rdims[n - 1]);
            const bool mergeB = (stepB == 0 && rsb[n - 1] == 0) || (stepB != 0 && rsb[n - 1] != 0 && stepB == rsb[n - 1] * rdims[n - 1]);
            if (mergeA && mergeB) {
                rdims[n - 1] *= d;
                strideOfA *= da;
                strideOfB *= db;
                continue;
            }
        }
        rdims[n] = d;
        rsa[n] = stepA;
        rsb[n] = stepB;
        ++n;
        strideOfA *= da;
        strideOfB *= db;
    }
    if (n == 0) { // Scalar output.
        rdims[0] = 1;
        rsa[0] = 0;
        rsb[0] = 0;
        n = 1;
    }
    for (int k = 0; k < n; ++k) {
        dims[k] = rdims[n - 1 - k];
        sa[k] = rsa[n - 1 - k];
        sb[k] = rsb[n - 1 - k];
    }
    plan.rank = n;
    plan.dims = dims;
    plan.strideA = sa;
    plan.strideB = sb;
    return plan;
}

/// Calls `row(outOffset, aOffset, bOffset, count, aStep, bStep)` for every innermost
/// run of the plan, in output order. aStep / bStep are 0 (broadcast) or the element
/// stride of that operand along the run.
template <typename RowFn>
inline void forEachBroadcastRow(const BroadcastPlan& plan, RowFn&& row)
{
    const int last = plan.rank - 1;
    const int64_t inner = plan.dims[last];
    int64_t outerCount = 1;
    for (int k = 0; k < last; ++k) outerCount *= plan.dims[k];
    std::array<int64_t, kMaxBroadcastRank + 1> index{};
    int64_t offA = 0, offB = 0, offOut = 0;
    for (int64_t r = 0; r < outerCount; ++r) {
        row(offOut, offA, offB, inner, plan.strideA[last], plan.strideB[last]);
        offOut += inner;
        // Odometer increment over the outer dimensions.
        for (int k = last - 1; k >= 0; --k) {
            ++index[k];
            offA += plan.strideA[k];
            offB += plan.strideB[k];
            if (index[k] < plan.dims[k]) break;
            offA -= plan.strideA[k] * plan.dims[k];
            offB -= plan.strideB[k] * plan.dims[k];
            index[k] = 0;
        }
    }
}

/// Applies `op(a, b)` over two broadcast operands into `out`.
template <typename TA, typename TB, typename TOut, typename Op>
inline void broadcastBinary(const BroadcastPlan& plan, const TA* a, const TB* b, TOut* out, Op&& op)
{
    if (plan.elementwise) {
        for (int64_t i = 0; i < plan.count; ++i) out[i] = op(a[i], b[i]);
        return;
    }
    forEachBroadcastRow(plan, [&](int64_t o, int64_t ia, int64_t ib, int64_t n, int64_t sa, int64_t sb) {
        const TA* pa = a + ia;
        const TB* pb = b + ib;
        TOut* po = out + o;
        if (sa == 1 && sb == 1) {
            for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], pb[i]);
        } else if (sa == 0 && sb == 1) {
            const TA va = *pa;
            for (int64_t i = 0; i < n; ++i) po[i] = op(va, pb[i]);
        } else if (sa == 1 && sb == 0) {
            const TB vb = *pb;
            for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i], vb);
        } else {
            for (int64_t i = 0; i < n; ++i) po[i] = op(pa[i * sa], pb[i * sb]);
        }
    });
}

} // namespace rf::kernels
