// report.json against docs/report.schema.json (with our small validator, itself
// checked on documents that must fail), and layers.csv layout.
#include <QtTest>

#include <cmath>

#include "analysis/analyzer.h"
#include "report/json_schema_check.h"
#include "report/layers_csv.h"
#include "report/report_json.h"
#include "test_support.h"

using namespace rf;

namespace {

std::string schemaText()
{
    const std::vector<uint8_t> bytes = test::readFileBytes(std::string(RF_SOURCE_DIR) + "/docs/report.schema.json");
    return std::string(bytes.begin(), bytes.end());
}

/// A small but complete result: one quantized input, one matched conv, a weight, drift and sensitivity.
AnalysisResult sampleResult()
{
    AnalysisResult r;
    r.floatModelPath = "model.h5";
    r.quantModelPath = "model \"int8\".tflite";
    r.kernels = "builtin";
    r.imageNames = {"a.jpg", "b,c.jpg"};
    TensorReport t;
    t.name = "conv1_relu";
    t.quantTensorName = "model/conv1_relu/Relu6;model/conv1/Conv2D";
    t.floatTensorName = "conv1_relu";
    t.quantTensor = 3;
    t.floatTensor = 7;
    t.quantOp = 1;
    t.opType = "CONV_2D";
    t.dtype = "INT8";
    t.shape = {1, 4, 4, 2};
    t.scale = 0.0235;
    t.zeroPoint = -128;
    t.representableMin = 0;
    t.representableMax = 5.99;
    t.floatMin = 0;
    t.floatMax = 7.5;
    t.clippingRate = 0.01;
    t.utilization = 0.5;
    t.codesUsed = 128;
    t.codeCount = 256;
    t.matchMethod = MatchMethod::StructureAndName;
    ErrorStats stats;
    stats.add(std::vector<float>{1, 2, 3}, std::vector<float>{1.1f, 2, 3});
    t.error = ErrorMetrics::summarize(stats);
    ErrorStats exact;
    exact.add(std::vector<float>{1}, std::vector<float>{1});
    t.perImage = {ErrorMetrics::summarize(stats), ErrorMetrics::summarize(exact)}; // the second has SQNR +inf
    HistogramBuilder builder(8, 0, 8);
    builder.add(std::vector<float>{0.5f, 7.5f});
    t.histogram.values = builder.histogram();
    t.histogram.clipLow = 0;
    t.histogram.clipHigh = 5.99;
    t.histogram.step = 0.0235;
    r.tensors.push_back(t);
    WeightReport w;
    w.name = "w";
    w.layer = "conv1_relu";
    w.quantOp = 1;
    w.opType = "CONV_2D";
    w.dtype = "INT8";
    w.shape = {2, 1, 1, 2};
    w.perChannel = true;
    WeightChannel c;
    c.scale = 0.01;
    c.quantMin = -1;
    c.quantMax = 1.27;
    c.utilization = 0.3;
    w.channels = {c, c};
    w.quantValues = builder.histogram();
    r.weights.push_back(w);
    r.model.images = 2;
    r.model.top1Agreement = 1.0;
    r.model.top5Agreement = 1.0;
    r.model.outputError = ErrorMetrics::summarize(stats);
    DriftReport drift;
    drift.tensors.push_back({"x", 3, 1, "CONV_2D", 32, 1, 1.0 / 32, 1});
    r.drift = drift;
    SensitivityReport s;
    s.images = 2;
    s.allQuantSqnrDb = 30;
    s.allQuantAgreement = 1;
    s.layers.push_back({"conv1_relu", 1, "CONV_2D", 31, 1, 45, 1, 1});
    r.sensitivity = s;
    r.unmatchedFloat = {"flatten"};
    r.notes = {"a note"};
    return r;
}

} // namespace

class TestReportJson : public QObject {
    Q_OBJECT
private slots:
    void fullReportValidates()
    {
        ReportContext context;
        context.command = "rangefinder-batch report ...";
        context.gates.push_back({"sqnr_db", 25.0, {"conv1_relu"}});
        const std::string json = reportToJson(sampleResult(), context);
        const Status status = validateJsonSchema(json, schemaText());
        QVERIFY2(status.isOk(), status.message().c_str());
        // Infinite SQNR is written as null, quotes are escaped.
        QVERIFY(json.find("\"sqnr_db\": null") != std::string::npos);
        QVERIFY(json.find("model \\\"int8\\\".tflite") != std::string::npos);
    }

    void quantizedOnlyReportValidates()
    {
        AnalysisResult r = sampleResult();
        r.floatModelPath.clear();
        r.tensors[0].error.reset();
        r.tensors[0].perImage.clear();
        r.tensors[0].matchMethod.reset();
        r.tensors[0].floatTensor = -1;
        r.tensors[0].floatTensorName.clear();
        r.model = {};
        r.model.images = 2;
        r.drift.reset();
        r.sensitivity.reset();
        const std::string json = reportToJson(r);
        const Status status = validateJsonSchema(json, schemaText());
        QVERIFY2(status.isOk(), status.message().c_str());
        QVERIFY(json.find("\"mode\": \"quantized_only\"") != std::string::npos);
        QVERIFY(json.find("\"float_model\": null") != std::string::npos);
    }

    void validatorRejectsWhatTheSchemaForbids()
    {
        const std::string schema = schemaText();
        std::string json = reportToJson(sampleResult());
        // A share above 1.
        std::string bad = json;
        bad.replace(bad.find("\"clipping_rate\": 0.01"), 21, "\"clipping_rate\": 1.5");
        Status status = validateJsonSchema(bad, schema);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find("/tensors/0/clipping_rate: 1.5 is above the maximum 1") != std::string::npos,
                 status.message().c_str());
        // A missing required member.
        bad = json;
        bad.replace(bad.find("\"kernels\""), 9, "\"kernelz\"");
        status = validateJsonSchema(bad, schema);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find("missing required property 'kernels'") != std::string::npos, status.message().c_str());
        // A wrong type.
        bad = json;
        bad.replace(bad.find("\"codes_used\": 128"), 17, "\"codes_used\": \"128\"");
        status = validateJsonSchema(bad, schema);
        QVERIFY(!status.isOk());
        QVERIFY2(status.message().find("/tensors/0/codes_used: expected integer, got string") != std::string::npos,
                 status.message().c_str());
        // An unknown enum value.
        bad = json;
        bad.replace(bad.find("\"builtin\""), 9, "\"gpu\"");
        QVERIFY(!validateJsonSchema(bad, schema).isOk());
        // Not JSON at all.
        QVERIFY(!validateJsonSchema("{", schema).isOk());
    }

    void layersCsvLayout()
    {
        const std::string csv = layersToCsv(sampleResult());
        const auto firstNewline = csv.find('\n');
        const std::string header = csv.substr(0, firstNewline);
        QCOMPARE(static_cast<size_t>(std::count(header.begin(), header.end(), ',')) + 1, layersCsvColumns().size());
        QVERIFY(header.rfind("index,name,op_index,op_type,", 0) == 0);
        const std::string row = csv.substr(firstNewline + 1);
        // The fused name contains ';' but no comma: unquoted. Rank 1 from the sensitivity.
        QVERIFY2(row.rfind("0,conv1_relu,1,CONV_2D,model/conv1_relu/Relu6;model/conv1/Conv2D,conv1_relu,INT8,1x4x4x2,0.0235,-128,",
                           0) == 0,
                 row.c_str());
        QVERIFY(row.find(",structure+name,1,31,45\n") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestReportJson)
#include "tst_report_json.moc"
