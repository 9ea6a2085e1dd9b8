#include "pql/value.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

namespace pql {

bool ascii_iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
std::optional<double> json_number_string(std::string_view s) {
    size_t i = 0;
    auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    if (i < s.size() && s[i] == '-') ++i;
    if (!digit(i)) return std::nullopt;
    if (s[i] == '0') ++i;
    else
        while (digit(i)) ++i;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digit(i)) return std::nullopt;
        while (digit(i)) ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digit(i)) return std::nullopt;
        while (digit(i)) ++i;
    }
    if (i != s.size()) return std::nullopt;
    const double v = std::strtod(std::string(s).c_str(), nullptr);
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<double> numeric_value(const Value& v) {
    if (auto d = std::get_if<double>(&v)) return *d;
    if (auto s = std::get_if<std::string>(&v)) return json_number_string(*s);
    return std::nullopt;
}

bool values_equal(const Value& a, const Value& b) {
    const auto* as = std::get_if<std::string>(&a);
    const auto* bs = std::get_if<std::string>(&b);
    if (as && bs) return ascii_iequals(*as, *bs);
    if (std::holds_alternative<double>(a) || std::holds_alternative<double>(b)) {
        if (std::holds_alternative<bool>(a) || std::holds_alternative<bool>(b)) return false;
        auto x = numeric_value(a), y = numeric_value(b);
        return x && y && *x == *y;
    }
    const auto* ab = std::get_if<bool>(&a);
    const auto* bb = std::get_if<bool>(&b);
    if (ab && bb) return *ab == *bb;
    if (ab && bs) return ascii_iequals(*bs, *ab ? "true" : "false");
    if (bb && as) return ascii_iequals(*as, *bb ? "true" : "false");
    return false;
}

bool value_contains(const Value& trait, const std::string& needle) {
    const auto* s = std::get_if<std::string>(&trait);
    if (!s) return false;
    if (needle.empty()) return true;
    if (needle.size() > s->size()) return false;
    for (size_t i = 0; i + needle.size() <= s->size(); ++i)
        if (ascii_iequals(std::string_view(*s).substr(i, needle.size()), needle)) return true;
    return false;
}

}  // namespace pql

#include "value_json.hpp"

namespace pql {

nlohmann::ordered_json value_json(const Value& v) {
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto d = std::get_if<double>(&v)) return *d;
    return std::get<bool>(v);
}

}  // namespace pql
