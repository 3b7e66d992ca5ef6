#pragma once
// Locating the models of ../shared: golden folders -> model files, and the
// TFLite models of the corpus.

#include <string>
#include <vector>

namespace rf::test {

/// The model file a ../shared/golden/<folder> was made from, or "" if none is
/// found. "<pair>__<stem>" is corpus/pairs/<pair>/<stem>.tflite; any other
/// name is corpus/tflite/<name>.tflite or oracle/testdata/models/<name>.tflite.
std::string modelForGoldenFolder(const std::string& shared, const std::string& folder);

/// The golden folder holding builtin-kernel results for `modelPath`, or "".
std::string goldenFolderForModel(const std::string& shared, const std::string& modelPath);

/// Every .tflite of corpus/tflite and corpus/pairs/*/, sorted.
std::vector<std::string> corpusTfliteModels(const std::string& shared);

/// A short, stable name for a corpus model ("tflite/x.tflite", "pairs/a/b.tflite").
std::string corpusModelName(const std::string& shared, const std::string& modelPath);

} // namespace rf::test
