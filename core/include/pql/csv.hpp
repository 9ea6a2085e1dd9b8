// The ranking as CSV for CRM and spreadsheet import (Engine::score_csv, `pql score --format csv`,
// the JS engine.scoreCsv() and the playground's Export CSV: one writer, the same bytes).
//
// Columns: the SPEC §4 result fields in their order, then one column per requested trait.
// RFC 4180 with CRLF line ends and a header row; a cell is quoted only when it holds , " CR or LF.
// Numbers are written as in the JSON output (shortest round-trip form); booleans true/false;
// absent values (null name, tier, grade, activated_at, trait) are an empty cell. Every text cell
// starting with = + - @ TAB or CR is prefixed with ' so spreadsheets never run it as a formula.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pql {

struct CsvOptions {
    // The rows [offset, offset + limit) of the ranking.
    size_t offset = 0;
    size_t limit = SIZE_MAX;
    bool header = true;
    // Extra columns after the SPEC fields, one per trait, headed "trait.<name>": the trait's value
    // in effect at as_of (text guarded as above, numbers as numbers, booleans true/false).
    std::vector<std::string> traits;
};

// The header cells score_csv writes for these options, in order.
std::vector<std::string> score_csv_columns(const CsvOptions& options = {});

}  // namespace pql
