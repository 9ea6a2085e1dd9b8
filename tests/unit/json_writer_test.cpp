// JsonWriter (core/src/json_writer.hpp) writes the bytes nlohmann's dump() makes of the same
// values: the scoring run, explanation, backtest and model JSON depend on it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "json_writer.hpp"

namespace {

std::string nlohmann_text(const std::string& s) {
    return nlohmann::ordered_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string writer_text(const std::string& s) {
    pql::JsonWriter w;
    w.str(s);
    return w.out;
}

}  // namespace

TEST_CASE("JsonWriter strings: every one- and two-byte string, and mixed UTF-8, as nlohmann", "[json]") {
    for (int a = 0; a < 256; ++a) {
        const std::string one(1, static_cast<char>(a));
        REQUIRE(writer_text(one) == nlohmann_text(one));
        for (int b = 0; b < 256; ++b) {
            const std::string two = one + static_cast<char>(b);
            REQUIRE(writer_text(two) == nlohmann_text(two));
        }
    }
    // Pseudo-random strings from pieces: ASCII, controls, quotes, valid 2-4 byte sequences,
    // overlongs, surrogates, stray continuation bytes, NUL.
    const char* pieces[] = {"a",
                            "\"",
                            "\\",
                            "\x01",
                            "\x1f",
                            "\x7f",
                            "\t",
                            "\n",
                            "\r",
                            "\b",
                            "\f",
                            "\xc3\xa9",
                            "\xe2\x82\xac",
                            "\xf0\x9f\x98\x80",
                            "\xc0\xaf",
                            "\xed\xa0\x80",
                            "\x80",
                            "\xff",
                            "\xf4\x90\x80\x80",
                            ""};  // 19: a NUL
    uint32_t x = 12345;
    for (int n = 0; n < 20000; ++n) {
        std::string s;
        const int len = static_cast<int>(x % 9);
        for (int k = 0; k < len; ++k) {
            x = x * 1103515245u + 12345u;
            const char* p = pieces[(x >> 16) % 20];
            s += (x >> 16) % 20 == 19 ? std::string(1, '\0') : std::string(p);
        }
        x = x * 1103515245u + 12345u;
        REQUIRE(writer_text(s) == nlohmann_text(s));
    }
}

TEST_CASE("JsonWriter numbers and fields as nlohmann", "[json]") {
    pql::JsonWriter w;
    w.open('{');
    w.field("a", 3.0);
    w.field("b", int64_t{-7});
    w.field("c", std::optional<double>());
    w.field("d", std::optional<std::string>("x\ny"));
    w.field("e", 0.1);
    w.field("f", 1e308);
    w.field("g", true);
    w.time_field("t", int64_t{0});
    w.close('}');
    nlohmann::ordered_json j = {{"a", 3.0}, {"b", -7},    {"c", nullptr}, {"d", "x\ny"},
                                {"e", 0.1}, {"f", 1e308}, {"g", true},    {"t", "1970-01-01T00:00:00.000Z"}};
    CHECK(w.out == j.dump());
}
