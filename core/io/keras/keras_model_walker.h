#pragma once
// Internal to the Keras reader: walks a Sequential or Functional model config
// (recursively through nested models) and lowers every layer call in dependency order.

#include "io/keras/keras_lowering.h"

namespace rf::keras {

/// Lowers the model `model` ({"class_name": ..., "config": ...}). At the top level
/// (`inputs` null) its inputs become graph inputs and its outputs graph outputs; a
/// nested model is called on `inputs` and returns its output tensors.
Result<std::vector<int32_t>> lowerModel(GraphBuilder& builder, const Json& model, const std::string& scope,
                                        const std::string& topLevel, const std::vector<int32_t>* inputs);

} // namespace rf::keras
