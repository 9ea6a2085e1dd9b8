#include "pql/event_store.hpp"

#include <algorithm>

namespace pql {

uint32_t Interner::intern(std::string_view s) {
    // C++17 maps have no heterogeneous lookup; short ids stay in the small-string buffer.
    auto [it, inserted] = ids_.try_emplace(std::string(s), static_cast<uint32_t>(names_.size()));
    if (inserted) names_.emplace_back(s);
    return it->second;
}

std::optional<uint32_t> Interner::find(std::string_view s) const {
    auto it = ids_.find(std::string(s));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
}

void Interner::clear() {
    ids_.clear();
    names_.clear();
}

size_t Interner::memory_bytes() const {
    size_t bytes = names_.capacity() * sizeof(std::string) + ids_.bucket_count() * sizeof(void*);
    for (auto& n : names_) bytes += 2 * (sizeof(std::string) + (n.size() > 15 ? n.capacity() : 0)) + 16;
    return bytes;
}

uint64_t hash_id(std::string_view id) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a, then a 64-bit finaliser to spread the bits
    for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h ? h : 1;
}

bool IdHashSet::insert(uint64_t h) {
    if (h == 0) h = 1;
    if ((size_ + 1) * 2 > slots_.size()) grow();
    size_t mask = slots_.size() - 1, i = h & mask;
    while (slots_[i] != 0) {
        if (slots_[i] == h) return false;
        i = (i + 1) & mask;
    }
    slots_[i] = h;
    ++size_;
    return true;
}

bool IdHashSet::contains(uint64_t h) const {
    if (h == 0) h = 1;
    if (slots_.empty()) return false;
    size_t mask = slots_.size() - 1, i = h & mask;
    while (slots_[i] != 0) {
        if (slots_[i] == h) return true;
        i = (i + 1) & mask;
    }
    return false;
}

void IdHashSet::erase(uint64_t h) {
    if (h == 0) h = 1;
    if (slots_.empty()) return;
    const size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i] != h) {
        if (slots_[i] == 0) return;
        i = (i + 1) & mask;
    }
    // Backward-shift deletion keeps every probe chain unbroken without tombstones.
    slots_[i] = 0;
    --size_;
    for (size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
        const size_t home = slots_[j] & mask;
        const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays) continue;
        slots_[i] = slots_[j];
        slots_[j] = 0;
        i = j;
    }
}

void IdHashSet::grow() {
    std::vector<uint64_t> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    size_ = 0;
    for (uint64_t h : old)
        if (h) insert(h);
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
}

size_t EventStore::memory_bytes() const {
    return ts.capacity() * 8 + (user.capacity() + type.capacity() + account.capacity()) * 4 +
           event_names.memory_bytes() + user_ids.memory_bytes() + account_ids.memory_bytes() +
           seen_ids.memory_bytes() + groups.capacity() * sizeof(GroupCall) +
           identifies.capacity() * sizeof(IdentifyCall) + accounts.capacity() * sizeof(AccountRecord);
}

}  // namespace pql
