// Every supported Keras layer type, loaded from a small Keras-layout .h5 fixture and
// run in the core, against outputs computed independently by plain numpy loops in
// tests/data/keras/make_keras_fixtures.py (stored next to the fixtures).

#include <QtTest>

#include "keras_fixture_helpers.h"
#include "test_support.h"

using namespace rf;
using rf::test::checkFixture;

#define RF_CHECK_FIXTURE(name)                                   \
    do {                                                         \
        const std::string problem = checkFixture(name);          \
        QVERIFY2(problem.empty(), (std::string(name) + ": " + problem).c_str()); \
    } while (0)

class TestKerasLayers : public QObject {
    Q_OBJECT
private slots:
    void conv2DSameStride2Relu() { RF_CHECK_FIXTURE("conv2d_same_stride2_relu"); }
    void conv2DValidDilatedNoBiasTanh() { RF_CHECK_FIXTURE("conv2d_valid_dilated_nobias_tanh"); }
    void conv2DGroups()
    {
        RF_CHECK_FIXTURE("conv2d_groups");
        // Lowered to SPLIT + one CONV_2D per group + CONCATENATION.
        auto graph = readKerasH5File(test::kerasFixture("conv2d_groups.h5"));
        QVERIFY(graph.isOk());
        int convs = 0, splits = 0, concats = 0;
        for (const Op& op : graph.value().ops) {
            convs += op.type == OpType::Conv2D;
            splits += op.type == OpType::Split;
            concats += op.type == OpType::Concatenation;
        }
        QCOMPARE(convs, 2);
        QCOMPARE(splits, 1);
        QCOMPARE(concats, 1);
    }
    void depthwiseConv2DMultiplier() { RF_CHECK_FIXTURE("depthwise_multiplier2_relu6"); }
    void separableConv2D() { RF_CHECK_FIXTURE("separable_conv2d"); }
    void conv2DTransposeSame() { RF_CHECK_FIXTURE("conv2d_transpose_same"); }
    void conv2DTransposeValidRelu() { RF_CHECK_FIXTURE("conv2d_transpose_valid_relu"); }
    void dense() { RF_CHECK_FIXTURE("dense_softmax"); }
    void denseNDimensional() { RF_CHECK_FIXTURE("dense_nd"); }
    void batchNormalization() { RF_CHECK_FIXTURE("batch_norm"); }
    void batchNormalizationWithoutCenter() { RF_CHECK_FIXTURE("batch_norm_no_center"); }
    void activations_data()
    {
        QTest::addColumn<QString>("activation");
        for (const char* name : {"relu", "relu6", "sigmoid", "tanh", "softmax", "swish", "elu", "selu", "hard_sigmoid", "hard_swish", "gelu"})
            QTest::newRow(name) << QString(name);
    }
    void activations()
    {
        QFETCH(QString, activation);
        RF_CHECK_FIXTURE("activation_" + activation.toStdString());
    }
    void reluWithMaxValueAndSlope() { RF_CHECK_FIXTURE("relu_max_slope"); }
    void reluLayerMax6() { RF_CHECK_FIXTURE("relu6_layer"); }
    void leakyRelu() { RF_CHECK_FIXTURE("leaky_relu"); }
    void preluSharedAxes() { RF_CHECK_FIXTURE("prelu_shared"); }
    void softmaxLayer() { RF_CHECK_FIXTURE("softmax_layer"); }
    void zeroPadding2D() { RF_CHECK_FIXTURE("zero_padding"); }
    void cropping2D() { RF_CHECK_FIXTURE("cropping"); }
    void maxPooling2DSame() { RF_CHECK_FIXTURE("max_pool_same"); }
    void averagePooling2DSame() { RF_CHECK_FIXTURE("avg_pool_same"); }
    void globalAveragePooling2D() { RF_CHECK_FIXTURE("global_avg_pool"); }
    void globalMaxPooling2D() { RF_CHECK_FIXTURE("global_max_pool"); }
    void globalMaxPooling2DKeepDims() { RF_CHECK_FIXTURE("global_max_pool_keepdims"); }
    void flatten() { RF_CHECK_FIXTURE("flatten"); }
    void reshape() { RF_CHECK_FIXTURE("reshape"); }
    void permute() { RF_CHECK_FIXTURE("permute"); }
    void dropoutIsIdentity() { RF_CHECK_FIXTURE("dropout"); }
    void upSamplingNearest() { RF_CHECK_FIXTURE("upsampling_nearest"); }
    void upSamplingBilinear() { RF_CHECK_FIXTURE("upsampling_bilinear"); }
    /// Keras < 2.4 resized without half-pixel centers (TF 1.x resize_bilinear).
    void upSamplingBilinearKeras224() { RF_CHECK_FIXTURE("upsampling_bilinear_keras224"); }
    /// tf.keras moved to resize_images_v2 (half-pixel) after TF 1.14: "2.3.0-tf" files
    /// (TF 2.2-2.3) use it, "2.2.4-tf" files are read with the TF 1.x behaviour.
    void upSamplingBilinearTfKeras230() { RF_CHECK_FIXTURE("upsampling_bilinear_tf230"); }
    void upSamplingBilinearTfKeras224() { RF_CHECK_FIXTURE("upsampling_bilinear_tf224"); }
    void rescaling() { RF_CHECK_FIXTURE("rescaling"); }
    void normalization() { RF_CHECK_FIXTURE("normalization"); }
    void merges_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* name : {"add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"})
            QTest::newRow(name) << QString(name);
    }
    void merges()
    {
        QFETCH(QString, kind);
        RF_CHECK_FIXTURE("merge_" + kind.toStdString());
    }
};

QTEST_APPLESS_MAIN(TestKerasLayers)
#include "tst_keras_layers.moc"
