#pragma once
// The arithmetic the TFLite converter (MLIR quantizer) uses to turn float ranges and
// float constants into quantized ones. Scales are computed in double, as MLIR's
// quantized types hold them, and only rounded to float when stored in a tensor.

#include <cstdint>
#include <span>
#include <vector>

namespace rf {

/// One scale and zero point, scale still in double precision.
struct AffineParams {
    double scale = 1.0;
    int64_t zeroPoint = 0;
};

/// Asymmetric parameters for the float range [rmin, rmax] over the integer range
/// [qmin, qmax], as mlir::quant::fakeQuantAttrsToType does: scale = (rmax - rmin) /
/// (qmax - qmin), the zero point taken from whichever end has the smaller error and
/// nudged to an integer inside [qmin, qmax]; a range narrower than double epsilon
/// gives scale 1 and zero point qmin. The range is first widened to contain 0.
AffineParams asymmetricParams(double rmin, double rmax, int64_t qmin, int64_t qmax);

/// Symmetric parameters (zero point 0) covering [-maxAbs, maxAbs] with [-qmax, qmax]:
/// scale = 2 * maxAbs / (2 * qmax) in double; maxAbs == 0 gives scale 1.
AffineParams symmetricParams(double maxAbs, int64_t qmax);

/// Quantizes one float like MLIR's UniformQuantizedValueConverter: value / scale +
/// zeroPoint in double, rounded half away from zero, clamped to [qmin, qmax].
int64_t quantizeToInt(float value, double scale, int64_t zeroPoint, int64_t qmin, int64_t qmax);

/// Per-channel symmetric quantization of a float constant along `axis` of `shape`
/// (TFLite per-axis weights): one scale per slice from its max |w|, computed in float
/// as the converter's DownCastScale does (2 max|w| / (2 qmax); 1 for an all-zero
/// slice), values round(w / scale) half away from zero in [-qmax, qmax]. With
/// perChannel false one scale covers the whole tensor.
struct QuantizedWeights {
    std::vector<double> scales;
    std::vector<int64_t> values;
};
QuantizedWeights quantizeSymmetric(std::span<const float> data, std::span<const int32_t> shape, int axis,
                                   bool perChannel, int64_t qmax);

/// Per-tensor asymmetric quantization of a float constant over [qmin, qmax] from its
/// own min/max (widened to contain 0): legacy uint8 weights and constant operands.
struct QuantizedConstant {
    AffineParams params;
    std::vector<int64_t> values;
};
QuantizedConstant quantizeAsymmetric(std::span<const float> data, int64_t qmin, int64_t qmax);

} // namespace rf

namespace rf {

/// IEEE binary16 bits of a float, rounded to nearest even (as numpy and Eigen do when
/// the converter writes float16 constants); overflow gives infinity.
uint16_t floatToHalf(float value);
/// The float value of IEEE binary16 bits (exact).
float halfToFloat(uint16_t bits);

} // namespace rf
