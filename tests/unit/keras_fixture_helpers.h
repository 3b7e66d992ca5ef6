#pragma once
// Shared by the tst_keras_* unit tests: loads a fixture written by
// tests/data/keras/make_keras_fixtures.py, runs it with its stored inputs and
// compares every output with the stored numpy reference.

#include <QtTest>
#include <cmath>
#include <filesystem>
#include <string>

#include "io/keras/keras_h5_reader.h"
#include "io/npy.h"
#include "runtime/interpreter.h"

namespace rf::test {

inline std::string kerasFixture(const std::string& file) { return std::string(RF_SOURCE_DIR) + "/tests/data/keras/" + file; }

/// Runs `graph` on <name>.in<i>.npy and compares with <name>.out<i>.npy within
/// max(absTol, relTol * |expected|). Returns an empty string on success, else why.
inline std::string runAgainstReference(const Graph& graph, const std::string& name, float absTol = 2e-5f, float relTol = 2e-5f)
{
    auto created = Interpreter::create(graph);
    if (!created.isOk()) return "create: " + created.message();
    Interpreter& interpreter = *created.value();
    for (size_t i = 0; i < graph.inputs.size(); ++i) {
        auto input = readNpyFile(kerasFixture(name + ".in" + std::to_string(i) + ".npy"));
        if (!input.isOk()) return input.message();
        Status status = interpreter.setInput(i, input.value().data.data(), input.value().data.size());
        if (!status.isOk()) return status.message();
    }
    Status status = interpreter.invoke();
    if (!status.isOk()) return "invoke: " + status.message();
    for (size_t i = 0; i < graph.outputs.size(); ++i) {
        const std::string path = kerasFixture(name + ".out" + std::to_string(i) + ".npy");
        auto expected = readNpyFile(path);
        if (!expected.isOk()) return expected.message();
        const TensorValue& got = interpreter.output(i);
        if (got.shape() != expected.value().shape)
            return "output " + std::to_string(i) + " has shape " + shapeToString(got.shape()) + ", expected " +
                   shapeToString(expected.value().shape);
        const float* want = reinterpret_cast<const float*>(expected.value().data.data());
        const float* have = got.data<float>();
        for (int64_t k = 0; k < got.elementCount(); ++k) {
            const float tolerance = std::max(absTol, relTol * std::fabs(want[k]));
            if (!(std::fabs(have[k] - want[k]) <= tolerance))
                return "output " + std::to_string(i) + " element " + std::to_string(k) + ": got " + std::to_string(have[k]) +
                       ", expected " + std::to_string(want[k]);
        }
    }
    return {};
}

/// Loads <name>.h5 and checks it against its reference; the layer output must be
/// named after the Keras layer ("layer" in single-layer fixtures) when `layerName` is given.
inline std::string checkFixture(const std::string& name, float absTol = 2e-5f)
{
    auto graph = readKerasH5File(kerasFixture(name + ".h5"));
    if (!graph.isOk()) return "load: " + graph.message();
    return runAgainstReference(graph.value(), name, absTol);
}

} // namespace rf::test
