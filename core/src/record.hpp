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
    bool big = false;      // an unsigned integer beyond int64
    std::string s;         // a string value (JSON) ...
    std::string_view ext;  // ... or a view of the input text (CSV cells, read in place)
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

// A scalar below one of the record's top-level objects other than "traits" and "context"
// ("properties", "event_properties", "groups", "$properties", ...): SPEC §6.2 reads vendor
// shapes from them and §6.4 keeps them as event properties. `root` is the index of that
// top-level field in Record::fields, `path` the dotted path below it ("plan.seats"). Arrays are
// not descended, except that an array's first scalar element is kept with `in_array` set (a
// list-valued account counts for its first element; properties ignore arrays).
struct Nested {
    std::string path;
    Scalar value;
    uint32_t root = 0;
    bool in_array = false;
};

struct Record {
    int64_t line = 0;
    bool from_csv = false;  // CSV cells are strings; ids and timestamps are read from text
    // Top-level keys: fields[0, nfields) hold this record; the slots past it are kept, with their
    // string buffers, for the next record (a load allocates nothing per row once warm).
    std::vector<std::pair<std::string, Scalar>> fields;
    size_t nfields = 0;
    bool traits_object = false;  // "traits" held an object; its scalar members:
    Traits traits;
    std::vector<std::string> traits_nested;  // trait keys whose values were objects/arrays
    bool context_object = false;             // "context" held an object; its "groupId":
    Scalar context_group_id;
    bool has_context_group_id = false;

    // Nested scalars (see Nested): nested[0, nnested), slots past it kept for reuse as fields are.
    std::vector<Nested> nested;
    size_t nnested = 0;
    // A Segment HTTP envelope {"batch": [...]}: its elements, each read as a record of its own.
    std::vector<Record> batch;
    size_t nbatch = 0;
    bool has_batch = false;   // "batch" held an array
    std::string batch_error;  // the first element that was not an object ("batch[2]: not a JSON object")
    size_t batch_bad = 0;     // how many were not

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
        nnested = 0;
        nbatch = 0;
        has_batch = false;
        batch_error.clear();
        batch_bad = 0;
    }
    Nested& add_nested() {
        if (nnested == nested.size()) nested.emplace_back();
        Nested& n = nested[nnested++];
        n.value.reset();
        n.in_array = false;
        return n;
    }
    Record& add_batch_element(int64_t at_line) {
        if (nbatch == batch.size()) batch.emplace_back();
        Record& r = batch[nbatch++];
        r.reset(at_line);
        return r;
    }
    // The index in `fields` of the first top-level field named `key`, or -1.
    int field_index(std::string_view key) const {
        for (size_t i = 0; i < nfields; ++i)
            if (std::string_view(fields[i].first) == key) return static_cast<int>(i);
        return -1;
    }
    // The nested scalar at `path` below top-level field `root` (an index from field_index), or
    // nullptr. With `first_of_array`, an array's first element counts too.
    const Scalar* nested_at(int root, std::string_view path, bool first_of_array = false) const {
        if (root < 0) return nullptr;
        for (size_t i = 0; i < nnested; ++i) {
            const Nested& n = nested[i];
            if (n.root == static_cast<uint32_t>(root) && (!n.in_array || first_of_array) && n.path == path)
                return &n.value;
        }
        return nullptr;
    }
    // A new field named `key`, reset to null.
    Scalar& add(std::string_view key) {
        if (nfields == fields.size()) fields.emplace_back();
        auto& f = fields[nfields++];
        if (std::string_view(f.first) != key) f.first.assign(key.data(), key.size());  // rows repeat their keys
        // A cheap filter for a key seen before in this record: then get() searches in order.
        const uint64_t bit =
            1ull << ((key.size() * 7 +
                      (key.empty() ? 0 : static_cast<unsigned char>(key[0]) + static_cast<unsigned char>(key.back()))) &
                     63);
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

// The traits of an accounts or users record (SPEC §6.3): a CSV row's string cells other than
// the id and name columns (`skip_a`, `skip_b`: the id twice when there is no name), or the
// record's "traits" object (moved out of `r`). Returns an error message, or "" when good.
std::string read_record_traits(Record& r, std::string_view skip_a, std::string_view skip_b, Traits& traits);

// Callback per record; returning an error message (non-empty) marks the row bad.
class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual std::string accept(Record& r) = 0;
    // A CSV header, before any row: a non-empty message fails the whole load (a required column
    // is missing), said once instead of once per row. The reader then stores it in `fatal`.
    virtual std::string header(const std::vector<std::string>&) { return {}; }
    std::string fatal;
};

struct ReadLimits {
    size_t max_row_bytes = 8u << 20;  // 8 MiB per JSONL line / CSV row / array element
    int max_depth = 256;              // nesting inside one record
    std::function<void(size_t, size_t)> progress;
    int64_t first_line = 1;
    // CSV read in pieces: the header of the first piece; later pieces have none of their own.
    const std::vector<std::string>* csv_header = nullptr;
};

// Streams records from text to the sink, filling in read/skipped counts and errors for rows
// that cannot be parsed; the sink decides loaded/duplicates. Returns false when strict and a
// row failed (the error is in report.errors.back()).
bool read_jsonl(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                const ReadLimits& limits = {});
bool read_json_array(std::string_view text, RecordSink& sink, LoadReport& report, bool strict,
                     const ReadLimits& limits = {});
bool read_csv(std::string_view text, RecordSink& sink, LoadReport& report, bool strict, const ReadLimits& limits = {});
// Reads with the forced format, or detects it from the first non-blank byte.
// `csv_header`: a later piece of a CSV read in pieces (it has no header row of its own).
bool read_records(std::string_view text, const LoadOptions& options, RecordSink& sink, LoadReport& report,
                  const std::vector<std::string>* csv_header = nullptr);

bool valid_utf8(std::string_view s);

}  // namespace pql
