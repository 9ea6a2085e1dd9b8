#include "people.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "pql/time.hpp"

namespace pql {

namespace {

// Every type stat of the entity: its event types, then its signals (§7.1).
template <class F>
void for_each_stat(const Index::EntityAgg& ent, F&& f) {
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) f(t, false);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) f(t, true);
}

struct Person {
    uint32_t user = 0;
    double points = 0;
    int64_t events = 0;           // in the window, of any type
    int64_t last_ts = INT64_MIN;  // the latest event of any kind at or before as_of
    struct Action {
        double points = 0;
        int64_t count = 0;
    };
    std::map<std::string, Action> types;  // per event type, in the window
};

}  // namespace

std::vector<ExplainedPerson> people_of(const RunView& v, const EntityScore& s, size_t limit) {
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    const Model& m = v.model;
    const int64_t dayT = day_of(ix.as_of);
    const uint64_t window = static_cast<uint64_t>(std::max<int64_t>(m.window_days, 0));
    std::unordered_map<uint32_t, Person> by_user;
    for (uint32_t u = ent.users_begin; u < ent.users_end; ++u) {
        Person& p = by_user[ix.entity_users[u].user];
        p.user = ix.entity_users[u].user;
    }
    for_each_stat(ent, [&](uint32_t t, bool signal) {
        const Index::TypeStat& ts = ix.types[t];
        const TypeFigures& f = v.scorer.figure(t);
        const double w = v.scorer.weight(ts.type);
        // The type's points (weight x capped) shared out in proportion to each event's decay.
        const double per_decayed = w != 0 && f.decayed > 0 ? w * f.capped / f.decayed : 0;
        const std::string name = signal ? std::string() : v.store.event_names.name(ts.type);
        for (uint32_t p = ts.order_begin; p < ts.order_begin + ts.total; ++p) {
            const uint32_t ev = ix.order[p];
            Person& person = by_user[v.store.user[ev]];
            person.user = v.store.user[ev];
            const int64_t age = dayT - day_of(v.store.ts[ev]);
            const bool in_window = age >= 0 && static_cast<uint64_t>(age) < window;
            const double pts = per_decayed != 0 && in_window
                                   ? per_decayed * v.scorer.decay_factor(ts.type, static_cast<uint32_t>(age))
                                   : 0;
            person.points += pts;
            if (signal) continue;  // counts and last seen from the event types only: no event twice
            person.last_ts = std::max(person.last_ts, v.store.ts[ev]);
            if (in_window) {
                ++person.events;
                Person::Action& a = person.types[name];
                a.points += pts;
                ++a.count;
            }
        }
    });
    std::vector<Person*> order;
    order.reserve(by_user.size());
    for (auto& [u, p] : by_user) order.push_back(&p);
    std::sort(order.begin(), order.end(), [&](const Person* a, const Person* b) {
        if (a->points != b->points) return a->points > b->points;
        if (a->events != b->events) return a->events > b->events;
        if (a->last_ts != b->last_ts) return a->last_ts > b->last_ts;
        return v.store.user_ids.name(a->user) < v.store.user_ids.name(b->user);
    });
    std::vector<ExplainedPerson> people;
    for (size_t i = 0; i < order.size() && i < limit; ++i) {
        const Person& p = *order[i];
        ExplainedPerson out;
        out.user = v.store.user_ids.name(p.user);
        out.points = p.points;
        out.events = p.events;
        if (p.last_ts != INT64_MIN) out.last_seen = p.last_ts;
        for (size_t pi = 0; pi < m.personas.size(); ++pi)
            if (v.scorer.user_matches_persona(p.user, pi)) out.personas.push_back(m.personas[pi].name);
        // Top actions: what earns points first (a login is no reason to call), then volume.
        std::vector<std::pair<std::string, Person::Action>> top(p.types.begin(), p.types.end());
        std::stable_sort(top.begin(), top.end(), [](auto& a, auto& b) {
            return a.second.points != b.second.points ? a.second.points > b.second.points
                                                      : a.second.count > b.second.count;
        });
        for (size_t k = 0; k < top.size() && k < 3; ++k)
            out.top_actions.push_back({top[k].first, top[k].second.count, top[k].second.points});
        for (auto& [k, val] : v.store.user_traits(p.user, ix.as_of)) out.traits.emplace_back(k, val);
        people.push_back(std::move(out));
    }
    return people;
}

std::vector<KeyEvent> recent_events_of(const RunView& v, const EntityScore& s, size_t limit) {
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    const Model& m = v.model;
    // The types the model names outside the engagement weights.
    std::unordered_set<uint32_t> named;
    auto name_type = [&](const std::string& event) {
        if (event == "*") return;
        if (auto k = v.scorer.type_id(m, event)) named.insert(*k);
    };
    for (auto& st : m.steps) name_type(st.event);
    for (auto& [n, lim] : m.limits) name_type(lim.event);
    bool any_key = !named.empty();
    for_each_stat(ent, [&](uint32_t t, bool) { any_key = any_key || v.scorer.weight(ix.types[t].type) != 0; });
    // Per event: its newest-first position and the signals it counts for.
    struct Hit {
        int64_t ts;
        uint32_t ev;
        bool key;
        std::vector<std::string> signals;
    };
    std::unordered_map<uint32_t, Hit> hits;
    for_each_stat(ent, [&](uint32_t t, bool signal) {
        const Index::TypeStat& ts = ix.types[t];
        const bool key = !any_key || v.scorer.weight(ts.type) != 0 || named.count(ts.type);
        if (!key && !signal) return;
        // A type's events ascend in time: its newest `limit` are the only candidates.
        const uint32_t from =
            ts.total > limit ? ts.order_begin + ts.total - static_cast<uint32_t>(limit) : ts.order_begin;
        for (uint32_t p = from; p < ts.order_begin + ts.total; ++p) {
            const uint32_t ev = ix.order[p];
            Hit& h = hits.try_emplace(ev, Hit{v.store.ts[ev], ev, false, {}}).first->second;
            h.key = h.key || key;
            if (signal) h.signals.push_back(v.scorer.type_name(m, ts.type));
        }
    });
    std::vector<const Hit*> list;
    for (auto& [ev, h] : hits)
        if (h.key) list.push_back(&h);
    std::sort(list.begin(), list.end(),
              [](const Hit* a, const Hit* b) { return a->ts != b->ts ? a->ts > b->ts : a->ev > b->ev; });
    std::vector<KeyEvent> out;
    for (size_t i = 0; i < list.size() && i < limit; ++i) {
        const Hit& h = *list[i];
        std::vector<std::string> sigs = h.signals;
        std::sort(sigs.begin(), sigs.end());
        out.push_back({v.store.event_names.name(v.store.type[h.ev]), h.ts, v.store.user_ids.name(v.store.user[h.ev]),
                       std::move(sigs)});
    }
    return out;
}

}  // namespace pql
