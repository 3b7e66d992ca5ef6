#pragma once
// The inspector's calibrate -> quantize -> export flow, composed from the core's
// converter passes, calibration, range policies, quantizer and TFLite writer.
// Qt-free; the dialogs run these functions as background jobs.

#include "inspector/inspection.h"

#include "quant/calibration_statistics.h"
#include "quant/quantize_options.h"
#include "quant/range_policies.h"

#include <functional>
#include <memory>

namespace rf::ui {

/// What calibration needs.
struct CalibrationRequest {
    std::shared_ptr<const Graph> floatGraph;
    std::vector<std::string> imagePaths;
    ImageInputOptions preprocessing;
    RangePolicy policy;
    /// User ranges by float tensor name (tensors the converted graph lacks are reported, not fatal).
    RangeTable overrides;
    QuantizeOptions options;
    /// Statistics of an earlier calibration of the same float graph, images and
    /// preprocessing: when set, the images are not run again (a new range override only
    /// needs new ranges and a new quantization).
    std::shared_ptr<const CalibrationStatistics> reuseStatistics;
};

/// A quantized graph made in the session, with how it was made.
struct CalibrationOutcome {
    std::shared_ptr<const Graph> quantGraph;
    RangeTable ranges;
    /// Warnings of the range policy and the quantizer, and overrides that named no tensor.
    std::vector<std::string> warnings;
    size_t samples = 0;
    std::string summary;
    /// The statistics the ranges came from (for reuseStatistics).
    std::shared_ptr<const CalibrationStatistics> statistics;
};

/// Runs the converter passes on a copy of the float graph, calibrates it on the images
/// (progress per image through `onImage`), chooses ranges and quantizes.
Result<CalibrationOutcome> calibrateAndQuantize(const CalibrationRequest& request, const RunControl* control,
                                                const std::function<void(size_t, size_t)>& onImage = {});

/// What an export wrote and how the check went.
struct ExportOutcome {
    std::string path;
    size_t bytes = 0;
    /// The model as read back from disk.
    std::shared_ptr<const Graph> reloaded;
    /// Images on which the reloaded model's output equals the in-session model's bit for bit.
    size_t identicalImages = 0;
    size_t images = 0;
    std::string summary;
};

/// A one-paragraph description of what exportModel() would write.
std::string describeExport(const Graph& quantGraph, const std::string& path);

/// Writes `quantGraph` to `path` atomically (replacing an existing file only when
/// `overwrite`), reads it back, and runs both on the images to check that the file
/// reproduces the session's model. Errors name the file.
Result<ExportOutcome> exportModel(const Graph& quantGraph, const std::string& path, bool overwrite,
                                  const std::vector<std::string>& imagePaths, const ImageInputOptions& preprocessing,
                                  const std::string& producedBy, const RunControl* control = nullptr);

} // namespace rf::ui
