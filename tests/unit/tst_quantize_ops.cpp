// QUANTIZE and DEQUANTIZE. Builtin QUANTIZE rounds x / scale half away from zero
// (TfLiteRound); XNNPACK's f32 -> qs8 convert rounds x * (1/scale) half to even.
// Requantization uses TFLite's MultiplyByQuantizedMultiplier (ties resolved as worked out
// in the comments). DEQUANTIZE rounds the exact product (x - zp) * scale once to float.
#include <QtTest>

#include <bit>
#include <cmath>
#include <limits>

#include "elementwise_test_helpers.h"

using namespace rf;
using rf::test::Operand;
using rf::test::quant;
using rf::test::runOp;

class TestQuantizeOps : public QObject {
    Q_OBJECT
private slots:
    void floatToInt8RoundingPerMode()
    {
        // Scale 0.5: x / 0.5 = 0.5, -0.5, 1.5, -1.5, 2000, -2000, 0.2.
        const std::vector<float> x = {0.25f, -0.25f, 0.75f, -0.75f, 1000.0f, -1000.0f, 0.1f};
        auto builtin = runOp<float>(OpType::Quantize, {{DType::Float32, {7}, x}}, DType::Int8, {7}, quant(0.5f, 0));
        QVERIFY2(builtin.error.empty(), builtin.error.c_str());
        QCOMPARE(builtin.values<int8_t>(), (std::vector<int8_t>{1, -1, 2, -2, 127, -128, 0}));
        auto xnn = runOp<float>(OpType::Quantize, {{DType::Float32, {7}, x}}, DType::Int8, {7}, quant(0.5f, 0), {},
                                KernelMode::Xnnpack);
        QCOMPARE(xnn.values<int8_t>(), (std::vector<int8_t>{0, 0, 2, -2, 127, -128, 0}));
        // uint8 with zero point 128: 0.5 -> 1 (+128) builtin, 0 (+128) XNNPACK.
        auto u = runOp<float>(OpType::Quantize, {{DType::Float32, {2}, {0.25f, -70.0f}}}, DType::UInt8, {2}, quant(0.5f, 128));
        QCOMPARE(u.values<uint8_t>(), (std::vector<uint8_t>{129, 0}));
        auto ux = runOp<float>(OpType::Quantize, {{DType::Float32, {2}, {0.25f, -70.0f}}}, DType::UInt8, {2}, quant(0.5f, 128), {},
                               KernelMode::Xnnpack);
        QCOMPARE(ux.values<uint8_t>(), (std::vector<uint8_t>{128, 0}));
    }

    void floatToInt16()
    {
        // Scale 2^-10: 0.5 -> 512; 100 -> 102400 -> 32767; -2^-11 -> -0.5 -> -1 (away from zero).
        auto r = runOp<float>(OpType::Quantize, {{DType::Float32, {3}, {0.5f, 100.0f, -1.0f / 2048}}}, DType::Int16, {3},
                              quant(1.0f / 1024, 0));
        QVERIFY2(r.error.empty(), r.error.c_str());
        QCOMPARE(r.values<int16_t>(), (std::vector<int16_t>{512, 32767, -1}));
    }

    void requantize()
    {
        // uint8 zp 128 -> int8 zp 0, same scale: a shift by 128.
        auto u2s = runOp<uint8_t>(OpType::Quantize, {{DType::UInt8, {3}, {0, 128, 255}, quant(0.02f, 128)}}, DType::Int8, {3},
                                  quant(0.02f, 0));
        QVERIFY2(u2s.error.empty(), u2s.error.c_str());
        QCOMPARE(u2s.values<int8_t>(), (std::vector<int8_t>{-128, 0, 127}));
        // int8 scale 0.1 -> 0.2: x / 2 with ties toward +inf in both modes
        // (SaturatingRoundingDoublingHighMul; XNNPACK's (x * 128 + 128) >> 8).
        for (KernelMode mode : {KernelMode::Builtin, KernelMode::Xnnpack}) {
            auto r = runOp<int8_t>(OpType::Quantize, {{DType::Int8, {4}, {3, -3, 5, -5}, quant(0.1f, 0)}}, DType::Int8, {4},
                                   quant(0.2f, 0), {}, mode);
            QVERIFY2(r.error.empty(), r.error.c_str());
            QCOMPARE(r.values<int8_t>(), (std::vector<int8_t>{2, -1, 3, -2}));
        }
        // int16 2^-12 -> int8 2^-5: x / 128. 200/128 = 1.5625 -> 2; 32767 -> 256 -> 127.
        auto s2b = runOp<int16_t>(OpType::Quantize, {{DType::Int16, {5}, {128, 200, -200, 32767, -32768}, quant(1.0f / 4096, 0)}},
                                  DType::Int8, {5}, quant(1.0f / 32, 0));
        QVERIFY2(s2b.error.empty(), s2b.error.c_str());
        QCOMPARE(s2b.values<int8_t>(), (std::vector<int8_t>{1, 2, -2, 127, -128}));
        // int32 2^-20 -> int16 2^-10: x / 1024. 1536 -> 1.5: the high-mul halves exactly (768),
        // then RoundingDivideByPOT(768, 9) rounds 1.5 away from zero -> 2; -1536 -> -2.
        auto w2s = runOp<int32_t>(OpType::Quantize,
                                  {{DType::Int32, {4}, {1024, 1536, -1536, std::numeric_limits<int32_t>::max()}, quant(1.0f / 1048576, 0)}},
                                  DType::Int16, {4}, quant(1.0f / 1024, 0));
        QVERIFY2(w2s.error.empty(), w2s.error.c_str());
        QCOMPARE(w2s.values<int16_t>(), (std::vector<int16_t>{1, 2, -2, 32767}));
    }

    void dequantizePerTensorAndPerAxis()
    {
        // (x - 3) * 0.1f, the exact product rounded once to float.
        auto r = runOp<int8_t>(OpType::Dequantize, {{DType::Int8, {3}, {13, 3, -128}, quant(0.1f, 3)}}, DType::Float32, {3}, {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        const auto v = r.values<float>();
        QCOMPARE(v[0], static_cast<float>(static_cast<double>(0.1f) * 10));
        QCOMPARE(v[1], 0.0f);
        QCOMPARE(v[2], static_cast<float>(static_cast<double>(0.1f) * -131));
        // Per-axis along dimension 1: scales {1, 2, 0.5}, zero points {0, 1, -2}.
        QuantParams perAxis{{1.0f, 2.0f, 0.5f}, {0, 1, -2}, 1};
        Operand<int8_t> in{DType::Int8, {2, 3}, {1, 1, 1, -1, -1, -1}, perAxis, true};
        auto p = runOp<int8_t>(OpType::Dequantize, {in}, DType::Float32, {2, 3}, {});
        QVERIFY2(p.error.empty(), p.error.c_str());
        QCOMPARE(p.values<float>(), (std::vector<float>{1.0f, 0.0f, 1.5f, -1.0f, -4.0f, 0.5f}));
        // int16 and uint8.
        auto s = runOp<int16_t>(OpType::Dequantize, {{DType::Int16, {2}, {-32768, 1024}, quant(1.0f / 1024, 0)}}, DType::Float32,
                                {2}, {});
        QCOMPARE(s.values<float>(), (std::vector<float>{-32.0f, 1.0f}));
        auto u = runOp<uint8_t>(OpType::Dequantize, {{DType::UInt8, {2}, {0, 255}, quant(0.5f, 128)}}, DType::Float32, {2}, {});
        QCOMPARE(u.values<float>(), (std::vector<float>{-64.0f, 63.5f}));
    }

    void dequantizeFloat16()
    {
        // IEEE half: 1.0, -2.0, the smallest subnormal 2^-24, +inf, 0x3555 = 1365/4096, -0.0.
        const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x0001, 0x7C00, 0x3555, 0x8000};
        Operand<uint16_t> in{DType::Float16, {6}, bits, {}, true};
        auto r = runOp<uint16_t>(OpType::Dequantize, {in}, DType::Float32, {6}, {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        const auto v = r.values<float>();
        QCOMPARE(v[0], 1.0f);
        QCOMPARE(v[1], -2.0f);
        QCOMPARE(v[2], std::ldexp(1.0f, -24));
        QVERIFY(std::isinf(v[3]) && v[3] > 0);
        QCOMPARE(v[4], 1365.0f / 4096.0f);
        QCOMPARE(std::bit_cast<uint32_t>(v[5]), 0x80000000u);
    }

    void prepareRejectsBadModels()
    {
        auto noQuant = runOp<float>(OpType::Quantize, {{DType::Float32, {1}, {1.0f}}}, DType::Int8, {1}, {});
        QVERIFY(noQuant.error.find("op #0 (QUANTIZE)") != std::string::npos);
        QVERIFY(noQuant.error.find("no quantization parameters") != std::string::npos);
        auto badType = runOp<float>(OpType::Quantize, {{DType::Float32, {1}, {1.0f}}}, DType::Float32, {1}, quant(1.0f, 0));
        QVERIFY(badType.error.find("supported: int8, uint8, int16") != std::string::npos);
        auto badZp = runOp<float>(OpType::Quantize, {{DType::Float32, {1}, {1.0f}}}, DType::Int8, {1}, quant(1.0f, 300));
        QVERIFY(badZp.error.find("zero point 300") != std::string::npos);
        auto badScale = runOp<int8_t>(OpType::Dequantize, {{DType::Int8, {1}, {1}, quant(-1.0f, 0)}}, DType::Float32, {1}, {});
        QVERIFY(badScale.error.find("invalid scale") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestQuantizeOps)
#include "tst_quantize_ops.moc"
