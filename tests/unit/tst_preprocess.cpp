// core/data/preprocess + preprocess_options: crop, color, resize, layout,
// normalization (tflite_convert mean/std and presets), quantization of inputs,
// and the JSON form of the options. Expected values are computed by hand in the
// comments next to them.

#include <QtTest>
#include <cmath>

#include "data/preprocess.h"

using namespace rf;

namespace {

PixelImage image(int height, int width, int channels, std::vector<uint8_t> pixels)
{
    PixelImage out;
    out.height = height;
    out.width = width;
    out.channels = channels;
    out.pixels = std::move(pixels);
    return out;
}

Tensor tensor(DType dtype, Shape shape, QuantParams quant = {})
{
    Tensor t;
    t.name = "input_1";
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.quant = std::move(quant);
    return t;
}

QuantParams quant(float scale, int64_t zeroPoint)
{
    QuantParams q;
    q.scales = {scale};
    q.zeroPoints = {zeroPoint};
    return q;
}

template <typename T>
std::vector<T> values(const TensorValue& value)
{
    return std::vector<T>(value.data<T>(), value.data<T>() + value.elementCount());
}

} // namespace

class TestPreprocess : public QObject {
    Q_OBJECT

private slots:
    void quantizeRoundsHalfAwayFromZeroAndClamps()
    {
        // scale 0.5: 0.25 / 0.5 = 0.5 -> 1; -0.25 -> -1; 1.25 / 0.5 = 2.5 -> 3; 0.2 -> 0.4 -> 0.
        QCOMPARE(quantizeValue(0.25f, 0.5f, 0, -128, 127), 1);
        QCOMPARE(quantizeValue(-0.25f, 0.5f, 0, -128, 127), -1);
        QCOMPARE(quantizeValue(1.25f, 0.5f, 0, -128, 127), 3);
        QCOMPARE(quantizeValue(0.2f, 0.5f, 0, -128, 127), 0);
        // zero point added after rounding: -0.25 -> -1 + 10 = 9.
        QCOMPARE(quantizeValue(-0.25f, 0.5f, 10, 0, 255), 9);
        // Clamping at both ends, also far outside (no overflow in the cast).
        QCOMPARE(quantizeValue(63.75f, 0.5f, 0, -128, 127), 127);  // 127.5 -> 128 -> 127
        QCOMPARE(quantizeValue(-64.25f, 0.5f, 0, -128, 127), -128); // -128.5 -> -129 -> -128
        QCOMPARE(quantizeValue(1e30f, 1e-6f, 0, 0, 255), 255);
        QCOMPARE(quantizeValue(-1e30f, 1e-6f, 5, 0, 255), 0);
        QCOMPARE(quantizeValue(std::nanf(""), 0.5f, 3, 0, 255), 3);
        QCOMPARE(quantizeValue(1.0f, 1.0f / 32768.0f, 0, -32768, 32767), 32767);
    }

    void centralCropLikeTensorFlow()
    {
        // 10 x 8, fraction 0.5: top = int((10 - 5) / 2) = 2, left = int((8 - 4) / 2) = 2,
        // kept 10 - 4 = 6 rows and 8 - 4 = 4 columns.
        std::vector<uint8_t> pixels(80);
        for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i);
        const PixelImage cropped = centralCrop(image(10, 8, 1, pixels), 0.5).value();
        QCOMPARE(cropped.height, 6);
        QCOMPARE(cropped.width, 4);
        QCOMPARE(int(cropped.at(0, 0, 0)), 2 * 8 + 2);
        QCOMPARE(int(cropped.at(5, 3, 0)), 7 * 8 + 5);
        // 224 with 0.875 (Inception's crop): start int(28 / 2) = 14, 196 kept.
        const PixelImage big = centralCrop(image(224, 224, 1, std::vector<uint8_t>(224 * 224)), 0.875).value();
        QCOMPARE(big.height, 196);
        QCOMPARE(big.width, 196);
        // 5 x 5 with 0.5: start int(1.25) = 1, 3 kept.
        QCOMPARE(centralCrop(image(5, 5, 1, std::vector<uint8_t>(25)), 0.5).value().height, 3);
        // Inconsistent images are refused, not read out of bounds.
        QCOMPARE(QString::fromStdString(centralCrop(image(5, 5, 1, std::vector<uint8_t>(24)), 0.5).message()),
                 QString("the image holds 24 bytes, 5x5x1 needs 25"));
        QCOMPARE(QString::fromStdString(resizeImage(image(0, 5, 1, {}), 2, 2, ResizeMethod::Area).message()),
                 QString("the image is empty"));
        QCOMPARE(QString::fromStdString(resizeImage(image(1, 1, 1, {0}), 0, 2, ResizeMethod::Area).message()),
                 QString("cannot resize to 0x2"));
    }

    void resizeAreaAndBilinearDiffer()
    {
        // 1 x 6 -> 1 x 2. Area averages blocks of 3: (0+0+90)/3 = 30, (0+0+255)/3 = 85.
        // Bilinear (half-pixel centers) samples x = (i + 0.5) * 3 - 0.5 = 1 and 4: 0 and 0.
        const PixelImage row = image(1, 6, 1, {0, 0, 90, 0, 0, 255});
        const PixelImage area = resizeImage(row, 1, 2, ResizeMethod::Area).value();
        QCOMPARE(area.pixels, (std::vector<uint8_t>{30, 85}));
        const PixelImage bilinear = resizeImage(row, 1, 2, ResizeMethod::Bilinear).value();
        QCOMPARE(bilinear.pixels, (std::vector<uint8_t>{0, 0}));
        // Up: 1 x 2 [0, 100] -> 1 x 4 samples x = -0.25, 0.25, 0.75, 1.25 -> 0, 25, 75, 100 (edges clamp).
        const PixelImage up = resizeImage(image(1, 2, 1, {0, 100}), 1, 4, ResizeMethod::Bilinear).value();
        QCOMPARE(up.pixels, (std::vector<uint8_t>{0, 25, 75, 100}));
        // 2 x 2 RGB area-shrunk to 1 x 1: channel means (255+0+0+10)/4 = 66.25 -> 66, (0+255+0+20)/4 = 68.75 -> 69,
        // (0+0+255+30)/4 = 71.25 -> 71.
        const PixelImage four = image(2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
        QCOMPARE(resizeImage(four, 1, 1, ResizeMethod::Area).value().pixels, (std::vector<uint8_t>{66, 69, 71}));
    }

    void colorConversions()
    {
        const PixelImage four = image(2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
        // Luma 0.299 R + 0.587 G + 0.114 B: 76.2 -> 76, 149.7 -> 150, 29.1 -> 29, 2.99+11.74+3.42 = 18.15 -> 18.
        Result<PixelImage> gray = convertColor(four, 1, ColorOrder::Auto);
        QVERIFY2(gray.isOk(), gray.message().c_str());
        QCOMPARE(gray.value().pixels, (std::vector<uint8_t>{76, 150, 29, 18}));
        Result<PixelImage> bgr = convertColor(four, 3, ColorOrder::Bgr);
        QVERIFY(bgr.isOk());
        QCOMPARE(bgr.value().pixels, (std::vector<uint8_t>{0, 0, 255, 0, 255, 0, 255, 0, 0, 30, 20, 10}));
        // Gray into 3 channels is replicated; --color gray into RGB replicates the luma.
        Result<PixelImage> rgb = convertColor(image(1, 2, 1, {7, 200}), 3, ColorOrder::Auto);
        QVERIFY(rgb.isOk());
        QCOMPARE(rgb.value().pixels, (std::vector<uint8_t>{7, 7, 7, 200, 200, 200}));
        Result<PixelImage> grayRgb = convertColor(four, 3, ColorOrder::Gray);
        QVERIFY(grayRgb.isOk());
        QCOMPARE(int(grayRgb.value().at(0, 0, 2)), 76);
        Result<PixelImage> refused = convertColor(four, 1, ColorOrder::Bgr);
        QVERIFY(!refused.isOk());
        QCOMPARE(QString::fromStdString(refused.message()),
                 QString("color order 'bgr' needs a 3-channel input; this input has 1 channel (use --color gray or auto)"));
    }

    void meanAndStdPerChannel()
    {
        // (10 - 1) / 3 = 3, (20 - 2) / 6 = 3, (30 - 3) / 9 = 3; pixel (255, 0, 0): 84.667, -0.333, -0.333.
        PreprocessOptions options;
        options.meanValues = {1, 2, 3};
        options.stdDevValues = {3, 6, 9};
        const PixelImage four = image(2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30});
        Result<TensorValue> value = preprocessImage(four, tensor(DType::Float32, {1, 2, 2, 3}), options);
        QVERIFY2(value.isOk(), value.message().c_str());
        const std::vector<float> v = values<float>(value.value());
        QCOMPARE(v[9], 3.0f);
        QCOMPARE(v[10], 3.0f);
        QCOMPARE(v[11], 3.0f);
        QCOMPARE(v[0], 254.0f / 3.0f);
        QCOMPARE(v[1], -2.0f / 6.0f);
        // Three means for a gray input are refused with the counts.
        Result<TensorValue> mismatch = preprocessImage(four, tensor(DType::Float32, {1, 2, 2, 1}), options);
        QVERIFY(!mismatch.isOk());
        QCOMPARE(QString::fromStdString(mismatch.message()),
                 QString("mean_values has 3 values, input tensor 'input_1' has 1 channel(s)"));
    }

    void presets()
    {
        const PixelImage pixels = image(1, 2, 3, {0, 127, 255, 10, 20, 30});
        const auto run = [&](const char* name) {
            PreprocessOptions options;
            const Status status = applyPreset(name, options);
            if (!status.isOk()) qFatal("%s", status.message().c_str());
            Result<TensorValue> value = preprocessImage(pixels, tensor(DType::Float32, {1, 1, 2, 3}), options);
            if (!value.isOk()) qFatal("%s", value.message().c_str());
            return values<float>(value.value());
        };
        // mobilenet: (p - 127.5) / 127.5: 0 -> -1, 127 -> -0.00392157, 255 -> 1.
        const std::vector<float> mobilenet = run("mobilenet");
        QCOMPARE(mobilenet[0], -1.0f);
        QCOMPARE(mobilenet[1], -0.5f / 127.5f);
        QCOMPARE(mobilenet[2], 1.0f);
        // unit: p / 255.
        const std::vector<float> unit = run("unit");
        QCOMPARE(unit[2], 1.0f);
        QCOMPARE(unit[3], 10.0f / 255.0f);
        // caffe: BGR order, minus (103.939, 116.779, 123.68): pixel (10, 20, 30) -> (30, 20, 10) ->
        // (-73.939, -96.779, -113.68).
        const std::vector<float> caffe = run("caffe");
        QCOMPARE(caffe[3], 30.0f - 103.939f);
        QCOMPARE(caffe[4], 20.0f - 116.779f);
        QCOMPARE(caffe[5], 10.0f - 123.68f);
        // raw: the pixel values themselves.
        QCOMPARE(run("raw"), (std::vector<float>{0, 127, 255, 10, 20, 30}));
        // torch: (10 - 123.675) / 58.395.
        QCOMPARE(run("torch")[3], (10.0f - 123.675f) / 58.395f);
        PreprocessOptions options;
        const Status unknown = applyPreset("inception", options);
        QCOMPARE(QString::fromStdString(unknown.message()),
                 QString("unknown preprocessing preset 'inception' (known: mobilenet, unit, caffe, torch, raw)"));
    }

    void quantizedInputs()
    {
        const PixelImage pixels = image(1, 4, 1, {0, 127, 128, 255});
        PreprocessOptions mobilenet;
        QVERIFY(applyPreset("mobilenet", mobilenet).isOk());
        // uint8 scale 1/128, zero point 128 (MobileNet v1 quant): real 0 -> -1 -> -128 + 128 = 0;
        // 127 -> -0.0039216 / 0.0078125 = -0.502 -> -1 -> 127; 128 -> 0.502 -> 1 -> 129; 255 -> 1 -> 256 -> clamp 255.
        Result<TensorValue> u8 = preprocessImage(pixels, tensor(DType::UInt8, {1, 1, 4, 1}, quant(0.0078125f, 128)), mobilenet);
        QVERIFY2(u8.isOk(), u8.message().c_str());
        QCOMPARE(values<uint8_t>(u8.value()), (std::vector<uint8_t>{0, 127, 129, 255}));
        // int8 scale 1/255, zero point -128 with unit: p / 255 / (1 / 255) - 128 = p - 128.
        PreprocessOptions unit;
        QVERIFY(applyPreset("unit", unit).isOk());
        Result<TensorValue> i8 = preprocessImage(pixels, tensor(DType::Int8, {1, 1, 4, 1}, quant(1.0f / 255.0f, -128)), unit);
        QVERIFY2(i8.isOk(), i8.message().c_str());
        QCOMPARE(values<int8_t>(i8.value()), (std::vector<int8_t>{-128, -1, 0, 127}));
        // No normalization on an integer input: raw pixels (int8: p - 128).
        Result<TensorValue> raw = preprocessImage(pixels, tensor(DType::Int8, {1, 1, 4, 1}, quant(0.5f, 3)), PreprocessOptions{});
        QVERIFY(raw.isOk());
        QCOMPARE(values<int8_t>(raw.value()), (std::vector<int8_t>{-128, -1, 0, 127}));
        // int16 scale 1/32768 (zero point 0) with mobilenet: 255 -> 1.0 -> 32768 -> clamp 32767; 0 -> -32768.
        Result<TensorValue> i16 = preprocessImage(pixels, tensor(DType::Int16, {1, 1, 4, 1}, quant(1.0f / 32768.0f, 0)), mobilenet);
        QVERIFY(i16.isOk());
        QCOMPARE(values<int16_t>(i16.value())[0], int16_t(-32768));
        QCOMPARE(values<int16_t>(i16.value())[3], int16_t(32767));
        // Quantizing needs a scale.
        PreprocessOptions forced = mobilenet;
        forced.integerInput = IntegerInputMode::Quantize;
        Result<TensorValue> noScale = preprocessImage(pixels, tensor(DType::UInt8, {1, 1, 4, 1}), forced);
        QCOMPARE(QString::fromStdString(noScale.message()),
                 QString("input tensor 'input_1' (uint8) has no usable per-tensor scale to quantize the image with"));
    }

    void layouts()
    {
        // A 1 x 2 RGB image into NCHW [1, 3, 1, 2]: planes R R, G G, B B.
        PreprocessOptions raw;
        QVERIFY(applyPreset("raw", raw).isOk());
        const PixelImage pixels = image(1, 2, 3, {1, 2, 3, 4, 5, 6});
        Result<TensorValue> nchw = preprocessImage(pixels, tensor(DType::Float32, {1, 3, 1, 2}), raw);
        QVERIFY2(nchw.isOk(), nchw.message().c_str());
        QCOMPARE(values<float>(nchw.value()), (std::vector<float>{1, 4, 2, 5, 3, 6}));
        Result<TensorValue> nhwc = preprocessImage(pixels, tensor(DType::Float32, {1, 1, 2, 3}), raw);
        QVERIFY(nhwc.isOk());
        QCOMPARE(values<float>(nhwc.value()), (std::vector<float>{1, 2, 3, 4, 5, 6}));
        // [1, H, W] is one gray channel; the image is resized to it.
        Result<TensorValue> gray = preprocessImage(image(1, 1, 1, {9}), tensor(DType::Float32, {1, 2, 2}), raw);
        QVERIFY(gray.isOk());
        QCOMPARE(values<float>(gray.value()), (std::vector<float>{9, 9, 9, 9}));
        // Forced NHWC on a channels-first tensor is refused.
        raw.layout = TensorLayout::Nhwc;
        Result<TensorValue> wrong = preprocessImage(pixels, tensor(DType::Float32, {1, 3, 1, 2}), raw);
        QCOMPARE(QString::fromStdString(wrong.message()),
                 QString("input tensor 'input_1' [1, 3, 1, 2] is not an image input: NHWC needs 1 or 3 channels in the last "
                         "dimension"));
    }

    void errorsNameTheTensor()
    {
        PreprocessOptions none;
        const PixelImage pixels = image(1, 1, 1, {0});
        Result<TensorValue> floatNoNorm = preprocessImage(pixels, tensor(DType::Float32, {1, 1, 1, 1}), none);
        QVERIFY(!floatNoNorm.isOk());
        QVERIFY2(floatNoNorm.message().starts_with("input tensor 'input_1' is float32: say how pixels map to it with a preset"),
                 floatNoNorm.message().c_str());
        Result<TensorValue> batch = preprocessImage(pixels, tensor(DType::Float32, {2, 1, 1, 1}), none);
        QCOMPARE(QString::fromStdString(batch.message()),
                 QString("input tensor 'input_1' [2, 1, 1, 1] is not an image input: batch size must be 1"));
        Result<TensorValue> flat = preprocessImage(pixels, tensor(DType::Float32, {1, 10}), none);
        QCOMPARE(QString::fromStdString(flat.message()),
                 QString("input tensor 'input_1' [1, 10] is not an image input: expected shape [1, H, W, C], [1, C, H, W] "
                         "or [1, H, W]"));
        PreprocessOptions zeroStd;
        zeroStd.meanValues = {0};
        zeroStd.stdDevValues = {0};
        QCOMPARE(QString::fromStdString(zeroStd.validate().message()), QString("std_dev_values must not be 0"));
    }

    void jsonRoundTrip()
    {
        PreprocessOptions options;
        QVERIFY(applyPreset("caffe", options).isOk());
        options.resize = ResizeMethod::Area;
        options.centralCrop = 0.875;
        options.layout = TensorLayout::Nchw;
        options.integerInput = IntegerInputMode::RawPixels;
        const std::string json = options.toJson();
        QCOMPARE(QString::fromStdString(json),
                 QString(R"({"color":"bgr","resize":"area","central_crop":0.875,"layout":"nchw","mean_values":[103.93900299072266,116.77899932861328,123.68000030517578],"std_dev_values":[1.0],"preset":"caffe","integer_input":"raw_pixels"})"));
        Result<PreprocessOptions> parsed = PreprocessOptions::fromJson(json);
        QVERIFY2(parsed.isOk(), parsed.message().c_str());
        QVERIFY(parsed.value() == options);
        QCOMPARE(QString::fromStdString(PreprocessOptions::fromJson(R"({"colour":"rgb"})").message()),
                 QString("preprocessing options: unknown key 'colour'"));
        QCOMPARE(QString::fromStdString(PreprocessOptions::fromJson(R"({"resize":"cubic"})").message()),
                 QString("preprocessing options: unknown resize 'cubic'"));
        QCOMPARE(QString::fromStdString(PreprocessOptions::fromJson(R"({"central_crop":1.5})").message()),
                 QString("central crop fraction must be in (0, 1], got 1.500000"));
        QCOMPARE(QString::fromStdString(PreprocessOptions::fromJson("[1]").message()),
                 QString("preprocessing options: not a JSON object"));
        // Missing keys keep their defaults.
        Result<PreprocessOptions> partial = PreprocessOptions::fromJson(R"({"mean_values":[127.5],"std_dev_values":[127.5]})");
        QVERIFY(partial.isOk());
        QVERIFY(partial.value().resize == ResizeMethod::Bilinear);
        QCOMPARE(partial.value().meanValues, std::vector<float>{127.5f});
    }

    void floatLists()
    {
        Result<std::vector<float>> three = parseFloatList("--mean_values", "103.939,116.779 123.68");
        QVERIFY(three.isOk());
        QCOMPARE(three.value(), (std::vector<float>{103.939f, 116.779f, 123.68f}));
        QCOMPARE(QString::fromStdString(parseFloatList("--mean_values", "1,x").message()),
                 QString("--mean_values: 'x' is not a number"));
        QCOMPARE(QString::fromStdString(parseFloatList("--std_dev_values", "1,2").message()),
                 QString("--std_dev_values needs one number or one per channel (3), got 2"));
    }
};

QTEST_APPLESS_MAIN(TestPreprocess)
#include "tst_preprocess.moc"
