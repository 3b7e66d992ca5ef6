// RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH and SOFTMAX.
// Expected values come from the real-valued function evaluated in double precision and
// rounded as the comments explain (inputs chosen away from rounding ties unless the tie
// itself is the point of the test).
#include <QtTest>

#include <cmath>

#include "elementwise_test_helpers.h"

using namespace rf;
using rf::test::Operand;
using rf::test::quant;
using rf::test::runOp;

class TestActivationOps : public QObject {
    Q_OBJECT
private slots:
    void floatClamps()
    {
        const std::vector<float> x = {-2.0f, -0.5f, 0.5f, 7.0f};
        auto relu = runOp<float>(OpType::Relu, {{DType::Float32, {4}, x}}, DType::Float32, {4}, {});
        QCOMPARE(relu.values<float>(), (std::vector<float>{0.0f, 0.0f, 0.5f, 7.0f}));
        auto relu6 = runOp<float>(OpType::Relu6, {{DType::Float32, {4}, x}}, DType::Float32, {4}, {});
        QCOMPARE(relu6.values<float>(), (std::vector<float>{0.0f, 0.0f, 0.5f, 6.0f}));
        auto relu1 = runOp<float>(OpType::ReluN1To1, {{DType::Float32, {4}, x}}, DType::Float32, {4}, {});
        QCOMPARE(relu1.values<float>(), (std::vector<float>{-1.0f, -0.5f, 0.5f, 1.0f}));
    }

    void quantizedReluFamily()
    {
        // RELU int8, same scale in and out (multiplier exactly 1): clamp below at the zero point.
        auto relu = runOp<int8_t>(OpType::Relu, {{DType::Int8, {5}, {-128, -20, -10, 0, 127}, quant(0.1f, -10)}}, DType::Int8,
                                  {5}, quant(0.1f, -10));
        QVERIFY2(relu.error.empty(), relu.error.c_str());
        QCOMPARE(relu.values<int8_t>(), (std::vector<int8_t>{-10, -10, -10, 0, 127}));
        // RELU6 uint8, scale 0.05: 6 / 0.05 = 120 is the upper bound.
        auto relu6 = runOp<uint8_t>(OpType::Relu6, {{DType::UInt8, {4}, {0, 119, 121, 255}, quant(0.05f, 0)}}, DType::UInt8,
                                    {4}, quant(0.05f, 0));
        QCOMPARE(relu6.values<uint8_t>(), (std::vector<uint8_t>{0, 119, 120, 120}));
        // RELU_N1_TO_1 int8, input scale 0.5 -> output 0.25 doubles the value; bounds +-4.
        auto relu1 = runOp<int8_t>(OpType::ReluN1To1, {{DType::Int8, {5}, {-3, -1, 0, 1, 3}, quant(0.5f, 0)}}, DType::Int8, {5},
                                   quant(0.25f, 0));
        QCOMPARE(relu1.values<int8_t>(), (std::vector<int8_t>{-4, -2, 0, 2, 4}));
        // RELU int16, 2^-8 -> 2^-9 doubles; saturates at 32767.
        auto relu16 = runOp<int16_t>(OpType::Relu, {{DType::Int16, {3}, {-100, 100, 20000}, quant(1.0f / 256, 0)}}, DType::Int16,
                                     {3}, quant(1.0f / 512, 0));
        QCOMPARE(relu16.values<int16_t>(), (std::vector<int16_t>{0, 200, 32767}));
    }

    void leakyRelu()
    {
        OpAttributes attrs;
        attrs.alpha = 0.2f;
        auto f = runOp<float>(OpType::LeakyRelu, {{DType::Float32, {2}, {-10.0f, 5.0f}}}, DType::Float32, {2}, {}, attrs);
        QCOMPARE(f.values<float>(), (std::vector<float>{-2.0f, 5.0f}));
        // int8, scales 1 -> 1, alpha 0.2. Builtin: -128 * 0.2 = -25.6 -> -26; -10 -> -2.
        // XNNPACK: Q8 slope lrintf(51.2) = 51, (x * 51 + 128) >> 8: -128 -> floor(-24.5) = -25,
        // -10 -> floor(-1.49) = -2.
        const std::vector<int8_t> x = {-128, -10, 100};
        auto builtin = runOp<int8_t>(OpType::LeakyRelu, {{DType::Int8, {3}, x, quant(1.0f, 0)}}, DType::Int8, {3},
                                     quant(1.0f, 0), attrs);
        QVERIFY2(builtin.error.empty(), builtin.error.c_str());
        QCOMPARE(builtin.values<int8_t>(), (std::vector<int8_t>{-26, -2, 100}));
        auto xnn = runOp<int8_t>(OpType::LeakyRelu, {{DType::Int8, {3}, x, quant(1.0f, 0)}}, DType::Int8, {3}, quant(1.0f, 0),
                                 attrs, KernelMode::Xnnpack);
        QCOMPARE(xnn.values<int8_t>(), (std::vector<int8_t>{-25, -2, 100}));
        // int16, alpha 0.25: -102 * 0.25 = -25.5: SaturatingRoundingDoublingHighMul gives -51
        // (x/2, ties up), then RoundingDivideByPOT(-51, 1) = -26 (ties away from zero).
        attrs.alpha = 0.25f;
        auto i16 = runOp<int16_t>(OpType::LeakyRelu, {{DType::Int16, {4}, {-100, -102, 100, 32767}, quant(1.0f / 1024, 0)}},
                                  DType::Int16, {4}, quant(1.0f / 1024, 0), attrs);
        QVERIFY2(i16.error.empty(), i16.error.c_str());
        QCOMPARE(i16.values<int16_t>(), (std::vector<int16_t>{-25, -26, 100, 32767}));
    }

    void hardSwish()
    {
        // Scale 0.1 in and out: h(x) = x * relu6(x + 3) / 6, rounded to the nearest step.
        // 4.0 -> 4.0; -4.0 -> 0; 1.0 -> 0.667 (6.67 -> 7); -1.0 -> -0.333 (-3); 2.0 -> 1.667 (17);
        // 12.7 -> 12.7; -12.8 -> 0.
        auto r = runOp<int8_t>(OpType::HardSwish, {{DType::Int8, {8}, {40, -40, 10, -10, 20, 0, 127, -128}, quant(0.1f, 0)}},
                               DType::Int8, {8}, quant(0.1f, 0));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{40, 0, 7, -3, 17, 0, 127, 0}));
        auto f = runOp<float>(OpType::HardSwish, {{DType::Float32, {3}, {-4.0f, 1.0f, 4.0f}}}, DType::Float32, {3}, {});
        const auto v = f.values<float>();
        QCOMPARE(v[0], 0.0f);
        QVERIFY(std::fabs(v[1] - 2.0f / 3.0f) < 1e-6f);
        QCOMPARE(v[2], 4.0f);
    }

    void logisticAndTanh()
    {
        // LOGISTIC int8: input scale 0.1, output 1/256 zp -128: q = round(256 * sigmoid(x/10)) - 128.
        // sigmoid(1) = 0.7310586 -> 187.15 -> 59; sigmoid(-1) -> 68.85 -> -59; 12.7 -> 256 -> 127.
        const std::vector<int8_t> x = {0, 10, -10, 127, -128};
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            auto r = runOp<int8_t>(OpType::Logistic, {{DType::Int8, {5}, x, quant(0.1f, 0)}}, DType::Int8, {5},
                                   quant(1.0f / 256, -128), {}, mode);
            QVERIFY2(r.error.empty(), r.error.c_str());
            QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{0, 59, -59, 127, -128}));
        }
        // uint8: zero point 128 in, 0 out.
        auto u = runOp<uint8_t>(OpType::Logistic, {{DType::UInt8, {2}, {128, 138}, quant(0.1f, 128)}}, DType::UInt8, {2},
                                quant(1.0f / 256, 0));
        QCOMPARE(u.values<uint8_t>(), (std::vector<uint8_t>{128, 187}));
        // TANH int8: output 1/128: tanh(0.5) = 0.4621172 -> 59.15 -> 59; tanh(2) = 0.9640276 -> 123.4.
        auto t = runOp<int8_t>(OpType::Tanh, {{DType::Int8, {5}, {5, -5, 20, 127, 0}, quant(0.1f, 0)}}, DType::Int8, {5},
                               quant(1.0f / 128, 0));
        QVERIFY2(t.error.empty(), t.error.c_str());
        QCOMPARE(t.values<int8_t>(), (std::vector<int8_t>{59, -59, 123, 127, 0}));
        // Float.
        auto lf = runOp<float>(OpType::Logistic, {{DType::Float32, {2}, {0.0f, 2.0f}}}, DType::Float32, {2}, {});
        QVERIFY(std::fabs(lf.values<float>()[1] - 0.880797077977882f) < 1e-6f);
        QCOMPARE(lf.values<float>()[0], 0.5f);
        auto tf = runOp<float>(OpType::Tanh, {{DType::Float32, {1}, {1.0f}}}, DType::Float32, {1}, {});
        QVERIFY(std::fabs(tf.values<float>()[0] - 0.761594155955765f) < 1e-6f);
        // LOGISTIC 8-bit needs the output scale 1/256 (TFLite's requirement).
        auto bad = runOp<int8_t>(OpType::Logistic, {{DType::Int8, {1}, {0}, quant(0.1f, 0)}}, DType::Int8, {1}, quant(0.01f, -128));
        QVERIFY(bad.error.find("1/256") != std::string::npos);
    }

    void softmaxFloat()
    {
        auto r = runOp<float>(OpType::Softmax, {{DType::Float32, {2, 3}, {1, 2, 3, 0, 0, 0}}}, DType::Float32, {2, 3}, {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        const std::vector<double> expected = {0.0900305731703805, 0.244728471054798, 0.665240955774822, 1 / 3.0, 1 / 3.0, 1 / 3.0};
        const auto v = r.values<float>();
        for (size_t i = 0; i < expected.size(); ++i) QVERIFY(std::fabs(v[i] - expected[i]) < 1e-6);
    }

    void softmaxQuantizedCorners()
    {
        // int8 input scale 1, output 1/256 zp -128: q = round(256 p) - 128.
        // Equal logits: p = 1/4 -> -64, 1/2 -> 0. A 200-step gap: p = 1 -> 256 -> clamp 127, p ~ 0 -> -128.
        auto r = runOp<int8_t>(OpType::Softmax, {{DType::Int8, {3, 4}, {0, 0, 0, 0, 100, -100, 10, 10, 7, 7, 7, 7}, quant(1.0f, 0)}},
                               DType::Int8, {3, 4}, quant(1.0f / 256, -128));
        QVERIFY2(r.error.empty(), r.error.c_str());
        // Row 2: exp(0), exp(-200), exp(-90), exp(-90): p0 = 1 -> 127, the rest -> -128.
        QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{-64, -64, -64, -64, 127, -128, -128, -128, -64, -64, -64, -64}));
        // beta 0.5: logits 2 and 0 become 1 and 0: p = 0.7310586 (187.15 -> 59), 0.2689414 (68.85 -> -59).
        OpAttributes attrs;
        attrs.beta = 0.5f;
        auto b = runOp<int8_t>(OpType::Softmax, {{DType::Int8, {2}, {2, 0}, quant(1.0f, 0)}}, DType::Int8, {2},
                               quant(1.0f / 256, -128), attrs);
        QCOMPARE(b.values<int8_t>(), (std::vector<int8_t>{59, -59}));
        // uint8 (x86 rounds with (int)(p + 0.5f)): 1/2 -> 128, 1/4 -> 64.
        auto u = runOp<uint8_t>(OpType::Softmax, {{DType::UInt8, {6}, {1, 1, 0, 0, 0, 0}, quant(1000.0f, 0)}}, DType::UInt8, {6},
                                quant(1.0f / 256, 0));
        QCOMPARE(u.values<uint8_t>(), (std::vector<uint8_t>{128, 128, 0, 0, 0, 0}));
        auto u4 = runOp<uint8_t>(OpType::Softmax, {{DType::UInt8, {4}, {9, 9, 9, 9}, quant(0.3f, 5)}}, DType::UInt8, {4},
                                 quant(1.0f / 256, 0));
        QCOMPARE(u4.values<uint8_t>(), (std::vector<uint8_t>{64, 64, 64, 64}));
        // int8 output must be scale 1/256, zero point -128.
        auto bad = runOp<int8_t>(OpType::Softmax, {{DType::Int8, {2}, {0, 0}, quant(1.0f, 0)}}, DType::Int8, {2}, quant(1.0f / 256, 0));
        QVERIFY(bad.error.find("zero point -128") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestActivationOps)
#include "tst_activation_ops.moc"
