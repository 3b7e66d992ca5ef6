// The ranges file: round trip (every float bit, origins, method parameters, stats
// summaries), atomic refuse-to-overwrite, and the exact error messages for broken
// files (syntax error with its line, bad tensor entries with line, index and name,
// unknown keys, wrong version) and for files that do not fit the model.
#include <QtTest>

#include <cmath>

#include "quant/ranges_json.h"
#include "test_support.h"
#include "util/atomic_file.h"

using namespace rf;

namespace {

RangesFile sampleFile()
{
    RangesFile file;
    file.generator = "Rangefinder test";
    file.modelFile = "model.tflite";
    file.modelSha256 = std::string(64, 'a');
    file.policy.method = RangeMethod::Percentile;
    file.policy.percentile = 99.9;
    file.policy.defaultRange = TensorRange{-1.0f, 6.0f, RangeOrigin::DefaultRanges};
    file.calibrationSamples = 100;
    // Values that need all 9 significant digits to survive a text round trip.
    file.ranges["conv1/Relu6"] = TensorRange{0.0f, 5.99999952f, RangeOrigin::Calibrated};
    file.ranges["input"] = TensorRange{-1.0f, 0.99215686f, RangeOrigin::Override};
    file.ranges["logits"] = TensorRange{-12.3456789f, 1.0e-7f, RangeOrigin::DefaultRanges};
    RangeStatsSummary summary;
    summary.count = 802816;
    summary.observedMin = 0.0f;
    summary.observedMax = 6.0f;
    summary.mean = 0.5;
    summary.stddev = 0.25;
    summary.samples = 100;
    file.stats["conv1/Relu6"] = summary;
    return file;
}

Graph graphWith(const std::vector<std::string>& activations)
{
    Graph graph;
    graph.sourcePath = "model.tflite";
    for (const std::string& name : activations) test::addTensor(graph, name, DType::Float32, {1, 4});
    test::addConstant<float>(graph, "weights", DType::Float32, {1}, {1.0f});
    return graph;
}

std::string errorOf(const std::string& text)
{
    Result<RangesFile> parsed = rangesFromJson(text, "r.json");
    return parsed.isOk() ? std::string("(parsed)") : parsed.message();
}

/// A valid file whose first tensor entry is `entry`.
std::string withEntry(const std::string& entry)
{
    return "{\n \"format\": \"rangefinder-ranges\",\n \"format_version\": 1,\n"
           " \"model\": {\"file\": \"m.tflite\"},\n \"method\": {\"name\": \"minmax\"},\n"
           " \"tensors\": [\n  " + entry + "\n ]\n}\n";
}

} // namespace

class TestRangesJson : public QObject {
    Q_OBJECT
private slots:
    void roundTrip()
    {
        const RangesFile file = sampleFile();
        const std::string text = rangesToJson(file);
        Result<RangesFile> parsed = rangesFromJson(text, "x.json");
        QVERIFY2(parsed.isOk(), parsed.message().c_str());
        const RangesFile& back = parsed.value();
        QCOMPARE(back.formatVersion, 1);
        QCOMPARE(back.modelFile, file.modelFile);
        QCOMPARE(back.modelSha256, file.modelSha256);
        QCOMPARE(back.policy.method, RangeMethod::Percentile);
        QCOMPARE(back.policy.percentile, 99.9);
        QCOMPARE(back.policy.emaDecay, 0.999);
        QCOMPARE(back.policy.klQuantizedBins, 128);
        QVERIFY(back.policy.defaultRange.has_value());
        QCOMPARE(back.policy.defaultRange->max, 6.0f);
        QCOMPARE(back.calibrationSamples, uint64_t{100});
        QCOMPARE(back.ranges.size(), file.ranges.size());
        for (const auto& [name, range] : file.ranges) {
            const TensorRange& r = back.ranges.at(name);
            // Bit-exact floats.
            QCOMPARE(std::memcmp(&r.min, &range.min, sizeof(float)), 0);
            QCOMPARE(std::memcmp(&r.max, &range.max, sizeof(float)), 0);
            QCOMPARE(r.origin, range.origin);
        }
        QCOMPARE(back.stats.at("conv1/Relu6").count, uint64_t{802816});
        QCOMPARE(back.stats.at("conv1/Relu6").observedMax, 6.0f);
        // Writing the parsed file again gives the same text.
        QCOMPARE(rangesToJson(back), text);
    }

    void atomicSaveRefusesOverwrite()
    {
        const std::string path = test::makeTempDir("rf-ranges") + "/ranges.json";
        QVERIFY(saveRangesJson(path, sampleFile(), false).isOk());
        Status again = saveRangesJson(path, sampleFile(), false);
        QVERIFY(!again.isOk());
        QVERIFY2(again.message().find(path) != std::string::npos, again.message().c_str());
        QVERIFY(saveRangesJson(path, sampleFile(), true).isOk());
        Result<RangesFile> loaded = loadRangesJson(path);
        QVERIFY2(loaded.isOk(), loaded.message().c_str());
        QCOMPARE(loaded.value().ranges.size(), size_t{3});
        QVERIFY(!loadRangesJson(path + ".missing").isOk());
    }

    void syntaxErrorsNameTheLine()
    {
        const std::string text = "{\n \"format\": \"rangefinder-ranges\",\n \"format_version\": 1,\n \"model\": {,}\n}";
        const std::string message = errorOf(text);
        QVERIFY2(message.rfind("r.json: line 4: not valid JSON (", 0) == 0, message.c_str());
    }

    void badEntriesNameLineIndexAndTensor()
    {
        QCOMPARE(errorOf(withEntry("{\"name\": \"conv\", \"min\": 2, \"max\": 1}")),
                 std::string("r.json: line 7: tensors[0] 'conv': min 2.000000 is greater than max 1.000000"));
        QCOMPARE(errorOf(withEntry("{\"name\": \"conv\", \"min\": \"low\", \"max\": 1}")),
                 std::string("r.json: line 7: tensors[0] 'conv': \"min\" must be a finite number"));
        QCOMPARE(errorOf(withEntry("{\"name\": \"conv\", \"min\": 0, \"max\": 1, \"origin\": \"guess\"}")),
                 std::string("r.json: line 7: tensors[0] 'conv': origin \"guess\" is not one of calibrated, override, "
                             "default_ranges, fixed, from_model"));
        QCOMPARE(errorOf(withEntry("{\"name\": \"conv\", \"min\": 0, \"max\": 1, \"mn\": 0}")),
                 std::string("r.json: line 7: tensors[0] 'conv': unknown key \"mn\""));
        QCOMPARE(errorOf(withEntry("{\"name\": \"a\", \"min\": 0, \"max\": 1},\n  {\"name\": \"a\", \"min\": 0, \"max\": 1}")),
                 std::string("r.json: line 8: tensors[1] 'a': the tensor appears twice"));
        QCOMPARE(errorOf(withEntry("{\"min\": 0, \"max\": 1}")),
                 std::string("r.json: tensors[0]: \"name\" (a non-empty string) is missing"));
        QCOMPARE(errorOf(withEntry("{\"name\": \"big\", \"min\": 0, \"max\": 1e300}")),
                 std::string("r.json: line 7: tensors[0] 'big': min/max do not fit a float"));
    }

    void badHeaders()
    {
        QCOMPARE(errorOf("[]"), std::string("r.json: the top level must be a JSON object"));
        QCOMPARE(errorOf("{\"format\": \"something\"}"),
                 std::string("r.json: \"format\" must be \"rangefinder-ranges\" (not a Rangefinder ranges file?)"));
        std::string text = withEntry("{\"name\": \"a\", \"min\": 0, \"max\": 1}");
        std::string v2 = text;
        v2.replace(v2.find("\"format_version\": 1"), 19, "\"format_version\": 2");
        QCOMPARE(errorOf(v2), std::string("r.json: format_version 2 is not supported (this build reads version 1)"));
        std::string method = text;
        method.replace(method.find("\"minmax\""), 8, "\"median\"");
        QCOMPARE(errorOf(method),
                 std::string("r.json: method.name \"median\" is not one of minmax, moving_average, percentile, kl, mse"));
        std::string extra = text;
        extra.replace(extra.find("\"tensors\""), 9, "\"tensor\"");
        QCOMPARE(errorOf(extra), std::string("r.json: unknown key \"tensor\""));
        std::string sha = text;
        sha.replace(sha.find("{\"file\": \"m.tflite\"}"), 20, "{\"file\": \"m.tflite\", \"sha256\": \"xyz\"}");
        QCOMPARE(errorOf(sha), std::string("r.json: model.sha256 must be 64 lower-case hex digits, got \"xyz\""));
    }

    void checkAgainstModel()
    {
        RangesFile file = sampleFile();
        std::vector<std::string> warnings;
        // The model lacks "logits" and has "weights" only as a constant.
        file.ranges["weights"] = TensorRange{0, 1};
        Status status = checkRangesAgainstModel(file, graphWith({"conv1/Relu6", "input", "extra"}), "", &warnings);
        QCOMPARE(status.message(), std::string("model.tflite: the ranges file (for model.tflite) names 2 tensor(s) that "
                                               "are not float activations of this model: 'logits', 'weights'"));
        file.ranges.erase("weights");
        file.ranges.erase("logits");
        status = checkRangesAgainstModel(file, graphWith({"conv1/Relu6", "input", "extra"}), std::string(64, 'b'), &warnings);
        QVERIFY(status.isOk());
        QCOMPARE(warnings.size(), size_t{2});
        QCOMPARE(warnings[0], std::string("model.tflite: the ranges file was made for model.tflite (sha256 aaaaaaaaaaaa...), "
                                          "not this file (sha256 bbbbbbbbbbbb...); tensor names match, so the ranges are applied"));
        QCOMPARE(warnings[1], std::string("model.tflite: the ranges file has no range for 1 activation tensor(s) of this model"));
    }

    void makeFromStatistics()
    {
        CalibrationStatistics stats;
        stats.sampleCount = 3;
        TensorStatistics t;
        t.name = "input";
        const std::vector<float> v = {1.0f, 3.0f};
        t.count = 2;
        t.min = 1.0f;
        t.max = 3.0f;
        t.sum = 4.0;
        t.sumSquares = 10.0;
        t.sampleMin = {1.0f};
        t.sampleMax = {3.0f};
        stats.tensors.push_back(t);
        RangeTable ranges{{"input", TensorRange{1.0f, 3.0f}}};
        const RangesFile file = makeRangesFile(ranges, RangePolicy{}, &stats, "/some/dir/net.tflite", std::string(64, 'c'));
        QCOMPARE(file.modelFile, std::string("net.tflite"));
        QCOMPARE(file.calibrationSamples, uint64_t{3});
        QCOMPARE(file.stats.at("input").mean, 2.0);
        QCOMPARE(file.stats.at("input").stddev, 1.0); // sqrt(10/2 - 2^2)
        QVERIFY(file.generator.rfind("Rangefinder ", 0) == 0);
    }
};

QTEST_APPLESS_MAIN(TestRangesJson)
#include "tst_ranges_json.moc"
