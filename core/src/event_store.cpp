#include "event_store.hpp"

#include <algorithm>
#include <cstring>
#include <new>

namespace pql {

namespace {

// Eight bytes at a time: each step xors a word in and mixes with a bijection of 64-bit words,
// so two texts of the same length never collide (they first differ in some word, and every
// later step keeps them apart); the length seeds the state. About three times fewer
// multiplies than a byte-wise FNV on the ids and event names of a file.
uint64_t mix(uint64_t h) {
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    return h;
}

uint64_t hash_text(std::string_view s) {
    uint64_t h = mix(0x9e3779b97f4a7c15ull ^ s.size());
    const char* p = s.data();
    size_t n = s.size();
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = mix(h ^ w);
    }
    if (n) {  // the last 1-7 bytes, little-endian as the words above (no variable-size memcpy)
        uint64_t w = 0;
        for (size_t i = 0; i < n; ++i) w |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
        h = mix(h ^ w);
    }
    h *= 0xff51afd7ed558ccdull;  // spread into the low bits, which pick the slot
    return h ^ (h >> 29);
}

}  // namespace

uint32_t Interner::lookup(std::string_view s, uint64_t h) const {
    if (slots_.empty()) return UINT32_MAX;
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const uint32_t slot = slots_[i];
        if (slot == 0) return UINT32_MAX;
        const uint32_t id = slot - 1;
        if (hashes_[id] == static_cast<uint32_t>(h) && names_[id] == s) return id;
    }
}

void Interner::grow() {
    std::vector<uint32_t> slots(slots_.empty() ? 64 : slots_.size() * 2, 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t id = 0; id < names_.size(); ++id) {
        size_t i = hash_text(names_[id]) & mask;
        while (slots[i] != 0) i = (i + 1) & mask;
        slots[i] = id + 1;
    }
    slots_.swap(slots);
}

uint32_t Interner::intern(std::string_view s) {
    const uint64_t h = hash_text(s);
    const uint32_t found = lookup(s, h);
    if (found != UINT32_MAX) return found;
    if ((names_.size() + 1) * 2 > slots_.size()) grow();
    const uint32_t id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(s);
    hashes_.push_back(static_cast<uint32_t>(h));
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = id + 1;
    return id;
}

std::optional<uint32_t> Interner::find(std::string_view s) const {
    const uint32_t id = lookup(s, hash_text(s));
    if (id == UINT32_MAX) return std::nullopt;
    return id;
}

void Interner::clear() {
    std::vector<uint32_t>().swap(slots_);
    std::vector<uint32_t>().swap(hashes_);
    std::vector<std::string>().swap(names_);
}

size_t Interner::memory_bytes() const {
    size_t bytes =
        names_.capacity() * sizeof(std::string) + (slots_.capacity() + hashes_.capacity()) * sizeof(uint32_t);
    for (auto& n : names_) bytes += n.size() > 15 ? n.capacity() + 1 : 0;
    return bytes;
}

uint64_t hash_id(std::string_view id) {
    const uint64_t h = hash_text(id);
    return h ? h : 1;
}

bool IdHashSet::insert(uint64_t h) {
    if (h == 0) h = 1;
    if ((size_ + 1) * 4 > slots_.size() * 3) rehash(std::max<size_t>(1024, slots_.size() + slots_.size() / 2));
    size_t i = home(h);
    while (slots_[i] != 0) {
        if (slots_[i] == h) return false;
        i = next(i);
    }
    slots_[i] = h;
    ++size_;
    return true;
}

bool IdHashSet::contains(uint64_t h) const {
    if (h == 0) h = 1;
    if (slots_.empty()) return false;
    size_t i = home(h);
    while (slots_[i] != 0) {
        if (slots_[i] == h) return true;
        i = next(i);
    }
    return false;
}

void IdHashSet::erase(uint64_t h) {
    if (h == 0) h = 1;
    if (slots_.empty()) return;
    size_t i = home(h);
    while (slots_[i] != h) {
        if (slots_[i] == 0) return;
        i = next(i);
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    slots_[i] = 0;
    --size_;
    for (size_t j = next(i); slots_[j] != 0; j = next(j)) {
        const size_t home_j = home(slots_[j]);
        const bool stays = i <= j ? (home_j > i && home_j <= j) : (home_j > i || home_j <= j);
        if (stays) continue;
        slots_[i] = slots_[j];
        slots_[j] = 0;
        i = j;
    }
}

void IdHashSet::reserve(size_t n) {
    const size_t need = (size_ + n) * 4 / 3 + 1;
    if (need > slots_.size()) rehash(std::max(need, slots_.size() + slots_.size() / 2));
}

void IdHashSet::rehash(size_t slots) {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(slots, 0);
    for (uint64_t h : old) {
        if (!h) continue;
        size_t i = home(h);
        while (slots_[i] != 0) i = next(i);
        slots_[i] = h;
    }
}

void IdHashSet::clear() {
    std::vector<uint64_t>().swap(slots_);
    size_ = 0;
}

void EventStore::add_event(int64_t t, uint32_t u, uint32_t k, uint32_t a) {
    ts.push_back(t);
    user.push_back(u);
    type.push_back(k);
    account.push_back(a);
    if (!prop_begin.empty()) prop_begin.push_back(static_cast<uint32_t>(prop_key.size()));
    if (!max_ts || t > *max_ts) max_ts = t;
}

void EventStore::add_property(uint32_t key, PropertyView::Kind kind, uint64_t bits) {
    if (prop_begin.empty()) {  // the first property of the store: offsets as large as the columns
        prop_begin.reserve(ts.capacity() + 1);
        prop_begin.assign(ts.size() + 1, 0);
    }
    if (prop_key.size() >= UINT32_MAX) throw std::bad_alloc();  // (offsets are 32-bit)
    if (prop_key.size() == prop_key.capacity()) {               // grow by a quarter, not double: a pair is 12 bytes
        const size_t cap = prop_key.capacity() + prop_key.capacity() / 4 + 1024;
        prop_key.reserve(cap);
        prop_value.reserve(cap);
    }
    prop_key.push_back(key | static_cast<uint32_t>(kind) << 30);
    prop_value.push_back(bits);
    prop_begin.back() = static_cast<uint32_t>(prop_key.size());
}

void EventStore::truncate_events(size_t n) {
    n = std::min({n, ts.size(), user.size(), type.size(), account.size()});
    ts.resize(n);
    user.resize(n);
    type.resize(n);
    account.resize(n);
    if (!prop_begin.empty()) {
        prop_begin.resize(std::min(prop_begin.size(), n + 1));
        if (prop_begin.size() < n + 1) prop_begin.resize(n + 1, static_cast<uint32_t>(prop_key.size()));
        const size_t pairs = std::min<size_t>(prop_begin.back(), prop_key.size());
        prop_begin.back() = static_cast<uint32_t>(pairs);
        prop_key.resize(pairs);
        prop_value.resize(pairs);
    }
}

Value PropertyView::value() const {
    switch (kind) {
        case Number: return number;
        case Bool: return boolean;
        default: return std::string(text);
    }
}

PropertyView EventStore::view(uint32_t j) const {
    PropertyView p;
    p.kind = static_cast<PropertyView::Kind>(prop_key[j] >> 30);
    const uint64_t bits = prop_value[j];
    switch (p.kind) {
        case PropertyView::Number: std::memcpy(&p.number, &bits, 8); break;
        case PropertyView::Bool: p.boolean = bits != 0; break;
        default: p.text = property_strings.name(static_cast<uint32_t>(bits)); break;
    }
    return p;
}

std::optional<PropertyView> EventStore::property(size_t event, uint32_t key) const {
    if (prop_begin.empty() || event + 1 >= prop_begin.size()) return std::nullopt;
    for (uint32_t j = prop_begin[event]; j < prop_begin[event + 1]; ++j)
        if ((prop_key[j] & kPropKeyMask) == key) return view(j);
    return std::nullopt;
}

size_t EventStore::property_memory_bytes() const {
    return prop_begin.capacity() * 4 + prop_key.capacity() * 4 + prop_value.capacity() * 8 +
           property_keys.memory_bytes() + property_strings.memory_bytes();
}

UserRecord& EventStore::user_record(uint32_t u) {
    if (users.size() <= u) users.resize(u + 1);
    return users[u];
}

namespace {

void apply_identify(Traits& into, const IdentifyCall& call) {
    for (auto& [k, v] : call.traits)
        if (!call.once || into.find(k) == into.end()) into[k] = v;
}

}  // namespace

Traits EventStore::user_traits(uint32_t u, int64_t as_of) const {
    std::vector<uint32_t> calls;
    for (uint32_t c = 0; c < identifies.size(); ++c)
        if (identifies[c].user == u && identifies[c].ts <= as_of) calls.push_back(c);
    std::stable_sort(calls.begin(), calls.end(),
                     [&](uint32_t a, uint32_t b) { return identifies[a].ts < identifies[b].ts; });
    Traits t;
    for (uint32_t c : calls) apply_identify(t, identifies[c]);
    if (u < users.size() && users[u].present)
        for (auto& [k, v] : users[u].traits) t[k] = v;
    return t;
}

std::vector<Traits> EventStore::user_traits_all(int64_t as_of) const {
    std::vector<Traits> out(user_ids.size());
    std::vector<uint32_t> calls;
    for (uint32_t c = 0; c < identifies.size(); ++c)
        if (identifies[c].ts <= as_of) calls.push_back(c);
    std::stable_sort(calls.begin(), calls.end(),
                     [&](uint32_t a, uint32_t b) { return identifies[a].ts < identifies[b].ts; });
    for (uint32_t c : calls)
        if (identifies[c].user < out.size()) apply_identify(out[identifies[c].user], identifies[c]);
    for (size_t u = 0; u < users.size() && u < out.size(); ++u)
        if (users[u].present)
            for (auto& [k, v] : users[u].traits) out[u][k] = v;
    return out;
}

void EventStore::reserve_events(size_t n, bool ids) {
    if (ts.size() + n > ts.capacity()) {
        const size_t cap = std::max(ts.size() + n, ts.capacity() + ts.capacity() / 2);
        ts.reserve(cap);
        user.reserve(cap);
        type.reserve(cap);
        account.reserve(cap);
        if (!prop_begin.empty()) prop_begin.reserve(cap + 1);
    }
    if (ids) seen_ids.reserve(n);
}

AccountRecord& EventStore::account_record(uint32_t a) {
    if (accounts.size() <= a) accounts.resize(a + 1);
    return accounts[a];
}

// The events and what only they carry (properties, group and identify calls, seen ids), their
// memory released; what clear() and clear_events() share.
static void drop_events(EventStore& s) {
    std::vector<int64_t>().swap(s.ts);
    std::vector<uint32_t>().swap(s.user);
    std::vector<uint32_t>().swap(s.type);
    std::vector<uint32_t>().swap(s.account);
    std::vector<uint32_t>().swap(s.prop_begin);
    std::vector<uint32_t>().swap(s.prop_key);
    std::vector<uint64_t>().swap(s.prop_value);
    s.property_keys.clear();
    s.property_strings.clear();
    s.event_names.clear();
    std::vector<GroupCall>().swap(s.groups);
    std::vector<IdentifyCall>().swap(s.identifies);
    s.seen_ids.clear();
    s.max_ts.reset();
}

void EventStore::clear() {
    drop_events(*this);
    users.clear();
    user_ids.clear();
    account_ids.clear();
    accounts.clear();
    ++version;
    ++rewrite_version;
}

namespace {

// Keeps the ids `used` marks, in their old order; returns old id -> new id (kNone if dropped).
std::vector<uint32_t> compact(Interner& names, const std::vector<bool>& used) {
    Interner kept;
    std::vector<uint32_t> to(names.size(), kNone);
    for (uint32_t k = 0; k < names.size(); ++k)
        if (used[k]) to[k] = kept.intern(names.name(k));
    names = std::move(kept);
    return to;
}

template <class T>
void remap_records(std::vector<T>& records, const std::vector<uint32_t>& to, size_t size) {
    std::vector<T> out(std::min(records.size(), size));
    for (uint32_t k = 0; k < records.size(); ++k)
        if (to[k] != kNone && to[k] < out.size()) out[to[k]] = std::move(records[k]);
    records.swap(out);
}

}  // namespace

// Forgets user and account ids nothing refers to any more, so that the store is the one a
// fresh load of what is left would build (catalog counts, memory).
void EventStore::forget_unused_ids() {
    std::vector<bool> users_used(user_ids.size(), false), accounts_used(account_ids.size(), false);
    for (uint32_t u : user) users_used[u] = true;
    for (uint32_t a : account)
        if (a != kNone) accounts_used[a] = true;
    for (auto& g : groups) users_used[g.user] = accounts_used[g.account] = true;
    for (auto& i : identifies) users_used[i.user] = true;
    for (uint32_t u = 0; u < users.size(); ++u) users_used[u] = users_used[u] || users[u].present;
    for (uint32_t a = 0; a < accounts.size(); ++a) accounts_used[a] = accounts_used[a] || accounts[a].present;
    const auto u_to = compact(user_ids, users_used), a_to = compact(account_ids, accounts_used);
    for (uint32_t& u : user) u = u_to[u];
    for (uint32_t& a : account)
        if (a != kNone) a = a_to[a];
    for (auto& g : groups) g.user = u_to[g.user], g.account = a_to[g.account];
    for (auto& i : identifies) i.user = u_to[i.user];
    remap_records(users, u_to, user_ids.size());
    remap_records(accounts, a_to, account_ids.size());
    ++version;
    ++rewrite_version;
}

void EventStore::clear_events() {
    drop_events(*this);
    forget_unused_ids();
}

void EventStore::clear_accounts() {
    std::vector<AccountRecord>().swap(accounts);
    forget_unused_ids();
}

void EventStore::clear_users() {
    std::vector<UserRecord>().swap(users);
    forget_unused_ids();
}

size_t EventStore::memory_bytes() const {
    return ts.capacity() * 8 + (user.capacity() + type.capacity() + account.capacity()) * 4 +
           event_names.memory_bytes() + user_ids.memory_bytes() + account_ids.memory_bytes() + seen_ids.memory_bytes() +
           groups.capacity() * sizeof(GroupCall) + identifies.capacity() * sizeof(IdentifyCall) +
           accounts.capacity() * sizeof(AccountRecord) + users.capacity() * sizeof(UserRecord) +
           property_memory_bytes();
}

}  // namespace pql
