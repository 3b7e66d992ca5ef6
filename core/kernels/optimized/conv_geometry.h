#pragma once
// The shape of a 2-D convolution as the optimized kernels see it (NHWC activations,
// OHWI filters, TFLite's padding convention already resolved to top/left offsets).

#include <cstdint>

namespace rf::optimized {

/// Sizes, strides, dilations and padding of one CONV_2D or DEPTHWISE_CONV_2D node.
struct ConvGeometry {
    int32_t batch = 1;
    int32_t inputHeight = 0;
    int32_t inputWidth = 0;
    int32_t inputChannels = 0;
    int32_t outputHeight = 0;
    int32_t outputWidth = 0;
    int32_t filterHeight = 1;
    int32_t filterWidth = 1;
    int32_t strideHeight = 1;
    int32_t strideWidth = 1;
    int32_t dilationHeight = 1;
    int32_t dilationWidth = 1;
    /// Rows/columns of implicit padding before the first input row/column.
    int32_t padTop = 0;
    int32_t padLeft = 0;

    /// Output pixels over the whole batch: the GEMM's row count.
    int64_t outputPixels() const { return int64_t{batch} * outputHeight * outputWidth; }
    /// Length of one im2col patch (filterHeight * filterWidth * inputChannels).
    int64_t patchSize() const { return int64_t{filterHeight} * filterWidth * inputChannels; }
    /// True when every output pixel reads exactly one input pixel's channels, in order.
    bool isPointwise() const
    {
        return filterHeight == 1 && filterWidth == 1 && padTop == 0 && padLeft == 0;
    }
};

} // namespace rf::optimized
