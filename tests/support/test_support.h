#pragma once
// Helpers shared by the Qt Test executables.

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace rf::test {

/// The path of ../shared next to the source tree if it exists (corpus, oracle,
/// golden), otherwise nullopt; tests that need it call QSKIP with a message.
std::optional<std::string> sharedDir();
/// The message tests print when ../shared is absent.
std::string sharedMissingMessage();
/// Reads a whole file; empty on failure.
std::vector<uint8_t> readFileBytes(const std::string& path);
/// Writes bytes to a file (tests only; not atomic).
bool writeFileBytes(const std::string& path, const std::vector<uint8_t>& bytes);
/// A fresh empty temporary directory, removed by the OS eventually.
std::string makeTempDir(const std::string& prefix);

/// Appends a tensor to `graph` and returns its index.
int32_t addTensor(Graph& graph, const std::string& name, DType dtype, Shape shape, QuantParams quant = {});
/// Appends a constant tensor holding `values` (T must match dtype).
template <typename T>
int32_t addConstant(Graph& graph, const std::string& name, DType dtype, Shape shape, const std::vector<T>& values,
                    QuantParams quant = {})
{
    const int32_t index = addTensor(graph, name, dtype, std::move(shape), std::move(quant));
    Tensor& tensor = graph.tensors[index];
    tensor.isConstant = true;
    tensor.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    return index;
}
/// Appends an op.
Op& addOp(Graph& graph, OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs);

} // namespace rf::test
