// Keras model structure: nested models (Teachable Machine layout), shared layers
// with several inbound nodes, several inputs and outputs, the Keras 3 legacy-h5
// layout, the to_json() + save_weights() pair, tensor/op naming, and every refusal
// with its message.

#include <QtTest>

#include <filesystem>
#include <set>

#include "io/model_loader.h"
#include "keras_fixture_helpers.h"
#include "test_support.h"

using namespace rf;
using rf::test::kerasFixture;

namespace {

int32_t tensorNamed(const Graph& graph, const std::string& name)
{
    for (size_t i = 0; i < graph.tensors.size(); ++i)
        if (graph.tensors[i].name == name) return static_cast<int32_t>(i);
    return -1;
}

std::string loadError(const std::string& fixture)
{
    auto graph = readKerasH5File(kerasFixture(fixture));
    return graph.isOk() ? std::string("(loaded fine)") : graph.message();
}

} // namespace

class TestKerasModels : public QObject {
    Q_OBJECT
private slots:
    void nestedTeachableMachineLayout()
    {
        auto graph = readKerasH5File(kerasFixture("nested_teachable_machine.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        const std::string problem = test::runAgainstReference(graph.value(), "nested_teachable_machine");
        QVERIFY2(problem.empty(), problem.c_str());
        const Graph& g = graph.value();
        // The graph input is the outermost InputLayer; inner layers keep their own names.
        QCOMPARE(g.tensors[g.inputs[0]].name, std::string("sequential_1_input"));
        for (const char* name : {"Conv1", "bn_Conv1", "Conv1_relu", "gap", "dense_Dense1", "dense_Dense2"})
            QVERIFY2(tensorNamed(g, name) >= 0, name);
        QCOMPARE(g.tensors[g.outputs[0]].name, std::string("dense_Dense2"));
        QVERIFY(tensorNamed(g, "bn_Conv1/mul") >= 0);
        QVERIFY(tensorNamed(g, "Conv1/kernel") >= 0);
        for (const Op& op : g.ops) QVERIFY(!op.layerName.empty());
        QVERIFY2(g.description.find("2.4.0") != std::string::npos && g.description.find("tensorflow") != std::string::npos,
                 g.description.c_str());
    }

    void sharedLayerAndMultipleOutputs()
    {
        auto graph = readKerasH5File(kerasFixture("shared_layer_multi_output.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        const Graph& g = graph.value();
        QCOMPARE(g.inputs.size(), size_t{2});
        QCOMPARE(g.outputs.size(), size_t{2});
        const std::string problem = test::runAgainstReference(g, "shared_layer_multi_output");
        QVERIFY2(problem.empty(), problem.c_str());
        // Two calls of one Dense: two FULLY_CONNECTED ops sharing the same weight constant.
        std::vector<const Op*> dense;
        for (const Op& op : g.ops)
            if (op.type == OpType::FullyConnected) dense.push_back(&op);
        QCOMPARE(dense.size(), size_t{2});
        QCOMPARE(dense[0]->inputs[1], dense[1]->inputs[1]);
        QCOMPARE(dense[0]->layerName, std::string("shared_dense"));
        QCOMPARE(g.tensors[dense[0]->outputs[0]].name, std::string("shared_dense"));
        QVERIFY(g.tensors[dense[1]->outputs[0]].name != "shared_dense");
    }

    void keras3LegacyLayout()
    {
        auto graph = readKerasH5File(kerasFixture("keras3_functional.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        // hard_sigmoid is Keras 3's relu6(x + 3) / 6 here.
        const std::string problem = test::runAgainstReference(graph.value(), "keras3_functional");
        QVERIFY2(problem.empty(), problem.c_str());
        QVERIFY(graph.value().description.find("3.12.1") != std::string::npos);
    }

    void keras3DepthwiseKernelName()
    {
        auto graph = readKerasH5File(kerasFixture("keras3_depthwise.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        const std::string problem = test::runAgainstReference(graph.value(), "keras3_depthwise");
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void jsonArchitecturePlusWeights()
    {
        auto graph = readKerasJsonWithWeights(kerasFixture("json_pair.json"), kerasFixture("json_pair_weights.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        QCOMPARE(graph.value().tensors[graph.value().inputs[0]].name, std::string("dense_1_input"));
        const std::string problem = test::runAgainstReference(graph.value(), "json_pair");
        QVERIFY2(problem.empty(), problem.c_str());
    }

    void modelLoaderSniffsHdf5()
    {
        auto graph = loadModelFile(kerasFixture("dense_softmax.h5"));
        QVERIFY2(graph.isOk(), graph.message().c_str());
        QCOMPARE(graph.value().ops.size(), size_t{2}); // FULLY_CONNECTED + SOFTMAX
        QCOMPARE(graph.value().tensors[graph.value().outputs[0]].name, std::string("layer"));
        QCOMPARE(graph.value().tensors[graph.value().ops[0].outputs[0]].name, std::string("layer/pre_activation"));
    }

    void refusesWeightsOnlyFile()
    {
        const std::string message = loadError("error_weights_only.h5");
        QVERIFY2(message.find("holds weights only") != std::string::npos, message.c_str());
        QVERIFY2(message.find("save_weights") != std::string::npos, message.c_str());
        QVERIFY2(message.find("model.save()") != std::string::npos && message.find("to_json") != std::string::npos, message.c_str());
    }
    void refusesLambda()
    {
        const std::string message = loadError("error_lambda.h5");
        QVERIFY2(message.find("layer 'my_lambda' (Lambda)") != std::string::npos, message.c_str());
        QVERIFY2(message.find("Python code") != std::string::npos, message.c_str());
    }
    void refusesUnknownLayerClass()
    {
        const std::string message = loadError("error_unknown_class.h5");
        QVERIFY2(message.find("layer 'attention_1' (FancyAttention)") != std::string::npos, message.c_str());
        QVERIFY2(message.find("not supported") != std::string::npos, message.c_str());
    }
    void refusesCustomObject()
    {
        const std::string message = loadError("error_custom_object.h5");
        QVERIFY2(message.find("layer 'custom_conv'") != std::string::npos, message.c_str());
        QVERIFY2(message.find("custom object") != std::string::npos && message.find("MyPackage>CustomConv") != std::string::npos,
                 message.c_str());
    }
    void refusesMissingWeights()
    {
        const std::string message = loadError("error_missing_weights.h5");
        QVERIFY2(message.find("layer 'dense_head' (Dense)") != std::string::npos, message.c_str());
        QVERIFY2(message.find("weight 'kernel' is missing") != std::string::npos, message.c_str());
    }
    void refusesShapeMismatch()
    {
        const std::string message = loadError("error_shape_mismatch.h5");
        QVERIFY2(message.find("layer 'conv_bad' (Conv2D)") != std::string::npos, message.c_str());
        QVERIFY2(message.find("weight 'kernel'") != std::string::npos && message.find("[3, 3, 5, 3]") != std::string::npos &&
                     message.find("[3, 3, 2, 3]") != std::string::npos,
                 message.c_str());
    }
    void refusesChannelsFirst()
    {
        const std::string message = loadError("error_channels_first.h5");
        QVERIFY2(message.find("layer 'conv_cf' (Conv2D)") != std::string::npos, message.c_str());
        QVERIFY2(message.find("channels_first") != std::string::npos, message.c_str());
    }
    void refusesTruncatedFile()
    {
        const std::vector<uint8_t> bytes = test::readFileBytes(kerasFixture("nested_teachable_machine.h5"));
        QVERIFY(bytes.size() > 4096);
        const std::string dir = test::makeTempDir("keras_truncated");
        for (size_t keep : {size_t{600}, bytes.size() / 2, bytes.size() - 100}) {
            const std::string path = dir + "/truncated_" + std::to_string(keep) + ".h5";
            QVERIFY(test::writeFileBytes(path, std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(keep))));
            auto graph = loadModelFile(path);
            QVERIFY2(!graph.isOk(), path.c_str());
            QVERIFY2(graph.message().rfind(path, 0) == 0, graph.message().c_str());
        }
    }
    void refusesNonKerasHdf5()
    {
        // An HDF5 file without Keras attributes: a weights group of a fixture is not enough.
        const std::string message = loadError("json_pair_weights.h5");
        QVERIFY2(message.find("holds weights only") != std::string::npos, message.c_str());
        auto pair = readKerasJsonWithWeights(kerasFixture("json_pair.json"), kerasFixture("nested_teachable_machine.h5"));
        QVERIFY(!pair.isOk());
        QVERIFY2(pair.message().find("dense_1") != std::string::npos, pair.message().c_str());
    }
};

QTEST_APPLESS_MAIN(TestKerasModels)
#include "tst_keras_models.moc"
