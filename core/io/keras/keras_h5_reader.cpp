#include "io/keras/keras_h5_reader.h"

#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>

#include "io/keras/hdf5_file.h"
#include "io/keras/keras_model_walker.h"
#include "io/keras/keras_weights.h"

namespace rf {

namespace {

using keras::Json;

/// keras_version "2.2.4" / "2.2.4-tf" / "3.12.1" -> flavour.
keras::KerasFlavour flavourOf(const std::string& version)
{
    keras::KerasFlavour flavour;
    const int major = std::atoi(version.c_str());
    const size_t dot = version.find('.');
    const int minor = dot == std::string::npos ? 0 : std::atoi(version.c_str() + dot + 1);
    flavour.keras3 = major >= 3;
    // UpSampling2D's bilinear resize lost its half-pixel shift when tf.keras moved to
    // resize_images_v2 after TF 1.14 (tensorflow/tensorflow#33691). Standalone Keras
    // (no "-tf") always called resize_bilinear with the TF1 defaults. tf.keras "2.3.0-tf"
    // is TF 2.2-2.3, already v2; "2.2.4-tf" spans TF 1.13-2.1 and cannot be told apart
    // from the file, so it keeps the TF 1.x behaviour.
    const bool tfKeras = version.find("-tf") != std::string::npos;
    flavour.legacyResize = major < 2 || (major == 2 && minor < (tfKeras ? 3 : 4));
    return flavour;
}

std::string weightsOnlyMessage(const std::string& path)
{
    return path + ": this HDF5 file holds weights only (written by model.save_weights()): it has no 'model_config' "
                  "attribute, so the model's architecture is not in it. Load a full model file written by model.save() "
                  "instead, or the model's JSON architecture (model.to_json()) together with this weights file";
}

Result<Graph> buildUnguarded(const std::string& sourcePath, const Json& model, const std::string& kerasVersion,
                             const std::string& backend, const keras::Hdf5File& weightsFile, const std::string& weightsRoot)
{
    RF_ASSIGN_OR_RETURN(keras::KerasWeights weights, keras::KerasWeights::index(weightsFile, weightsRoot));
    keras::GraphBuilder builder(sourcePath, &weightsFile, &weights, flavourOf(kerasVersion));
    if (!model.is_object() || !model.contains("class_name") || !model.contains("config"))
        return Status::error(sourcePath + ": the model config is not a Keras model ({\"class_name\": ..., \"config\": ...})");
    RF_ASSIGN_OR_RETURN(std::vector<int32_t> outputs, keras::lowerModel(builder, model, "", "", nullptr));
    (void)outputs;
    Graph graph = std::move(builder.graph());
    std::string modelName;
    if (model["config"].is_object()) modelName = model["config"].value("name", std::string());
    graph.description = "Keras " + (kerasVersion.empty() ? std::string("(unknown version)") : kerasVersion) + " model" +
                        (backend.empty() ? std::string() : ", " + backend + " backend") + ", " +
                        model["class_name"].get<std::string>() + (modelName.empty() ? std::string() : " '" + modelName + "'");
    RF_RETURN_IF_ERROR(graph.validate());
    return graph;
}

Result<Graph> build(const std::string& sourcePath, const Json& model, const std::string& kerasVersion, const std::string& backend,
                    const keras::Hdf5File& weightsFile, const std::string& weightsRoot)
{
    try {
        return buildUnguarded(sourcePath, model, kerasVersion, backend, weightsFile, weightsRoot);
    } catch (const nlohmann::json::exception& e) {
        return Status::error(sourcePath + ": the model config is malformed (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
        return Status::error(sourcePath + ": not enough memory to build the model");
    }
}

Result<Json> parseJson(const std::string& text, const std::string& where)
{
    Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) return Status::error(where + " is not valid JSON");
    return json;
}

std::string optionalAttribute(const keras::Hdf5File& file, const std::string& object, const std::string& name)
{
    if (!file.hasAttribute(object, name)) return {};
    Result<std::string> value = file.readStringAttribute(object, name);
    return value.isOk() ? value.value() : std::string();
}

Result<Graph> readFullModel(const keras::Hdf5File& file)
{
    const std::string& path = file.path();
    if (!file.hasAttribute("/", "model_config")) {
        if (file.hasAttribute("/", "layer_names") || file.hasAttribute("/", "layer_names0")) return Status::error(weightsOnlyMessage(path));
        return Status::error(path + ": this HDF5 file is not a Keras model: it has no 'model_config' attribute (and no "
                                    "Keras weights either)");
    }
    RF_ASSIGN_OR_RETURN(const std::string configText, file.readStringAttribute("/", "model_config"));
    RF_ASSIGN_OR_RETURN(const Json model, parseJson(configText, path + ": the 'model_config' attribute"));
    if (!file.isGroup("/model_weights"))
        return Status::error(path + ": the file has a model_config but no 'model_weights' group, so the weights are missing");
    const std::string version = optionalAttribute(file, "/", "keras_version");
    const std::string backend = optionalAttribute(file, "/", "backend");
    return build(path, model, version, backend, file, "/model_weights");
}

} // namespace

Result<Graph> readKerasH5File(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(keras::Hdf5File file, keras::Hdf5File::open(path));
    return readFullModel(file);
}

Result<Graph> readKerasH5Buffer(const uint8_t* data, size_t size, const std::string& sourceName)
{
    RF_ASSIGN_OR_RETURN(keras::Hdf5File file, keras::Hdf5File::openImage(data, size, sourceName));
    return readFullModel(file);
}

Result<Graph> readKerasJsonWithWeights(const std::string& jsonPath, const std::string& weightsH5Path)
{
    std::ifstream stream(jsonPath, std::ios::binary);
    if (!stream) return Status::error(jsonPath + ": cannot open the Keras JSON architecture file");
    std::ostringstream text;
    text << stream.rdbuf();
    if (text.str().size() > (size_t{1} << 28)) return Status::error(jsonPath + ": the JSON file is too large");
    RF_ASSIGN_OR_RETURN(const Json model, parseJson(text.str(), jsonPath));
    RF_ASSIGN_OR_RETURN(keras::Hdf5File file, keras::Hdf5File::open(weightsH5Path));
    const std::string root = file.isGroup("/model_weights") ? "/model_weights" : "/";
    if (!file.hasAttribute(root, "layer_names") && !file.hasAttribute(root, "layer_names0"))
        return Status::error(weightsH5Path + ": this HDF5 file holds no Keras weights (no 'layer_names' attribute)");
    auto stringField = [&](const char* key) {
        const auto found = model.is_object() ? model.find(key) : model.end();
        return found != model.end() && found->is_string() ? found->get<std::string>() : std::string();
    };
    std::string version = stringField("keras_version");
    if (version.empty()) version = optionalAttribute(file, "/", "keras_version");
    const std::string backend = stringField("backend");
    return build(jsonPath + " + " + weightsH5Path, model, version, backend, file, root);
}

} // namespace rf
