// core/data/image_input: image files become model input tensors (RGB order,
// bilinear resize, float normalization, quantization or raw pixels), checked on
// tiny BMP files written here byte by byte.

#include <QtTest>
#include <filesystem>

#include "data/image_input.h"
#include "test_support.h"

using namespace rf;

namespace {

struct Rgb {
    uint8_t r, g, b;
};

/// An uncompressed 24-bit BMP (bottom-up rows, BGR, rows padded to 4 bytes).
std::vector<uint8_t> makeBmp(int width, int height, const std::vector<Rgb>& topDownPixels)
{
    const int stride = (width * 3 + 3) & ~3;
    const uint32_t dataSize = static_cast<uint32_t>(stride * height);
    std::vector<uint8_t> bmp(54 + dataSize, 0);
    const auto put32 = [&](size_t at, uint32_t v) {
        for (int i = 0; i < 4; ++i) bmp[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    bmp[0] = 'B';
    bmp[1] = 'M';
    put32(2, static_cast<uint32_t>(bmp.size()));
    put32(10, 54);
    put32(14, 40);
    put32(18, static_cast<uint32_t>(width));
    put32(22, static_cast<uint32_t>(height));
    bmp[26] = 1;  // planes
    bmp[28] = 24; // bits per pixel
    put32(34, dataSize);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const Rgb& p = topDownPixels[static_cast<size_t>(y * width + x)];
            uint8_t* out = &bmp[54 + static_cast<size_t>((height - 1 - y) * stride + x * 3)];
            out[0] = p.b;
            out[1] = p.g;
            out[2] = p.r;
        }
    return bmp;
}

Tensor imageTensor(DType dtype, Shape shape, QuantParams quant = {})
{
    Tensor tensor;
    tensor.name = "image";
    tensor.dtype = dtype;
    tensor.shape = std::move(shape);
    tensor.quant = std::move(quant);
    return tensor;
}

} // namespace

class TestImageInput : public QObject {
    Q_OBJECT

private:
    std::string dir_;
    std::string fourColors_; // 2x2: red, green / blue, (10, 20, 30)

private slots:
    void initTestCase()
    {
        dir_ = test::makeTempDir("rf-image-input");
        fourColors_ = dir_ + "/four.bmp";
        QVERIFY(test::writeFileBytes(fourColors_, makeBmp(2, 2, {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}})));
    }
    void cleanupTestCase() { std::filesystem::remove_all(dir_); }

    void floatRgbInRowMajorOrder()
    {
        Result<TensorValue> value = imageToInputTensor(fourColors_, imageTensor(DType::Float32, {1, 2, 2, 3}));
        QVERIFY2(value.isOk(), value.message().c_str());
        const float* v = value.value().data<float>();
        // (pixel - 127.5) / 127.5: 255 -> 1, 0 -> -1.
        const std::vector<float> expected = {1, -1, -1, -1, 1, -1, -1, -1, 1,
                                             (10 - 127.5f) / 127.5f, (20 - 127.5f) / 127.5f, (30 - 127.5f) / 127.5f};
        QCOMPARE(std::vector<float>(v, v + 12), expected);
    }

    void customNormalization()
    {
        ImageInputOptions options;
        options.mean = {0, 0, 0};
        options.stddev = {255, 255, 255};
        Result<TensorValue> value = imageToInputTensor(fourColors_, imageTensor(DType::Float32, {1, 2, 2, 3}), options);
        QVERIFY(value.isOk());
        QCOMPARE(value.value().data<float>()[0], 1.0f);
        QCOMPARE(value.value().data<float>()[9], 10.0f / 255.0f);
    }

    void quantizesWithTheTensorsParameters()
    {
        // scale 1/128, zero point 128: real (p - 127.5) / 127.5 maps back onto p
        // (e.g. 10 -> -0.9216 -> -117.96 -> -118 + 128 = 10), and 255 clamps at 255.
        QuantParams quant;
        quant.scales = {0.0078125f};
        quant.zeroPoints = {128};
        Result<TensorValue> value = imageToInputTensor(fourColors_, imageTensor(DType::UInt8, {1, 2, 2, 3}, quant));
        QVERIFY2(value.isOk(), value.message().c_str());
        const uint8_t* v = value.value().data<uint8_t>();
        QCOMPARE(std::vector<uint8_t>(v, v + 12), (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}));

        Tensor unquantized = imageTensor(DType::Int8, {1, 2, 2, 3});
        Result<TensorValue> refused = imageToInputTensor(fourColors_, unquantized);
        QVERIFY(!refused.isOk());
        QVERIFY2(refused.message().find("no usable per-tensor scale") != std::string::npos, refused.message().c_str());
    }

    void rawPixels()
    {
        ImageInputOptions options;
        options.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
        Result<TensorValue> int8s = imageToInputTensor(fourColors_, imageTensor(DType::Int8, {1, 2, 2, 3}), options);
        QVERIFY(int8s.isOk());
        const int8_t* v = int8s.value().data<int8_t>();
        QCOMPARE(std::vector<int8_t>(v, v + 12), (std::vector<int8_t>{127, -128, -128, -128, 127, -128, -128, -128, 127, -118, -108, -98}));
        Result<TensorValue> uint8s = imageToInputTensor(fourColors_, imageTensor(DType::UInt8, {1, 2, 2, 3}), options);
        QVERIFY(uint8s.isOk());
        QCOMPARE(uint8s.value().data<uint8_t>()[11], uint8_t{30});
    }

    void grayscale()
    {
        // Luma 0.299 R + 0.587 G + 0.114 B: red 76.2, green 149.7, blue 29.1, (10,20,30) 18.2.
        ImageInputOptions options;
        options.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
        for (const Shape& shape : {Shape{1, 2, 2, 1}, Shape{1, 2, 2}}) {
            Result<TensorValue> gray = imageToInputTensor(fourColors_, imageTensor(DType::UInt8, shape), options);
            QVERIFY2(gray.isOk(), gray.message().c_str());
            const uint8_t* v = gray.value().data<uint8_t>();
            const int expected[] = {76, 150, 29, 18};
            for (int i = 0; i < 4; ++i)
                QVERIFY2(std::abs(int(v[i]) - expected[i]) <= 1, qPrintable(QString("pixel %1: %2").arg(i).arg(v[i])));
        }
    }

    void resizesBilinearly()
    {
        const std::string uniform = dir_ + "/uniform.bmp";
        QVERIFY(test::writeFileBytes(uniform, makeBmp(3, 2, std::vector<Rgb>(6, Rgb{100, 150, 200}))));
        ImageInputOptions options;
        options.integerEncoding = ImageInputOptions::IntegerEncoding::RawPixels;
        Result<TensorValue> value = imageToInputTensor(uniform, imageTensor(DType::UInt8, {1, 5, 4, 3}), options);
        QVERIFY2(value.isOk(), value.message().c_str());
        const auto pixels = value.value().span<uint8_t>();
        QCOMPARE(pixels.size(), size_t{60});
        for (size_t i = 0; i < pixels.size(); ++i) QCOMPARE(int(pixels[i]), int(std::vector<int>{100, 150, 200}[i % 3]));

        // A two-column black/white image upscaled to 4 columns: the ends keep their
        // values, the middle columns are blends (strictly between).
        const std::string edge = dir_ + "/edge.bmp";
        QVERIFY(test::writeFileBytes(edge, makeBmp(2, 1, {{0, 0, 0}, {255, 255, 255}})));
        Result<TensorValue> wide = imageToInputTensor(edge, imageTensor(DType::UInt8, {1, 1, 4, 1}), options);
        QVERIFY(wide.isOk());
        const uint8_t* w = wide.value().data<uint8_t>();
        QCOMPARE(int(w[0]), 0);
        QCOMPARE(int(w[3]), 255);
        QVERIFY(w[1] > 0 && w[1] < w[2] && w[2] < 255);
    }

    void clearErrors()
    {
        Result<TensorValue> missing = imageToInputTensor(dir_ + "/none.png", imageTensor(DType::Float32, {1, 2, 2, 3}));
        QVERIFY(!missing.isOk());
        QVERIFY2(missing.message().find(dir_ + "/none.png: no such image file") != std::string::npos, missing.message().c_str());
        const std::string text = dir_ + "/text.png";
        QVERIFY(test::writeFileBytes(text, {'n', 'o', 't', ' ', 'p', 'n', 'g'}));
        Result<TensorValue> garbage = imageToInputTensor(text, imageTensor(DType::Float32, {1, 2, 2, 3}));
        QVERIFY(!garbage.isOk());
        QVERIFY2(garbage.message().find("cannot decode") != std::string::npos, garbage.message().c_str());
        Result<TensorValue> notImage = imageToInputTensor(fourColors_, imageTensor(DType::Float32, {1, 10}));
        QVERIFY(!notImage.isOk());
        QVERIFY2(notImage.message().find("is not an image input") != std::string::npos, notImage.message().c_str());
        Result<TensorValue> batch = imageToInputTensor(fourColors_, imageTensor(DType::Float32, {2, 2, 2, 3}));
        QVERIFY(!batch.isOk());
        QVERIFY2(batch.message().find("batch size must be 1") != std::string::npos, batch.message().c_str());
    }
};

QTEST_APPLESS_MAIN(TestImageInput)
#include "tst_image_input.moc"
