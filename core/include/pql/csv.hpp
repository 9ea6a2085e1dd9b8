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

// Which columns (docs/model.md "CRM export"): `Spec` = SPEC §4's result fields (the default, its
// bytes unchanged); `Crm` = a file for a HubSpot / Salesforce import: the id, name and the accounts
// (or users) file's own columns first so rows match CRM records, then as_of, rank, the scores
// rounded to 0.1, tier, grade, qualified, qualified_at, days_qualified, converted, converted_at,
// segments (";"-separated), reason_1..reason_3 (plain text), active_users, last_seen.
enum class CsvPreset { Spec, Crm };

struct CsvOptions {
    CsvPreset preset = CsvPreset::Spec;
    // The rows [offset, offset + limit) of the ranking.
    size_t offset = 0;
    size_t limit = SIZE_MAX;
    bool header = true;
    // Extra columns after the SPEC fields, one per trait, headed "trait.<name>": the trait's value
    // in effect at as_of (text guarded as above, numbers as numbers, booleans true/false).
    std::vector<std::string> traits;
};

// The header cells score_csv writes for these options, in order (for Crm: without the
// pass-through columns, which depend on the loaded file and follow `name`).
std::vector<std::string> score_csv_columns(const CsvOptions& options = {});

}  // namespace pql
