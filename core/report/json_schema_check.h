#pragma once
// A small JSON Schema validator for the subset of draft 2020-12 that
// docs/report.schema.json uses: type (single or list), properties, required,
// additionalProperties (boolean), items, anyOf, enum, minimum, maximum, minItems, $ref to
// "#/$defs/...". Enough to check every report.json we write against its schema.

#include <string>
#include <string_view>

#include "util/status.h"

namespace rf {

/// Validates `jsonText` against `schemaText`. The error names the first failing
/// location as a JSON pointer ("/tensors/3/scale: expected number, got string").
Status validateJsonSchema(std::string_view jsonText, std::string_view schemaText);

} // namespace rf
