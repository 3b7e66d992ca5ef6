// core/data/image_source + idx_file + image_decode: listing folders (sorted,
// class sub-folders as labels), list files, .npy items, IDX files (plain and
// gzip, with labels, limits and every header error), decoding PNG/BMP written
// here byte by byte, and matching labels to class names.

#include <QtTest>
#include <filesystem>

#include "data/idx_file.h"
#include "data/image_source.h"
#include "image_test_helpers.h"
#include "io/npy.h"
#include "test_support.h"

using namespace rf;
namespace fs = std::filesystem;

namespace {

Tensor tensor(DType dtype, Shape shape)
{
    Tensor t;
    t.name = "image";
    t.dtype = dtype;
    t.shape = std::move(shape);
    return t;
}

/// 2 x 2 RGB: red, green / blue, (10, 20, 30).
std::vector<uint8_t> fourColorsPng() { return test::makePng(2, 2, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}); }

QString message(const Status& status) { return QString::fromStdString(status.message()); }

} // namespace

class TestImageSource : public QObject {
    Q_OBJECT

private:
    std::string dir_;

    std::string write(const std::string& relative, const std::vector<uint8_t>& bytes)
    {
        const fs::path path = fs::path(dir_) / relative;
        fs::create_directories(path.parent_path());
        if (!test::writeFileBytes(path.string(), bytes)) qFatal("cannot write %s", path.string().c_str());
        return path.string();
    }
    std::string writeText(const std::string& relative, const std::string& text)
    {
        return write(relative, std::vector<uint8_t>(text.begin(), text.end()));
    }

private slots:
    void initTestCase() { dir_ = test::makeTempDir("rf-image-source"); }
    void cleanupTestCase() { fs::remove_all(dir_); }

    void decodesPngAndBmp()
    {
        const std::string png = write("decode/four.png", fourColorsPng());
        Result<PixelImage> rgb = decodeImageFile(png);
        QVERIFY2(rgb.isOk(), rgb.message().c_str());
        QCOMPARE(rgb.value().channels, 3);
        QCOMPARE(rgb.value().pixels, (std::vector<uint8_t>{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}));
        // A gray PNG stays one channel natively and is replicated when RGB is asked for.
        const std::string gray = write("decode/gray.png", test::makePng(3, 1, 1, {0, 128, 255}));
        Result<PixelImage> native = decodeImageFile(gray);
        QVERIFY(native.isOk());
        QCOMPARE(native.value().channels, 1);
        QCOMPARE(native.value().pixels, (std::vector<uint8_t>{0, 128, 255}));
        Result<PixelImage> asRgb = decodeImageFile(gray, DecodeColor::Rgb);
        QVERIFY(asRgb.isOk());
        QCOMPARE(asRgb.value().pixels, (std::vector<uint8_t>{0, 0, 0, 128, 128, 128, 255, 255, 255}));
        // Errors name the file.
        const std::string broken = writeText("decode/broken.png", "not a png");
        QCOMPARE(message(decodeImageFile(broken).status()),
                 QString::fromStdString(broken + ": cannot decode the image (JPEG, PNG or BMP expected)"));
        QCOMPARE(message(decodeImageFile(dir_ + "/decode/none.png").status()),
                 QString::fromStdString(dir_ + "/decode/none.png: no such image file"));
        QVERIFY(hasImageExtension("a/B.JPEG"));
        QVERIFY(!hasImageExtension("a/b.npy"));
    }

    void folderIsSortedWithClassLabels()
    {
        const std::vector<uint8_t> png = fourColorsPng();
        write("set/dog/c.png", png);
        write("set/cat/b.png", png);
        write("set/cat/nested/a.PNG", png);
        write("set/top.png", png);
        writeText("set/notes.txt", "ignored");
        Result<ImageSource> source = ImageSource::open(dir_ + "/set");
        QVERIFY2(source.isOk(), source.message().c_str());
        const ImageSource& set = source.value();
        QCOMPARE(set.size(), size_t(4));
        // Byte order of the relative paths; the first folder level is the class.
        QCOMPARE(QString::fromStdString(set.item(0).name), QString("cat/b.png"));
        QCOMPARE(QString::fromStdString(set.item(1).name), QString("cat/nested/a.PNG"));
        QCOMPARE(QString::fromStdString(set.item(2).name), QString("dog/c.png"));
        QCOMPARE(QString::fromStdString(set.item(3).name), QString("top.png"));
        QCOMPARE(QString::fromStdString(set.item(1).label), QString("cat"));
        QCOMPARE(QString::fromStdString(set.item(2).label), QString("dog"));
        QVERIFY(set.item(3).label.empty());
        QCOMPARE(set.labels(), (std::vector<std::string>{"cat", "dog"}));
        QVERIFY(ImageSource::looksLikeImageSpec(dir_ + "/set"));
        // --limit keeps the first N after sorting.
        ImageSourceOptions limited;
        limited.limit = 2;
        Result<ImageSource> two = ImageSource::open(dir_ + "/set", limited);
        QVERIFY(two.isOk());
        QCOMPARE(two.value().size(), size_t(2));
        QCOMPARE(QString::fromStdString(two.value().item(1).name), QString("cat/nested/a.PNG"));
        // Pixels are decoded on demand.
        Result<PixelImage> pixels = set.loadPixels(2);
        QVERIFY(pixels.isOk());
        QCOMPARE(int(pixels.value().at(1, 1, 2)), 30);
        fs::create_directories(dir_ + "/empty");
        QCOMPARE(message(ImageSource::open(dir_ + "/empty").status()),
                 QString::fromStdString(dir_ + "/empty: the folder holds no JPEG, PNG, BMP or .npy files"));
    }

    void listFiles()
    {
        write("list/imgs/one.png", fourColorsPng());
        write("list/imgs/two words.png", fourColorsPng());
        const std::string list = writeText("list/set.txt", "# comment\nimgs/one.png cat\n\nimgs/two words.png\t3\nimgs/one.png\n");
        QVERIFY(ImageSource::looksLikeImageSpec(list));
        Result<ImageSource> source = ImageSource::open(list);
        QVERIFY2(source.isOk(), source.message().c_str());
        const ImageSource& set = source.value();
        QCOMPARE(set.size(), size_t(3));
        QCOMPARE(QString::fromStdString(set.item(0).label), QString("cat"));
        QVERIFY(!set.item(0).labelIndex);
        QCOMPARE(QString::fromStdString(set.item(1).name), QString("imgs/two words.png"));
        QCOMPARE(set.item(1).labelIndex.value_or(-1), 3);
        QVERIFY(set.item(2).label.empty());
        QCOMPARE(QString::fromStdString(set.item(2).path), QString::fromStdString(dir_ + "/list/imgs/one.png"));
        // A .txt of numbers is a tensor given as text, not a list.
        const std::string numbers = writeText("list/tensor.txt", "1.5, 2, 3\n");
        QVERIFY(!ImageSource::looksLikeImageSpec(numbers));
        const std::string missing = writeText("list/missing.lst", "imgs/one.png\nimgs/nope.png dog\n");
        QCOMPARE(message(ImageSource::open(missing).status()),
                 QString::fromStdString(missing + ":2: no such file '" + dir_ + "/list/imgs/nope.png'"));
        const std::string notImage = writeText("list/bad.lst", "set.txt\n");
        QCOMPARE(message(ImageSource::open(notImage).status()),
                 QString::fromStdString(notImage + ":1: 'set.txt' is not a JPEG, PNG, BMP or .npy file"));
    }

    void idxFilesPlainAndGzip()
    {
        // Three 2 x 2 images: image k holds pixels 10k .. 10k+3.
        std::vector<uint8_t> pixels;
        for (uint8_t k = 0; k < 3; ++k)
            for (uint8_t i = 0; i < 4; ++i) pixels.push_back(static_cast<uint8_t>(10 * k + i));
        const std::string plain = write("idx/t10k-images-idx3-ubyte", test::makeIdxImages(3, 2, 2, pixels));
        write("idx/t10k-labels-idx1-ubyte", test::makeIdxLabels({7, 2, 1}));
        const std::string gz = write("idx/train-images-idx3-ubyte.gz", test::gzipStored(test::makeIdxImages(3, 2, 2, pixels)));
        write("idx/train-labels-idx1-ubyte.gz", test::gzipStored(test::makeIdxLabels({4, 5, 6})));
        QCOMPARE(QString::fromStdString(idxLabelsPathFor(gz).value_or("")),
                 QString::fromStdString(dir_ + "/idx/train-labels-idx1-ubyte.gz"));

        for (const std::string& path : {plain, gz}) {
            Result<IdxImages> images = readIdxImages(path);
            QVERIFY2(images.isOk(), images.message().c_str());
            QCOMPARE(images.value().count, int64_t(3));
            QCOMPARE(images.value().rows, 2);
            QCOMPARE(images.value().pixels, pixels);
        }
        Result<ImageSource> source = ImageSource::open(gz);
        QVERIFY2(source.isOk(), source.message().c_str());
        QCOMPARE(source.value().size(), size_t(3));
        QCOMPARE(QString::fromStdString(source.value().item(1).name), QString("train-images-idx3-ubyte.gz#00001"));
        QCOMPARE(source.value().item(1).labelIndex.value_or(-1), 5);
        Result<PixelImage> second = source.value().loadPixels(1);
        QVERIFY(second.isOk());
        QCOMPARE(second.value().pixels, (std::vector<uint8_t>{10, 11, 12, 13}));
        // A gray IDX record into an RGB float input: replicated, then normalized (raw preset).
        PreprocessOptions raw;
        QVERIFY(applyPreset("raw", raw).isOk());
        Result<TensorValue> value = source.value().loadTensor(2, tensor(DType::Float32, {1, 2, 2, 3}), raw);
        QVERIFY2(value.isOk(), value.message().c_str());
        const float* v = value.value().data<float>();
        QCOMPARE(v[0], 20.0f);
        QCOMPARE(v[2], 20.0f);
        QCOMPARE(v[11], 23.0f);
        // Limit reads only what is needed.
        ImageSourceOptions one;
        one.limit = 1;
        Result<ImageSource> limited = ImageSource::open(plain, one);
        QVERIFY(limited.isOk());
        QCOMPARE(limited.value().size(), size_t(1));
        QCOMPARE(limited.value().item(0).labelIndex.value_or(-1), 7);
    }

    void idxErrors()
    {
        const std::vector<uint8_t> pixels(8, 1);
        std::vector<uint8_t> badMagic = test::makeIdxImages(2, 2, 2, pixels);
        badMagic[0] = 0x1f;
        const std::string magic = write("idxbad/magic-idx3-ubyte", badMagic);
        QCOMPARE(message(readIdxImages(magic).status()),
                 QString::fromStdString(magic + ": not an IDX file (magic bytes 1f 00 08 03, expected 00 00 08 03)"));
        std::vector<uint8_t> floats = test::makeIdxImages(2, 2, 2, pixels);
        floats[2] = 0x0d;
        const std::string type = write("idxbad/type-idx3-ubyte", floats);
        QCOMPARE(message(readIdxImages(type).status()),
                 QString::fromStdString(type + ": IDX element type 0x0d is not supported (only 0x08, unsigned byte)"));
        const std::string rank = write("idxbad/rank-idx3-ubyte", test::makeIdxLabels({1, 2}));
        QCOMPARE(message(readIdxImages(rank).status()),
                 QString::fromStdString(rank + ": IDX rank 1, an images (idx3) file has rank 3"));
        // Header promises 3 images, data holds 2.
        const std::string truncated = write("idxbad/short-idx3-ubyte", test::makeIdxImages(3, 2, 2, pixels));
        QCOMPARE(message(readIdxImages(truncated).status()),
                 QString::fromStdString(truncated + ": truncated: the header promises 3 images of 2x2 (12 bytes), the file has 8"));
        // ... but a limit within the data reads fine.
        QVERIFY(readIdxImages(truncated, 2).isOk());
        const std::string header = write("idxbad/header-idx3-ubyte", {0, 0, 8, 3, 0, 0});
        QCOMPARE(message(readIdxImages(header).status()),
                 QString::fromStdString(header + ": truncated IDX header (dimension 0 missing)"));
        const std::string zeroRows = write("idxbad/zero-idx3-ubyte", test::makeIdxImages(1, 0, 2, {}));
        QCOMPARE(message(readIdxImages(zeroRows).status()), QString::fromStdString(zeroRows + ": implausible IDX image size 0x2"));
        // A gzip stream cut short is reported by zlib.
        std::vector<uint8_t> gz = test::gzipStored(test::makeIdxImages(2, 2, 2, pixels));
        gz.resize(gz.size() - 14);
        const std::string cut = write("idxbad/cut-idx3-ubyte.gz", gz);
        Result<IdxImages> cutRead = readIdxImages(cut);
        QVERIFY(!cutRead.isOk());
        QVERIFY2(cutRead.message().starts_with(cut + ": "), cutRead.message().c_str());
        // Fewer labels than images.
        write("idxbad/few-idx3-ubyte", test::makeIdxImages(2, 2, 2, pixels));
        const std::string labels = write("idxbad/few-idx1-ubyte", test::makeIdxLabels({1}));
        QCOMPARE(message(ImageSource::open(dir_ + "/idxbad/few-idx3-ubyte").status()),
                 QString::fromStdString(labels + ": holds 1 labels for 2 images in " + dir_ + "/idxbad/few-idx3-ubyte"));
    }

    void truncatedAndCorruptFilesNeverCrash()
    {
        // Every prefix of a gzip IDX file and of a PNG, and every single-byte corruption of
        // the IDX header, gives a value or an error naming the file (under the sanitizers
        // this also proves no out-of-bounds access).
        std::vector<uint8_t> pixels(2 * 3 * 3);
        for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 13);
        const std::vector<uint8_t> idx = test::makeIdxImages(2, 3, 3, pixels);
        const std::vector<uint8_t> gz = test::gzipStored(idx);
        const std::vector<uint8_t> png = fourColorsPng();
        int errors = 0;
        for (size_t length = 0; length < gz.size(); ++length) {
            const std::string path = write("cut/p-idx3-ubyte.gz", std::vector<uint8_t>(gz.begin(), gz.begin() + length));
            Result<IdxImages> read = readIdxImages(path);
            if (!read.isOk()) {
                ++errors;
                QVERIFY2(read.message().starts_with(path + ": "), read.message().c_str());
            } else {
                QCOMPARE(read.value().pixels, pixels); // only a complete stream may succeed
            }
        }
        QVERIFY(errors >= int(gz.size()) - 8); // at most the gzip trailer may be missing
        for (size_t at = 0; at < 16; ++at)
            for (uint8_t flip : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
                std::vector<uint8_t> corrupt = idx;
                corrupt[at] ^= flip;
                const std::string path = write("cut/c-idx3-ubyte", corrupt);
                Result<IdxImages> read = readIdxImages(path);
                if (!read.isOk()) QVERIFY2(read.message().starts_with(path + ": "), read.message().c_str());
            }
        for (size_t length = 0; length < png.size(); ++length) {
            const std::string path = write("cut/p.png", std::vector<uint8_t>(png.begin(), png.begin() + length));
            Result<PixelImage> decoded = decodeImageFile(path);
            if (!decoded.isOk()) QVERIFY2(decoded.message().starts_with(path + ": "), decoded.message().c_str());
        }
    }

    void npyItems()
    {
        // A prepared float tensor is fed as is; as pixels it is scaled min..max to 0..255.
        const std::vector<float> data = {0.0f, 0.5f, 1.0f, 0.25f};
        const std::string path = dir_ + "/npy/input.npy";
        fs::create_directories(dir_ + "/npy");
        QVERIFY(writeNpyFile(path, DType::Float32, {1, 2, 2, 1},
                             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size() * 4),
                             OverwritePolicy::Replace)
                    .isOk());
        Result<ImageSource> source = ImageSource::open(path);
        QVERIFY2(source.isOk(), source.message().c_str());
        QVERIFY(source.value().item(0).kind == ImageItemKind::NpyTensor);
        Result<TensorValue> value = source.value().loadTensor(0, tensor(DType::Float32, {1, 2, 2, 1}), PreprocessOptions{});
        QVERIFY2(value.isOk(), value.message().c_str());
        QCOMPARE(value.value().data<float>()[1], 0.5f);
        Result<PixelImage> pixels = source.value().loadPixels(0);
        QVERIFY(pixels.isOk());
        QCOMPARE(pixels.value().pixels, (std::vector<uint8_t>{0, 128, 255, 64}));
        Result<TensorValue> wrongSize = source.value().loadTensor(0, tensor(DType::Float32, {1, 3, 3, 1}), PreprocessOptions{});
        QVERIFY(!wrongSize.isOk());
        QVERIFY2(wrongSize.message().find(path) != std::string::npos, wrongSize.message().c_str());
    }

    void labelsMatchClassNames()
    {
        ImageItem item;
        item.label = "tench";
        const std::vector<std::string> imagenet = {"background", "tench, Tinca tinca", "goldfish, Carassius auratus"};
        QCOMPARE(resolveLabel(item, imagenet).value_or(-1), 1);
        item.label = "Carassius_auratus";
        QCOMPARE(resolveLabel(item, imagenet).value_or(-1), 2);
        const std::vector<std::string> teachable = {"0 cat", "1 dog"};
        item.label = "dog";
        QCOMPARE(resolveLabel(item, teachable).value_or(-1), 1);
        item.label = "horse";
        QVERIFY(!resolveLabel(item, teachable));
        // Numeric labels (IDX, list files) are indices.
        ImageItem numeric;
        numeric.label = "1";
        numeric.labelIndex = 1;
        QCOMPARE(resolveLabel(numeric, {"t-shirt_top", "trouser"}).value_or(-1), 1);
        QCOMPARE(resolveLabel(numeric, {}).value_or(-1), 1);
        numeric.labelIndex = 5;
        QVERIFY(!resolveLabel(numeric, {"a", "b"}));
        const std::string labels = writeText("labels.txt", "cat\r\ndog\n\n");
        Result<std::vector<std::string>> read = readLabelsFile(labels);
        QVERIFY(read.isOk());
        QCOMPARE(read.value(), (std::vector<std::string>{"cat", "dog"}));
        QCOMPARE(message(readLabelsFile(dir_ + "/none.txt").status()),
                 QString::fromStdString(dir_ + "/none.txt: cannot open the labels file"));
    }
};

QTEST_APPLESS_MAIN(TestImageSource)
#include "tst_image_source.moc"
