// One input record (a JSON object or a CSV row) as flat fields, shared by the event and
// account loaders so that both formats go through the same validation.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pql/load.hpp"
#include "pql/value.hpp"

namespace pql {

struct Scalar {
    enum Kind { Null, Bool, Int, Float, String, Object, Array } kind = Null;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    bool big = false;  // an unsigned integer beyond int64
    std::string s;          // a string value (JSON) ...
    std::string_view ext;   // ... or a view of the input text (CSV cells, read in place)
    bool external = false;
    std::string_view text() const { return external ? ext : std::string_view(s); }
    void reset() {  // keeps the string's buffer
        kind = Null;
        b = big = external = false;
        i = 0;
        d = 0;
        s.clear();
    }
};

struct Record {
    int64_t line = 0;
    bool from_csv = false;  // CSV cells are strings; ids and timestamps are read from text
    // Top-level keys: fields[0, nfields) hold this record; the slots past it are kept, with their
    // string buffers, for the next record (a load allocates nothing per row once warm).
    std::vector<std::pair<std::string, Scalar>> fields;
    size_t nfields = 0;
    bool traits_object = false;   // "traits" held an object; its scalar members:
    Traits traits;
    std::vector<std::string> traits_nested;  // trait keys whose values were objects/arrays
    bool context_object = false;  // "context" held an object; its "groupId":
    Scalar context_group_id;
    bool has_context_group_id = false;

    mutable std::pair<const char*, size_t> hints_[8] = {};
    uint64_t keys_seen_ = 0;
    bool dup_keys = false;  // some key may occur twice (set by add(); readers that skip add() set it)

    void reset(int64_t at_line) {
        line = at_line;
        nfields = 0;
        keys_seen_ = 0;
        dup_keys = false;
        traits_object = false;
        traits.clear();
        traits_nested.clear();
        context_object = false;
        has_context_group_id = false;
    }
    // A new field named `key`, reset to null.
    Scalar& add(std::string_view key) {
        if (nfields == fields.size()) fields.emplace_back();
        auto& f = fields[nfields++];
        if (std::string_view(f.first) != key) f.first.assign(key.data(), key.size());  // rows repeat their keys
        // A cheap filter for a key seen before in this record: then get() searches in order.
        const uint64_t bit = 1ull << ((key.size() * 7 + (key.empty() ? 0 : static_cast<unsigned char>(key[0]) +
                                                             static_cast<unsigned char>(key.back()))) & 63);
        dup_keys |= (keys_seen_ & bit) != 0;
        keys_seen_ |= bit;
        f.second.reset();
        return f.second;
    }
    // The first field named `key`. Rows of a file repeat their layout, so where a key was found
    // last time is tried first (remembered by the key text's address: callers pass literals).
    const Scalar* get(std::string_view key) const {
        auto& hint = hints_[(reinterpret_cast<uintptr_t>(key.data()) >> 3) & 7];
        if (!dup_keys && hint.first == key.data() && hint.second < nfields &&
            std::string_view(fields[hint.second].first) == key)
            return &fields[hint.second].second;  // no key repeats: the only one is the first
        for (size_t i = 0; i < nfields; ++i)
            if (std::string_view(fields[i].first) == key) {
                hint = {key.data(), i};
                return &fields[i].second;
            }
        return nullptr;
    }
};

// Reads an id field (SPEC §1.1): a string, or an integer taken as its decimal text.
// Returns false with `why` set when the value makes the row bad; `present` is false for a
// missing, null or empty id.
bool read_id(const Scalar* v, std::string& out, bool& present, const char*& why);

// Callback per record; returning an error message (non-empty) marks the row bad.
class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual std::string accept(Record& r) = 0;
};

struct ReadLimits {
    size_t max_row_bytes = 8u << 20;  // 8 MiB per JSONL line / CSV row / array element
    int max_depth = 256;              // nesting inside one record
    std::function<void(size_t, size_t)> progress;
    int64_t first_line = 1;
};

// Streams records from text to the sink, filling in read/skipped counts and errors for rows
// that cannot be parsed; the sink decides loaded/duplicates. Returns false when strict and a
// row failed (the error is in report.errors.back()).
bool read_jsonl(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                const ReadLimits& limits = {});
bool read_json_array(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                     const ReadLimits& limits = {});
bool read_csv(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
              const ReadLimits& limits = {});
// Reads with the forced format, or detects it from the first non-blank byte.
bool read_records(std::string_view text, const LoadOptions& options, RecordSink& sink, LoadReport& report);

bool valid_utf8(std::string_view s);

}  // namespace pql
