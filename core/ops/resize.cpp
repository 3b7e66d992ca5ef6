#include "ops/resize.h"

#include "kernels/reference/resize.h"
#include "ops/layout_common.h"

namespace rf {

namespace {

using layout::inputLabel;

class ResizeKernel : public OpKernel {
public:
    explicit ResizeKernel(bool bilinear) : bilinear_(bilinear) {}

    Status prepare(OpContext& ctx) override
    {
        RF_RETURN_IF_ERROR(ctx.expectArity(2, 2, 1));
        RF_RETURN_IF_ERROR(ctx.expectInputType(0, {DType::Float32, DType::UInt8, DType::Int8, DType::Int16}));
        RF_RETURN_IF_ERROR(layout::expectOutputTypeMatchesInput(ctx));
        dtype_ = ctx.inputTensor(0).dtype;
        const Shape& shape = ctx.input(0).shape();
        if (shape.size() != 4)
            return ctx.error(inputLabel(ctx, 0) + " has shape " + shapeToString(shape) + "; resizes need a 4-D NHWC tensor");
        if (ctx.inputTensor(1).dtype != DType::Int32 || ctx.input(1).rank() != 1 || ctx.input(1).elementCount() != 2)
            return ctx.error("the size " + inputLabel(ctx, 1) + " must be a 1-D int32 tensor of two values");
        RF_ASSIGN_OR_RETURN(const std::vector<int64_t> size, layout::constantIntegers(ctx, 1, "the size"));
        if (size[0] <= 0 || size[1] <= 0 || size[0] > (1 << 15) || size[1] > (1 << 15))
            return ctx.error("the output size " + std::to_string(size[0]) + "x" + std::to_string(size[1]) +
                             " is not a positive size TFLite's resize kernels handle");
        const OpAttributes& attrs = ctx.op().attrs;
        g_.batches = shape[0];
        g_.inputHeight = shape[1];
        g_.inputWidth = shape[2];
        g_.channels = shape[3];
        g_.outputHeight = static_cast<int>(size[0]);
        g_.outputWidth = static_cast<int>(size[1]);
        g_.alignCorners = attrs.alignCorners;
        g_.halfPixelCenters = attrs.halfPixelCenters;
        if (g_.inputHeight <= 0 || g_.inputWidth <= 0 || g_.inputHeight > (1 << 14) || g_.inputWidth > (1 << 14))
            return ctx.error(inputLabel(ctx, 0) + " of shape " + shapeToString(shape) + " cannot be resized");

        if (bilinear_) {
            if (g_.alignCorners && g_.halfPixelCenters)
                return ctx.error("half_pixel_centers and align_corners cannot both be set on RESIZE_BILINEAR");
            // The XNNPACK delegate takes float32, int8 and uint8 bilinear resizes.
            xnnpack_ = ctx.mode() == KernelMode::Xnnpack && dtype_ != DType::Int16;
            exactDouble_ = dtype_ == DType::Float32 && !g_.alignCorners && !g_.halfPixelCenters &&
                           g_.outputHeight == 2 * g_.inputHeight && g_.outputWidth == 2 * g_.inputWidth;
            // TFLite's uint8 kernel has a dedicated 8x half-pixel upsampler (ResizeBilinear888Uint8)
            // whose incremental 8.8 fixed-point arithmetic is not reproduced here.
            if (!xnnpack_ && dtype_ == DType::UInt8 && !g_.alignCorners && g_.halfPixelCenters && g_.channels % 8 == 0) {
                const int scale = g_.outputHeight / g_.inputHeight;
                if (scale == 8 && g_.outputHeight >= 8 && g_.outputWidth >= 8 && g_.inputHeight * 8 == g_.outputHeight &&
                    g_.inputWidth * 8 == g_.outputWidth)
                    return ctx.error("uint8 8x half-pixel bilinear upsampling (TFLite's special 8x kernel) is not supported");
            }
        } else {
            fixedPointNearest_ = dtype_ == DType::UInt8 && !g_.alignCorners && !g_.halfPixelCenters;
        }
        return ctx.setOutputShape(0, {g_.batches, g_.outputHeight, g_.outputWidth, g_.channels});
    }

    void eval(OpContext& ctx) override
    {
        const TensorValue& in = ctx.input(0);
        TensorValue& out = ctx.output(0);
        if (!bilinear_) {
            kernels::resizeNearestNeighbor(g_, in.bytes(), out.bytes(), dtypeSize(dtype_), fixedPointNearest_);
            return;
        }
        if (xnnpack_) {
            if (dtype_ == DType::Float32) kernels::xnnpackResizeBilinear(g_, in.data<float>(), out.data<float>());
            else if (dtype_ == DType::Int8) kernels::xnnpackResizeBilinear(g_, in.data<int8_t>(), out.data<int8_t>());
            else kernels::xnnpackResizeBilinear(g_, in.data<uint8_t>(), out.data<uint8_t>());
            return;
        }
        switch (dtype_) {
        case DType::Float32:
            if (exactDouble_) kernels::resizeBilinear2x2F32(g_, in.data<float>(), out.data<float>());
            else kernels::resizeBilinearFloatWeights(g_, in.data<float>(), out.data<float>(), 0.0f);
            break;
        case DType::UInt8: kernels::resizeBilinearFloatWeights(g_, in.data<uint8_t>(), out.data<uint8_t>(), 0.5f); break;
        case DType::Int8: kernels::resizeBilinearInteger(g_, in.data<int8_t>(), out.data<int8_t>()); break;
        case DType::Int16: kernels::resizeBilinearInteger(g_, in.data<int16_t>(), out.data<int16_t>()); break;
        default: break;
        }
    }

private:
    bool bilinear_;
    DType dtype_ = DType::Unknown;
    kernels::ResizeGeometry g_;
    bool exactDouble_ = false;
    bool xnnpack_ = false;
    bool fixedPointNearest_ = false;
};

} // namespace

std::unique_ptr<OpKernel> makeResizeBilinearKernel()
{
    return std::make_unique<ResizeKernel>(true);
}

std::unique_ptr<OpKernel> makeResizeNearestNeighborKernel()
{
    return std::make_unique<ResizeKernel>(false);
}

} // namespace rf
