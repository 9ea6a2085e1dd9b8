// Suggestions from a backtest: activation steps that separate converters, weights fitted on a
// time-split holdout, the threshold that fits sales' capacity and the traits converters share.
#include <algorithm>
#include <cmath>
#include <string>

#include "pql/time.hpp"
#include "suggest_parts.hpp"

namespace pql {

Result<std::string> suggest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const SuggestOptions& o) {
    if (Status st = check_outcome_options(model, outcomes, o.horizon_days, "learn from"); !st) return st.error();
    if (o.capacity_per_week < 1 || o.capacity_per_week > kMaxCapacity)
        return Error{"invalid_argument", "capacity must be between 1 and 1000000000 leads a week", "capacity", 0};
    const int64_t T = resolve_as_of(store, model, o.as_of, o.horizon_days);
    const Evaluation ev(store, model, outcomes, T, o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    const std::string conversion = model.conversion_event.value_or(std::string("\0", 1));
    oj j;
    j["as_of"] = format_iso(T);
    j["horizon_days"] = o.horizon_days;
    j["population"] = ev.pop.size();
    j["conversions"] = ev.conversions;

    // (a) Activation steps: event / min_count pairs by how far apart completers and the rest convert.
    const Index& ix = ev.scorer.index();
    oj steps = oj::array();
    struct Candidate {
        std::string event;
        int64_t min_count;
        double did, did_conv, gap;
    };
    std::vector<Candidate> best;
    for (uint32_t k = 0; k < store.event_names.size(); ++k) {
        const std::string& name = store.event_names.name(k);
        if (name == conversion) continue;
        std::optional<Candidate> top;
        for (int64_t mc : {1, 2, 3, 5, 10, 20}) {
            double did = 0, did_conv = 0;
            for (size_t i = 0; i < ev.pop.size(); ++i) {
                const auto& ent = ix.entities[ev.pop[i]->entity];
                for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
                    if (ix.types[t].type == k && ix.types[t].total >= mc) {
                        ++did;
                        did_conv += ev.positive[i];
                    }
            }
            if (did < std::max(3.0, 0.02 * population) || did >= population) continue;
            const double gap = did_conv / did - (conversions - did_conv) / (population - did);
            if (!top || gap > top->gap) top = Candidate{name, mc, did, did_conv, gap};
        }
        if (top && top->gap > 0) best.push_back(*top);
    }
    std::sort(best.begin(), best.end(), [](const Candidate& a, const Candidate& b) {
        return a.gap != b.gap ? a.gap > b.gap : a.event < b.event;
    });
    const oj base = ratio(conversions, population);
    for (size_t i = 0; i < best.size() && i < 10; ++i) {
        const Candidate& c = best[i];
        oj s;
        s["event"] = c.event;
        s["min_count"] = c.min_count;
        s["did"] = static_cast<int64_t>(c.did);
        s["did_rate"] = ratio(c.did_conv, c.did);
        s["not_rate"] = ratio(conversions - c.did_conv, population - c.did);
        s["lift"] = lift(s["did_rate"], base);
        s["coverage"] = ratio(c.did, population);
        steps.push_back(s);
    }
    j["activation_steps"] = steps;

    j["weights"] = suggest_weights(store, model, outcomes, ev);
    j["capacity"] = suggest_capacity(store, model, outcomes, ev, o.capacity_per_week);
    j["fit"] = suggest_fit(ev);
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

namespace {
constexpr int64_t kFlowWeeks = 4;  // new PQLs a week: averaged over the four weeks before T
}  // namespace

oj suggest_capacity(const EventStore& store, const Model& model, const Outcomes& outcomes, const Evaluation& ev,
                    int64_t per_week) {
    // Sales takes new PQLs as they come: at a threshold, the leads a week are the entities that
    // qualify at T but did not four weeks earlier, divided by four. The activation gate and the
    // rule stay as the model has them; only min_score moves (in steps of 0.5).
    const Evaluation before(store, model, outcomes, std::max<int64_t>(0, ev.T - kFlowWeeks * 7 * kDayMs),
                            ev.horizon_days);
    const Index& now_ix = ev.scorer.index();
    const Index& then_ix = before.scorer.index();
    // The score four weeks before, by entity key (NaN: not qualifiable then at any score).
    std::vector<double> then_score(std::max(store.account_ids.size(), store.user_ids.size()), NAN);
    for (auto* s : before.pop)
        if (before.rest_ok(*s)) then_score[then_ix.entities[s->entity].key] = s->score;
    struct Lead {
        double score, then;  // then: NaN when not qualifiable four weeks before
        bool positive;
    };
    std::vector<Lead> leads;  // qualifiable at T (the gates hold), in rank order
    for (size_t i = 0; i < ev.pop.size(); ++i)
        if (ev.rest_ok(*ev.pop[i]))
            leads.push_back({ev.pop[i]->score, then_score[now_ix.entities[ev.pop[i]->entity].key], ev.positive[i]});
    const double conversions = static_cast<double>(ev.conversions);
    auto at = [&](double ms, double& qualified, double& fresh, double& hits) {
        qualified = fresh = hits = 0;
        for (const Lead& l : leads) {
            if (l.score < ms) continue;
            ++qualified;
            hits += l.positive;
            fresh += !(l.then >= ms);  // NaN compares false: new
        }
    };
    oj cap;
    cap["per_week"] = per_week;
    cap["capacity"] = static_cast<int64_t>(std::max(1.0, std::floor(per_week * ev.horizon_days / 7.0)));
    cap["weeks_measured"] = kFlowWeeks;
    double q0, f0, h0;
    at(0, q0, f0, h0);
    cap["gates_allow_per_week"] = f0 / kFlowWeeks;  // the most the definition can send at any score
    double ms = 0, q = q0, f = f0, h = h0;
    const bool limited = f0 / kFlowWeeks <= per_week;
    if (limited) {
        ms = model.min_score;  // no threshold gives sales more: keep the model's
        at(ms, q, f, h);
    } else {
        for (int step = 1; step <= 201; ++step) {
            ms = step * 0.5;
            at(ms, q, f, h);
            if (f / kFlowWeeks <= per_week) break;
        }
    }
    cap["min_score"] = ms;
    cap["qualified"] = static_cast<int64_t>(q);
    cap["per_week_at_threshold"] = f / kFlowWeeks;
    cap["precision"] = ratio(h, q);
    cap["recall"] = ratio(h, conversions);
    cap["limited_by"] = limited ? "definition" : "capacity";
    char buf[256];
    if (limited) {
        std::snprintf(buf, sizeof buf,
                      "sales can take %lld a week, but the activation gate and rule let only %.1f new PQLs a week "
                      "through at any score: loosen them to reach more; min_score stays at %g",
                      static_cast<long long>(per_week), f0 / kFlowWeeks, ms);
    } else {
        std::snprintf(buf, sizeof buf, "min_score %g gives about %.1f new PQLs a week (sales can take %lld)", ms,
                      f / kFlowWeeks, static_cast<long long>(per_week));
    }
    cap["note"] = buf;
    return cap;
}

}  // namespace pql
