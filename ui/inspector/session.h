#pragma once
// The inspector's document: which models and images are open, how images are
// preprocessed, the user's range overrides, and the latest analysis. Everything the
// user chose is saved to and restored from a JSON project file; loaded graphs and
// results are copyable snapshots (shared, immutable) that background jobs read
// without locks.

#include "inspector/inspection.h"

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include <memory>

namespace rf::ui {

/// How the session's quantized model was made when it was quantized here (no file).
struct CalibrationChoice {
    /// rangeMethodName(): "minmax", "moving_average", "percentile", "kl", "mse".
    QString method = "minmax";
    double percentile = 99.99;
    /// quantModeName(): "INT8", "QUANTIZED_UINT8", "INT16X8", "DYNAMIC_RANGE", "FLOAT16".
    QString mode = "INT8";
    bool perChannel = true;
    /// `default_ranges_min/max` for tensors without statistics.
    std::optional<TensorRange> defaultRange;
    /// Calibration images; empty = the session's images.
    QStringList imagePaths;

    /// Field-wise equality (ranges compare min, max and origin).
    bool operator==(const CalibrationChoice& other) const;
};

/// What the user chose: the part of a session a project file holds.
struct SessionSettings {
    QString floatModelPath;
    QString quantModelPath;
    QStringList imagePaths;
    /// Optional class names, one per line (shown next to the top-5).
    QString labelsPath;
    ImageInputOptions preprocessing;
    RangeTable overrides;
    QString selectedLayer;
    /// Set when the quantized model was made in the session (quantModelPath is then empty).
    std::optional<CalibrationChoice> calibration;

    /// The project file's JSON ("format": "rangefinder-session", "version": 1).
    /// Paths are stored relative to `baseDir` when below it.
    QJsonObject toJson(const QString& baseDir) const;
    /// Reads a project file's JSON; the error names the offending key.
    static Result<SessionSettings> fromJson(const QJsonObject& json, const QString& baseDir);

    /// Field-wise equality (what a save and restore must preserve).
    bool operator==(const SessionSettings& other) const;
};

/// The open session. Lives on the UI thread; emits signals when any part changes.
class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);

    const SessionSettings& settings() const { return settings_; }
    std::shared_ptr<const Graph> floatGraph() const { return floatGraph_; }
    std::shared_ptr<const Graph> quantGraph() const { return quantGraph_; }
    std::shared_ptr<const InspectionResult> result() const { return result_; }
    const QStringList& labels() const { return labels_; }

    /// Installs a loaded model (the graph's sourcePath is the file); null closes it.
    void setFloatModel(const QString& path, std::shared_ptr<const Graph> graph);
    void setQuantModel(const QString& path, std::shared_ptr<const Graph> graph);
    /// Installs a quantized model made in the session by `choice` (no file yet).
    void setCalibratedModel(const CalibrationChoice& choice, std::shared_ptr<const Graph> graph);
    void setImages(const QStringList& paths);
    void setLabelsPath(const QString& path);
    void setPreprocessing(const ImageInputOptions& options);
    /// Sets (or with nullopt removes) the range override of one tensor.
    void setOverride(const std::string& tensorName, std::optional<TensorRange> range);
    void setSelectedLayer(const QString& name);
    /// Installs a new analysis (null clears it). Not a user edit: leaves the dirty flag.
    void setResult(std::shared_ptr<const InspectionResult> result);
    /// Replaces the whole settings (restoring a project); graphs and results are cleared.
    void restore(const SessionSettings& settings, const QString& projectPath);
    /// Empties the session.
    void clear();

    /// Saves the settings atomically to `path` and marks the session clean.
    Status save(const QString& path);
    /// Reads a project file (models are not loaded here; the caller loads them).
    static Result<SessionSettings> readProject(const QString& path);

    bool isDirty() const { return dirty_; }
    /// Marks the session as saved (after restoring parts of it that were not edits).
    void markClean();
    const QString& projectPath() const { return projectPath_; }

signals:
    void modelsChanged();
    void imagesChanged();
    void overridesChanged(const QString& tensorName);
    void resultChanged();
    void selectedLayerChanged(const QString& name);
    void dirtyChanged(bool dirty);

private:
    void markDirty();
    void readLabels();

    SessionSettings settings_;
    std::shared_ptr<const Graph> floatGraph_;
    std::shared_ptr<const Graph> quantGraph_;
    std::shared_ptr<const InspectionResult> result_;
    QStringList labels_;
    QString projectPath_;
    bool dirty_ = false;
};

} // namespace rf::ui
