#include "quant/calibration_run.h"

#include <string>

namespace rf {

Result<CalibrationStatistics> runCalibration(Interpreter& interpreter, const CalibrationInputProvider& provider,
                                             const CalibrationRunOptions& options)
{
    const Graph& graph = interpreter.graph();
    if (!provider) return Status::error(graph.sourcePath + ": calibration needs an input provider");
    if (options.sampleCount == 0)
        return Status::error(graph.sourcePath + ": calibration needs at least one sample");
    CalibrationObserver observer(graph, options.observer);
    // The interpreter only sees the cancel flag: progress is reported per sample here,
    // not per op.
    RunControl invokeControl;
    if (options.control) invokeControl.cancel = options.control->cancel;
    for (size_t i = 0; i < options.sampleCount; ++i) {
        const std::string label =
            graph.sourcePath + ": calibration sample " + std::to_string(i + 1) + " of " + std::to_string(options.sampleCount);
        if (invokeControl.cancel && invokeControl.cancel->load(std::memory_order_relaxed))
            return Status::error(label + ": cancelled");
        RF_RETURN_IF_ERROR(provider(i, interpreter).withContext(label));
        Status status = interpreter.invoke(&observer, &invokeControl);
        if (!status.isOk()) return status.withContext(label);
        observer.finishSample();
        if (options.control && options.control->onProgress) options.control->onProgress(i + 1, options.sampleCount);
    }
    return observer.takeStatistics();
}

} // namespace rf
