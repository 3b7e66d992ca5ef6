#include "report/json_schema_check.h"

#include <nlohmann/json.hpp>

namespace rf {
namespace {

using nlohmann::json;

std::string typeOf(const json& value)
{
    if (value.is_null()) return "null";
    if (value.is_boolean()) return "boolean";
    if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
    if (value.is_number()) return "number";
    if (value.is_string()) return "string";
    if (value.is_array()) return "array";
    return "object";
}

bool typeMatches(const json& value, const std::string& type)
{
    const std::string actual = typeOf(value);
    if (type == "number") return actual == "number" || actual == "integer";
    return actual == type;
}

class Validator {
public:
    explicit Validator(const json& root) : root_(root) {}

    Status check(const json& value, const json& schema, const std::string& path) const
    {
        if (schema.is_boolean()) {
            return schema.get<bool>() ? Status::ok() : Status::error(at(path) + "not allowed by the schema");
        }
        if (!schema.is_object()) return Status::error("schema at " + at(path) + "is not an object");
        if (auto ref = schema.find("$ref"); ref != schema.end()) {
            const std::string target = ref->get<std::string>();
            const std::string prefix = "#/$defs/";
            if (target.rfind(prefix, 0) != 0) return Status::error("unsupported $ref " + target);
            const auto defs = root_.find("$defs");
            if (defs == root_.end() || !defs->contains(target.substr(prefix.size()))) {
                return Status::error("schema $ref " + target + " not found");
            }
            RF_RETURN_IF_ERROR(check(value, (*defs)[target.substr(prefix.size())], path));
        }
        if (auto anyOf = schema.find("anyOf"); anyOf != schema.end()) {
            std::string reasons;
            bool ok = false;
            for (const json& option : *anyOf) {
                Status status = check(value, option, path);
                if (status.isOk()) {
                    ok = true;
                    break;
                }
                reasons += (reasons.empty() ? "" : "; ") + status.message();
            }
            if (!ok) return Status::error(at(path) + "matches none of the alternatives (" + reasons + ")");
        }
        if (auto type = schema.find("type"); type != schema.end()) {
            bool ok = false;
            std::string expected;
            if (type->is_string()) {
                ok = typeMatches(value, type->get<std::string>());
                expected = type->get<std::string>();
            } else {
                for (const json& t : *type) {
                    ok = ok || typeMatches(value, t.get<std::string>());
                    expected += (expected.empty() ? "" : " or ") + t.get<std::string>();
                }
            }
            if (!ok) return Status::error(at(path) + "expected " + expected + ", got " + typeOf(value));
        }
        if (auto values = schema.find("enum"); values != schema.end()) {
            bool found = false;
            for (const json& v : *values) found = found || v == value;
            if (!found) return Status::error(at(path) + "value " + value.dump() + " is not one of " + values->dump());
        }
        if (value.is_number()) {
            const double v = value.get<double>();
            if (auto min = schema.find("minimum"); min != schema.end() && v < min->get<double>()) {
                return Status::error(at(path) + value.dump() + " is below the minimum " + min->dump());
            }
            if (auto max = schema.find("maximum"); max != schema.end() && v > max->get<double>()) {
                return Status::error(at(path) + value.dump() + " is above the maximum " + max->dump());
            }
        }
        if (value.is_object()) {
            if (auto required = schema.find("required"); required != schema.end()) {
                for (const json& name : *required) {
                    if (!value.contains(name.get<std::string>())) {
                        return Status::error(at(path) + "missing required property '" + name.get<std::string>() + "'");
                    }
                }
            }
            const auto properties = schema.find("properties");
            const auto additional = schema.find("additionalProperties");
            for (const auto& [key, member] : value.items()) {
                if (properties != schema.end() && properties->contains(key)) {
                    RF_RETURN_IF_ERROR(check(member, (*properties)[key], path + "/" + key));
                } else if (additional != schema.end()) {
                    RF_RETURN_IF_ERROR(check(member, *additional, path + "/" + key));
                }
            }
        }
        if (value.is_array()) {
            if (auto minItems = schema.find("minItems"); minItems != schema.end() && value.size() < minItems->get<size_t>()) {
                return Status::error(at(path) + "expected at least " + minItems->dump() + " items, got " +
                                     std::to_string(value.size()));
            }
            if (auto items = schema.find("items"); items != schema.end()) {
                for (size_t i = 0; i < value.size(); ++i) {
                    RF_RETURN_IF_ERROR(check(value[i], *items, path + "/" + std::to_string(i)));
                }
            }
        }
        return Status::ok();
    }

private:
    static std::string at(const std::string& path) { return (path.empty() ? "/" : path) + ": "; }
    const json& root_;
};

} // namespace

Status validateJsonSchema(std::string_view jsonText, std::string_view schemaText)
{
    const json schema = json::parse(schemaText, nullptr, false);
    if (schema.is_discarded()) return Status::error("the schema is not valid JSON");
    const json value = json::parse(jsonText, nullptr, false);
    if (value.is_discarded()) return Status::error("the document is not valid JSON");
    return Validator(schema).check(value, schema, "");
}

} // namespace rf
