// Point-in-time backtest (SPEC §5, §7.9): score at T with only events up to T, then look at who
// converted in (T, T + horizon].
#include <algorithm>
#include <string>

#include "evaluation.hpp"
#include "pql/time.hpp"

namespace pql {

namespace {
constexpr size_t kLostPqls = 100;  // §7.9: the first 100 in rank order
}  // namespace

Result<std::string> backtest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                  const BacktestOptions& o) {
    if (Status st = check_outcome_options(model, outcomes, o.horizon_days); !st) return st.error();
    Evaluation ev(store, model, outcomes, resolve_as_of(store, model, o.as_of, o.horizon_days), o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    oj j;
    j["as_of"] = format_iso(ev.T);
    j["horizon_days"] = o.horizon_days;
    j["population"] = ev.pop.size();
    j["conversions"] = ev.conversions;
    const oj base = ratio(conversions, population);
    j["base_rate"] = base;

    auto group = [&](double count, double conv) {
        oj g;
        g["count"] = static_cast<int64_t>(count);
        g["conversions"] = static_cast<int64_t>(conv);
        g["rate"] = ratio(conv, count);
        g["lift"] = lift(g["rate"], base);
        return g;
    };
    oj tiers = oj::array();
    for (size_t t = 0; t < model.tiers.size(); ++t) {
        double count = 0, conv = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ev.pop[i]->tier == static_cast<int>(t)) {
                ++count;
                conv += ev.positive[i];
            }
        oj g = group(count, conv);
        oj named;
        named["name"] = model.tiers[t].name;
        for (auto it = g.begin(); it != g.end(); ++it) named[it.key()] = it.value();
        tiers.push_back(named);
    }
    j["tiers"] = tiers;

    double q = 0, qc = 0;
    for (size_t i = 0; i < ev.pop.size(); ++i)
        if (ev.pop[i]->qualified) {
            ++q;
            qc += ev.positive[i];
        }
    oj pql;
    pql["qualified"] = group(q, qc);
    pql["not_qualified"] = group(population - q, conversions - qc);
    pql["precision"] = ratio(qc, q);
    pql["recall"] = ratio(qc, conversions);
    pql["fpr"] = ratio(q - qc, population - conversions);
    pql["false_positive_share"] = ratio(q - qc, q);  // §7.9: the PQLs that never converted
    j["pql"] = pql;
    // The lost PQLs themselves, to review and interview.
    const Index& index = ev.scorer.index();
    oj lost = oj::array();
    for (size_t i = 0; i < ev.pop.size() && lost.size() < kLostPqls; ++i)
        if (ev.pop[i]->qualified && !ev.positive[i]) lost.push_back(index.id_of(store, index.entities[ev.pop[i]->entity]));
    j["lost_pqls"] = lost;

    oj at;
    for (size_t k : {10, 25, 50, 100}) {
        const size_t n = std::min(k, ev.pop.size());
        double hits = 0;
        for (size_t i = 0; i < n; ++i) hits += ev.positive[i];
        at[std::to_string(k)] = {{"precision", ratio(hits, static_cast<double>(n))}, {"recall", ratio(hits, conversions)}};
    }
    j["precision_at"] = at;
    const auto auc = ev.auc();
    j["auc"] = auc ? oj(*auc) : oj(nullptr);

    // The sweep changes only min_score: the rest of the PQL definition is evaluated once.
    std::vector<bool> ok(ev.pop.size());
    for (size_t i = 0; i < ev.pop.size(); ++i) ok[i] = ev.rest_ok(*ev.pop[i]);
    oj sweep = oj::array();
    for (int ms = 0; ms <= 100; ms += 5) {
        double n = 0, c = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ok[i] && ev.pop[i]->score >= ms) {
                ++n;
                c += ev.positive[i];
            }
        sweep.push_back({{"min_score", ms}, {"qualified", static_cast<int64_t>(n)}, {"precision", ratio(c, n)}, {"recall", ratio(c, conversions)}});
    }
    j["sweep"] = sweep;

    // Calibration: the population in rank order cut into ten groups of (nearly) equal size.
    oj calibration = oj::array();
    const size_t n = ev.pop.size();
    for (size_t d = 0; d < 10; ++d) {
        const size_t lo = n * d / 10, hi = n * (d + 1) / 10;
        if (lo == hi) continue;
        double conv = 0;
        for (size_t i = lo; i < hi; ++i) conv += ev.positive[i];
        oj c;
        c["decile"] = d + 1;
        c["count"] = hi - lo;
        c["conversions"] = static_cast<int64_t>(conv);
        c["rate"] = ratio(conv, static_cast<double>(hi - lo));
        c["lift"] = lift(c["rate"], base);
        c["min_score"] = ev.pop[hi - 1]->score;
        c["max_score"] = ev.pop[lo]->score;
        calibration.push_back(c);
    }
    j["calibration"] = calibration;

    // Signals: each event type done in the window by someone in the population, and each model
    // signal (SPEC §7.1; a signal named like an event type replaces it here too).
    const Index& ix = index;
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
    oj signals = oj::array();
    for (auto& [name, k] : names) {
        oj s;
        s["event"] = name;
        s["did"] = static_cast<int64_t>(did[k]);
        s["did_conversions"] = static_cast<int64_t>(did_conv[k]);
        s["did_rate"] = ratio(did_conv[k], did[k]);
        s["not_rate"] = ratio(conversions - did_conv[k], population - did[k]);
        s["lift"] = lift(s["did_rate"], base);
        s["coverage"] = ratio(did[k], population);
        signals.push_back(s);
    }
    j["signals"] = signals;
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

}  // namespace pql
