// Model A against model B on the same data: tier migration and the biggest movers, each delta
// split by component and event type, and both models' quality. compare() computes it,
// comparison_json() writes it.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "evaluation.hpp"
#include "json_writer.hpp"
#include "pql/comparison.hpp"
#include "pql/funnel.hpp"
#include "pql/time.hpp"

namespace pql {

namespace {

// Which way a figure is better; Neither for a volume.
enum class Better { Higher, Lower, Neither };

QualityFigure side_by_side(const char* metric, const std::optional<double>& va, const std::optional<double>& vb,
                           Better dir) {
    QualityFigure m;
    m.metric = metric;
    m.a = va;
    m.b = vb;
    if (dir != Better::Neither) m.higher_is_better = dir == Better::Higher;
    if (!va || !vb || dir == Better::Neither) m.better = std::nullopt;
    else if (std::fabs(*va - *vb) <= 1e-12 * std::max(1.0, std::fabs(*va))) m.better = "same";
    else m.better = (*va > *vb) == (dir == Better::Higher) ? "a" : "b";
    return m;
}

// Both models backtested at the same T and horizon (A's backtest point: options, A's as_of,
// else the latest event minus the horizon), so that B's own as_of does not tilt the figures.
std::optional<CompareQuality> compare_quality(const EventStore& store, const Model& a, const Model& b,
                                              const Outcomes& outcomes, const CompareOptions& o) {
    const bool has_conversions = a.conversion_event || b.conversion_event || !outcomes.rows.empty();
    if (!has_conversions || o.horizon_days < 1 || o.horizon_days > kMaxHorizonDays) return std::nullopt;
    const int64_t T = resolve_as_of(store, a, o.as_of, o.horizon_days);
    // One conversion definition for both: A's conversion_event, else B's.
    Model mb = b;
    Model ma = a;
    if (!ma.conversion_event) ma.conversion_event = b.conversion_event;
    mb.conversion_event = ma.conversion_event;
    // One scorer at T for both evaluations and both funnels: one index, each model scored on it
    // in turn (each figure is taken before the next model re-scores it).
    Scorer at_T(store);
    const Quality qa = quality_of(Evaluation(at_T, store, ma, outcomes, T, o.horizon_days));
    const Quality qb = quality_of(Evaluation(at_T, store, mb, outcomes, T, o.horizon_days));
    CompareQuality q;
    q.as_of = T;
    q.horizon_days = o.horizon_days;
    q.population = qa.population;
    q.conversions = qa.conversions;
    q.qualified_a = qa.qualified;
    q.qualified_b = qb.qualified;
    auto& m = q.metrics;
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
    auto fa = funnel(at_T, store, ma, outcomes, fo);
    auto fb = funnel(at_T, store, mb, outcomes, fo);
    m.push_back(side_by_side("funnel_pql_rate", fa ? fa->all.pql_rate : std::nullopt,
                             fb ? fb->all.pql_rate : std::nullopt, Better::Neither));
    for (auto& x : m) {
        q.better_a += x.better == "a";
        q.better_b += x.better == "b";
    }
    return q;
}

}  // namespace

Comparison compare(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                   const CompareOptions& o) {
    Scorer sa(store);
    return compare(sa, store, a, b, outcomes, o);
}

Comparison compare(Scorer& sa, const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                   const CompareOptions& o) {
    Scorer sb(store);
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
    Comparison c;
    std::vector<std::string>& order = c.tiers;
    for (auto& t : a.tiers) order.push_back(t.name);
    for (auto& t : b.tiers)
        if (std::find(order.begin(), order.end(), t.name) == order.end()) order.push_back(t.name);
    order.push_back("(no tier)");
    order.push_back("(not ranked)");
    std::map<std::pair<size_t, size_t>, int64_t> matrix;
    auto pos = [&](const std::string& n) {
        return static_cast<size_t>(std::find(order.begin(), order.end(), n) - order.begin());
    };
    struct Moved {
        std::string id;
        double delta;
        const EntityScore *a, *b;
        size_t rank_a, rank_b;
    };
    std::vector<Moved> movers;
    for (auto& [id, sides] : by_id) {
        const std::string ta = tier_name(a, sides.first.s), tb = tier_name(b, sides.second.s);
        ++matrix[{pos(ta), pos(tb)}];
        if (ta != tb) ++c.moved;
        const bool qa = sides.first.s && sides.first.s->qualified, qb = sides.second.s && sides.second.s->qualified;
        c.qualified_gained += !qa && qb;
        c.qualified_lost += qa && !qb;
        const double da = sides.first.s ? sides.first.s->score : 0, db = sides.second.s ? sides.second.s->score : 0;
        movers.push_back({id, db - da, sides.first.s, sides.second.s, sides.first.rank, sides.second.rank});
    }
    c.a = {ra.as_of, static_cast<int64_t>(ra.results.size()), ra.qualified};
    c.b = {rb.as_of, static_cast<int64_t>(rb.results.size()), rb.qualified};
    for (auto& [k, count] : matrix) c.migration.push_back({order[k.first], order[k.second], count});

    // One entity's delta split by component (each weighted into the score) and by event type.
    auto split = [&](const Moved& m) {
        Mover r;
        r.id = m.id;
        const auto* ent_a = m.a ? &ia.entities[m.a->entity] : nullptr;
        const auto* ent_b = m.b ? &ib.entities[m.b->entity] : nullptr;
        r.name = ent_b ? ent_b->name : ent_a->name;
        if (m.a) r.score_a = m.a->score;
        if (m.b) r.score_b = m.b->score;
        r.delta = m.delta;
        if (m.a) r.rank_a = static_cast<int64_t>(m.rank_a);
        if (m.b) r.rank_b = static_cast<int64_t>(m.rank_b);
        r.tier_a = tier_name(a, m.a);
        r.tier_b = tier_name(b, m.b);
        auto part = [](const Model& mo, const EntityScore* s, double EntityScore::*field, double w) {
            return s ? w * (s->*field) / (mo.w_activation + mo.w_engagement + mo.w_fit) : 0.0;
        };
        r.activation = part(b, m.b, &EntityScore::activation, b.w_activation) -
                       part(a, m.a, &EntityScore::activation, a.w_activation);
        r.engagement = part(b, m.b, &EntityScore::engagement, b.w_engagement) -
                       part(a, m.a, &EntityScore::engagement, a.w_engagement);
        r.fit = part(b, m.b, &EntityScore::fit, b.w_fit) - part(a, m.a, &EntityScore::fit, a.w_fit);
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
        for (auto& [neg, n, pa, pb] : ev) r.events.push_back({n, pa, pb, pb - pa});
        return r;
    };
    std::sort(movers.begin(), movers.end(),
              [](const Moved& x, const Moved& y) { return x.delta != y.delta ? x.delta > y.delta : x.id < y.id; });
    for (size_t i = 0; i < movers.size() && c.movers_up.size() < o.movers && movers[i].delta > 0; ++i)
        c.movers_up.push_back(split(movers[i]));
    for (size_t i = movers.size(); i-- > 0 && c.movers_down.size() < o.movers && movers[i].delta < 0;)
        c.movers_down.push_back(split(movers[i]));
    c.quality = compare_quality(store, a, b, outcomes, o);
    return c;
}

namespace {

void write_run(JsonWriter& w, const ComparedRun& r) {
    w.open('{');
    w.time_field("as_of", r.as_of);
    w.field("entities", r.entities);
    w.field("qualified", r.qualified);
    w.close('}');
}

void write_movers(JsonWriter& w, const std::vector<Mover>& movers) {
    w.open('[');
    for (const Mover& m : movers) {
        w.item();
        w.open('{');
        w.field("id", m.id);
        w.field("name", m.name);
        w.field("score_a", m.score_a);
        w.field("score_b", m.score_b);
        w.field("delta", m.delta);
        w.field("rank_a", m.rank_a);
        w.field("rank_b", m.rank_b);
        w.field("tier_a", m.tier_a);
        w.field("tier_b", m.tier_b);
        w.key("components");
        w.open('{');
        w.field("activation", m.activation);
        w.field("engagement", m.engagement);
        w.field("fit", m.fit);
        w.close('}');
        w.key("events");
        w.open('[');
        for (const MoverEvent& e : m.events) {
            w.item();
            w.open('{');
            w.field("event", e.event);
            w.field("points_a", e.points_a);
            w.field("points_b", e.points_b);
            w.field("delta", e.delta);
            w.close('}');
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
}

void write_quality(JsonWriter& w, const CompareQuality& q) {
    w.open('{');
    w.time_field("as_of", q.as_of);
    w.field("horizon_days", q.horizon_days);
    w.field("population", q.population);
    w.field("conversions", q.conversions);
    w.key("qualified");
    w.open('{');
    w.field("a", q.qualified_a);
    w.field("b", q.qualified_b);
    w.close('}');
    w.key("metrics");
    w.open('[');
    for (const QualityFigure& m : q.metrics) {
        w.item();
        w.open('{');
        w.field("metric", m.metric);
        w.field("a", m.a);
        w.field("b", m.b);
        w.field("higher_is_better", m.higher_is_better);
        w.field("better", m.better);
        w.close('}');
    }
    w.close(']');
    w.key("better");
    w.open('{');
    w.field("a", q.better_a);
    w.field("b", q.better_b);
    w.close('}');
    w.close('}');
}

}  // namespace

std::string comparison_json(const Comparison& c) {
    JsonWriter w;
    w.open('{');
    w.key("a");
    write_run(w, c.a);
    w.key("b");
    write_run(w, c.b);
    w.key("tiers");
    w.open('[');
    for (const std::string& t : c.tiers) {
        w.item();
        w.str(t);
    }
    w.close(']');
    w.key("migration");
    w.open('[');
    for (const TierMove& m : c.migration) {
        w.item();
        w.open('{');
        w.field("from", m.from);
        w.field("to", m.to);
        w.field("count", m.count);
        w.close('}');
    }
    w.close(']');
    w.field("moved", c.moved);
    w.field("qualified_gained", c.qualified_gained);
    w.field("qualified_lost", c.qualified_lost);
    w.key("movers");
    w.open('{');
    w.key("up");
    write_movers(w, c.movers_up);
    w.key("down");
    write_movers(w, c.movers_down);
    w.close('}');
    // Last, so that the tier figures above stay first for readers of the v1 shape.
    w.key("quality");
    if (c.quality) write_quality(w, *c.quality);
    else w.null();
    w.close('}');
    return std::move(w.out);
}

std::string compare_json(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                         const CompareOptions& o) {
    return comparison_json(compare(store, a, b, outcomes, o));
}

std::string compare_json(const EventStore& store, const Model& a, const Model& b, const CompareOptions& o) {
    return compare_json(store, a, b, Outcomes{}, o);
}

}  // namespace pql
