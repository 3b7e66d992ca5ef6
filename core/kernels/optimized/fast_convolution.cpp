#include "kernels/optimized/fast_convolution.h"

#include <cstdlib>
#include <cstring>

namespace rf::optimized {

namespace {

RowRequantizer makeRequantizer(const QuantizedOutputSpec& output, int32_t channels, bool isSigned)
{
    return makeRowRequantizer(output.flavour, *output.channel, channels, isSigned, output.outputZeroPoint,
                              output.activationMin, output.activationMax);
}

} // namespace

bool optimizedKernelsEnabled()
{
    static const bool enabled = [] {
        const char* value = std::getenv("RF_KERNELS");
        return !(value && std::strcmp(value, "reference") == 0);
    }();
    return enabled;
}

ConvGeometry geometryFromShape(const kernels::ConvShape& shape)
{
    ConvGeometry g;
    g.batch = shape.batches;
    g.inputHeight = shape.inputHeight;
    g.inputWidth = shape.inputWidth;
    g.inputChannels = shape.inputChannels;
    g.outputHeight = shape.outputHeight;
    g.outputWidth = shape.outputWidth;
    g.filterHeight = shape.filterHeight;
    g.filterWidth = shape.filterWidth;
    g.strideHeight = shape.strideHeight;
    g.strideWidth = shape.strideWidth;
    g.dilationHeight = shape.dilationHeight;
    g.dilationWidth = shape.dilationWidth;
    g.padTop = shape.padTop;
    g.padLeft = shape.padLeft;
    return g;
}

FastQuantizedConv::FastQuantizedConv(const ConvGeometry& geometry, int32_t outputChannels, const void* filter,
                                     bool isSigned, int32_t filterOffset, int32_t inputOffset,
                                     const QuantizedOutputSpec& output)
    : geometry_(geometry),
      weights_(packGemmS8Weights(GemmS8Spec{filter, isSigned, outputChannels, static_cast<int32_t>(geometry.patchSize()),
                                            filterOffset, isSigned, inputOffset, nullptr})),
      requantizer_(makeRequantizer(output, outputChannels, isSigned))
{
}

ConvGeometry FastQuantizedConv::fullyConnected(int32_t rows, int32_t depth)
{
    ConvGeometry g;
    g.inputHeight = g.outputHeight = 1;
    g.inputWidth = g.outputWidth = rows;
    g.inputChannels = depth;
    return g;
}

void FastQuantizedConv::run(const void* input, const int32_t* bias, void* output, ThreadPool* pool) const
{
    auto* out = static_cast<uint8_t*>(output);
    const int64_t channels = weights_.n;
    conv2dS8(weights_, geometry_, input, pool, [&](int64_t first, int64_t count, const int32_t* acc, int64_t stride) {
        requantizeRows(requantizer_, acc, stride, bias, count, out + first * channels, channels);
    });
}

bool FastQuantizedDepthwise::supports(const ConvGeometry& geometry)
{
    return int64_t{geometry.filterHeight} * geometry.filterWidth <= kMaxDepthwiseTaps;
}

FastQuantizedDepthwise::FastQuantizedDepthwise(const ConvGeometry& geometry, const void* filter, bool isSigned,
                                               int32_t filterOffset, int32_t inputOffset,
                                               const QuantizedOutputSpec& output)
    : geometry_(geometry),
      weights_(packDepthwiseS8Weights(filter, isSigned, geometry.inputChannels, geometry.filterHeight,
                                      geometry.filterWidth, filterOffset, isSigned, inputOffset, nullptr)),
      requantizer_(makeRequantizer(output, geometry.inputChannels, isSigned))
{
}

void FastQuantizedDepthwise::run(const void* input, const int32_t* bias, void* output, ThreadPool* pool) const
{
    auto* out = static_cast<uint8_t*>(output);
    const int64_t channels = weights_.channels;
    depthwiseConv2dS8(weights_, geometry_, input, pool,
                      [&](int64_t first, int64_t count, const int32_t* acc, int64_t stride) {
                          requantizeRows(requantizer_, acc, stride, bias, count, out + first * channels, channels);
                      });
}

FastFloatConv::FastFloatConv(const ConvGeometry& geometry, int32_t outputChannels, const float* filter,
                             const float* bias, float activationMin, float activationMax, bool xnnpackOrder)
    : geometry_(geometry),
      weights_(packGemmF32Weights(filter, outputChannels, static_cast<int32_t>(geometry.patchSize()), bias,
                                  xnnpackOrder)),
      activationMin_(activationMin),
      activationMax_(activationMax)
{
}

void FastFloatConv::run(const float* input, float* output, ThreadPool* pool) const
{
    conv2dF32(weights_, geometry_, input, activationMin_, activationMax_, output, pool);
}

FastFloatDepthwise::FastFloatDepthwise(const ConvGeometry& geometry, const float* filter, const float* bias,
                                       float activationMin, float activationMax, bool xnnpackOrder)
    : geometry_(geometry),
      weights_(packDepthwiseF32Weights(filter, geometry.inputChannels, geometry.filterHeight, geometry.filterWidth,
                                       bias, xnnpackOrder)),
      activationMin_(activationMin),
      activationMax_(activationMax)
{
}

void FastFloatDepthwise::run(const float* input, float* output, ThreadPool* pool) const
{
    depthwiseConv2dF32(weights_, geometry_, input, activationMin_, activationMax_, output, pool);
}

} // namespace rf::optimized
