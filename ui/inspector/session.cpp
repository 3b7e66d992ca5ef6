#include "inspector/session.h"

#include "quant/quantize_options.h"
#include "quant/range_policies.h"
#include "util/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTextStream>

namespace rf::ui {

namespace {

QString storedPath(const QString& path, const QString& baseDir)
{
    if (path.isEmpty() || baseDir.isEmpty()) return path;
    const QString relative = QDir(baseDir).relativeFilePath(path);
    return relative.startsWith("..") ? QFileInfo(path).absoluteFilePath() : relative;
}

QString resolvedPath(const QString& stored, const QString& baseDir)
{
    if (stored.isEmpty() || QFileInfo(stored).isAbsolute() || baseDir.isEmpty()) return stored;
    return QDir::cleanPath(QDir(baseDir).filePath(stored));
}

QJsonArray floats(const std::array<float, 3>& values)
{
    return QJsonArray{values[0], values[1], values[2]};
}

std::string originName(RangeOrigin origin) { return std::string(rangeOriginName(origin)); }

bool sameRange(const TensorRange& a, const TensorRange& b)
{
    return a.min == b.min && a.max == b.max && a.origin == b.origin;
}

bool sameRange(const std::optional<TensorRange>& a, const std::optional<TensorRange>& b)
{
    return a.has_value() == b.has_value() && (!a || sameRange(*a, *b));
}

} // namespace

bool CalibrationChoice::operator==(const CalibrationChoice& o) const
{
    return method == o.method && percentile == o.percentile && mode == o.mode && perChannel == o.perChannel &&
           sameRange(defaultRange, o.defaultRange) && imagePaths == o.imagePaths;
}

bool SessionSettings::operator==(const SessionSettings& o) const
{
    if (overrides.size() != o.overrides.size()) return false;
    for (auto a = overrides.begin(), b = o.overrides.begin(); a != overrides.end(); ++a, ++b)
        if (a->first != b->first || !sameRange(a->second, b->second)) return false;
    return floatModelPath == o.floatModelPath && quantModelPath == o.quantModelPath && imagePaths == o.imagePaths &&
           labelsPath == o.labelsPath && preprocessing.mean == o.preprocessing.mean &&
           preprocessing.stddev == o.preprocessing.stddev &&
           preprocessing.integerEncoding == o.preprocessing.integerEncoding && selectedLayer == o.selectedLayer &&
           calibration == o.calibration;
}

QJsonObject SessionSettings::toJson(const QString& baseDir) const
{
    QJsonObject json;
    json["format"] = "rangefinder-session";
    json["version"] = 1;
    json["float_model"] = storedPath(floatModelPath, baseDir);
    json["quant_model"] = storedPath(quantModelPath, baseDir);
    QJsonArray images;
    for (const QString& path : imagePaths) images.append(storedPath(path, baseDir));
    json["images"] = images;
    json["labels"] = storedPath(labelsPath, baseDir);
    QJsonObject pre;
    pre["mean"] = floats(preprocessing.mean);
    pre["stddev"] = floats(preprocessing.stddev);
    pre["integer_encoding"] =
        preprocessing.integerEncoding == ImageInputOptions::IntegerEncoding::RawPixels ? "raw_pixels" : "quantize";
    json["preprocessing"] = pre;
    QJsonObject overrideJson;
    for (const auto& [name, range] : overrides)
        overrideJson[QString::fromStdString(name)] =
            QJsonObject{{"min", range.min}, {"max", range.max}, {"origin", QString::fromStdString(originName(range.origin))}};
    json["overrides"] = overrideJson;
    json["selected_layer"] = selectedLayer;
    if (calibration) {
        QJsonObject c{{"method", calibration->method},
                      {"percentile", calibration->percentile},
                      {"mode", calibration->mode},
                      {"per_channel", calibration->perChannel}};
        if (calibration->defaultRange)
            c["default_range"] = QJsonArray{calibration->defaultRange->min, calibration->defaultRange->max};
        QJsonArray images;
        for (const QString& path : calibration->imagePaths) images.append(storedPath(path, baseDir));
        c["images"] = images;
        json["calibration"] = c;
    }
    return json;
}

Result<SessionSettings> SessionSettings::fromJson(const QJsonObject& json, const QString& baseDir)
{
    if (json.value("format").toString() != "rangefinder-session")
        return Status::error("not a Rangefinder session (\"format\" is not \"rangefinder-session\")");
    if (json.value("version").toInt(-1) != 1)
        return Status::error("unsupported session version " + std::to_string(json.value("version").toInt(-1)) +
                             " (this build reads version 1)");
    SessionSettings s;
    s.floatModelPath = resolvedPath(json.value("float_model").toString(), baseDir);
    s.quantModelPath = resolvedPath(json.value("quant_model").toString(), baseDir);
    if (!json.value("images").isArray() && !json.value("images").isUndefined())
        return Status::error("\"images\" must be an array of paths");
    for (const QJsonValue& v : json.value("images").toArray()) {
        if (!v.isString()) return Status::error("\"images\" must be an array of paths");
        s.imagePaths.append(resolvedPath(v.toString(), baseDir));
    }
    s.labelsPath = resolvedPath(json.value("labels").toString(), baseDir);
    const QJsonObject pre = json.value("preprocessing").toObject();
    for (const char* key : {"mean", "stddev"}) {
        if (!pre.contains(key)) continue;
        const QJsonArray a = pre.value(key).toArray();
        if (a.size() != 3) return Status::error("\"preprocessing." + std::string(key) + "\" must hold 3 numbers");
        std::array<float, 3>& target = std::string(key) == "mean" ? s.preprocessing.mean : s.preprocessing.stddev;
        for (int i = 0; i < 3; ++i) target[size_t(i)] = static_cast<float>(a[i].toDouble());
    }
    for (float sd : s.preprocessing.stddev)
        if (sd == 0.0f) return Status::error("\"preprocessing.stddev\" must not contain 0");
    const QString encoding = pre.value("integer_encoding").toString("quantize");
    if (encoding == "raw_pixels") s.preprocessing.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
    else if (encoding != "quantize")
        return Status::error("\"preprocessing.integer_encoding\" must be \"quantize\" or \"raw_pixels\", not \"" +
                             encoding.toStdString() + "\"");
    const QJsonObject overrides = json.value("overrides").toObject();
    for (auto it = overrides.begin(); it != overrides.end(); ++it) {
        const QJsonObject r = it.value().toObject();
        if (!r.value("min").isDouble() || !r.value("max").isDouble())
            return Status::error("override of \"" + it.key().toStdString() + "\" needs numeric \"min\" and \"max\"");
        TensorRange range{static_cast<float>(r.value("min").toDouble()), static_cast<float>(r.value("max").toDouble()),
                          RangeOrigin::Override};
        if (!(range.min <= range.max))
            return Status::error("override of \"" + it.key().toStdString() + "\" has min > max");
        s.overrides[it.key().toStdString()] = range;
    }
    s.selectedLayer = json.value("selected_layer").toString();
    if (json.contains("calibration")) {
        const QJsonObject c = json.value("calibration").toObject();
        CalibrationChoice choice;
        choice.method = c.value("method").toString("minmax");
        if (!rangeMethodFromName(choice.method.toStdString()))
            return Status::error("\"calibration.method\" \"" + choice.method.toStdString() + "\" is not a range method");
        choice.mode = c.value("mode").toString("INT8");
        if (!quantModeFromName(choice.mode.toStdString()))
            return Status::error("\"calibration.mode\" \"" + choice.mode.toStdString() + "\" is not a quantization mode");
        choice.percentile = c.value("percentile").toDouble(99.99);
        choice.perChannel = c.value("per_channel").toBool(true);
        const QJsonArray range = c.value("default_range").toArray();
        if (range.size() == 2)
            choice.defaultRange = TensorRange{float(range[0].toDouble()), float(range[1].toDouble()), RangeOrigin::DefaultRanges};
        for (const QJsonValue& v : c.value("images").toArray()) choice.imagePaths.append(resolvedPath(v.toString(), baseDir));
        s.calibration = choice;
    }
    return s;
}

Session::Session(QObject* parent) : QObject(parent) {}

void Session::markDirty()
{
    if (dirty_) return;
    dirty_ = true;
    emit dirtyChanged(true);
}

void Session::markClean()
{
    if (!dirty_) return;
    dirty_ = false;
    emit dirtyChanged(false);
}

void Session::setFloatModel(const QString& path, std::shared_ptr<const Graph> graph)
{
    settings_.floatModelPath = graph ? path : QString();
    floatGraph_ = std::move(graph);
    markDirty();
    emit modelsChanged();
}

void Session::setQuantModel(const QString& path, std::shared_ptr<const Graph> graph)
{
    settings_.quantModelPath = graph ? path : QString();
    settings_.calibration.reset();
    quantGraph_ = std::move(graph);
    markDirty();
    emit modelsChanged();
}

void Session::setCalibratedModel(const CalibrationChoice& choice, std::shared_ptr<const Graph> graph)
{
    settings_.quantModelPath.clear();
    settings_.calibration = choice;
    quantGraph_ = std::move(graph);
    markDirty();
    emit modelsChanged();
}

void Session::setImages(const QStringList& paths)
{
    settings_.imagePaths = paths;
    markDirty();
    emit imagesChanged();
}

void Session::setLabelsPath(const QString& path)
{
    settings_.labelsPath = path;
    readLabels();
    markDirty();
}

void Session::readLabels()
{
    labels_.clear();
    QFile file(settings_.labelsPath);
    if (settings_.labelsPath.isEmpty() || !file.open(QIODevice::ReadOnly | QIODevice::Text)) return;
    QTextStream in(&file);
    while (!in.atEnd()) {
        const QString line = in.readLine().trimmed();
        if (!line.isEmpty()) labels_.append(line);
    }
}

void Session::setPreprocessing(const ImageInputOptions& options)
{
    settings_.preprocessing = options;
    markDirty();
    emit imagesChanged();
}

void Session::setOverride(const std::string& tensorName, std::optional<TensorRange> range)
{
    if (range) settings_.overrides[tensorName] = *range;
    else settings_.overrides.erase(tensorName);
    markDirty();
    emit overridesChanged(QString::fromStdString(tensorName));
}

void Session::setSelectedLayer(const QString& name)
{
    if (settings_.selectedLayer == name) return;
    settings_.selectedLayer = name;
    emit selectedLayerChanged(name);
}

void Session::setResult(std::shared_ptr<const InspectionResult> result)
{
    result_ = std::move(result);
    emit resultChanged();
}

void Session::restore(const SessionSettings& settings, const QString& projectPath)
{
    settings_ = settings;
    floatGraph_.reset();
    quantGraph_.reset();
    result_.reset();
    projectPath_ = projectPath;
    readLabels();
    dirty_ = false;
    emit dirtyChanged(false);
    emit modelsChanged();
    emit imagesChanged();
    emit resultChanged();
}

void Session::clear() { restore(SessionSettings{}, QString()); }

Status Session::save(const QString& path)
{
    const QString baseDir = QFileInfo(path).absolutePath();
    const QByteArray bytes = QJsonDocument(settings_.toJson(baseDir)).toJson(QJsonDocument::Indented);
    RF_RETURN_IF_ERROR(writeFileAtomic(path.toStdString(), std::string_view(bytes.constData(), static_cast<size_t>(bytes.size())),
                                       OverwritePolicy::Replace));
    projectPath_ = path;
    dirty_ = false;
    emit dirtyChanged(false);
    return Status::ok();
}

Result<SessionSettings> Session::readProject(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Status::error(path.toStdString() + ": cannot open session file: " + file.errorString().toStdString());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (doc.isNull())
        return Status::error(path.toStdString() + ": not valid JSON at offset " + std::to_string(parseError.offset) +
                             ": " + parseError.errorString().toStdString());
    if (!doc.isObject()) return Status::error(path.toStdString() + ": a session file holds one JSON object");
    auto settings = SessionSettings::fromJson(doc.object(), QFileInfo(path).absolutePath());
    if (!settings.isOk()) return settings.status().withContext(path.toStdString());
    return settings;
}

} // namespace rf::ui
