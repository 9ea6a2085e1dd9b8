// Builds the per-entity aggregates for one as_of: events are touched once here, and model
// changes re-score from the aggregates alone.
#include <algorithm>
#include <numeric>

#include "pql/score.hpp"
#include "pql/time.hpp"

namespace pql {

std::unique_ptr<Index> Index::build(const EventStore& s, ::pql::Entity kind, int64_t T) {
    auto ix = std::make_unique<Index>();
    ix->store_version = s.version;
    ix->as_of = T;
    ix->kind = kind;
    const int64_t dayT = day_of(T);
    const size_t n = s.size();
    const bool by_user = kind == ::pql::Entity::User;

    // A user's account from group calls at or before T: the latest wins (a later line wins a tie).
    std::vector<uint32_t> user_account;
    if (!by_user && !s.groups.empty()) {
        user_account.assign(s.user_ids.size(), kNone);
        std::vector<int64_t> latest(s.user_ids.size(), INT64_MIN);
        for (const auto& g : s.groups)
            if (g.ts <= T && g.ts >= latest[g.user]) {
                latest[g.user] = g.ts;
                user_account[g.user] = g.account;
            }
    }

    // Assign each event at or before T to its entity.
    const size_t nkeys = by_user ? s.user_ids.size() : s.account_ids.size();
    std::vector<uint32_t> slot(nkeys, kNone);
    std::vector<uint32_t> ev_entity(n, kNone);
    std::vector<uint32_t> counts;
    for (size_t i = 0; i < n; ++i) {
        if (s.ts[i] > T) continue;
        uint32_t key = by_user ? s.user[i] : s.account[i];
        if (key == kNone && !user_account.empty()) key = user_account[s.user[i]];
        if (key == kNone) {
            ++ix->unassigned;
            continue;
        }
        if (slot[key] == kNone) {
            slot[key] = static_cast<uint32_t>(ix->entities.size());
            EntityAgg e{};
            e.key = key;
            ix->entities.push_back(e);
            counts.push_back(0);
        }
        ev_entity[i] = slot[key];
        ++counts[slot[key]];
    }

    // Counting sort by entity, then each entity's events by (type, time).
    const size_t m = ix->entities.size();
    std::vector<uint32_t> offset(m + 1, 0);
    for (size_t e = 0; e < m; ++e) offset[e + 1] = offset[e] + counts[e];
    ix->order.resize(offset[m]);
    {
        std::vector<uint32_t> fill(offset.begin(), offset.end() - 1);
        for (size_t i = 0; i < n; ++i)
            if (ev_entity[i] != kNone) ix->order[fill[ev_entity[i]]++] = static_cast<uint32_t>(i);
    }
    std::vector<uint32_t>().swap(ev_entity);

    // Scratch marks so that "first time this user is seen here" needs no per-entity set.
    std::vector<uint32_t> type_mark(s.user_ids.size(), UINT32_MAX), type_pos(s.user_ids.size());
    std::vector<uint32_t> ent_mark(s.user_ids.size(), UINT32_MAX), ent_pos(s.user_ids.size());
    uint32_t type_run = 0;

    for (size_t e = 0; e < m; ++e) {
        EntityAgg& ent = ix->entities[e];
        auto first = ix->order.begin() + offset[e], last = ix->order.begin() + offset[e + 1];
        std::sort(first, last, [&](uint32_t a, uint32_t b) {
            if (s.type[a] != s.type[b]) return s.type[a] < s.type[b];
            if (s.ts[a] != s.ts[b]) return s.ts[a] < s.ts[b];
            return a < b;
        });
        ent.order_begin = offset[e];
        ent.order_end = offset[e + 1];
        ent.total = offset[e + 1] - offset[e];
        ent.first_ts = INT64_MAX;
        ent.last_ts = INT64_MIN;
        ent.types_begin = static_cast<uint32_t>(ix->types.size());
        ent.users_begin = static_cast<uint32_t>(ix->entity_users.size());
        uint32_t i = offset[e];
        while (i < offset[e + 1]) {
            const uint32_t k = s.type[ix->order[i]];
            uint32_t j = i;
            while (j < offset[e + 1] && s.type[ix->order[j]] == k) ++j;
            TypeStat ts{};
            ts.type = k;
            ts.order_begin = i;
            ts.total = j - i;
            ts.cells_begin = static_cast<uint32_t>(ix->cells.size());
            ts.users_begin = static_cast<uint32_t>(ix->type_users.size());
            // Newest first, so cells come out in ascending age.
            for (uint32_t p = j; p-- > i;) {
                const uint32_t ev = ix->order[p];
                const uint32_t age = static_cast<uint32_t>(dayT - day_of(s.ts[ev]));
                if (ix->cells.size() > ts.cells_begin && ix->cells.back().age == age) ++ix->cells.back().count;
                else ix->cells.push_back({k, age, 1});
            }
            ts.cells_end = static_cast<uint32_t>(ix->cells.size());
            // Oldest first, so a user's first sighting carries first_ts; later ones lower min_age.
            for (uint32_t p = i; p < j; ++p) {
                const uint32_t ev = ix->order[p];
                const uint32_t u = s.user[ev];
                const int64_t t = s.ts[ev];
                const uint32_t age = static_cast<uint32_t>(dayT - day_of(t));
                if (type_mark[u] != type_run) {
                    type_mark[u] = type_run;
                    type_pos[u] = static_cast<uint32_t>(ix->type_users.size());
                    ix->type_users.push_back({u, age, t});
                } else {
                    ix->type_users[type_pos[u]].min_age = age;
                }
                if (ent_mark[u] != e) {
                    ent_mark[u] = static_cast<uint32_t>(e);
                    ent_pos[u] = static_cast<uint32_t>(ix->entity_users.size());
                    ix->entity_users.push_back({u, age, t});
                } else {
                    UserStat& us = ix->entity_users[ent_pos[u]];
                    us.min_age = std::min(us.min_age, age);
                    us.first_ts = std::min(us.first_ts, t);
                }
                ent.first_ts = std::min(ent.first_ts, t);
                ent.last_ts = std::max(ent.last_ts, t);
            }
            ++type_run;
            ts.users_end = static_cast<uint32_t>(ix->type_users.size());
            ix->types.push_back(ts);
            i = j;
        }
        ent.types_end = static_cast<uint32_t>(ix->types.size());
        ent.users_end = static_cast<uint32_t>(ix->entity_users.size());
    }

    // Traits and names. Group (or identify) calls at or before T apply oldest first; the
    // accounts file overrides them.
    auto by_time = [](const auto& calls) {
        std::vector<uint32_t> idx(calls.size());
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return calls[a].ts < calls[b].ts; });
        return idx;
    };
    if (by_user) {
        for (uint32_t c : by_time(s.identifies)) {
            const auto& call = s.identifies[c];
            if (call.ts > T || slot[call.user] == kNone) continue;
            for (auto& [k, v] : call.traits) ix->entities[slot[call.user]].traits[k] = v;
        }
    } else {
        for (uint32_t c : by_time(s.groups)) {
            const auto& call = s.groups[c];
            if (call.ts > T || slot[call.account] == kNone) continue;
            for (auto& [k, v] : call.traits) ix->entities[slot[call.account]].traits[k] = v;
        }
        for (size_t a = 0; a < s.accounts.size(); ++a) {
            if (!s.accounts[a].present || a >= slot.size() || slot[a] == kNone) continue;
            EntityAgg& ent = ix->entities[slot[a]];
            for (auto& [k, v] : s.accounts[a].traits) ent.traits[k] = v;
            if (s.accounts[a].name) ent.name = s.accounts[a].name;
        }
    }
    for (auto& ent : ix->entities) {
        if (ent.name) continue;
        auto it = ent.traits.find("name");
        if (it != ent.traits.end())
            if (auto str = std::get_if<std::string>(&it->second); str && !str->empty()) ent.name = *str;
    }

    // Ties in score rank by id in byte order.
    std::vector<uint32_t> by_id(m);
    std::iota(by_id.begin(), by_id.end(), 0);
    std::sort(by_id.begin(), by_id.end(), [&](uint32_t a, uint32_t b) {
        return ix->id_of(s, ix->entities[a]) < ix->id_of(s, ix->entities[b]);
    });
    ix->id_rank.resize(m);
    for (uint32_t r = 0; r < m; ++r) ix->id_rank[by_id[r]] = r;
    return ix;
}

}  // namespace pql
