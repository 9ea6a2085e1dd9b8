// The columnar store: events are ingested once; strings are interned to small integers.
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

struct GroupCall {      // Segment group: user -> account (latest by timestamp wins), traits
    int64_t ts;
    uint32_t user;
    uint32_t account;
    Traits traits;
};

struct IdentifyCall {   // Segment identify: user traits, applied oldest first
    int64_t ts;
    uint32_t user;
    Traits traits;
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
    std::vector<GroupCall> groups;
    std::vector<IdentifyCall> identifies;
    std::vector<AccountRecord> accounts;  // indexed by account id
    IdHashSet seen_ids;
    std::optional<int64_t> max_ts;        // latest scored-event timestamp (default as_of)

    // Bumped on every change so derived indexes know when to rebuild.
    uint64_t version = 0;
    // Bumped when rows already loaded change or go (clear, an accounts load); a load that only
    // appends events leaves it, so that an index can add the new rows instead of rebuilding.
    uint64_t rewrite_version = 0;

    size_t size() const { return ts.size(); }
    void clear();
    size_t memory_bytes() const;

    Result<LoadReport> load_events(std::string_view text, const LoadOptions& options);
    Result<LoadReport> load_accounts(std::string_view text, const LoadOptions& options);

    void add_event(int64_t t, uint32_t u, uint32_t k, uint32_t a);
    // Room for n more events (and their ids), growing geometrically past the current capacity.
    void reserve_events(size_t n, bool ids);
    AccountRecord& account_record(uint32_t account);
};

}  // namespace pql
