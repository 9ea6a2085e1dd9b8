// One RFC 4180 cell writer for every CSV the core makes (the ranking export, the SQL contract
// tables), so quoting cannot drift between them.
#pragma once
#include <string>
#include <string_view>

namespace pql {

struct CsvCellOptions {
    // Write "" as a quoted empty string, so that a loader can tell it from NULL (an empty cell).
    bool quote_empty = false;
    // Spreadsheet formula guard (OWASP "CSV injection"): text starting with = + - @ TAB or CR
    // gets a leading ' so Excel, Sheets and LibreOffice show it as text instead of evaluating it.
    // Only for text: numbers are written by the caller and never pass through here.
    bool formula_guard = false;
};

// Appends `text` as one cell: quoted (with "" for ") when it holds , " CR or LF.
void append_csv_cell(std::string& out, std::string_view text, CsvCellOptions options = {});
std::string csv_cell(std::string_view text, CsvCellOptions options = {});

}  // namespace pql
