// Trait values (strings, numbers, booleans) and SPEC §3's comparison rules.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pql {

using Value = std::variant<std::string, double, bool>;
using Traits = std::map<std::string, Value>;

// The value a test compares with: none (exists, missing), one, or a list (in, not_in, between).
struct TestValue {
    enum Shape { None, One, List } shape = None;
    std::vector<Value> values;
};

// A string that is a JSON number ("120", "1e2"; no spaces) as a double.
std::optional<double> json_number_string(std::string_view s);
// A number, or a string that is a JSON number.
std::optional<double> numeric_value(const Value& v);
// eq semantics: strings case-insensitively, numbers numerically (also against JSON-number
// strings), booleans against booleans or "true"/"false"; anything else unequal.
bool values_equal(const Value& a, const Value& b);
// Case-insensitive (ASCII) substring; the trait must be a string.
bool value_contains(const Value& trait, const std::string& needle);

bool ascii_iequals(std::string_view a, std::string_view b);

}  // namespace pql
