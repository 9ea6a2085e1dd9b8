// Builds the per-entity aggregates for one as_of: events are touched once here, and model
// changes re-score from the aggregates alone. Rows appended later (a live stream, a second
// file) are added in place: only the entities they touch are redone (Index::append).
#include <algorithm>
#include <numeric>

#include "pql/time.hpp"
#include "score.hpp"

namespace pql {
namespace {

// Scratch marks so that "first time this user is seen here" needs no per-entity set.
struct Marks {
    std::vector<uint32_t> type_mark, type_pos, ent_mark, ent_pos;
    uint32_t type_run = 0;
    explicit Marks(size_t users)
        : type_mark(users, UINT32_MAX), type_pos(users), ent_mark(users, UINT32_MAX), ent_pos(users) {}
};

// The order of an entity's events: by type, then time, then row.
struct ByTypeTime {
    const EventStore& s;
    bool operator()(uint32_t a, uint32_t b) const {
        if (s.type[a] != s.type[b]) return s.type[a] < s.type[b];
        if (s.ts[a] != s.ts[b]) return s.ts[a] < s.ts[b];
        return a < b;
    }
};

// Entity e's events are ix.order[begin, end) (sorted first unless `sorted`); its type, cell and
// user aggregates are appended to the index's arrays and its ranges pointed at them.
void build_entity(Index& ix, const EventStore& s, uint32_t e, uint32_t begin, uint32_t end, int64_t dayT, Marks& mk,
                  bool sorted) {
    Index::EntityAgg& ent = ix.entities[e];
    if (!sorted) std::sort(ix.order.begin() + begin, ix.order.begin() + end, ByTypeTime{s});
    ent.order_begin = begin;
    ent.order_end = end;
    ent.total = end - begin;
    ent.first_ts = INT64_MAX;
    ent.last_ts = INT64_MIN;
    ent.types_begin = static_cast<uint32_t>(ix.types.size());
    ent.users_begin = static_cast<uint32_t>(ix.entity_users.size());
    uint32_t i = begin;
    while (i < end) {
        const uint32_t k = s.type[ix.order[i]];
        uint32_t j = i;
        while (j < end && s.type[ix.order[j]] == k) ++j;
        Index::TypeStat ts{};
        ts.type = k;
        ts.order_begin = i;
        ts.total = j - i;
        ts.order_cap = j - i;
        ts.cells_begin = static_cast<uint32_t>(ix.cells.size());
        ts.users_begin = static_cast<uint32_t>(ix.type_users.size());
        // Newest first, so cells come out in ascending age.
        for (uint32_t p = j; p-- > i;) {
            const uint32_t ev = ix.order[p];
            const uint32_t age = static_cast<uint32_t>(dayT - day_of(s.ts[ev]));
            if (ix.cells.size() > ts.cells_begin && ix.cells.back().age == age) ++ix.cells.back().count;
            else ix.cells.push_back({age, 1});
        }
        if (ix.cells.size() > ts.cells_begin) ix.max_age = std::max(ix.max_age, ix.cells.back().age);
        ts.cells_end = static_cast<uint32_t>(ix.cells.size());
        // Oldest first, so a user's first sighting carries first_ts; later ones lower min_age.
        for (uint32_t p = i; p < j; ++p) {
            const uint32_t ev = ix.order[p];
            const uint32_t u = s.user[ev];
            const int64_t t = s.ts[ev];
            const uint32_t age = static_cast<uint32_t>(dayT - day_of(t));
            if (mk.type_mark[u] != mk.type_run) {
                mk.type_mark[u] = mk.type_run;
                mk.type_pos[u] = static_cast<uint32_t>(ix.type_users.size());
                ix.type_users.push_back({u, age, t});
            } else {
                ix.type_users[mk.type_pos[u]].min_age = age;
            }
            if (mk.ent_mark[u] != e) {
                mk.ent_mark[u] = e;
                mk.ent_pos[u] = static_cast<uint32_t>(ix.entity_users.size());
                ix.entity_users.push_back({u, age, t});
            } else {
                Index::UserStat& us = ix.entity_users[mk.ent_pos[u]];
                us.min_age = std::min(us.min_age, age);
                us.first_ts = std::min(us.first_ts, t);
            }
            ent.first_ts = std::min(ent.first_ts, t);
            ent.last_ts = std::max(ent.last_ts, t);
            ix.newest = std::max(ix.newest, t);
        }
        ++mk.type_run;
        ts.users_end = static_cast<uint32_t>(ix.type_users.size());
        ix.types.push_back(ts);
        i = j;
    }
    ent.types_end = static_cast<uint32_t>(ix.types.size());
    ent.users_end = static_cast<uint32_t>(ix.entity_users.size());
}

// Traits and names of the entities marked in `want`. Group (or identify) calls at or before T
// apply oldest first; the accounts file overrides them.
void apply_traits(Index& ix, const EventStore& s, const std::vector<char>& want) {
    const int64_t T = ix.as_of;
    auto by_time = [](const auto& calls) {
        std::vector<uint32_t> idx(calls.size());
        std::iota(idx.begin(), idx.end(), 0);
        std::stable_sort(idx.begin(), idx.end(), [&](uint32_t a, uint32_t b) { return calls[a].ts < calls[b].ts; });
        return idx;
    };
    auto entity_of = [&](uint32_t key) -> uint32_t {
        if (key >= ix.slot.size() || ix.slot[key] == kNone || !want[ix.slot[key]]) return kNone;
        return ix.slot[key];
    };
    if (ix.kind == ::pql::Entity::User) {
        for (uint32_t c : by_time(s.identifies)) {
            const auto& call = s.identifies[c];
            const uint32_t e = entity_of(call.user);
            if (call.ts > T || e == kNone) continue;
            for (auto& [k, v] : call.traits)
                if (!call.once || !ix.entities[e].traits.count(k)) ix.entities[e].traits[k] = v;
        }
        // The users file overrides them (SPEC §6.3), as the accounts file does for accounts.
        for (size_t u = 0; u < s.users.size(); ++u) {
            const uint32_t e = s.users[u].present ? entity_of(static_cast<uint32_t>(u)) : kNone;
            if (e == kNone) continue;
            for (auto& [k, v] : s.users[u].traits) ix.entities[e].traits[k] = v;
        }
    } else {
        for (uint32_t c : by_time(s.groups)) {
            const auto& call = s.groups[c];
            const uint32_t e = entity_of(call.account);
            if (call.ts > T || e == kNone) continue;
            for (auto& [k, v] : call.traits) ix.entities[e].traits[k] = v;
        }
        for (size_t a = 0; a < s.accounts.size(); ++a) {
            const uint32_t e = s.accounts[a].present ? entity_of(static_cast<uint32_t>(a)) : kNone;
            if (e == kNone) continue;
            Index::EntityAgg& ent = ix.entities[e];
            for (auto& [k, v] : s.accounts[a].traits) ent.traits[k] = v;
            if (s.accounts[a].name) ent.name = s.accounts[a].name;
        }
    }
    for (size_t e = 0; e < ix.entities.size(); ++e) {
        Index::EntityAgg& ent = ix.entities[e];
        if (!want[e] || ent.name) continue;
        auto it = ent.traits.find("name");
        if (it != ent.traits.end())
            if (auto str = std::get_if<std::string>(&it->second); str && !str->empty()) ent.name = *str;
    }
}

void number_ids(Index& ix) {
    ix.id_rank.resize(ix.by_id.size());
    for (uint32_t r = 0; r < ix.by_id.size(); ++r) ix.id_rank[ix.by_id[r]] = r;
}

}  // namespace

std::unique_ptr<Index> Index::build(const EventStore& s, ::pql::Entity kind, int64_t T) {
    auto ix = std::make_unique<Index>();
    ix->store_version = s.version;
    ix->as_of = T;
    ix->kind = kind;
    ix->events_seen = s.size();
    ix->groups_seen = s.groups.size();
    ix->identifies_seen = s.identifies.size();
    ix->rewrite_version = s.rewrite_version;
    ix->covers_all = !s.max_ts || *s.max_ts <= T;
    const int64_t dayT = day_of(T);
    const size_t n = s.size();
    const bool by_user = kind == ::pql::Entity::User;

    // A user's account from group calls at or before T: the latest wins (a later line wins a tie).
    std::vector<uint32_t>& user_account = ix->user_account;
    if (!by_user && !s.groups.empty()) {
        user_account.assign(s.user_ids.size(), kNone);
        std::vector<int64_t> latest(s.user_ids.size(), INT64_MIN);
        for (const auto& g : s.groups)
            if (g.member && g.ts <= T && g.ts >= latest[g.user]) {
                latest[g.user] = g.ts;
                user_account[g.user] = g.account;
            }
    }

    // Assign each event at or before T to its entity.
    const size_t nkeys = by_user ? s.user_ids.size() : s.account_ids.size();
    std::vector<uint32_t>& slot = ix->slot;
    slot.assign(nkeys, kNone);
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

    // The events in (entity, type, time, row) order, as two stable counting sorts (by type, then
    // by entity: rows stay ascending within a type) and a check of each (entity, type) run's
    // times. Exports come in time order, so the runs are sorted already and the order costs
    // O(n); a run that is not (a re-send, a merged file) is sorted on its own.
    const size_t m = ix->entities.size();
    std::vector<uint32_t> offset(m + 1, 0);
    for (size_t e = 0; e < m; ++e) offset[e + 1] = offset[e] + counts[e];
    ix->order.resize(offset[m]);
    {
        const size_t ntypes = s.event_names.size();
        std::vector<uint32_t> by_type(offset[m]), type_fill(ntypes + 1, 0);
        for (size_t i = 0; i < n; ++i)
            if (ev_entity[i] != kNone) ++type_fill[s.type[i] + 1];
        for (size_t t = 0; t < ntypes; ++t) type_fill[t + 1] += type_fill[t];
        for (size_t i = 0; i < n; ++i)
            if (ev_entity[i] != kNone) by_type[type_fill[s.type[i]]++] = static_cast<uint32_t>(i);
        std::vector<uint32_t> fill(offset.begin(), offset.end() - 1);
        for (uint32_t i : by_type) ix->order[fill[ev_entity[i]]++] = i;
    }
    std::vector<uint32_t>().swap(ev_entity);
    Marks marks(s.user_ids.size());
    for (size_t e = 0; e < m; ++e) {
        for (uint32_t a = offset[e], b; a < offset[e + 1]; a = b) {
            const uint32_t type = s.type[ix->order[a]];
            bool in_order = true;
            for (b = a + 1; b < offset[e + 1] && s.type[ix->order[b]] == type; ++b)
                in_order = in_order && s.ts[ix->order[b]] >= s.ts[ix->order[b - 1]];
            if (!in_order) std::sort(ix->order.begin() + a, ix->order.begin() + b, ByTypeTime{s});
        }
        build_entity(*ix, s, static_cast<uint32_t>(e), offset[e], offset[e + 1], dayT, marks, true);
    }
    ix->events_in = ix->order.size();

    apply_traits(*ix, s, std::vector<char>(m, 1));

    // Ties in score rank by id in byte order.
    ix->by_id.resize(m);
    std::iota(ix->by_id.begin(), ix->by_id.end(), 0);
    std::sort(ix->by_id.begin(), ix->by_id.end(),
              [&](uint32_t a, uint32_t b) { return ix->id_of(s, ix->entities[a]) < ix->id_of(s, ix->entities[b]); });
    number_ids(*ix);
    return ix;
}

namespace {

// Finds user u in runs[begin, end): its position, or kNone.
uint32_t find_user(const std::vector<Index::UserStat>& runs, uint32_t begin, uint32_t end, uint32_t u) {
    for (uint32_t i = begin; i < end; ++i)
        if (runs[i].user == u) return i;
    return kNone;
}

// Adds a user to the run users[begin, end), moving the run to the array's end first unless it
// is there already (the run's old place becomes dead).
void add_user(std::vector<Index::UserStat>& users, uint32_t& begin, uint32_t& end, Index::UserStat us, size_t& dead) {
    if (end != users.size()) {
        const uint32_t nb = static_cast<uint32_t>(users.size());
        users.resize(users.size() + (end - begin));
        std::copy(users.begin() + begin, users.begin() + end, users.begin() + nb);
        dead += end - begin;
        end = nb + (end - begin);
        begin = nb;
    }
    users.push_back(us);
    ++end;
}

// Entity e gets rows (sorted by type, time, row), each at or after every event it already has:
// they go at the end of their type's time run and at the front (youngest age) of its cells, so
// the aggregates are updated in place, moving a run to the end of its array when it has no room.
void add_in_order(Index& ix, const EventStore& s, uint32_t e, const std::vector<uint32_t>& rows, int64_t dayT,
                  Index::Delta& delta) {
    Index::EntityAgg& ent = ix.entities[e];
    // Event types the entity lacks: its type stats are rewritten once, in type order.
    {
        std::vector<uint32_t> missing;
        uint32_t t = ent.types_begin;
        for (size_t a = 0; a < rows.size();) {
            const uint32_t k = s.type[rows[a]];
            while (t < ent.types_end && ix.types[t].type < k) ++t;
            if (t == ent.types_end || ix.types[t].type != k) missing.push_back(k);
            while (a < rows.size() && s.type[rows[a]] == k) ++a;
        }
        if (!missing.empty()) {
            const uint32_t nb = static_cast<uint32_t>(ix.types.size());
            size_t mi = 0;
            for (uint32_t o = ent.types_begin; o <= ent.types_end; ++o) {
                while (mi < missing.size() && (o == ent.types_end || missing[mi] < ix.types[o].type)) {
                    Index::TypeStat st{};
                    st.type = missing[mi++];
                    st.cells_begin = st.cells_end = static_cast<uint32_t>(ix.cells.size());
                    st.users_begin = st.users_end = static_cast<uint32_t>(ix.type_users.size());
                    st.order_begin = static_cast<uint32_t>(ix.order.size());
                    ix.types.push_back(st);
                }
                if (o < ent.types_end) {
                    delta.moved.emplace_back(o, static_cast<uint32_t>(ix.types.size()));
                    ix.types.push_back(ix.types[o]);
                }
            }
            ix.dead_types += ent.types_end - ent.types_begin;
            ent.types_begin = nb;
            ent.types_end = static_cast<uint32_t>(ix.types.size());
        }
    }
    std::vector<Index::Cell> fresh;
    for (size_t a = 0; a < rows.size();) {
        const uint32_t k = s.type[rows[a]];
        size_t b = a;
        while (b < rows.size() && s.type[rows[b]] == k) ++b;
        const uint32_t cnt = static_cast<uint32_t>(b - a);
        uint32_t t = ent.types_begin;
        while (ix.types[t].type != k) ++t;
        Index::TypeStat& st = ix.types[t];
        delta.types.push_back(t);

        // Time run: at its end, with room to grow.
        if (st.total + cnt > st.order_cap) {
            const uint32_t cap = std::max<uint32_t>(2 * (st.total + cnt), 8);
            const uint32_t nb = static_cast<uint32_t>(ix.order.size());
            ix.order.resize(ix.order.size() + cap);
            std::copy(ix.order.begin() + st.order_begin, ix.order.begin() + st.order_begin + st.total,
                      ix.order.begin() + nb);
            ix.dead_order += st.order_cap;
            st.order_begin = nb;
            st.order_cap = cap;
        }
        for (size_t r = a; r < b; ++r) ix.order[st.order_begin + st.total++] = rows[r];

        // Cells: the new ages are the youngest; newest first gives ascending age.
        fresh.clear();
        for (size_t r = b; r-- > a;) {
            const uint32_t age = static_cast<uint32_t>(dayT - day_of(s.ts[rows[r]]));
            if (!fresh.empty() && fresh.back().age == age) ++fresh.back().count;
            else fresh.push_back({age, 1});
        }
        if (st.cells_end > st.cells_begin && fresh.back().age == ix.cells[st.cells_begin].age && fresh.size() == 1) {
            ix.cells[st.cells_begin].count += fresh.back().count;
        } else {
            const uint32_t nb = static_cast<uint32_t>(ix.cells.size());
            for (auto& c : fresh) ix.cells.push_back(c);
            uint32_t from = st.cells_begin;
            if (st.cells_end > st.cells_begin && ix.cells.back().age == ix.cells[from].age)
                ix.cells.back().count += ix.cells[from++].count;
            for (uint32_t i = from; i < st.cells_end; ++i) ix.cells.push_back(ix.cells[i]);
            ix.dead_cells += st.cells_end - st.cells_begin;
            st.cells_begin = nb;
            st.cells_end = static_cast<uint32_t>(ix.cells.size());
        }
        ix.max_age = std::max(ix.max_age, ix.cells[st.cells_end - 1].age);

        // Users of the type and of the entity: a later sighting lowers min_age.
        for (size_t r = a; r < b; ++r) {
            const uint32_t u = s.user[rows[r]];
            const int64_t ts = s.ts[rows[r]];
            const uint32_t age = static_cast<uint32_t>(dayT - day_of(ts));
            const uint32_t tu = find_user(ix.type_users, st.users_begin, st.users_end, u);
            if (tu != kNone) ix.type_users[tu].min_age = std::min(ix.type_users[tu].min_age, age);
            else add_user(ix.type_users, st.users_begin, st.users_end, {u, age, ts}, ix.dead_users);
            const uint32_t eu = find_user(ix.entity_users, ent.users_begin, ent.users_end, u);
            if (eu != kNone) {
                ix.entity_users[eu].min_age = std::min(ix.entity_users[eu].min_age, age);
                ix.entity_users[eu].first_ts = std::min(ix.entity_users[eu].first_ts, ts);
            } else {
                add_user(ix.entity_users, ent.users_begin, ent.users_end, {u, age, ts}, ix.dead_users);
            }
            ent.first_ts = std::min(ent.first_ts, ts);
            ent.last_ts = std::max(ent.last_ts, ts);
            ix.newest = std::max(ix.newest, ts);
        }
        ent.total += cnt;
        a = b;
    }
}

}  // namespace

bool Index::append(const EventStore& s, int64_t T, Delta& delta) {
    delta.entities.clear();
    delta.types.clear();
    delta.moved.clear();
    // Signal runs sit after the marks: an append would interleave with them, so it rebuilds.
    if (nsignals || s.rewrite_version != rewrite_version || s.groups.size() != groups_seen ||
        s.identifies.size() != identifies_seen || s.size() < events_seen)
        return false;
    // A later as_of on the same day keeps every age; anything else moves the window.
    const bool moved = T != as_of;
    if (moved && (T < as_of || !covers_all || day_of(T) != day_of(as_of))) return false;
    // Large appends are cheaper as one build; moved runs must not pile up.
    const size_t n0 = events_seen, n = s.size();
    if (n - n0 > events_in / 4 + 4096 || dead_order > events_in || 2 * dead_cells > cells.size() ||
        2 * dead_types > types.size() || 2 * dead_users > type_users.size() + entity_users.size())
        return false;

    const bool by_user = kind == ::pql::Entity::User;
    const int64_t dayT = day_of(T);
    const uint32_t m0 = static_cast<uint32_t>(entities.size());
    bool beyond = false, in_order = true;
    std::vector<std::pair<uint32_t, uint32_t>> added;  // (entity, row)
    for (size_t i = n0; i < n; ++i) {
        if (s.ts[i] > T) {
            beyond = true;
            continue;
        }
        uint32_t key = by_user ? s.user[i] : s.account[i];
        if (key == kNone && s.user[i] < user_account.size()) key = user_account[s.user[i]];
        if (key == kNone) {
            ++unassigned;
            continue;
        }
        if (key >= slot.size()) slot.resize(key + 1, kNone);
        if (slot[key] == kNone) {
            slot[key] = static_cast<uint32_t>(entities.size());
            EntityAgg e{};
            e.key = key;
            entities.push_back(e);
        }
        if (s.ts[i] < newest) in_order = false;
        added.emplace_back(slot[key], static_cast<uint32_t>(i));
    }
    const ByTypeTime cmp{s};
    std::sort(added.begin(), added.end(), [&](const auto& a, const auto& b) {
        if (a.first != b.first) return a.first < b.first;
        return cmp(a.second, b.second);
    });

    std::unique_ptr<Marks> marks;  // for entities rebuilt whole (new ones, or late rows)
    std::vector<uint32_t> rows, merged;
    for (size_t a = 0; a < added.size();) {
        const uint32_t e = added[a].first;
        rows.clear();
        for (; a < added.size() && added[a].first == e; ++a) rows.push_back(added[a].second);
        events_in += rows.size();
        delta.entities.push_back(e);
        if (e < m0 && in_order) {
            add_in_order(*this, s, e, rows, dayT, delta);
            continue;
        }
        // A new entity, or rows older than the newest event: the entity's events (its type runs
        // in type order are in (type, time, row) order) merged with the rows, and rebuilt whole.
        merged.clear();
        if (e < m0) {
            const EntityAgg& ent = entities[e];
            for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
                const TypeStat& st = types[t];
                merged.insert(merged.end(), order.begin() + st.order_begin, order.begin() + st.order_begin + st.total);
                dead_order += st.order_cap;
                dead_cells += st.cells_end - st.cells_begin;
                dead_users += st.users_end - st.users_begin;
            }
            dead_types += ent.types_end - ent.types_begin;
            dead_users += ent.users_end - ent.users_begin;
        }
        const uint32_t begin = static_cast<uint32_t>(order.size());
        order.resize(order.size() + merged.size() + rows.size());
        std::merge(merged.begin(), merged.end(), rows.begin(), rows.end(), order.begin() + begin, cmp);
        if (!marks) marks = std::make_unique<Marks>(s.user_ids.size());
        build_entity(*this, s, e, begin, static_cast<uint32_t>(order.size()), dayT, *marks, true);
        for (uint32_t t = entities[e].types_begin; t < entities[e].types_end; ++t) delta.types.push_back(t);
    }

    const uint32_t m = static_cast<uint32_t>(entities.size());
    covers_all = moved ? !beyond : covers_all && !beyond;
    as_of = T;
    if (m > m0) {
        std::vector<char> want(m, 0);
        std::fill(want.begin() + m0, want.end(), 1);
        apply_traits(*this, s, want);
        for (uint32_t e = m0; e < m; ++e) {
            auto pos = std::lower_bound(by_id.begin(), by_id.end(), e, [&](uint32_t x, uint32_t y) {
                return id_of(s, entities[x]) < id_of(s, entities[y]);
            });
            by_id.insert(pos, e);
        }
        number_ids(*this);
    }
    events_seen = n;
    store_version = s.version;
    return true;
}

bool SignalFilter::matches(const EventStore& store, uint32_t event) const {
    if (!any && store.type[event] != type) return false;
    for (auto& [key, test] : where) {
        std::optional<PropertyView> p;
        if (key) p = store.property(event, *key);
        if (!p) {
            if (!test->matches(nullptr)) return false;
            continue;
        }
        const Value v = p->value();
        if (!test->matches(&v)) return false;
    }
    return true;
}

void Index::drop_signals() {
    if (!nsignals) return;
    types.resize(mark_types);
    cells.resize(mark_cells);
    type_users.resize(mark_type_users);
    order.resize(mark_order);
    for (auto& e : entities) e.sig_begin = e.sig_end = 0;
    nsignals = 0;
    signals_key.clear();
}

// Each signal's events per entity, as build_entity makes an event type's: ascending time in
// `order`, cells by ascending age, users oldest first. Only the events of the signal's type
// (every type for "*") are tested against its conditions.
void Index::build_signals(const EventStore& s, const std::vector<SignalFilter>& signals) {
    drop_signals();
    mark_types = types.size();
    mark_cells = cells.size();
    mark_type_users = type_users.size();
    mark_order = order.size();
    sig_base = static_cast<uint32_t>(s.event_names.size());
    nsignals = static_cast<uint32_t>(signals.size());
    const int64_t dayT = day_of(as_of);
    std::vector<uint32_t> mark(s.user_ids.size(), UINT32_MAX), pos(s.user_ids.size());
    uint32_t run = 0;
    std::vector<uint32_t> evs;
    for (auto& ent : entities) {
        ent.sig_begin = static_cast<uint32_t>(types.size());
        const uint32_t real_begin = ent.types_begin, real_end = ent.types_end;
        for (uint32_t si = 0; si < signals.size(); ++si) {
            const SignalFilter& sig = signals[si];
            if (!sig.any && sig.type == kNone) continue;
            evs.clear();
            for (uint32_t t = real_begin; t < real_end; ++t) {
                const TypeStat& st = types[t];
                if (!sig.any && st.type != sig.type) continue;
                for (uint32_t p = st.order_begin; p < st.order_begin + st.total; ++p)
                    if (sig.matches(s, order[p])) evs.push_back(order[p]);
            }
            if (evs.empty()) continue;
            if (sig.any)
                std::sort(evs.begin(), evs.end(),
                          [&](uint32_t a, uint32_t b) { return s.ts[a] != s.ts[b] ? s.ts[a] < s.ts[b] : a < b; });
            TypeStat ts{};
            ts.type = sig_base + si;
            ts.order_begin = static_cast<uint32_t>(order.size());
            ts.total = ts.order_cap = static_cast<uint32_t>(evs.size());
            order.insert(order.end(), evs.begin(), evs.end());
            ts.cells_begin = static_cast<uint32_t>(cells.size());
            for (size_t p = evs.size(); p-- > 0;) {
                const uint32_t age = static_cast<uint32_t>(dayT - day_of(s.ts[evs[p]]));
                if (cells.size() > ts.cells_begin && cells.back().age == age) ++cells.back().count;
                else cells.push_back({age, 1});
            }
            ts.cells_end = static_cast<uint32_t>(cells.size());
            ts.users_begin = static_cast<uint32_t>(type_users.size());
            for (uint32_t ev : evs) {
                const uint32_t u = s.user[ev];
                const uint32_t age = static_cast<uint32_t>(dayT - day_of(s.ts[ev]));
                if (mark[u] != run) {
                    mark[u] = run;
                    pos[u] = static_cast<uint32_t>(type_users.size());
                    type_users.push_back({u, age, s.ts[ev]});
                } else {
                    type_users[pos[u]].min_age = age;
                }
            }
            ++run;
            ts.users_end = static_cast<uint32_t>(type_users.size());
            types.push_back(ts);
        }
        ent.sig_end = static_cast<uint32_t>(types.size());
    }
}

}  // namespace pql
