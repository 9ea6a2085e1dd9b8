// nlohmann's SAX parser with an empty handler, line by line, exactly as read_json.cpp splits
// JSON Lines (and with the same strict=true). Non-virtual handler: the fastest the library goes.
// Built natively into pql_bench and, by scripts/bench.sh, alone with em++ -O3 into
// build/bench/sax_ceiling.mjs (exporting _sax_ceiling(ptr, len), _malloc, _free).
#include "sax_ceiling.hpp"

#include <string_view>

#include <nlohmann/json.hpp>

namespace {

struct EmptySax {
    using json = nlohmann::json;
    bool null() { return true; }
    bool boolean(bool) { return true; }
    bool number_integer(json::number_integer_t) { return true; }
    bool number_unsigned(json::number_unsigned_t) { return true; }
    bool number_float(json::number_float_t, const json::string_t&) { return true; }
    bool string(json::string_t&) { return true; }
    bool binary(json::binary_t&) { return true; }
    bool start_object(std::size_t) { return true; }
    bool end_object() { return true; }
    bool start_array(std::size_t) { return true; }
    bool end_array() { return true; }
    bool key(json::string_t&) { return true; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

}  // namespace

namespace pql_bench {

int64_t sax_ceiling(const char* data, size_t size) {
    std::string_view text(data, size);
    int64_t ok = 0;
    size_t pos = 0;
    EmptySax h;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view row = text.substr(pos, end - pos);
        pos = end + 1;
        if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
        if (row.empty()) continue;
        if (nlohmann::json::sax_parse(row.begin(), row.end(), &h, nlohmann::json::input_format_t::json, true)) ++ok;
    }
    return ok;
}

}  // namespace pql_bench

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
extern "C" EMSCRIPTEN_KEEPALIVE double sax_ceiling(const char* data, size_t size) {
    return static_cast<double>(pql_bench::sax_ceiling(data, size));
}
#endif
