// ADD, SUB and MUL: broadcasting, fused activations, saturation, zero points, the
// power-of-two and general int16 paths, and the two kernel modes' rounding. Expected
// values are worked out by hand in the comments (TFLite: add.cc / mul.cc formulas;
// XNNPACK: qs8-vadd / qs8-vmul scalar microkernels).
#include <QtTest>

#include "elementwise_test_helpers.h"

using namespace rf;
using rf::test::Operand;
using rf::test::quant;
using rf::test::runOp;

namespace {

OpAttributes withActivation(FusedActivation activation)
{
    OpAttributes attrs;
    attrs.activation = activation;
    return attrs;
}

} // namespace

class TestElementwiseOps : public QObject {
    Q_OBJECT
private slots:
    void floatAddBroadcastsAlongEveryAxis()
    {
        // [2,1,3] + [4,1] -> [2,4,3]: out[i][j][k] = a[i][0][k] + b[j][0].
        std::vector<float> a = {1, 2, 3, 10, 20, 30};
        std::vector<float> b = {100, 200, 300, 400};
        auto r = runOp<float>(OpType::Add, {{DType::Float32, {2, 1, 3}, a}, {DType::Float32, {4, 1}, b}}, DType::Float32,
                              {2, 4, 3}, {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.output.shape(), (Shape{2, 4, 3}));
        const auto v = r.values<float>();
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 4; ++j)
                for (int k = 0; k < 3; ++k) QCOMPARE(v[(i * 4 + j) * 3 + k], a[i * 3 + k] + b[j]);
    }

    void floatSubWithRelu6AndScalar()
    {
        // x - 1 clamped to [0, 6]; the scalar (shape []) broadcasts everywhere.
        auto r = runOp<float>(OpType::Sub, {{DType::Float32, {5}, {-3.0f, 0.5f, 2.0f, 7.0f, 100.0f}}, {DType::Float32, {}, {1.0f}}},
                              DType::Float32, {5}, {}, withActivation(FusedActivation::Relu6));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<float>(), (std::vector<float>{0.0f, 0.0f, 1.0f, 6.0f, 6.0f}));
    }

    void rankSixBroadcastInt32()
    {
        // [2,1,1,1,1,2] * [1,1,1,1,3,1] -> [2,1,1,1,3,2]: out = a[i][m] * b[k].
        auto r = runOp<int32_t>(OpType::Mul,
                                {{DType::Int32, {2, 1, 1, 1, 1, 2}, {1, 2, 3, 4}}, {DType::Int32, {1, 1, 1, 1, 3, 1}, {10, 20, 30}}},
                                DType::Int32, {2, 1, 1, 1, 3, 2}, {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int32_t>(), (std::vector<int32_t>{10, 20, 20, 40, 30, 60, 30, 40, 60, 80, 90, 120}));
    }

    void int8AddSameScalesIsExactAndSaturates()
    {
        // Scales all 0.5, zero points 0: the multipliers are exact powers of two
        // (input 2^30 / shift 0, output 2^30 / shift -18), so out = clamp(a + b, -128, 127).
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            auto r = runOp<int8_t>(OpType::Add,
                                   {{DType::Int8, {5}, {100, -100, 50, 0, 127}, quant(0.5f, 0)},
                                    {DType::Int8, {5}, {100, -100, -20, 1, -128}, quant(0.5f, 0)}},
                                   DType::Int8, {5}, quant(0.5f, 0), {}, mode);
            QVERIFY2(r.error.empty(), r.error.c_str());
            QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{127, -128, 30, 1, -1}));
        }
    }

    void int8AddZeroPointsAndBroadcast()
    {
        // a: scale 0.5 zp 10; b (per-channel row of 2): scale 0.5 zp -4; out: scale 0.5 zp 3.
        // real = 0.5*(a-10) + 0.5*(b+4); q = real/0.5 + 3 = a - 10 + b + 4 + 3 = a + b - 3.
        auto r = runOp<int8_t>(OpType::Add,
                               {{DType::Int8, {2, 2}, {10, 20, -50, 120}, quant(0.5f, 10)},
                                {DType::Int8, {2}, {-4, 16}, quant(0.5f, -4)}},
                               DType::Int8, {2, 2}, quant(0.5f, 3));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{3, 33, -57, 127}));
    }

    void halfwayAddRoundsDifferentlyPerMode()
    {
        // Inputs scale 0.1, output 0.2, zero points 0: out = (a + b) / 2.
        // Builtin: ratios are exactly 0.5 and 2^-20, so out = RoundingDivideByPOT(a + b, 1):
        //   ties away from zero (-1/2 -> -1, 1/2 -> 1, -3/2 -> -2).
        // XNNPACK: bias 2^(shift-1) then an arithmetic shift: ties toward +inf (-1/2 -> 0, -3/2 -> -1).
        const std::vector<int8_t> a = {-1, 1, -3, 3, -5, 4};
        const std::vector<int8_t> b = {0, 0, 0, 0, 0, 0};
        auto builtin = runOp<int8_t>(OpType::Add, {{DType::Int8, {6}, a, quant(0.1f, 0)}, {DType::Int8, {6}, b, quant(0.1f, 0)}},
                                     DType::Int8, {6}, quant(0.2f, 0));
        QVERIFY2(builtin.error.empty(), builtin.error.c_str());
        QCOMPARE(builtin.values<int8_t>(), (std::vector<int8_t>{-1, 1, -2, 2, -3, 2}));
        auto xnn = runOp<int8_t>(OpType::Add, {{DType::Int8, {6}, a, quant(0.1f, 0)}, {DType::Int8, {6}, b, quant(0.1f, 0)}},
                                 DType::Int8, {6}, quant(0.2f, 0), {}, KernelMode::Xnnpack);
        QVERIFY2(xnn.error.empty(), xnn.error.c_str());
        QCOMPARE(xnn.values<int8_t>(), (std::vector<int8_t>{0, 1, -1, 2, -2, 2}));
    }

    void uint8SubWithReluActivation()
    {
        // Scales 1.0; a zp 128, b zp 100, out zp 50: q = (a-128) - (b-100) + 50, then
        // RELU clamps at the output zero point 50 (real 0).
        auto r = runOp<uint8_t>(OpType::Sub,
                                {{DType::UInt8, {4}, {128, 200, 100, 255}, quant(1.0f, 128)},
                                 {DType::UInt8, {4}, {100, 100, 150, 0}, quant(1.0f, 100)}},
                                DType::UInt8, {4}, quant(1.0f, 50), withActivation(FusedActivation::Relu));
        QVERIFY2(r.error.empty(), r.error.c_str());
        // 0+50=50; 72+50=122; -28-50... (100-128)-(150-100) = -78 -> 50 (relu); 127+100+50=277 -> 255.
        QCOMPARE(r.values<uint8_t>(), (std::vector<uint8_t>{50, 122, 50, 255}));
    }

    void int16PowerOfTwoAdd()
    {
        // pot_scale_int16: a scale 2^-10 (= output), b scale 2^-12: b is divided by 4
        // rounding half away from zero, then a saturating int16 add.
        OpAttributes attrs;
        attrs.potScaleInt16 = true;
        auto r = runOp<int16_t>(OpType::Add,
                                {{DType::Int16, {4}, {100, 100, 32767, -32768}, quant(1.0f / 1024, 0)},
                                 {DType::Int16, {4}, {6, -6, 400, -400}, quant(1.0f / 4096, 0)}},
                                DType::Int16, {4}, quant(1.0f / 1024, 0), attrs);
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int16_t>(), (std::vector<int16_t>{102, 98, 32767, -32768}));
        // SUB, same path: 100 - round(6/4) = 98; 100 - (-2) = 102.
        auto s = runOp<int16_t>(OpType::Sub,
                                {{DType::Int16, {2}, {100, 100}, quant(1.0f / 1024, 0)},
                                 {DType::Int16, {2}, {6, -6}, quant(1.0f / 4096, 0)}},
                                DType::Int16, {2}, quant(1.0f / 1024, 0), attrs);
        QVERIFY2(s.error.empty(), s.error.c_str());
        QCOMPARE(s.values<int16_t>(), (std::vector<int16_t>{98, 102}));
    }

    void int16GeneralScaleAdd()
    {
        // pot_scale_int16 false: the general path (left shift 15). Scales 0.001, 0.002 ->
        // 0.003: q = a/3 + 2b/3; chosen so the exact result is an integer or far from a tie.
        OpAttributes attrs;
        attrs.potScaleInt16 = false;
        auto r = runOp<int16_t>(OpType::Add,
                                {{DType::Int16, {4}, {300, -300, 30000, 1}, quant(0.001f, 0)},
                                 {DType::Int16, {4}, {150, 0, 30000, 1}, quant(0.002f, 0)}},
                                DType::Int16, {4}, quant(0.003f, 0), attrs);
        QVERIFY2(r.error.empty(), r.error.c_str());
        // 100+100; -100; 10000+20000 = 30000; 1/3+2/3 = 1.
        QCOMPARE(r.values<int16_t>(), (std::vector<int16_t>{200, -100, 30000, 1}));
        // Saturation at the int16 limits: output scale 0.0005 doubles and more.
        auto sat = runOp<int16_t>(OpType::Add,
                                  {{DType::Int16, {2}, {30000, -30000}, quant(0.001f, 0)},
                                   {DType::Int16, {2}, {30000, -30000}, quant(0.002f, 0)}},
                                  DType::Int16, {2}, quant(0.0005f, 0), attrs);
        QVERIFY2(sat.error.empty(), sat.error.c_str());
        QCOMPARE(sat.values<int16_t>(), (std::vector<int16_t>{32767, -32768}));
    }

    void int8MulProductAndSaturation()
    {
        // Scales 0.5 * 0.5 / 0.25 = 1: out = a * b (zero points 0), saturating.
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            auto r = runOp<int8_t>(OpType::Mul,
                                   {{DType::Int8, {4}, {10, 20, -20, -128}, quant(0.5f, 0)},
                                    {DType::Int8, {4}, {-3, 20, 20, -1}, quant(0.5f, 0)}},
                                   DType::Int8, {4}, quant(0.25f, 0), {}, mode);
            QVERIFY2(r.error.empty(), r.error.c_str());
            QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{-30, 127, -128, 127}));
        }
    }

    void halfwayMulRoundsDifferentlyPerMode()
    {
        // Scales 0.5 * 0.5 / 0.5: out = a*b/2. Builtin SaturatingRoundingDoublingHighMul
        // rounds ties toward +inf (5/2 -> 3, -5/2 -> -2, 3/2 -> 2); XNNPACK's fp32
        // requantization rounds ties to even (5/2 -> 2, -5/2 -> -2, 3/2 -> 2, -3/2 -> -2).
        const std::vector<int8_t> a = {5, -5, 3, -3};
        const std::vector<int8_t> b = {1, 1, 1, 1};
        auto builtin = runOp<int8_t>(OpType::Mul, {{DType::Int8, {4}, a, quant(0.5f, 0)}, {DType::Int8, {4}, b, quant(0.5f, 0)}},
                                     DType::Int8, {4}, quant(0.5f, 0));
        QVERIFY2(builtin.error.empty(), builtin.error.c_str());
        QCOMPARE(builtin.values<int8_t>(), (std::vector<int8_t>{3, -2, 2, -1}));
        auto xnn = runOp<int8_t>(OpType::Mul, {{DType::Int8, {4}, a, quant(0.5f, 0)}, {DType::Int8, {4}, b, quant(0.5f, 0)}},
                                 DType::Int8, {4}, quant(0.5f, 0), {}, KernelMode::Xnnpack);
        QVERIFY2(xnn.error.empty(), xnn.error.c_str());
        QCOMPARE(xnn.values<int8_t>(), (std::vector<int8_t>{2, -2, 2, -2}));
    }

    void int16MulSymmetric()
    {
        // 2^-8 * 2^-8 / 2^-10 = 2^-6: out = a*b / 64 rounded (ties toward +inf): 64*3/64 = 3,
        // 100*100/64 = 156.25 -> 156, -32768*-32768/64 = 16777216 -> 32767.
        auto r = runOp<int16_t>(OpType::Mul,
                                {{DType::Int16, {3}, {64, 100, -32768}, quant(1.0f / 256, 0)},
                                 {DType::Int16, {3}, {3, 100, -32768}, quant(1.0f / 256, 0)}},
                                DType::Int16, {3}, quant(1.0f / 1024, 0));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int16_t>(), (std::vector<int16_t>{3, 156, 32767}));
    }

    void prepareRejectsBadModels()
    {
        // Incompatible shapes: the message names the op and both tensors.
        auto shapes = runOp<float>(OpType::Add, {{DType::Float32, {2, 3}, std::vector<float>(6)}, {DType::Float32, {4}, std::vector<float>(4)}},
                                   DType::Float32, {2, 3}, {});
        QVERIFY(shapes.error.find("op #0 (ADD)") != std::string::npos);
        QVERIFY(shapes.error.find("not broadcastable") != std::string::npos);
        QVERIFY(shapes.error.find("'in1'") != std::string::npos);
        // Missing quantization on an int8 operand.
        auto noQuant = runOp<int8_t>(OpType::Mul, {{DType::Int8, {2}, {1, 2}}, {DType::Int8, {2}, {1, 2}, quant(1.0f, 0)}},
                                     DType::Int8, {2}, quant(1.0f, 0));
        QVERIFY(noQuant.error.find("no quantization parameters") != std::string::npos);
        QVERIFY(noQuant.error.find("'in0'") != std::string::npos);
        // Non-zero int16 zero point.
        auto zp = runOp<int16_t>(OpType::Add, {{DType::Int16, {1}, {1}, quant(1.0f, 3)}, {DType::Int16, {1}, {1}, quant(1.0f, 0)}},
                                 DType::Int16, {1}, quant(1.0f, 0));
        QVERIFY(zp.error.find("zero point 0") != std::string::npos);
        // Rank 7 exceeds TFLite's 6-D broadcast.
        auto rank = runOp<float>(OpType::Add, {{DType::Float32, {1, 1, 1, 1, 1, 1, 2}, {1, 2}}, {DType::Float32, {2}, {1, 2}}},
                                 DType::Float32, {1, 1, 1, 1, 1, 1, 2}, {});
        QVERIFY(rank.error.find("exceed the supported rank") != std::string::npos);
        // Unsupported fused activation.
        auto tanh = runOp<float>(OpType::Mul, {{DType::Float32, {1}, {1}}, {DType::Float32, {1}, {1}}}, DType::Float32, {1}, {},
                                 withActivation(FusedActivation::Tanh));
        QVERIFY(tanh.error.find("fused activation") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestElementwiseOps)
#include "tst_elementwise_ops.moc"
