// Internal to the event loaders: the sink that turns one record of any shape (SPEC §1.1 flat
// rows and Segment calls, §6.2 Segment envelopes, Mixpanel, Amplitude and PostHog exports) into
// columns of the EventStore. One sink serves a whole load, also one read in pieces (a stream):
// what needs the whole file (group types seen, mapped columns never met) is settled in finish().
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "event_store.hpp"
#include "record.hpp"

namespace pql {

class EventSink : public RecordSink {
public:
    EventSink(EventStore& store, const LoadOptions& options);

    LoadReport* report = nullptr;  // the report rows are counted in (set per piece)
    bool track_ids = false;        // remember added ids, to undo a failed load
    std::vector<uint64_t> added_ids;

    // A piece of about `rows` rows begins: the property pairs are sized from its first rows.
    void begin_piece(size_t rows);
    std::string accept(Record& r) override;
    std::string header(const std::vector<std::string>& header) override;
    // The CSV header seen (for later pieces of a stream).
    const std::vector<std::string>& csv_header() const { return csv_header_; }
    bool has_csv_header() const { return has_csv_header_; }

    // After the last record: resolves accounts that depend on the whole file (one group type)
    // and adds notes to `report` (also a summary when no record had a required field). Returns a
    // message when the load as a whole fails (a mapped key no record has), else "".
    std::string finish(LoadReport& report);
    // Drops what this load added (a strict failure, a wrong column mapping).
    void undo();

private:
    std::string accept_one(Record& r);
    std::string flat(const Record& r);
    std::string segment(const Record& r, const std::string& kind);
    std::string mixpanel(const Record& r, int props_root);
    std::string amplitude(const Record& r);
    std::string posthog(const Record& r);

    // Field readers: an error message, or "".
    static std::string id_field(const Record& r, const char* key, std::string& buf, std::string_view& out,
                                bool& present);
    static std::string id_value(const Scalar* v, const std::string& name, std::string& buf, std::string_view& out,
                                bool& present);
    std::string timestamp_value(const Scalar* v, const std::string& name, bool by_unit, int64_t& out) const;
    static std::string event_value(const Scalar* v, const std::string& name, std::string_view& out);

    bool duplicate(std::string_view id, bool present, uint64_t known_hash = 0);
    void count_duplicate();
    // Adds the event with the properties collected in props_ (then cleared).
    void commit_event(bool has_account);
    // Properties of the next event: a key and its scalar (both outlive commit_event()).
    void add_prop(std::string_view key, const Scalar& v);
    // User traits from nested scalars under `root` whose path starts with `prefix`.
    void identify_from(const Record& r, int root, std::string_view prefix, bool once);
    void identify(uint32_t user, Traits traits, bool once);
    // A group type seen on an event with no account_key set, and the event's account of that type.
    void note_group_type(std::string_view type);
    // After an event's group types were noted (`types` of them, the last one's value `only`):
    // with exactly one, its value is the event's account (pending until the row commits).
    void account_of_group_types(int types, const Scalar* only);

    EventStore& store_;
    const LoadOptions options_;
    size_t n0_, g0_, i0_;  // the store's sizes when the load began
    std::optional<int64_t> max0_;
    // The file's names of the flat fields (SPEC §6.2 column mapping; by default the fields' own).
    std::string f_timestamp_, f_user_, f_event_, f_account_, f_id_;
    std::set<std::string> mapped_seen_;    // mapped names some record had
    std::vector<std::string> first_keys_;  // the first record's top-level keys (for messages)
    bool first_seen_ = false;
    std::vector<std::string> csv_header_;
    bool has_csv_header_ = false;
    std::vector<char> csv_skip_;  // per CSV column: consumed as a field (not a property)

    int64_t ts_ = 0;
    // Views of the current record's fields (or of the buffers, for integer ids).
    std::string user_buf_, anon_buf_, account_buf_, id_buf_, mid_buf_, key_buf_;
    std::string_view user_, anon_, event_, account_, id_, mid_;

    struct Prop {
        std::string_view key;
        const Scalar* value;
    };
    std::vector<Prop> props_;
    size_t rows_hint_ = 0, piece_events0_ = 0, piece_pairs0_ = 0;
    bool pairs_sized_ = true;
    std::vector<uint32_t> key_stamp_;  // per property key: the event serial it was last set for
    uint32_t event_serial_ = 0;
    std::vector<uint32_t> last_identify_;  // per user: the index of its last identify call + 1

    // Without account_key: events whose account is their record's only group type, assigned in
    // finish() when the whole file has exactly one group type.
    std::set<std::string> group_types_;
    std::vector<std::pair<uint32_t, uint32_t>> pending_accounts_;  // (event row, account id)
    std::string pending_account_;                                  // the current record's account of its one group type
    int64_t grouped_no_key_ = 0;                                   // events with a group type, read without account_key
    int64_t mixpanel_no_key_ = 0;                                  // Mixpanel events read without account_key
    std::string last_type_;
    bool posthog_csv_ = false;  // a CSV with PostHog's export columns
    enum Shape { Flat, Segment, SegmentBatch, Mixpanel, Amplitude, PostHog, kShapes };
    int64_t shape_count_[kShapes] = {};
};

}  // namespace pql
