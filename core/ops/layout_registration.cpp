#include "ops/concatenation.h"
#include "ops/mean.h"
#include "ops/pad.h"
#include "ops/pooling.h"
#include "ops/registry.h"
#include "ops/reshape.h"
#include "ops/resize.h"
#include "ops/split.h"
#include "ops/squeeze.h"
#include "ops/strided_slice.h"
#include "ops/transpose.h"

namespace rf {

void registerLayoutOps(OpRegistry& registry)
{
    registry.add(OpType::AveragePool2D, &makeAveragePool2DKernel);
    registry.add(OpType::MaxPool2D, &makeMaxPool2DKernel);
    registry.add(OpType::Mean, &makeMeanKernel);
    registry.add(OpType::Concatenation, &makeConcatenationKernel);
    registry.add(OpType::Split, &makeSplitKernel);
    registry.add(OpType::SplitV, &makeSplitVKernel);
    registry.add(OpType::Pad, &makePadKernel);
    registry.add(OpType::PadV2, &makePadKernel);
    registry.add(OpType::Reshape, &makeReshapeKernel);
    registry.add(OpType::Squeeze, &makeSqueezeKernel);
    registry.add(OpType::StridedSlice, &makeStridedSliceKernel);
    registry.add(OpType::Transpose, &makeTransposeKernel);
    registry.add(OpType::ResizeBilinear, &makeResizeBilinearKernel);
    registry.add(OpType::ResizeNearestNeighbor, &makeResizeNearestNeighborKernel);
}

} // namespace rf
