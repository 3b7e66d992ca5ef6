#include "quant/calibration_statistics.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "util/atomic_file.h"

namespace rf {

// Binary layout (all little-endian), version 1:
//   "RFCALIB\0" (8 bytes), u32 version, u64 sampleCount, str modelName, u32 tensorCount,
//   per tensor: str name, i32 tensorIndex, u64 count, u64 nanCount, u64 infCount,
//     f32 min, f32 max, f64 sum, f64 sumSquares, u32 samples, f32 sampleMin[samples],
//     f32 sampleMax[samples], i32 binCount, i32 exponent, i64 firstBin,
//     i32 storedFrom, i32 storedCount, u64 counts[storedCount] (bins storedFrom.. of the window;
//     the rest are zero)
//   where str = u32 length + bytes.

namespace {

constexpr char kMagic[8] = {'R', 'F', 'C', 'A', 'L', 'I', 'B', '\0'};
constexpr uint32_t kVersion = 1;
constexpr int32_t kMaxBins = 1 << 20;

class Writer {
public:
    template <typename T> void put(T value)
    {
        const size_t at = bytes.size();
        bytes.resize(at + sizeof(T));
        std::memcpy(bytes.data() + at, &value, sizeof(T));
    }
    void putString(const std::string& text)
    {
        put<uint32_t>(static_cast<uint32_t>(text.size()));
        bytes.insert(bytes.end(), text.begin(), text.end());
    }
    std::vector<uint8_t> bytes;
};

class Reader {
public:
    Reader(const std::vector<uint8_t>& bytes) : bytes_(bytes) {}
    template <typename T> bool get(T& value)
    {
        if (bytes_.size() - offset_ < sizeof(T)) return false;
        std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
        offset_ += sizeof(T);
        return true;
    }
    bool getString(std::string& text)
    {
        uint32_t size = 0;
        if (!get(size) || bytes_.size() - offset_ < size) return false;
        text.assign(reinterpret_cast<const char*>(bytes_.data() + offset_), size);
        offset_ += size;
        return true;
    }
    /// True when `count` items of `itemSize` bytes can still be read.
    bool has(uint64_t count, size_t itemSize) const { return count <= (bytes_.size() - offset_) / itemSize; }
    size_t offset() const { return offset_; }
    bool atEnd() const { return offset_ == bytes_.size(); }

private:
    const std::vector<uint8_t>& bytes_;
    size_t offset_ = 0;
};

} // namespace

TensorStatistics::TensorStatistics()
    : min(std::numeric_limits<float>::infinity()), max(-std::numeric_limits<float>::infinity())
{
}

double TensorStatistics::stddev() const
{
    if (!count) return 0.0;
    const double m = mean();
    return std::sqrt(std::max(0.0, sumSquares / static_cast<double>(count) - m * m));
}

void TensorStatistics::merge(const TensorStatistics& other)
{
    if (other.count) {
        if (count == 0) {
            min = other.min;
            max = other.max;
        } else {
            min = std::min(min, other.min);
            max = std::max(max, other.max);
        }
    }
    count += other.count;
    nanCount += other.nanCount;
    infCount += other.infCount;
    sum += other.sum;
    sumSquares += other.sumSquares;
    sampleMin.insert(sampleMin.end(), other.sampleMin.begin(), other.sampleMin.end());
    sampleMax.insert(sampleMax.end(), other.sampleMax.begin(), other.sampleMax.end());
    histogram.merge(other.histogram);
}

const TensorStatistics* CalibrationStatistics::find(const std::string& name) const
{
    for (const TensorStatistics& stats : tensors)
        if (stats.name == name) return &stats;
    return nullptr;
}

TensorStatistics* CalibrationStatistics::find(const std::string& name)
{
    for (TensorStatistics& stats : tensors)
        if (stats.name == name) return &stats;
    return nullptr;
}

Status CalibrationStatistics::merge(const CalibrationStatistics& other)
{
    for (const TensorStatistics& theirs : other.tensors) {
        const TensorStatistics* ours = find(theirs.name);
        if (ours && ours->tensorIndex != theirs.tensorIndex)
            return Status::error("cannot merge calibration statistics: tensor '" + theirs.name + "' is tensor #" +
                                 std::to_string(ours->tensorIndex) + " in " + modelName + " but #" +
                                 std::to_string(theirs.tensorIndex) + " in " + other.modelName +
                                 " (statistics of different models?)");
    }
    for (const TensorStatistics& theirs : other.tensors) {
        if (TensorStatistics* ours = find(theirs.name))
            ours->merge(theirs);
        else
            tensors.push_back(theirs);
    }
    std::sort(tensors.begin(), tensors.end(),
              [](const TensorStatistics& a, const TensorStatistics& b) { return a.tensorIndex < b.tensorIndex; });
    sampleCount += other.sampleCount;
    if (modelName.empty()) modelName = other.modelName;
    return Status::ok();
}

std::vector<uint8_t> CalibrationStatistics::serialize() const
{
    Writer out;
    out.bytes.insert(out.bytes.end(), kMagic, kMagic + sizeof kMagic);
    out.put<uint32_t>(kVersion);
    out.put<uint64_t>(sampleCount);
    out.putString(modelName);
    out.put<uint32_t>(static_cast<uint32_t>(tensors.size()));
    for (const TensorStatistics& stats : tensors) {
        out.putString(stats.name);
        out.put<int32_t>(stats.tensorIndex);
        out.put<uint64_t>(stats.count);
        out.put<uint64_t>(stats.nanCount);
        out.put<uint64_t>(stats.infCount);
        out.put<float>(stats.min);
        out.put<float>(stats.max);
        out.put<double>(stats.sum);
        out.put<double>(stats.sumSquares);
        out.put<uint32_t>(static_cast<uint32_t>(stats.sampleMin.size()));
        for (float v : stats.sampleMin) out.put<float>(v);
        for (float v : stats.sampleMax) out.put<float>(v);
        const CalibrationHistogram& h = stats.histogram;
        out.put<int32_t>(h.binCount());
        out.put<int32_t>(h.exponent());
        out.put<int64_t>(h.firstBin());
        const int from = std::max(h.firstNonEmpty(), 0);
        const int stored = h.empty() ? 0 : h.lastNonEmpty() - from + 1;
        out.put<int32_t>(from);
        out.put<int32_t>(stored);
        for (int i = 0; i < stored; ++i) out.put<uint64_t>(h.counts()[from + i]);
    }
    return std::move(out.bytes);
}

Result<CalibrationStatistics> CalibrationStatistics::deserialize(const std::vector<uint8_t>& bytes,
                                                                 const std::string& sourceName)
{
    const auto fail = [&](const std::string& what) {
        return Status::error(sourceName + ": not a valid calibration statistics file: " + what);
    };
    if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
        return fail("missing the RFCALIB signature");
    Reader in(bytes);
    char magic[8];
    for (char& c : magic) in.get(c);
    uint32_t version = 0;
    if (!in.get(version)) return fail("truncated header");
    if (version != kVersion)
        return fail("format version " + std::to_string(version) + " (this build reads version " +
                    std::to_string(kVersion) + ")");
    CalibrationStatistics result;
    uint32_t tensorCount = 0;
    if (!in.get(result.sampleCount) || !in.getString(result.modelName) || !in.get(tensorCount))
        return fail("truncated header");
    for (uint32_t t = 0; t < tensorCount; ++t) {
        TensorStatistics stats;
        const std::string where = "tensor entry " + std::to_string(t);
        uint32_t samples = 0;
        if (!in.getString(stats.name) || !in.get(stats.tensorIndex) || !in.get(stats.count) ||
            !in.get(stats.nanCount) || !in.get(stats.infCount) || !in.get(stats.min) || !in.get(stats.max) ||
            !in.get(stats.sum) || !in.get(stats.sumSquares) || !in.get(samples))
            return fail(where + " is truncated");
        const std::string label = where + " '" + stats.name + "'";
        if (!in.has(uint64_t{samples} * 2, sizeof(float))) return fail(label + ": per-sample ranges are truncated");
        stats.sampleMin.resize(samples);
        stats.sampleMax.resize(samples);
        for (float& v : stats.sampleMin) in.get(v);
        for (float& v : stats.sampleMax) in.get(v);
        int32_t binCount = 0, exponent = 0, from = 0, stored = 0;
        int64_t firstBin = 0;
        if (!in.get(binCount) || !in.get(exponent) || !in.get(firstBin) || !in.get(from) || !in.get(stored))
            return fail(label + ": histogram header is truncated");
        if (binCount < 2 || binCount > kMaxBins) return fail(label + ": histogram has " + std::to_string(binCount) + " bins");
        if (from < 0 || stored < 0 || from > binCount || stored > binCount - from)
            return fail(label + ": histogram bins " + std::to_string(from) + "+" + std::to_string(stored) +
                        " lie outside its " + std::to_string(binCount) + "-bin window");
        if (!in.has(static_cast<uint64_t>(stored), sizeof(uint64_t))) return fail(label + ": histogram counts are truncated");
        std::vector<uint64_t> counts(static_cast<size_t>(binCount), 0);
        for (int32_t i = 0; i < stored; ++i) in.get(counts[static_cast<size_t>(from + i)]);
        stats.histogram = CalibrationHistogram(binCount);
        if (!stats.histogram.restore(exponent, firstBin, std::move(counts)))
            return fail(label + ": histogram grid (exponent " + std::to_string(exponent) + ") is invalid");
        if (stats.histogram.total() != stats.count)
            return fail(label + ": histogram holds " + std::to_string(stats.histogram.total()) +
                        " values but the tensor count is " + std::to_string(stats.count));
        if (stats.count && !(stats.min <= stats.max))
            return fail(label + ": min " + std::to_string(stats.min) + " is not <= max " + std::to_string(stats.max));
        result.tensors.push_back(std::move(stats));
    }
    if (!in.atEnd()) return fail("unexpected bytes after the last tensor entry");
    return result;
}

Status CalibrationStatistics::save(const std::string& path, bool overwrite) const
{
    const std::vector<uint8_t> bytes = serialize();
    return writeFileAtomic(path, std::span<const uint8_t>(bytes),
                           overwrite ? OverwritePolicy::Replace : OverwritePolicy::Refuse);
}

Result<CalibrationStatistics> CalibrationStatistics::load(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFileContents(path));
    return deserialize(bytes, path);
}

} // namespace rf
