// Loads every real .tflite model of ../shared (corpus and oracle test data) and
// compares what the reader found with the corpus MANIFEST.md, which was written from
// an independent (Python) decoding of the same files: op histogram, tensor type
// histogram and the number of per-channel quantized tensors.
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "io/model_loader.h"
#include "io/tflite_reader.h"
#include "ops/registry.h"
#include "runtime/interpreter.h"
#include "test_support.h"

namespace {

using namespace rf;

std::vector<std::string> tfliteFilesUnder(const std::string& root)
{
    std::vector<std::string> files;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(root, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error))
        if (it->is_regular_file() && it->path().extension() == ".tflite") files.push_back(it->path().string());
    std::sort(files.begin(), files.end());
    return files;
}

/// What MANIFEST.md says about one model.
struct ManifestEntry {
    std::map<std::string, int> ops;         ///< "CONV_2D" -> 15
    std::map<std::string, int> tensorTypes; ///< "UINT8" -> 60
    int perChannelTensors = -1;             ///< -1 when the line does not say.
};

/// Parses the manifest table rows of .tflite files: "| `tflite/x.tflite` | ... | ...;
/// ops: A x1, B x2; tensor types {"UINT8": 60, "INT32": 29}; ... |".
std::map<std::string, ManifestEntry> parseManifest(const std::string& path)
{
    std::map<std::string, ManifestEntry> entries;
    std::ifstream in(path);
    const std::regex fileCell(R"(^\| `([^`]+\.tflite)` \|)");
    const std::regex opsPart(R"(ops: ([^;]+);)");
    const std::regex opCount(R"(([A-Z0-9_]+) x(\d+))");
    const std::regex typesPart(R"(tensor types \{([^}]*)\})");
    const std::regex typeCount(R"re("([A-Z0-9]+)": (\d+))re");
    const std::regex perChannel(R"((\d+) per-channel-quantized tensors)");
    std::string line;
    while (std::getline(in, line)) {
        std::smatch match;
        if (!std::regex_search(line, match, fileCell)) continue;
        ManifestEntry entry;
        const std::string file = match[1];
        if (std::regex_search(line, match, opsPart)) {
            const std::string ops = match[1];
            for (std::sregex_iterator it(ops.begin(), ops.end(), opCount), end; it != end; ++it)
                entry.ops[(*it)[1]] = std::stoi((*it)[2]);
        }
        if (std::regex_search(line, match, typesPart)) {
            const std::string types = match[1];
            for (std::sregex_iterator it(types.begin(), types.end(), typeCount), end; it != end; ++it)
                entry.tensorTypes[(*it)[1]] = std::stoi((*it)[2]);
        }
        if (std::regex_search(line, match, perChannel)) entry.perChannelTensors = std::stoi(match[1]);
        entries[file] = entry;
    }
    return entries;
}

/// TFLite's spelling of our dtypes, as the manifest writes them.
std::string tfliteTypeName(DType dtype)
{
    std::string name(dtypeName(dtype));
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

} // namespace

class TestTfliteCorpusLoad : public QObject {
    Q_OBJECT
private slots:
    void everyModelLoads()
    {
        const auto shared = rf::test::sharedDir();
        if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
        const std::string corpus = *shared + "/corpus";
        auto files = tfliteFilesUnder(corpus);
        const auto oracleFiles = tfliteFilesUnder(*shared + "/oracle/testdata");
        files.insert(files.end(), oracleFiles.begin(), oracleFiles.end());
        // 13 corpus models, 5 oracle models and 127 seanet cases at the time of writing.
        QVERIFY2(files.size() >= 140, std::to_string(files.size()).c_str());

        const auto manifest = parseManifest(corpus + "/MANIFEST.md");
        QVERIFY2(manifest.size() >= 13, "MANIFEST.md lists fewer .tflite files than expected");
        int comparedWithManifest = 0;
        for (const std::string& file : files) {
            const auto result = readTfliteFile(file);
            QVERIFY2(result.isOk(), result.message().c_str());
            const Graph& graph = result.value();
            QCOMPARE(graph.sourcePath, file);
            QVERIFY2(!graph.ops.empty() && !graph.inputs.empty() && !graph.outputs.empty(), file.c_str());
            QVERIFY2(graph.validate().isOk(), file.c_str());
            // The sniffing loader must give the same graph.
            const auto sniffed = loadModelFile(file);
            QVERIFY2(sniffed.isOk(), sniffed.message().c_str());
            QCOMPARE(sniffed.value().tensors.size(), graph.tensors.size());
            QCOMPARE(sniffed.value().ops.size(), graph.ops.size());

            const std::string relative = std::filesystem::relative(file, corpus).generic_string();
            const auto entry = manifest.find(relative);
            if (entry == manifest.end()) continue;
            ++comparedWithManifest;
            std::map<std::string, int> ops, types;
            int perChannel = 0;
            for (const Op& op : graph.ops) ++ops[op.typeName];
            for (const Tensor& tensor : graph.tensors) {
                ++types[tfliteTypeName(tensor.dtype)];
                perChannel += tensor.quant.perAxis() ? 1 : 0;
            }
            QVERIFY2(ops == entry->second.ops, ("op histogram differs from MANIFEST.md: " + file).c_str());
            QVERIFY2(types == entry->second.tensorTypes, ("tensor types differ from MANIFEST.md: " + file).c_str());
            if (entry->second.perChannelTensors >= 0) QCOMPARE(perChannel, entry->second.perChannelTensors);
        }
        QVERIFY2(comparedWithManifest >= 13, std::to_string(comparedWithManifest).c_str());
    }

    void knownModelDetails()
    {
        const auto shared = rf::test::sharedDir();
        if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
        // From MANIFEST.md: input [1, 128, 128, 3] UINT8 q(scale=0.0078125, zp=128),
        // output [1, 1001] UINT8 q(scale=0.00390625, zp=0), "MLIR Converted.".
        const auto result = readTfliteFile(*shared + "/corpus/tflite/mobilenet_v1_0.25_128_quant_uint8.tflite");
        QVERIFY2(result.isOk(), result.message().c_str());
        const Graph& graph = result.value();
        QCOMPARE(graph.description, std::string("MLIR Converted."));
        const Tensor& input = graph.tensors[graph.inputs.at(0)];
        QCOMPARE(input.dtype, DType::UInt8);
        QCOMPARE(input.shape, (Shape{1, 128, 128, 3}));
        QCOMPARE(input.quant.scales, std::vector<float>{0.0078125f});
        QCOMPARE(input.quant.zeroPoints, std::vector<int64_t>{128});
        const Tensor& output = graph.tensors[graph.outputs.at(0)];
        QCOMPARE(output.name, std::string("MobilenetV1/Predictions/Reshape_1"));
        QCOMPARE(output.shape, (Shape{1, 1001}));
        QCOMPARE(output.quant.scales, std::vector<float>{0.00390625f});

        // person_detect.tflite has quantized_dimension 3 on rank-1 per-channel biases
        // (the oracle README's patch); they read with axis 0.
        const auto person = readTfliteFile(*shared + "/oracle/testdata/models/person_detect.tflite");
        QVERIFY2(person.isOk(), person.message().c_str());
        int rankOnePerChannel = 0;
        for (const Tensor& tensor : person.value().tensors)
            if (tensor.quant.perAxis() && tensor.shape.size() == 1) {
                QCOMPARE(tensor.quant.axis, 0);
                ++rankOnePerChannel;
            }
        QVERIFY(rankOnePerChannel > 0);
    }

    void lstmIsRefusedByName()
    {
        const auto shared = rf::test::sharedDir();
        if (!shared) QSKIP(rf::test::sharedMissingMessage().c_str());
        const std::string file = *shared + "/corpus/tflite/keras_lstm_mnist_ptq_int8.tflite";
        auto result = readTfliteFile(file);
        QVERIFY2(result.isOk(), result.message().c_str());
        Graph graph = std::move(result).value();
        size_t lstmIndex = graph.ops.size();
        for (size_t o = 0; o < graph.ops.size() && lstmIndex == graph.ops.size(); ++o)
            if (graph.ops[o].typeName == "UNIDIRECTIONAL_SEQUENCE_LSTM") lstmIndex = o;
        QCOMPARE(lstmIndex, size_t{1});
        QCOMPARE(graph.ops[lstmIndex].type, OpType::Unsupported);
        // The interpreter names the first op it cannot run; while kernels are still being
        // written an earlier op may be the first, which says nothing about the LSTM.
        for (size_t o = 0; o < lstmIndex; ++o)
            if (findKernelFactory(graph.ops[o].type) == nullptr)
                QSKIP(("op #" + std::to_string(o) + " (" + graph.ops[o].typeName +
                       ") has no kernel registered yet, so it is refused before the LSTM")
                          .c_str());
        const auto interpreter = Interpreter::create(std::move(graph));
        QVERIFY(!interpreter.isOk());
        const std::string& message = interpreter.message();
        QVERIFY2(message.find(file) != std::string::npos, message.c_str());
        QVERIFY2(message.find("op #1") != std::string::npos, message.c_str());
        QVERIFY2(message.find("UNIDIRECTIONAL_SEQUENCE_LSTM") != std::string::npos, message.c_str());
        QVERIFY2(message.find("not supported") != std::string::npos, message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestTfliteCorpusLoad)
#include "tst_tflite_corpus_load.moc"
