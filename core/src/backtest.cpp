// Point-in-time backtest (SPEC §5, §7.9): score at T with only events up to T, then look at who
// converted in (T, T + horizon]. backtest() computes the figures, backtest_json() writes them.
#include <algorithm>
#include <string>

#include "evaluation.hpp"
#include "json_writer.hpp"
#include "pql/time.hpp"

namespace pql {

namespace {

constexpr size_t kLostPqls = 100;  // §7.9: the first 100 in rank order

}  // namespace

Result<Backtest> backtest(const EventStore& store, const Model& model, const Outcomes& outcomes,
                          const BacktestOptions& o) {
    if (Status st = check_outcome_options(model, outcomes, o.horizon_days); !st) return st.error();
    Evaluation ev(store, model, outcomes, resolve_as_of(store, model, o.as_of, o.horizon_days), o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    Backtest b;
    b.as_of = ev.T;
    b.horizon_days = o.horizon_days;
    b.population = static_cast<int64_t>(ev.pop.size());
    b.conversions = ev.conversions;
    b.base_rate = share(conversions, population);
    auto group = [&](double count, double conv) {
        OutcomeGroup g{static_cast<int64_t>(count), static_cast<int64_t>(conv), share(conv, count), std::nullopt};
        g.lift = lift_of(g.rate, b.base_rate);
        return g;
    };
    for (size_t t = 0; t < model.tiers.size(); ++t) {
        double count = 0, conv = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ev.pop[i]->tier == static_cast<int>(t)) {
                ++count;
                conv += ev.positive[i];
            }
        b.tiers.push_back({model.tiers[t].name, group(count, conv)});
    }

    double q = 0, qc = 0;
    for (size_t i = 0; i < ev.pop.size(); ++i)
        if (ev.pop[i]->qualified) {
            ++q;
            qc += ev.positive[i];
        }
    b.pql.qualified = group(q, qc);
    b.pql.not_qualified = group(population - q, conversions - qc);
    b.pql.precision = share(qc, q);
    b.pql.recall = share(qc, conversions);
    b.pql.fpr = share(q - qc, population - conversions);
    b.pql.false_positive_share = share(q - qc, q);  // §7.9: the PQLs that never converted
    // The lost PQLs themselves, to review and interview.
    const Index& ix = ev.scorer.index();
    for (size_t i = 0; i < ev.pop.size() && b.lost_pqls.size() < kLostPqls; ++i)
        if (ev.pop[i]->qualified && !ev.positive[i])
            b.lost_pqls.push_back(ix.id_of(store, ix.entities[ev.pop[i]->entity]));

    for (size_t k : {10, 25, 50, 100}) {
        const size_t n = std::min(k, ev.pop.size());
        double hits = 0;
        for (size_t i = 0; i < n; ++i) hits += ev.positive[i];
        b.precision_at.push_back(
            {static_cast<int64_t>(k), share(hits, static_cast<double>(n)), share(hits, conversions)});
    }
    b.auc = ev.auc();

    // The sweep changes only min_score: the rest of the PQL definition is evaluated once.
    std::vector<bool> ok(ev.pop.size());
    for (size_t i = 0; i < ev.pop.size(); ++i) ok[i] = ev.rest_ok(*ev.pop[i]);
    for (int ms = 0; ms <= 100; ms += 5) {
        double n = 0, c = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ok[i] && ev.pop[i]->score >= ms) {
                ++n;
                c += ev.positive[i];
            }
        b.sweep.push_back({ms, static_cast<int64_t>(n), share(c, n), share(c, conversions)});
    }

    // Calibration: the population in rank order cut into ten groups of (nearly) equal size.
    const size_t n = ev.pop.size();
    for (size_t d = 0; d < 10; ++d) {
        const size_t lo = n * d / 10, hi = n * (d + 1) / 10;
        if (lo == hi) continue;
        double conv = 0;
        for (size_t i = lo; i < hi; ++i) conv += ev.positive[i];
        CalibrationDecile c;
        c.decile = static_cast<int64_t>(d + 1);
        c.count = static_cast<int64_t>(hi - lo);
        c.conversions = static_cast<int64_t>(conv);
        c.rate = share(conv, static_cast<double>(hi - lo));
        c.lift = lift_of(c.rate, b.base_rate);
        c.min_score = ev.pop[hi - 1]->score;
        c.max_score = ev.pop[lo]->score;
        b.calibration.push_back(c);
    }

    // Signals: each event type done in the window by someone in the population, and each model
    // signal (SPEC §7.1; a signal named like an event type replaces it here too).
    const auto& figures = ev.scorer.figures();
    const size_t ntypes = ix.nsignals ? ix.sig_base + ix.nsignals : store.event_names.size();
    std::vector<double> did(ntypes, 0), did_conv(ntypes, 0);
    for (size_t i = 0; i < ev.pop.size(); ++i) {
        const auto& ent = ix.entities[ev.pop[i]->entity];
        auto count = [&](uint32_t t) {
            if (figures[t].in_window > 0) {
                ++did[ix.types[t].type];
                did_conv[ix.types[t].type] += ev.positive[i];
            }
        };
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) count(t);
        for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) count(t);
    }
    std::vector<std::pair<std::string, uint32_t>> names;
    for (uint32_t k = 0; k < ntypes; ++k) {
        const std::string name = ev.scorer.type_name(model, k);
        if (!ev.scorer.is_signal(k) && model.signal(name)) continue;
        if (did[k] > 0 && name != model.conversion_event.value_or(std::string("\0", 1))) names.emplace_back(name, k);
    }
    std::sort(names.begin(), names.end());
    for (auto& [name, k] : names) {
        SignalOutcome s;
        s.event = name;
        s.did = static_cast<int64_t>(did[k]);
        s.did_conversions = static_cast<int64_t>(did_conv[k]);
        s.did_rate = share(did_conv[k], did[k]);
        s.not_rate = share(conversions - did_conv[k], population - did[k]);
        s.lift = lift_of(s.did_rate, b.base_rate);
        s.coverage = share(did[k], population);
        b.signals.push_back(std::move(s));
    }
    return b;
}

namespace {

void write_group(JsonWriter& w, const OutcomeGroup& g) {
    w.field("count", g.count);
    w.field("conversions", g.conversions);
    w.field("rate", g.rate);
    w.field("lift", g.lift);
}

}  // namespace

std::string backtest_json(const Backtest& b) {
    JsonWriter w;
    w.open('{');
    w.time_field("as_of", b.as_of);
    w.field("horizon_days", b.horizon_days);
    w.field("population", b.population);
    w.field("conversions", b.conversions);
    w.field("base_rate", b.base_rate);
    w.key("tiers");
    w.open('[');
    for (auto& t : b.tiers) {
        w.item();
        w.open('{');
        w.field("name", t.name);
        write_group(w, t.group);
        w.close('}');
    }
    w.close(']');
    w.key("pql");
    w.open('{');
    w.key("qualified");
    w.open('{');
    write_group(w, b.pql.qualified);
    w.close('}');
    w.key("not_qualified");
    w.open('{');
    write_group(w, b.pql.not_qualified);
    w.close('}');
    w.field("precision", b.pql.precision);
    w.field("recall", b.pql.recall);
    w.field("fpr", b.pql.fpr);
    w.field("false_positive_share", b.pql.false_positive_share);
    w.close('}');
    w.key("lost_pqls");
    w.open('[');
    for (auto& id : b.lost_pqls) {
        w.item();
        w.str(id);
    }
    w.close(']');
    w.key("precision_at");
    w.open('{');
    for (auto& p : b.precision_at) {
        w.key(std::to_string(p.k));
        w.open('{');
        w.field("precision", p.precision);
        w.field("recall", p.recall);
        w.close('}');
    }
    w.close('}');
    w.field("auc", b.auc);
    w.key("sweep");
    w.open('[');
    for (auto& s : b.sweep) {
        w.item();
        w.open('{');
        w.field("min_score", s.min_score);
        w.field("qualified", s.qualified);
        w.field("precision", s.precision);
        w.field("recall", s.recall);
        w.close('}');
    }
    w.close(']');
    w.key("calibration");
    w.open('[');
    for (auto& c : b.calibration) {
        w.item();
        w.open('{');
        w.field("decile", c.decile);
        w.field("count", c.count);
        w.field("conversions", c.conversions);
        w.field("rate", c.rate);
        w.field("lift", c.lift);
        w.field("min_score", c.min_score);
        w.field("max_score", c.max_score);
        w.close('}');
    }
    w.close(']');
    w.key("signals");
    w.open('[');
    for (auto& s : b.signals) {
        w.item();
        w.open('{');
        w.field("event", s.event);
        w.field("did", s.did);
        w.field("did_conversions", s.did_conversions);
        w.field("did_rate", s.did_rate);
        w.field("not_rate", s.not_rate);
        w.field("lift", s.lift);
        w.field("coverage", s.coverage);
        w.close('}');
    }
    w.close(']');
    w.close('}');
    return std::move(w.out);
}

Result<std::string> backtest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                  const BacktestOptions& options) {
    auto b = backtest(store, model, outcomes, options);
    if (!b) return b.error();
    return backtest_json(*b);
}

}  // namespace pql
