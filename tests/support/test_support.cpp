#include "test_support.h"

#include <filesystem>
#include <fstream>
#include <random>

namespace rf::test {

std::optional<std::string> sharedDir()
{
    std::error_code ec;
    if (const char* overridden = std::getenv("RF_SHARED_DIR"); overridden && std::filesystem::is_directory(overridden, ec))
        return std::string(overridden);
    if (std::filesystem::is_directory(RF_SHARED_DIR, ec)) return std::string(RF_SHARED_DIR);
    return std::nullopt;
}

std::string sharedMissingMessage()
{
    return std::string("../shared (corpus, oracle, golden) not found at ") + RF_SHARED_DIR +
           "; set RF_SHARED_DIR to run this test";
}

std::vector<uint8_t> readFileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

bool writeFileBytes(const std::string& path, const std::vector<uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

std::string makeTempDir(const std::string& prefix)
{
    std::random_device device;
    const auto base = std::filesystem::temp_directory_path();
    for (;;) {
        auto candidate = base / (prefix + "-" + std::to_string(device()));
        std::error_code ec;
        if (std::filesystem::create_directory(candidate, ec)) return candidate.string();
    }
}

int32_t addTensor(Graph& graph, const std::string& name, DType dtype, Shape shape, QuantParams quant)
{
    Tensor tensor;
    tensor.name = name;
    tensor.dtype = dtype;
    tensor.shape = std::move(shape);
    tensor.quant = std::move(quant);
    graph.tensors.push_back(std::move(tensor));
    return static_cast<int32_t>(graph.tensors.size() - 1);
}

Op& addOp(Graph& graph, OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs)
{
    Op op;
    op.type = type;
    op.typeName = std::string(opTypeName(type));
    op.inputs = std::move(inputs);
    op.outputs = std::move(outputs);
    graph.ops.push_back(std::move(op));
    return graph.ops.back();
}

} // namespace rf::test
