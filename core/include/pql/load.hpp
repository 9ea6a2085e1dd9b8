// What a load reports: SPEC §1.3.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace pql {

enum class Format { Auto, Jsonl, JsonArray, Csv };

// "auto", "jsonl", "json", "csv"; false when the name is unknown.
bool parse_format(const std::string& name, Format& out);

// Numeric timestamps of flat rows and CSV (SPEC §6.2 column mapping): epoch ms or seconds.
enum class TimeUnit { Ms, S };
// "ms", "s"; false when the name is unknown.
bool parse_time_unit(const std::string& name, TimeUnit& out);

struct LoadOptions {
    Format format = Format::Auto;
    bool strict = false;  // the first bad row fails the whole load (nothing is kept)
    // The line number of the text's first line, when it is a later part of a file loaded in
    // pieces (JSON Lines and CSV), so that errors name the line of the whole file.
    int64_t first_line = 1;
    // Called about every 4 MiB with bytes read so far and the total (JSON Lines and CSV).
    std::function<void(size_t done, size_t total)> progress;

    // SPEC §6.2. The group key naming the account in vendor shapes: Mixpanel
    // properties[account_key], Amplitude groups[account_key], PostHog properties.$groups[...].
    std::string account_key;
    // Column mapping for flat rows and CSV: pql field -> the file's column or key. Events:
    // timestamp, user_id, event, account_id, id; accounts: account_id, name; users: user_id.
    std::map<std::string, std::string> columns;
    TimeUnit time_unit = TimeUnit::Ms;  // numeric timestamps of flat rows and CSV
};

// The fields a `columns` mapping may name, per file kind ("events", "accounts", "users"); an
// empty message when every key is one of them, else an error naming the unknown ones.
std::string check_columns(const std::map<std::string, std::string>& columns, const std::string& kind);

struct RowError {
    int64_t line = 0;     // 1-based line (JSONL, CSV) or element index (JSON array)
    std::string message;  // "timestamp: not a date"
};

struct LoadReport {
    int64_t read = 0, loaded = 0, skipped = 0, duplicates = 0;
    std::vector<RowError> errors;  // the first kMaxErrors
    static constexpr size_t kMaxErrors = 100;
    // Said once per load, not per row: "1204 Mixpanel events have no account: ..." (v2 addition).
    std::vector<std::string> notes;
    // The record shapes met, by name ("flat", "segment", "segment_batch", "mixpanel",
    // "amplitude", "posthog") with their counts (v2 addition).
    std::map<std::string, int64_t> shapes;

    void add_error(int64_t line, std::string message);
    void merge(const LoadReport& other);  // totals add up, errors keep the first kMaxErrors
};

}  // namespace pql
