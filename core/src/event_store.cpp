#include "pql/event_store.hpp"

#include <algorithm>
#include <cstring>

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
    size_t bytes = names_.capacity() * sizeof(std::string) + (slots_.capacity() + hashes_.capacity()) * sizeof(uint32_t);
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
    if (!max_ts || t > *max_ts) max_ts = t;
}

void EventStore::reserve_events(size_t n, bool ids) {
    if (ts.size() + n > ts.capacity()) {
        const size_t cap = std::max(ts.size() + n, ts.capacity() + ts.capacity() / 2);
        ts.reserve(cap);
        user.reserve(cap);
        type.reserve(cap);
        account.reserve(cap);
    }
    if (ids) seen_ids.reserve(n);
}

AccountRecord& EventStore::account_record(uint32_t a) {
    if (accounts.size() <= a) accounts.resize(a + 1);
    return accounts[a];
}

void EventStore::clear() {
    std::vector<int64_t>().swap(ts);
    std::vector<uint32_t>().swap(user);
    std::vector<uint32_t>().swap(type);
    std::vector<uint32_t>().swap(account);
    event_names.clear();
    user_ids.clear();
    account_ids.clear();
    groups.clear();
    identifies.clear();
    accounts.clear();
    seen_ids.clear();
    max_ts.reset();
    ++version;
    ++rewrite_version;
}

size_t EventStore::memory_bytes() const {
    return ts.capacity() * 8 + (user.capacity() + type.capacity() + account.capacity()) * 4 +
           event_names.memory_bytes() + user_ids.memory_bytes() + account_ids.memory_bytes() +
           seen_ids.memory_bytes() + groups.capacity() * sizeof(GroupCall) +
           identifies.capacity() * sizeof(IdentifyCall) + accounts.capacity() * sizeof(AccountRecord);
}

}  // namespace pql
