// Model A against model B on the same data: tier migration and the biggest movers, each delta
// split by component and event type.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "evaluation.hpp"
#include "pql/funnel.hpp"
#include "pql/time.hpp"

namespace pql {

namespace {

// One figure of both models, and which is better: "a", "b", "same", or null when either is
// missing or the figure is a volume rather than a quality (more PQLs is not in itself better).
enum class Better { Higher, Lower, Neither };

oj side_by_side(const char* metric, const std::optional<double>& va, const std::optional<double>& vb, Better dir) {
    oj m;
    m["metric"] = metric;
    m["a"] = optional_json(va);
    m["b"] = optional_json(vb);
    m["higher_is_better"] = dir == Better::Neither ? oj(nullptr) : oj(dir == Better::Higher);
    if (!va || !vb || dir == Better::Neither) m["better"] = nullptr;
    else if (std::fabs(*va - *vb) <= 1e-12 * std::max(1.0, std::fabs(*va))) m["better"] = "same";
    else m["better"] = (*va > *vb) == (dir == Better::Higher) ? "a" : "b";
    return m;
}

// Both models backtested at the same T and horizon (A's backtest point: options, A's as_of,
// else the latest event minus the horizon), so that B's own as_of does not tilt the figures.
oj quality_json(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                const CompareOptions& o) {
    const bool has_conversions = a.conversion_event || b.conversion_event || !outcomes.rows.empty();
    if (!has_conversions || o.horizon_days < 1 || o.horizon_days > kMaxHorizonDays) return nullptr;
    const int64_t T = resolve_as_of(store, a, o.as_of, o.horizon_days);
    // One conversion definition for both: A's conversion_event, else B's.
    Model mb = b;
    Model ma = a;
    if (!ma.conversion_event) ma.conversion_event = b.conversion_event;
    mb.conversion_event = ma.conversion_event;
    Evaluation ea(store, ma, outcomes, T, o.horizon_days), eb(store, mb, outcomes, T, o.horizon_days);
    const Quality qa = quality_of(ea), qb = quality_of(eb);
    oj j;
    j["as_of"] = format_iso(T);
    j["horizon_days"] = o.horizon_days;
    j["population"] = qa.population;
    j["conversions"] = qa.conversions;
    j["qualified"] = {{"a", qa.qualified}, {"b", qb.qualified}};
    oj m = oj::array();
    m.push_back(side_by_side("auc", qa.auc, qb.auc, Better::Higher));
    m.push_back(side_by_side("precision_at_10", qa.precision_at_10, qb.precision_at_10, Better::Higher));
    m.push_back(side_by_side("precision_at_25", qa.precision_at_25, qb.precision_at_25, Better::Higher));
    m.push_back(side_by_side("precision_at_50", qa.precision_at_50, qb.precision_at_50, Better::Higher));
    m.push_back(side_by_side("pql_precision", qa.precision, qb.precision, Better::Higher));
    m.push_back(side_by_side("pql_recall", qa.recall, qb.recall, Better::Higher));
    m.push_back(side_by_side("pql_lift", qa.lift, qb.lift, Better::Higher));
    m.push_back(side_by_side("false_positive_share", qa.false_positive_share, qb.false_positive_share, Better::Lower));
    // The lifecycle funnel's PQL rate at the same T: how many signups each definition ever
    // qualifies. A volume: more is not in itself better.
    FunnelOptions fo;
    fo.as_of = T;
    auto fa = funnel(store, ma, outcomes, fo), fb = funnel(store, mb, outcomes, fo);
    m.push_back(side_by_side("funnel_pql_rate", fa ? fa->all.pql_rate : std::nullopt,
                             fb ? fb->all.pql_rate : std::nullopt, Better::Neither));
    int64_t wins_a = 0, wins_b = 0;
    for (auto& x : m) {
        wins_a += x["better"] == "a";
        wins_b += x["better"] == "b";
    }
    j["metrics"] = m;
    j["better"] = {{"a", wins_a}, {"b", wins_b}};
    return j;
}

}  // namespace

std::string compare_json(const EventStore& store, const Model& a, const Model& b, const CompareOptions& o) {
    return compare_json(store, a, b, Outcomes{}, o);
}

std::string compare_json(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                         const CompareOptions& o) {
    Scorer sa(store), sb(store);
    sa.set_outcomes(&outcomes);  // customers (§7.5) are never PQLs, as in the ranking
    sb.set_outcomes(&outcomes);
    const ScoreRun& ra = sa.score(a);
    const ScoreRun& rb = sb.score(b);
    const Index &ia = sa.index(), &ib = sb.index();
    struct Side {
        const EntityScore* s = nullptr;
        size_t rank = 0;
    };
    // Match entities by id.
    std::map<std::string, std::pair<Side, Side>> by_id;
    for (size_t i = 0; i < ra.results.size(); ++i)
        by_id[ia.id_of(store, ia.entities[ra.results[i].entity])].first = {&ra.results[i], i + 1};
    for (size_t i = 0; i < rb.results.size(); ++i)
        by_id[ib.id_of(store, ib.entities[rb.results[i].entity])].second = {&rb.results[i], i + 1};

    auto tier_name = [](const Model& m, const EntityScore* s) -> std::string {
        if (!s) return "(not ranked)";
        return s->tier >= 0 ? m.tiers[s->tier].name : "(no tier)";
    };
    std::vector<std::string> order;
    for (auto& t : a.tiers) order.push_back(t.name);
    for (auto& t : b.tiers)
        if (std::find(order.begin(), order.end(), t.name) == order.end()) order.push_back(t.name);
    order.push_back("(no tier)");
    order.push_back("(not ranked)");
    std::map<std::pair<size_t, size_t>, int64_t> matrix;
    auto pos = [&](const std::string& n) {
        return static_cast<size_t>(std::find(order.begin(), order.end(), n) - order.begin());
    };
    int64_t moved = 0, qualified_gained = 0, qualified_lost = 0;
    struct Mover {
        std::string id;
        double delta;
        const EntityScore *a, *b;
        size_t rank_a, rank_b;
    };
    std::vector<Mover> movers;
    for (auto& [id, sides] : by_id) {
        const std::string ta = tier_name(a, sides.first.s), tb = tier_name(b, sides.second.s);
        ++matrix[{pos(ta), pos(tb)}];
        if (ta != tb) ++moved;
        const bool qa = sides.first.s && sides.first.s->qualified, qb = sides.second.s && sides.second.s->qualified;
        qualified_gained += !qa && qb;
        qualified_lost += qa && !qb;
        const double da = sides.first.s ? sides.first.s->score : 0, db = sides.second.s ? sides.second.s->score : 0;
        movers.push_back({id, db - da, sides.first.s, sides.second.s, sides.first.rank, sides.second.rank});
    }
    oj j;
    j["a"] = {{"as_of", format_iso(ra.as_of)}, {"entities", ra.results.size()}, {"qualified", ra.qualified}};
    j["b"] = {{"as_of", format_iso(rb.as_of)}, {"entities", rb.results.size()}, {"qualified", rb.qualified}};
    j["tiers"] = order;
    oj mig = oj::array();
    for (auto& [k, count] : matrix)
        mig.push_back({{"from", order[k.first]}, {"to", order[k.second]}, {"count", count}});
    j["migration"] = mig;
    j["moved"] = moved;
    j["qualified_gained"] = qualified_gained;
    j["qualified_lost"] = qualified_lost;

    // One entity's delta split by component (each weighted into the score) and by event type.
    auto split = [&](const Mover& m) {
        oj r;
        r["id"] = m.id;
        const auto* ent_a = m.a ? &ia.entities[m.a->entity] : nullptr;
        const auto* ent_b = m.b ? &ib.entities[m.b->entity] : nullptr;
        const auto& name = ent_b ? ent_b->name : ent_a->name;
        r["name"] = name ? oj(*name) : oj(nullptr);
        r["score_a"] = m.a ? oj(m.a->score) : oj(nullptr);
        r["score_b"] = m.b ? oj(m.b->score) : oj(nullptr);
        r["delta"] = m.delta;
        r["rank_a"] = m.a ? oj(m.rank_a) : oj(nullptr);
        r["rank_b"] = m.b ? oj(m.rank_b) : oj(nullptr);
        r["tier_a"] = tier_name(a, m.a);
        r["tier_b"] = tier_name(b, m.b);
        auto part = [](const Model& mo, const EntityScore* s, double EntityScore::*field, double w) {
            return s ? w * (s->*field) / (mo.w_activation + mo.w_engagement + mo.w_fit) : 0.0;
        };
        r["components"] = {
            {"activation", part(b, m.b, &EntityScore::activation, b.w_activation) -
                               part(a, m.a, &EntityScore::activation, a.w_activation)},
            {"engagement", part(b, m.b, &EntityScore::engagement, b.w_engagement) -
                               part(a, m.a, &EntityScore::engagement, a.w_engagement)},
            {"fit", part(b, m.b, &EntityScore::fit, b.w_fit) - part(a, m.a, &EntityScore::fit, a.w_fit)}};
        std::map<std::string, std::pair<double, double>> pts;
        if (ent_a)
            for (uint32_t t = ent_a->types_begin; t < ent_a->types_end; ++t) {
                const std::string& n = store.event_names.name(ia.types[t].type);
                pts[n].first = a.weight_of(n) * sa.figure(t).capped;
            }
        if (ent_b)
            for (uint32_t t = ent_b->types_begin; t < ent_b->types_end; ++t) {
                const std::string& n = store.event_names.name(ib.types[t].type);
                pts[n].second = b.weight_of(n) * sb.figure(t).capped;
            }
        std::vector<std::tuple<double, std::string, double, double>> ev;
        for (auto& [n, p] : pts)
            if (p.second - p.first != 0) ev.emplace_back(-std::fabs(p.second - p.first), n, p.first, p.second);
        std::sort(ev.begin(), ev.end());
        oj events = oj::array();
        for (auto& [neg, n, pa, pb] : ev)
            events.push_back({{"event", n}, {"points_a", pa}, {"points_b", pb}, {"delta", pb - pa}});
        r["events"] = events;
        return r;
    };
    std::sort(movers.begin(), movers.end(),
              [](const Mover& x, const Mover& y) { return x.delta != y.delta ? x.delta > y.delta : x.id < y.id; });
    oj up = oj::array(), down = oj::array();
    for (size_t i = 0; i < movers.size() && up.size() < o.movers && movers[i].delta > 0; ++i)
        up.push_back(split(movers[i]));
    for (size_t i = movers.size(); i-- > 0 && down.size() < o.movers && movers[i].delta < 0;)
        down.push_back(split(movers[i]));
    j["movers"] = {{"up", up}, {"down", down}};
    // Last, so that the tier figures above stay first for readers of the v1 shape.
    j["quality"] = quality_json(store, a, b, outcomes, o);
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

}  // namespace pql
