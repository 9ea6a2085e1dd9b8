// Engine::ranking: the scoring run's first rows as structs (pql/ranking.hpp).
#include "ranking_of.hpp"

#include <algorithm>
#include <cmath>

namespace pql {

std::vector<EventPoints> top_events_of(const RunView& v, const EntityScore& s, size_t n) {
    const Index& ix = v.scorer.index();
    const auto& ent = ix.entities[s.entity];
    std::vector<EventPoints> pts;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
        const std::string& name = v.store.event_names.name(ix.types[t].type);
        const double p = v.model.weight_of(name) * v.scorer.figure(t).capped;
        if (p != 0) pts.push_back({name, p});
    }
    auto stronger = [](const EventPoints& a, const EventPoints& b) {
        return std::fabs(a.points) != std::fabs(b.points) ? std::fabs(a.points) > std::fabs(b.points)
                                                          : a.event < b.event;
    };
    const size_t k = std::min(n, pts.size());
    std::partial_sort(pts.begin(), pts.begin() + static_cast<std::ptrdiff_t>(k), pts.end(), stronger);
    pts.resize(k);
    return pts;
}

Ranking ranking_of(const RunView& v, size_t limit, size_t top_events) {
    Ranking r;
    r.as_of = v.run.as_of;
    r.entities = v.run.results.size();
    r.qualified = v.run.qualified;
    r.unassigned = v.run.unassigned;
    const Index& ix = v.scorer.index();
    const size_t n = std::min(limit, v.run.results.size());
    r.rows.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const EntityScore& s = v.run.results[i];
        const auto& ent = ix.entities[s.entity];
        RankedEntity e;
        e.rank = static_cast<int64_t>(i + 1);
        e.id = ix.id_of(v.store, ent);
        e.name = ent.name;
        e.score = s.score;
        if (s.tier >= 0) e.tier = v.model.tiers[s.tier].name;
        e.grade = grade_of(v.model, s);
        e.qualified = s.qualified;
        e.top_events = top_events_of(v, s, top_events);
        r.rows.push_back(std::move(e));
    }
    return r;
}

}  // namespace pql
