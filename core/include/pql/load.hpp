// What a load reports: SPEC §1.3.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pql {

enum class Format { Auto, Jsonl, JsonArray, Csv };

// "auto", "jsonl", "json", "csv"; false when the name is unknown.
bool parse_format(const std::string& name, Format& out);

struct LoadOptions {
    Format format = Format::Auto;
    bool strict = false;   // the first bad row fails the whole load (nothing is kept)
    // The line number of the text's first line, when it is a later part of a file loaded in
    // pieces (JSON Lines and CSV), so that errors name the line of the whole file.
    int64_t first_line = 1;
    // Called about every 4 MiB with bytes read so far and the total (JSON Lines and CSV).
    std::function<void(size_t done, size_t total)> progress;
};

struct RowError {
    int64_t line = 0;      // 1-based line (JSONL, CSV) or element index (JSON array)
    std::string message;   // "timestamp: not a date"
};

struct LoadReport {
    int64_t read = 0, loaded = 0, skipped = 0, duplicates = 0;
    std::vector<RowError> errors;  // the first kMaxErrors
    static constexpr size_t kMaxErrors = 100;

    void add_error(int64_t line, std::string message);
    void merge(const LoadReport& other);  // totals add up, errors keep the first kMaxErrors
};

}  // namespace pql
