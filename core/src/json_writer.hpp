// JSON written straight into one string, byte for byte what nlohmann's dump() makes of the same
// ordered_json (-1 indent, UTF-8 kept, invalid UTF-8 replaced): no DOM per value. Numbers go
// through nlohmann's own formatters; a string with anything but plain printable ASCII is escaped
// by nlohmann itself. The scoring run, the explanation and the model writers use it.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pql/time.hpp"
#include "pql/value.hpp"
#include "record.hpp"  // valid_utf8

namespace pql {

class JsonWriter {
public:
    std::string out;
    void raw(std::string_view s) { out.append(s.data(), s.size()); }
    void key(std::string_view k) {  // a fixed key: plain ASCII, written as it is
        if (!first_) out.push_back(',');
        first_ = false;
        out.push_back('"');
        raw(k);
        raw("\":");
    }
    void key_text(std::string_view k) {  // a key from the model or the data: escaped as any string
        if (!first_) out.push_back(',');
        first_ = false;
        str(k);
        out.push_back(':');
    }
    void open(char c) {
        out.push_back(c);
        first_ = true;
    }
    void close(char c) {
        out.push_back(c);
        first_ = false;
    }
    void item() {  // before an array element
        if (!first_) out.push_back(',');
        first_ = false;
    }
    void str(std::string_view s) {
        bool plain = true;
        for (unsigned char c : s)
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                plain = false;
                break;
            }
        if (plain) {
            out.push_back('"');
            raw(s);
            out.push_back('"');
        } else if (valid_utf8(s)) {
            escaped(s);
        } else {  // invalid UTF-8 or a NUL: nlohmann's own escaping and replacement
            raw(nlohmann::ordered_json(std::string(s))
                    .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
        }
    }
    void null() { raw("null"); }
    void boolean(bool b) { raw(b ? "true" : "false"); }
    void integer(int64_t i) {
        char buf[24];
        char* p = buf + sizeof buf;
        uint64_t u = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        do {
            *--p = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u);
        if (i < 0) *--p = '-';
        out.append(p, static_cast<size_t>(buf + sizeof buf - p));
    }
    void number(double d) {  // as nlohmann: shortest round trip, "3.0" for whole numbers, null if not finite
        if (!std::isfinite(d)) return null();
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, static_cast<size_t>(end - buf));
    }
    void time(int64_t ms) { str(format_iso(ms)); }
    void value(const Value& v) {  // a trait value
        if (auto s = std::get_if<std::string>(&v)) return str(*s);
        if (auto d = std::get_if<double>(&v)) return number(*d);
        boolean(std::get<bool>(v));
    }
    void value(const TestValue& t) {  // one value, else a list (a None test has no value key)
        if (t.shape == TestValue::One) return value(t.values.at(0));
        open('[');
        for (auto& v : t.values) {
            item();
            value(v);
        }
        close(']');
    }

    // A fixed key and its value in one call; an absent optional is null.
    void field(std::string_view k, int64_t v) {
        key(k);
        integer(v);
    }
    void field(std::string_view k, double v) {
        key(k);
        number(v);
    }
    void field(std::string_view k, bool v) {
        key(k);
        boolean(v);
    }
    void field(std::string_view k, std::string_view v) {
        key(k);
        str(v);
    }
    void field(std::string_view k, const std::string& v) {
        key(k);
        str(v);
    }
    void field(std::string_view k, const char* v) {
        key(k);
        str(v);
    }
    void field(std::string_view k, const std::optional<double>& v) {
        key(k);
        v ? number(*v) : null();
    }
    void field(std::string_view k, const std::optional<int64_t>& v) {
        key(k);
        v ? integer(*v) : null();
    }
    void field(std::string_view k, const std::optional<bool>& v) {
        key(k);
        v ? boolean(*v) : null();
    }
    void field(std::string_view k, const std::optional<std::string>& v) {
        key(k);
        v ? str(*v) : null();
    }
    void time_field(std::string_view k, int64_t ms) {
        key(k);
        time(ms);
    }
    void time_field(std::string_view k, const std::optional<int64_t>& ms) {
        key(k);
        ms ? time(*ms) : null();
    }

private:
    bool first_ = true;

    // Valid UTF-8 without NUL, escaped as nlohmann's serializer does (UTF-8 kept, \uXXXX in
    // lower-case hex for the other control characters).
    void escaped(std::string_view s) {
        static const char kHex[] = "0123456789abcdef";
        out.push_back('"');
        for (unsigned char c : s) {
            switch (c) {
                case '"': raw("\\\""); break;
                case '\\': raw("\\\\"); break;
                case '\b': raw("\\b"); break;
                case '\t': raw("\\t"); break;
                case '\n': raw("\\n"); break;
                case '\f': raw("\\f"); break;
                case '\r': raw("\\r"); break;
                default:
                    if (c < 0x20) {
                        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
                        out.append(u, 6);
                    } else {
                        out.push_back(static_cast<char>(c));
                    }
            }
        }
        out.push_back('"');
    }
};

}  // namespace pql
