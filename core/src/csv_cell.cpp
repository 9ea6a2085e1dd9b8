#include "csv_cell.hpp"

namespace pql {

void append_csv_cell(std::string& out, std::string_view text, CsvCellOptions options) {
    const bool guard =
        options.formula_guard && !text.empty() &&
        (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' || text[0] == '\r');
    const bool quote = (options.quote_empty && text.empty()) || text.find_first_of(",\"\r\n") != std::string_view::npos;
    if (quote) out += '"';
    if (guard) out += '\'';
    if (!quote) {
        out.append(text.data(), text.size());
        return;
    }
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string csv_cell(std::string_view text, CsvCellOptions options) {
    std::string out;
    append_csv_cell(out, text, options);
    return out;
}

}  // namespace pql
