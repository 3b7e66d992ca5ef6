#pragma once
// QCustomPlot plots of analysis results. Each function clears `plot` and draws one
// figure from the plain snapshot structs of core/analysis, so the GUI (live widgets)
// and the batch HTML report (offscreen PNGs) show the same pictures.

#include <QByteArray>
#include <vector>

#include "analysis/analysis_result.h"

class QCustomPlot;

namespace rf::plots {

/// Histogram of a tensor's float values (bars), the representable range of its
/// quantization grid (shaded, with red clip lines at both ends) and, when the grid
/// is coarse enough to see, one tick per integer code.
void plotActivationHistogram(QCustomPlot& plot, const TensorReport& tensor);

/// SQNR (dB) per tensor in execution order, as bars; tensors without an error
/// (quantized-only analysis) or with infinite SQNR are left out.
void plotLayerSqnr(QCustomPlot& plot, const std::vector<TensorReport>& tensors);

/// Range utilization (share of codes used) and clipping rate per tensor.
void plotRangeUsage(QCustomPlot& plot, const std::vector<TensorReport>& tensors);

/// Per output channel: dequantized weight min..max (and float min..max when paired)
/// as bars, to spot channels whose range dwarfs the others.
void plotWeightChannels(QCustomPlot& plot, const WeightReport& weights);

/// Builtin vs XNNPACK drift per tensor: share of differing elements (bars) and the
/// largest difference in integer steps (line, right axis).
void plotDrift(QCustomPlot& plot, const DriftReport& drift);

/// Sensitivity: output SQNR when only this layer is quantized, per layer in rank order.
void plotSensitivity(QCustomPlot& plot, const SensitivityReport& sensitivity);

/// Renders a plot offscreen to PNG bytes of the given size (device pixels).
QByteArray renderPng(QCustomPlot& plot, int width, int height);

} // namespace rf::plots
