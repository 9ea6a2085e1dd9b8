// Suggestions from a backtest: activation steps that separate converters, weights fitted on a
// time-split holdout, the threshold that fits sales' capacity and the traits converters share.
// suggest() computes them (the parts in suggest_*.cpp), suggestions_json() writes them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "json_writer.hpp"
#include "pql/time.hpp"
#include "suggest_parts.hpp"

namespace pql {

Result<Suggestions> suggest(const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const SuggestOptions& o) {
    if (Status st = check_outcome_options(model, outcomes, o.horizon_days, "learn from"); !st) return st.error();
    if (o.capacity_per_week < 1 || o.capacity_per_week > kMaxCapacity)
        return Error{"invalid_argument", "capacity must be between 1 and 1000000000 leads a week", "capacity", 0};
    const int64_t T = resolve_as_of(store, model, o.as_of, o.horizon_days);
    const Evaluation ev(store, model, outcomes, T, o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    const std::string conversion = model.conversion_event.value_or(std::string("\0", 1));
    Suggestions s;
    s.as_of = T;
    s.horizon_days = o.horizon_days;
    s.population = static_cast<int64_t>(ev.pop.size());
    s.conversions = ev.conversions;

    // (a) Activation steps: event / min_count pairs by how far apart completers and the rest convert.
    const Index& ix = ev.scorer.index();
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
    const std::optional<double> base = share(conversions, population);
    for (size_t i = 0; i < best.size() && i < 10; ++i) {
        const Candidate& c = best[i];
        SuggestedStep step;
        step.event = c.event;
        step.min_count = c.min_count;
        step.did = static_cast<int64_t>(c.did);
        step.did_rate = share(c.did_conv, c.did);
        step.not_rate = share(conversions - c.did_conv, population - c.did);
        step.lift = lift_of(step.did_rate, base);
        step.coverage = share(c.did, population);
        s.activation_steps.push_back(std::move(step));
    }

    s.weights = suggest_weights(store, model, outcomes, ev);
    s.capacity = suggest_capacity(store, model, outcomes, ev, o.capacity_per_week);
    s.fit = suggest_fit(ev);
    return s;
}

namespace {
constexpr int64_t kFlowWeeks = 4;  // new PQLs a week: averaged over the four weeks before T
}  // namespace

CapacitySuggestion suggest_capacity(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                    const Evaluation& ev, int64_t per_week) {
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
    CapacitySuggestion cap;
    cap.per_week = per_week;
    cap.capacity = static_cast<int64_t>(std::max(1.0, std::floor(per_week * ev.horizon_days / 7.0)));
    cap.weeks_measured = kFlowWeeks;
    double q0, f0, h0;
    at(0, q0, f0, h0);
    cap.gates_allow_per_week = f0 / kFlowWeeks;  // the most the definition can send at any score
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
    cap.min_score = ms;
    cap.qualified = static_cast<int64_t>(q);
    cap.per_week_at_threshold = f / kFlowWeeks;
    cap.precision = share(h, q);
    cap.recall = share(h, conversions);
    cap.limited_by_definition = limited;
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
    cap.note = buf;
    return cap;
}

namespace {

void write_fit(JsonWriter& w, const WeightFit& f) {
    w.key("weights");
    w.open('{');
    for (auto& [event, weight] : f.weights) {
        w.key_text(event);
        w.number(weight);
    }
    w.close('}');
    w.field("holdout_auc", f.holdout_auc);
}

void write_weights(JsonWriter& w, const SuggestedWeights& sw) {
    w.open('{');
    w.time_field("train_as_of", sw.train_as_of);
    write_fit(w, sw.fit);
    w.field("current_auc", sw.current_auc);
    w.field("suggested_model_auc", sw.fit.suggested_model_auc);
    w.field("train_population", sw.train_population);
    w.field("train_conversions", sw.train_conversions);
    w.key("explanations");
    w.open('[');
    for (const NegativeWeight& e : sw.explanations) {
        w.item();
        w.open('{');
        w.field("event", e.event);
        w.field("weight", e.weight);
        w.field("lift", e.lift);
        w.field("reason", e.reason);
        w.field("correlated_with", e.correlated_with);
        w.field("correlation", e.correlation);
        w.field("note", e.note);
        w.close('}');
    }
    w.close(']');
    w.key("non_negative");
    if (sw.non_negative) {
        w.open('{');
        write_fit(w, *sw.non_negative);
        w.field("suggested_model_auc", sw.non_negative->suggested_model_auc);
        w.close('}');
    } else {
        w.null();
    }
    w.close('}');
}

void write_capacity(JsonWriter& w, const CapacitySuggestion& c) {
    w.open('{');
    w.field("per_week", c.per_week);
    w.field("capacity", c.capacity);
    w.field("weeks_measured", c.weeks_measured);
    w.field("gates_allow_per_week", c.gates_allow_per_week);
    w.field("min_score", c.min_score);
    w.field("qualified", c.qualified);
    w.field("per_week_at_threshold", c.per_week_at_threshold);
    w.field("precision", c.precision);
    w.field("recall", c.recall);
    w.field("limited_by", c.limited_by_definition ? "definition" : "capacity");
    w.field("note", c.note);
    w.close('}');
}

void write_fit_suggestions(JsonWriter& w, const Suggestions::Fit& fit) {
    w.open('{');
    w.key("traits");
    w.open('[');
    for (const TraitSuggestion& t : fit.traits) {
        w.item();
        w.open('{');
        w.field("trait", t.trait);
        w.field("kind", t.numeric ? "numeric" : "categorical");
        w.field("coverage", t.coverage);
        w.key("values");
        w.open('[');
        for (const TraitGroup& g : t.values) {
            w.item();
            w.open('{');
            w.key("value");
            if (auto* band = std::get_if<TraitBand>(&g.value)) {
                w.open('[');
                w.item();
                w.number(band->lo);
                w.item();
                w.number(band->hi);
                w.close(']');
            } else {
                w.value(std::get<Value>(g.value));
            }
            w.field("count", g.count);
            w.field("conversions", g.conversions);
            w.field("rate", g.rate);
            w.field("lift", g.lift);
            w.field("coverage", g.coverage);
            w.close('}');
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
    w.key("rules");
    w.open('[');
    for (const SuggestedFitRule& r : fit.rules) {
        w.item();
        w.open('{');
        w.field("trait", r.trait);
        w.field("op", r.op);
        if (r.value.shape != TestValue::None) {
            w.key("value");
            w.value(r.value);
        }
        w.field("points", r.points);
        w.field("lift", r.lift);
        w.field("count", r.count);
        w.close('}');
    }
    w.close(']');
    w.close('}');
}

}  // namespace

std::string suggestions_json(const Suggestions& s) {
    JsonWriter w;
    w.open('{');
    w.time_field("as_of", s.as_of);
    w.field("horizon_days", s.horizon_days);
    w.field("population", s.population);
    w.field("conversions", s.conversions);
    w.key("activation_steps");
    w.open('[');
    for (const SuggestedStep& step : s.activation_steps) {
        w.item();
        w.open('{');
        w.field("event", step.event);
        w.field("min_count", step.min_count);
        w.field("did", step.did);
        w.field("did_rate", step.did_rate);
        w.field("not_rate", step.not_rate);
        w.field("lift", step.lift);
        w.field("coverage", step.coverage);
        w.close('}');
    }
    w.close(']');
    w.key("weights");
    write_weights(w, s.weights);
    w.key("capacity");
    write_capacity(w, s.capacity);
    w.key("fit");
    write_fit_suggestions(w, s.fit);
    w.close('}');
    return std::move(w.out);
}

Result<std::string> suggest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const SuggestOptions& options) {
    auto s = suggest(store, model, outcomes, options);
    if (!s) return s.error();
    return suggestions_json(*s);
}

}  // namespace pql
