#include "io/npy.h"

#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

namespace rf {

namespace {

constexpr std::array<uint8_t, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
/// Headers longer than this are certainly not a plain array's; refusing them keeps
/// a corrupted length field from making us scan megabytes.
constexpr size_t kMaxHeaderLength = 1 << 20;
/// Arrays larger than this many elements are refused (a corrupted shape, not data).
constexpr int64_t kMaxElements = int64_t{1} << 40;

struct DescrEntry {
    DType dtype;
    char kind;
    int size;
};
constexpr std::array<DescrEntry, 10> kDescrs = {{
    {DType::Float32, 'f', 4},
    {DType::Float16, 'f', 2},
    {DType::Float64, 'f', 8},
    {DType::Int8, 'i', 1},
    {DType::UInt8, 'u', 1},
    {DType::Int16, 'i', 2},
    {DType::Int32, 'i', 4},
    {DType::Int64, 'i', 8},
    {DType::UInt32, 'u', 4},
    {DType::Bool, 'b', 1},
}};

/// Maps a NumPy type string to our dtype. Byte order '<' and '=' (native, which
/// is little-endian on every platform we run on) are accepted; '|' (not
/// applicable) is accepted for one-byte types, as are '<' and '=' there.
Result<DType> dtypeFromDescr(std::string_view descr)
{
    if (descr.size() < 3) return Status::error("unsupported element type '" + std::string(descr) + "'");
    const char order = descr[0];
    const char kind = descr[1];
    int size = 0;
    const auto [end, ec] = std::from_chars(descr.data() + 2, descr.data() + descr.size(), size);
    if (ec != std::errc() || end != descr.data() + descr.size())
        return Status::error("unsupported element type '" + std::string(descr) + "'");
    if (order == '>' && size > 1)
        return Status::error("element type '" + std::string(descr) +
                             "' is big-endian; only little-endian .npy files are supported");
    if (order != '<' && order != '=' && order != '|' && !(order == '>' && size == 1))
        return Status::error("unsupported element type '" + std::string(descr) + "'");
    for (const DescrEntry& entry : kDescrs)
        if (entry.kind == kind && entry.size == size) return entry.dtype;
    return Status::error("unsupported element type '" + std::string(descr) +
                         "' (supported: f4 f2 f8 i1 u1 i2 i4 i8 u4 b1)");
}

/// A value of the Python literal subset NumPy writes in .npy headers.
struct HeaderValue {
    enum class Kind { String, Bool, Integer, Tuple, Other } kind = Kind::Other;
    std::string text;
    bool boolean = false;
    int64_t integer = 0;
    std::vector<int64_t> tuple;
};

/// A recursive-descent parser for the header dictionary, e.g.
/// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 224, 224, 3), }
class HeaderParser {
public:
    explicit HeaderParser(std::string_view text) : text_(text) {}

    Status parse(std::optional<std::string>& descr, std::optional<bool>& fortranOrder, std::optional<std::vector<int64_t>>& shape)
    {
        skipSpace();
        if (!consume('{')) return fail("expected '{'");
        for (;;) {
            skipSpace();
            if (consume('}')) break;
            HeaderValue key;
            RF_RETURN_IF_ERROR(parseValue(key));
            if (key.kind != HeaderValue::Kind::String) return fail("dictionary keys must be strings");
            skipSpace();
            if (!consume(':')) return fail("expected ':' after key '" + key.text + "'");
            HeaderValue value;
            RF_RETURN_IF_ERROR(parseValue(value));
            if (key.text == "descr") {
                if (value.kind != HeaderValue::Kind::String)
                    return Status::error("structured arrays (a 'descr' that is not a simple type string) are not supported");
                descr = value.text;
            } else if (key.text == "fortran_order") {
                if (value.kind != HeaderValue::Kind::Bool) return fail("'fortran_order' must be True or False");
                fortranOrder = value.boolean;
            } else if (key.text == "shape") {
                if (value.kind != HeaderValue::Kind::Tuple) return fail("'shape' must be a tuple of integers");
                shape = value.tuple;
            }
            skipSpace();
            if (consume(',')) continue;
            skipSpace();
            if (consume('}')) break;
            return fail("expected ',' or '}'");
        }
        return Status::ok();
    }

private:
    Status fail(const std::string& what) const
    {
        return Status::error("malformed header at character " + std::to_string(pos_) + ": " + what);
    }
    void skipSpace()
    {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool consume(char c)
    {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool consumeWord(std::string_view word)
    {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }
    Status parseInteger(int64_t& value)
    {
        skipSpace();
        const char* begin = text_.data() + pos_;
        const char* end = text_.data() + text_.size();
        const auto [next, ec] = std::from_chars(begin, end, value);
        if (ec != std::errc()) return fail("expected an integer");
        pos_ += static_cast<size_t>(next - begin);
        // Python 2 era writers appended 'L' to long integers.
        consume('L');
        return Status::ok();
    }
    Status parseValue(HeaderValue& value)
    {
        skipSpace();
        if (pos_ >= text_.size()) return fail("unexpected end of header");
        const char c = text_[pos_];
        if (c == '\'' || c == '"') {
            ++pos_;
            const size_t close = text_.find(c, pos_);
            if (close == std::string_view::npos) return fail("unterminated string");
            value.kind = HeaderValue::Kind::String;
            value.text = std::string(text_.substr(pos_, close - pos_));
            pos_ = close + 1;
            return Status::ok();
        }
        if (consumeWord("True")) {
            value.kind = HeaderValue::Kind::Bool;
            value.boolean = true;
            return Status::ok();
        }
        if (consumeWord("False")) {
            value.kind = HeaderValue::Kind::Bool;
            value.boolean = false;
            return Status::ok();
        }
        if (c == '(') {
            ++pos_;
            value.kind = HeaderValue::Kind::Tuple;
            for (;;) {
                skipSpace();
                if (consume(')')) return Status::ok();
                int64_t dim = 0;
                RF_RETURN_IF_ERROR(parseInteger(dim));
                value.tuple.push_back(dim);
                skipSpace();
                if (consume(',')) continue;
                if (consume(')')) return Status::ok();
                return fail("expected ',' or ')' in a tuple");
            }
        }
        if (c == '[') {
            // A list descr means a structured dtype; skip it with bracket matching
            // so that the error message can say so precisely.
            int depth = 0;
            do {
                if (text_[pos_] == '[') ++depth;
                if (text_[pos_] == ']') --depth;
                ++pos_;
            } while (depth > 0 && pos_ < text_.size());
            if (depth != 0) return fail("unterminated list");
            value.kind = HeaderValue::Kind::Other;
            return Status::ok();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            value.kind = HeaderValue::Kind::Integer;
            return parseInteger(value.integer);
        }
        return fail(std::string("unexpected character '") + c + "'");
    }

    std::string_view text_;
    size_t pos_ = 0;
};

uint32_t readLe32(const uint8_t* p)
{
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

} // namespace

std::string npyDescr(DType dtype)
{
    for (const DescrEntry& entry : kDescrs) {
        if (entry.dtype != dtype) continue;
        const char order = entry.size == 1 ? '|' : '<';
        return std::string(1, order) + entry.kind + std::to_string(entry.size);
    }
    return {};
}

Result<NpyArray> parseNpy(std::span<const uint8_t> bytes, const std::string& label)
{
    const auto error = [&](const std::string& message) { return Status::error(label + ": " + message); };
    if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
        return error("not a .npy file (missing the \\x93NUMPY magic)");
    const uint8_t major = bytes[6];
    size_t headerStart = 0;
    size_t headerLength = 0;
    if (major == 1) {
        headerStart = 10;
        headerLength = size_t{bytes[8]} | size_t{bytes[9]} << 8;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) return error("truncated .npy header");
        headerStart = 12;
        headerLength = readLe32(bytes.data() + 8);
    } else {
        return error("unsupported .npy format version " + std::to_string(major) + "." + std::to_string(bytes[7]));
    }
    if (headerLength > kMaxHeaderLength || headerStart + headerLength > bytes.size())
        return error("truncated .npy header (header length " + std::to_string(headerLength) + ", file size " +
                     std::to_string(bytes.size()) + ")");
    const std::string_view header(reinterpret_cast<const char*>(bytes.data() + headerStart), headerLength);

    std::optional<std::string> descr;
    std::optional<bool> fortranOrder;
    std::optional<std::vector<int64_t>> shape;
    if (Status parsed = HeaderParser(header).parse(descr, fortranOrder, shape); !parsed.isOk())
        return error(parsed.message());
    if (!descr) return error("header has no 'descr' entry");
    if (!shape) return error("header has no 'shape' entry");
    if (fortranOrder.value_or(false)) return error("Fortran-order arrays are not supported; save in C order");

    Result<DType> dtype = dtypeFromDescr(*descr);
    if (!dtype.isOk()) return error(dtype.message());

    NpyArray array;
    array.dtype = dtype.value();
    int64_t count = 1;
    for (int64_t dim : *shape) {
        if (dim < 0 || dim > std::numeric_limits<int32_t>::max()) return error("invalid dimension " + std::to_string(dim));
        if (dim != 0 && count > kMaxElements / dim) return error("shape is too large");
        count *= dim;
        array.shape.push_back(static_cast<int32_t>(dim));
    }
    const size_t dataStart = headerStart + headerLength;
    const uint64_t expected = static_cast<uint64_t>(count) * dtypeSize(array.dtype);
    const uint64_t available = bytes.size() - dataStart;
    if (available < expected)
        return error("truncated data: shape " + shapeToString(array.shape) + " of " + *descr + " needs " +
                     std::to_string(expected) + " bytes, the file has " + std::to_string(available));
    if (available > expected)
        return error(std::to_string(available - expected) + " unexpected bytes after the data of shape " +
                     shapeToString(array.shape) + " (" + *descr + ")");
    array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(dataStart), bytes.end());
    return array;
}

Result<NpyArray> readNpyFile(const std::string& path)
{
    RF_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, readFileContents(path));
    return parseNpy(bytes, path);
}

Result<std::vector<uint8_t>> encodeNpy(DType dtype, const Shape& shape, std::span<const uint8_t> data)
{
    const std::string descr = npyDescr(dtype);
    if (descr.empty()) return Status::error(".npy cannot hold element type " + std::string(dtypeName(dtype)));
    const uint64_t expected = static_cast<uint64_t>(elementCount(shape)) * dtypeSize(dtype);
    if (data.size() != expected)
        return Status::error("encodeNpy: " + std::to_string(data.size()) + " bytes given for shape " + shapeToString(shape) +
                             " of " + std::string(dtypeName(dtype)) + " (" + std::to_string(expected) + " expected)");

    // Python tuple syntax: a one-element tuple needs a trailing comma.
    std::string shapeText = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) shapeText += ", ";
        shapeText += std::to_string(shape[i]);
    }
    if (shape.size() == 1) shapeText += ",";
    shapeText += ")";
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText + ", }";

    // Pad with spaces and end with '\n' so that the data is 64-byte aligned.
    const bool version2 = 10 + header.size() + 1 > 65535;
    const size_t prefix = version2 ? 12 : 10;
    const size_t total = prefix + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');

    std::vector<uint8_t> out(kMagic.begin(), kMagic.end());
    out.push_back(version2 ? 2 : 1);
    out.push_back(0);
    const size_t length = header.size();
    out.push_back(static_cast<uint8_t>(length & 0xff));
    out.push_back(static_cast<uint8_t>((length >> 8) & 0xff));
    if (version2) {
        out.push_back(static_cast<uint8_t>((length >> 16) & 0xff));
        out.push_back(static_cast<uint8_t>((length >> 24) & 0xff));
    }
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

Status writeNpyFile(const std::string& path, DType dtype, const Shape& shape, std::span<const uint8_t> data,
                    OverwritePolicy policy)
{
    Result<std::vector<uint8_t>> encoded = encodeNpy(dtype, shape, data);
    if (!encoded.isOk()) return encoded.status().withContext(path);
    return writeFileAtomic(path, encoded.value(), policy);
}

} // namespace rf
