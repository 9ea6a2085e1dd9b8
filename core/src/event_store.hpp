// The columnar store: events are ingested once; strings are interned to small integers.
//
// How a model reads what is stored besides the four event columns:
//
// EVENT PROPERTIES (SPEC §6.4). Every scalar property of every event is kept (string, number,
// boolean; a nested object by its dotted path "plan.seats"; arrays ignored; null = absent):
//     std::optional<uint32_t> k = store.property_key("plan.seats");   // once per model key;
//                                                                     // nullopt: no event has it
//     if (k) if (std::optional<PropertyView> p = store.property(i, *k)) {
//         p->kind == PropertyView::Number ? p->number : ...;  p->text (String), p->boolean (Bool)
//         Value v = p->value();  // as a trait Value, for values_equal / numeric_value (§3 rules)
//     }
//     store.for_each_property(i, [&](uint32_t key, const PropertyView& p) { ... });
// `i` is the event's row (0..size()). Lookup is a scan of the event's own pairs (a few to a
// few dozen), no hashing. CSV cells are string properties ("120"; §3 compares them as numbers).
//
// USER TRAITS (SPEC §6.3): identify calls, vendor user properties (Amplitude user_properties,
// PostHog $set / $set_once / person_properties) and the users file, as of T:
//     Traits t = store.user_traits(user_id_index, T);           // one user
//     std::vector<Traits> all = store.user_traits_all(T);       // indexed by user id (user_ids)
// Calls at or before T apply oldest first ($set_once only where the key is still unset), then the
// users file's traits (EventStore::users) override them, as the accounts file does for accounts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pql/load.hpp"
#include "pql/result.hpp"
#include "pql/value.hpp"

namespace pql {

constexpr uint32_t kNone = UINT32_MAX;

class EventSink;  // internal: one load of events (core/src/event_sink.hpp)

// Maps strings to dense ids 0..n-1 and back.
class Interner {
public:
    uint32_t intern(std::string_view s);
    std::optional<uint32_t> find(std::string_view s) const;
    const std::string& name(uint32_t id) const { return names_[id]; }
    size_t size() const { return names_.size(); }
    void clear();
    size_t memory_bytes() const;

private:
    uint32_t lookup(std::string_view s, uint64_t h) const;  // the id, or UINT32_MAX
    void grow();
    // Open addressing over ids: slot = id + 1 (0 = empty), looked up by the text itself, so
    // neither a lookup nor a hit builds a std::string.
    std::vector<uint32_t> slots_;
    std::vector<uint32_t> hashes_;  // per id: the low 32 bits of its hash
    std::vector<std::string> names_;
};

// Set of 64-bit hashes of event ids (open addressing): duplicates are detected without keeping
// the id text. Two different ids colliding in 64 bits is treated as a duplicate (odds ~1e-8 at
// 10M ids).
class IdHashSet {
public:
    bool insert(uint64_t h);  // false when already present
    bool contains(uint64_t h) const;
    void erase(uint64_t h);
    void clear();
    // Room for n more ids without rehashing (a load sizes the set once from its line count).
    void reserve(size_t n);
    // A hint that h is about to be inserted or looked up: fetches its slot into cache.
    void prefetch(uint64_t h) const {
#if defined(__GNUC__) || defined(__clang__)
        if (!slots_.empty()) __builtin_prefetch(&slots_[home(h ? h : 1)]);
#else
        (void)h;
#endif
    }
    size_t size() const { return size_; }
    size_t memory_bytes() const { return slots_.size() * sizeof(uint64_t); }

private:
    void rehash(size_t slots);
    // Any table size (not only powers of two): the hash's high half scaled to the table, so a
    // set sized for n ids takes 8 / 0.75 bytes per id, not up to twice that.
    size_t home(uint64_t h) const { return static_cast<size_t>(((h >> 32) * slots_.size()) >> 32); }
    size_t next(size_t i) const { return i + 1 == slots_.size() ? 0 : i + 1; }
    std::vector<uint64_t> slots_;  // 0 = empty (a zero hash is stored as 1)
    size_t size_ = 0;
};

uint64_t hash_id(std::string_view id);

struct GroupCall {  // Segment group: user -> account (latest by timestamp wins), traits
    int64_t ts;
    uint32_t user;
    uint32_t account;
    Traits traits;
    // False for account traits without a membership (Amplitude group_properties, PostHog
    // $groupidentify): they never assign the user to the account.
    bool member = true;
};

struct IdentifyCall {  // Segment identify (or vendor user properties): user traits, oldest first
    int64_t ts;
    uint32_t user;
    Traits traits;
    bool once = false;  // PostHog $set_once: only keys not yet set
};

struct UserRecord {  // from a users file (SPEC §6.3); later records merge over earlier ones
    Traits traits;
    bool present = false;
};

// One stored property value (a view into the store: valid until the next load or clear).
struct PropertyView {
    enum Kind : uint8_t { String = 0, Number = 1, Bool = 2 } kind = String;
    std::string_view text;  // String
    double number = 0;      // Number
    bool boolean = false;   // Bool
    Value value() const;
};

struct AccountRecord {  // from an accounts file; later records merge over earlier ones
    std::optional<std::string> name;
    Traits traits;
    bool present = false;
};

class EventStore {
public:
    // Events: one row per scored action (track, page, screen or flat).
    std::vector<int64_t> ts;
    std::vector<uint32_t> user;
    std::vector<uint32_t> type;
    std::vector<uint32_t> account;  // explicit account, or kNone (resolved through group calls)

    Interner event_names, user_ids, account_ids;

    // Event properties, CSR: event i's pairs are [prop_begin[i], prop_begin[i+1]) of prop_key /
    // prop_value. prop_begin is empty while no event has a property (no cost per event then),
    // else it has size() + 1 entries. prop_key = key id (property_keys) | kind << 30; prop_value
    // = a string id (property_strings), a double's bits, or 0/1. 12 bytes per pair.
    std::vector<uint32_t> prop_begin;
    std::vector<uint32_t> prop_key;
    std::vector<uint64_t> prop_value;
    Interner property_keys, property_strings;
    static constexpr uint32_t kPropKeyMask = (1u << 30) - 1;

    std::optional<uint32_t> property_key(std::string_view dotted_path) const { return property_keys.find(dotted_path); }
    std::optional<PropertyView> property(size_t event, uint32_t key) const;
    template <class F>
    void for_each_property(size_t event, F&& f) const {
        if (prop_begin.empty()) return;
        for (uint32_t j = prop_begin[event]; j < prop_begin[event + 1]; ++j) f(prop_key[j] & kPropKeyMask, view(j));
    }
    size_t property_pairs() const { return prop_key.size(); }
    size_t property_memory_bytes() const;
    PropertyView view(uint32_t pair) const;

    std::vector<UserRecord> users;  // indexed by user id (users file)
    UserRecord& user_record(uint32_t user);
    Traits user_traits(uint32_t user, int64_t as_of) const;
    std::vector<Traits> user_traits_all(int64_t as_of) const;
    std::vector<GroupCall> groups;
    std::vector<IdentifyCall> identifies;
    std::vector<AccountRecord> accounts;  // indexed by account id
    IdHashSet seen_ids;
    std::optional<int64_t> max_ts;  // latest scored-event timestamp (default as_of)

    // Bumped on every change so derived indexes know when to rebuild.
    uint64_t version = 0;
    // Bumped when rows already loaded change or go (clear, an accounts load); a load that only
    // appends events leaves it, so that an index can add the new rows instead of rebuilding.
    uint64_t rewrite_version = 0;

    size_t size() const { return ts.size(); }
    void clear();
    // Replace by kind: drop one kind of data and keep the rest, as if only the rest had been
    // loaded (ids no longer used by anything kept are forgotten). Events include what came with
    // them: properties, group and identify calls, event ids for dedup.
    void clear_events();
    void clear_accounts();  // what accounts files loaded
    void clear_users();     // what users files loaded
    size_t memory_bytes() const;

    Result<LoadReport> load_events(std::string_view text, const LoadOptions& options);
    Result<LoadReport> load_accounts(std::string_view text, const LoadOptions& options);
    Result<LoadReport> load_users(std::string_view text, const LoadOptions& options);
    // One piece of an events load (whole rows; see stream_load.cpp), counted in `report`; then,
    // after the last, finish_events_load settles what needs the whole file (EventSink::finish).
    Status load_events_piece(EventSink& sink, std::string_view text, const LoadOptions& options, LoadReport& report);
    Status finish_events_load(EventSink& sink, LoadReport& report);

    void add_event(int64_t t, uint32_t u, uint32_t k, uint32_t a);
    // A property of the event just added (add_event first); key ids distinct per event.
    void add_property(uint32_t key, PropertyView::Kind kind, uint64_t bits);
    // Drops events [n, size()) with their properties (a failed strict load, out of memory).
    void truncate_events(size_t n);
    // Room for n more events (and their ids), growing geometrically past the current capacity.
    void reserve_events(size_t n, bool ids);
    AccountRecord& account_record(uint32_t account);

private:
    void forget_unused_ids();
};

}  // namespace pql
