#pragma once
// The single dispatch point between the convolution-family ops (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED) and the optimized kernels. An op asks in prepare()
// whether its node is covered (int8/uint8 with 32-bit accumulators and any of the three
// requantization flavours, or float32; one group; depth multiplier 1) and packs its
// weights once; eval() then runs the fast path, which gives the same bits as the
// reference kernel (tests/unit/tst_optimized_kernels and the golden/oracle tests).
// Setting RF_KERNELS=reference in the environment keeps every node on the reference
// kernels, for comparisons and bug reports.

#include <cstdint>
#include <memory>

#include "kernels/optimized/conv_geometry.h"
#include "kernels/optimized/depthwise.h"
#include "kernels/optimized/gemm_f32.h"
#include "kernels/optimized/gemm_s8.h"
#include "kernels/optimized/requantize_rows.h"
#include "kernels/reference/conv.h"
#include "kernels/requantize.h"

namespace rf {
class ThreadPool;
}

namespace rf::optimized {

/// False when RF_KERNELS=reference is set: then ops must not create fast paths.
bool optimizedKernelsEnabled();

/// The optimized kernels' view of the reference kernels' convolution shape.
ConvGeometry geometryFromShape(const kernels::ConvShape& shape);

/// The requantization of a quantized node, as its prepare() computed it.
struct QuantizedOutputSpec {
    requant::Flavour flavour = requant::Flavour::DoubleRounding;
    const requant::ChannelParams* channel = nullptr;
    int32_t outputZeroPoint = 0;
    int32_t activationMin = 0;
    int32_t activationMax = 0;
};

/// A quantized CONV_2D (one group) or FULLY_CONNECTED node.
class FastQuantizedConv {
public:
    /// Packs an OHWI (or [units][depth]) filter of int8 or uint8 values. For a fully
    /// connected node pass a 1x1 geometry with batch rows as pixels (see fullyConnected()).
    FastQuantizedConv(const ConvGeometry& geometry, int32_t outputChannels, const void* filter, bool isSigned,
                      int32_t filterOffset, int32_t inputOffset, const QuantizedOutputSpec& output);
    /// Computes the node's output; `bias` has one int32 per output channel or is null.
    void run(const void* input, const int32_t* bias, void* output, ThreadPool* pool) const;
    /// The geometry of a FULLY_CONNECTED with `rows` input rows of `depth` values.
    static ConvGeometry fullyConnected(int32_t rows, int32_t depth);

private:
    ConvGeometry geometry_;
    GemmS8Weights weights_;
    RowRequantizer requantizer_;
};

/// A quantized DEPTHWISE_CONV_2D node with depth multiplier 1.
class FastQuantizedDepthwise {
public:
    /// True when the filter size is within what the kernel handles.
    static bool supports(const ConvGeometry& geometry);
    FastQuantizedDepthwise(const ConvGeometry& geometry, const void* filter, bool isSigned, int32_t filterOffset,
                           int32_t inputOffset, const QuantizedOutputSpec& output);
    void run(const void* input, const int32_t* bias, void* output, ThreadPool* pool) const;

private:
    ConvGeometry geometry_;
    DepthwiseS8Weights weights_;
    RowRequantizer requantizer_;
};

/// A float CONV_2D (one group) or FULLY_CONNECTED node with constant weights and bias.
class FastFloatConv {
public:
    /// `xnnpackOrder`: sums start from the bias (XNNPACK's GEMM), else the bias is added last.
    FastFloatConv(const ConvGeometry& geometry, int32_t outputChannels, const float* filter, const float* bias,
                  float activationMin, float activationMax, bool xnnpackOrder);
    void run(const float* input, float* output, ThreadPool* pool) const;

private:
    ConvGeometry geometry_;
    GemmF32Weights weights_;
    float activationMin_;
    float activationMax_;
};

/// A float DEPTHWISE_CONV_2D node with depth multiplier 1 and constant weights and bias.
class FastFloatDepthwise {
public:
    /// `xnnpackOrder`: sums start from the bias and visit taps column by column (XNNPACK dwconv).
    FastFloatDepthwise(const ConvGeometry& geometry, const float* filter, const float* bias, float activationMin,
                       float activationMax, bool xnnpackOrder);
    void run(const float* input, float* output, ThreadPool* pool) const;

private:
    ConvGeometry geometry_;
    DepthwiseF32Weights weights_;
    float activationMin_;
    float activationMax_;
};

} // namespace rf::optimized
