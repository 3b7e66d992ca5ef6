// The HDF5 crash guard (core/io/keras/hdf5_crash_guard.h): libhdf5 1.10 crashes or hangs
// converting corrupt variable-length strings, so those conversions run in a child process.
// The two reproducers found by fuzzing (tests/fuzz/regressions) must end in a clear error naming
// the file instead of killing or freezing the process, from a path and from memory;
// valid files (fixed- and variable-length strings) still load.
#include <QtTest>

#include "io/keras/hdf5_crash_guard.h"
#include "io/keras/keras_h5_reader.h"
#include "io/model_loader.h"
#include "test_support.h"

using namespace rf;

class TestHdf5CrashGuard : public QObject {
    Q_OBJECT

private slots:
    void heapOverflowReproducerIsAnError()
    {
        const std::string file = std::string(RF_SOURCE_DIR) + "/tests/fuzz/regressions/keras_h5_vlen_string_global_heap_overflow.h5";
        auto loaded = loadModelFile(file);
        QVERIFY(!loaded.isOk());
        QVERIFY2(loaded.message().find(file) != std::string::npos, loaded.message().c_str());
        // A plain build sees SIGSEGV; under AddressSanitizer the overflowing memcpy is
        // caught by the sanitizer's interceptor, which ends the child with exit status 1.
        const bool crashed = loaded.message().find("the HDF5 library crashed (signal") != std::string::npos;
        const bool failed = loaded.message().find("the HDF5 library failed (exit status") != std::string::npos;
        QVERIFY2(crashed || failed, loaded.message().c_str());
        QVERIFY2(loaded.message().find("the file is corrupt") != std::string::npos, loaded.message().c_str());
        // The same bytes from memory (the GUI's drop path) take the same guard.
        const std::vector<uint8_t> bytes = rf::test::readFileBytes(file);
        QVERIFY(!bytes.empty());
        auto fromMemory = readKerasH5Buffer(bytes.data(), bytes.size(), "dropped.h5");
        QVERIFY(!fromMemory.isOk());
        QVERIFY2(fromMemory.message().rfind("dropped.h5: the HDF5 library ", 0) == 0 &&
                     fromMemory.message().find("the file is corrupt") != std::string::npos,
                 fromMemory.message().c_str());
    }

    void hangReproducerTimesOut()
    {
        const std::string file = std::string(RF_SOURCE_DIR) + "/tests/fuzz/regressions/keras_h5_vlen_string_global_heap_hang.h5";
        auto loaded = loadModelFile(file);
        QVERIFY(!loaded.isOk());
        QVERIFY2(loaded.message().rfind(file + ": the HDF5 library did not finish reading", 0) == 0, loaded.message().c_str());
    }

    void validFilesStillLoad()
    {
        // Keras 3 layout fixtures store model_config and the name lists as
        // variable-length strings; Keras 2 fixtures as fixed-length ones.
        int loadedFiles = 0;
        for (const char* name : {"keras3_functional.h5", "dense_softmax.h5"}) {
            const std::string file = std::string(RF_SOURCE_DIR) + "/tests/data/keras/" + name;
            auto loaded = loadModelFile(file);
            QVERIFY2(loaded.isOk(), loaded.message().c_str());
            ++loadedFiles;
        }
        QCOMPARE(loadedFiles, 2);
    }

    void serializedStringsRoundTripAndRejectTruncation()
    {
        keras::VariableLengthStrings strings;
        strings.add("/", "model_config", {std::string("{\"class_name\": \"Sequential\"}")});
        strings.add("/model_weights", "layer_names", {"dense", "", std::string("with\0nul", 8)});
        const std::string bytes = strings.serialize();
        auto back = keras::VariableLengthStrings::deserialize(bytes);
        QVERIFY(back.has_value());
        QVERIFY(back->find("/", "model_config") != nullptr);
        const std::vector<std::string>* names = back->find("/model_weights", "layer_names");
        QVERIFY(names != nullptr);
        QCOMPARE(names->size(), size_t{3});
        QCOMPARE((*names)[2], std::string("with\0nul", 8));
        QVERIFY(back->find("/model_weights", "weight_names") == nullptr);
        for (size_t cut = 0; cut < bytes.size(); cut += 7)
            QVERIFY(!keras::VariableLengthStrings::deserialize(bytes.substr(0, cut)).has_value());
    }
};

QTEST_APPLESS_MAIN(TestHdf5CrashGuard)
#include "tst_hdf5_crash_guard.moc"
