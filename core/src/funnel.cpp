// Lifecycle report (SPEC §7.8): the arithmetic over per-entity times, and its JSON and CSV.
#include "pql/funnel.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "evaluation.hpp"
#include "pql/time.hpp"
#include "score.hpp"

namespace pql {

namespace {

using oj = nlohmann::ordered_json;

double days_between(int64_t from, int64_t to) { return static_cast<double>(to - from) / kDayMs; }

std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> rate(int64_t num, int64_t den) {
    if (den == 0) return std::nullopt;
    return static_cast<double>(num) / static_cast<double>(den);
}

// Accumulates one cohort: the counts and the durations whose medians it reports.
struct Tally {
    int64_t entities = 0, activated = 0, became_pql = 0, converted = 0, converted_after_pql = 0;
    std::vector<double> to_activate, to_pql, pql_to_paid;

    void add(const FunnelEntity& e, int64_t T) {
        ++entities;
        if (e.activated_at && *e.activated_at <= T) {
            ++activated;
            to_activate.push_back(days_between(e.first_seen, *e.activated_at));
        }
        const bool pql = e.first_qualified_at && *e.first_qualified_at <= T;
        if (pql) {
            ++became_pql;
            to_pql.push_back(days_between(e.first_seen, *e.first_qualified_at));
        }
        if (e.converted_at && *e.converted_at <= T) {
            ++converted;
            if (pql && *e.converted_at > *e.first_qualified_at) {
                ++converted_after_pql;
                pql_to_paid.push_back(days_between(*e.first_qualified_at, *e.converted_at));
            }
        }
    }

    FunnelRow row(std::string cohort, bool conversions_known) const {
        FunnelRow r;
        r.cohort = std::move(cohort);
        r.entities = entities;
        r.activated = activated;
        r.activation_rate = rate(activated, entities);
        r.median_days_to_activate = median(to_activate);
        r.became_pql = became_pql;
        r.pql_rate = rate(became_pql, entities);
        r.median_days_to_pql = median(to_pql);
        if (conversions_known) {
            r.converted = converted;
            r.conversion_rate = rate(converted, entities);
            r.converted_after_pql = converted_after_pql;
            r.pql_to_customer_rate = rate(converted_after_pql, became_pql);
            r.median_days_pql_to_paid = median(pql_to_paid);
        }
        return r;
    }
};

template <class T>
oj opt(const std::optional<T>& v) {
    return v ? oj(*v) : oj(nullptr);
}

oj row_json(const FunnelRow& r, bool with_cohort) {
    oj j;
    if (with_cohort) j["cohort"] = r.cohort;
    j["entities"] = r.entities;
    j["activated"] = r.activated;
    j["activation_rate"] = opt(r.activation_rate);
    j["median_days_to_activate"] = opt(r.median_days_to_activate);
    j["became_pql"] = r.became_pql;
    j["pql_rate"] = opt(r.pql_rate);
    j["median_days_to_pql"] = opt(r.median_days_to_pql);
    j["converted"] = opt(r.converted);
    j["conversion_rate"] = opt(r.conversion_rate);
    j["converted_after_pql"] = opt(r.converted_after_pql);
    j["pql_to_customer_rate"] = opt(r.pql_to_customer_rate);
    j["median_days_pql_to_paid"] = opt(r.median_days_pql_to_paid);
    return j;
}

}  // namespace

std::string cohort_of(int64_t ts, CohortBy cohort) {
    const int64_t day = day_of(ts);
    if (cohort == CohortBy::Month) return format_iso(ts).substr(0, 7);
    const int64_t since_monday = ((day + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
    return format_iso((day - since_monday) * kDayMs).substr(0, 10);
}

FunnelReport funnel_of(const std::vector<FunnelEntity>& entities, CohortBy cohort, int64_t as_of,
                       bool conversions_known) {
    FunnelReport report;
    report.as_of = as_of;
    report.cohort = cohort;
    std::map<std::string, Tally> by_cohort;  // "YYYY-MM(-DD)" sorts oldest first
    Tally all;
    for (const FunnelEntity& e : entities) {
        if (e.first_seen > as_of) continue;  // not signed up yet at T
        by_cohort[cohort_of(e.first_seen, cohort)].add(e, as_of);
        all.add(e, as_of);
    }
    for (auto& [key, tally] : by_cohort) report.cohorts.push_back(tally.row(key, conversions_known));
    report.all = all.row("", conversions_known);
    return report;
}

std::string funnel_to_json(const FunnelReport& report) {
    oj j;
    j["as_of"] = format_iso(report.as_of);
    j["cohort"] = report.cohort == CohortBy::Week ? "week" : "month";
    j["cohorts"] = oj::array();
    for (const FunnelRow& r : report.cohorts) j["cohorts"].push_back(row_json(r, true));
    j["all"] = row_json(report.all, false);
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

std::string funnel_to_csv(const FunnelReport& report) {
    static const char* kColumns[] = {"cohort",
                                     "entities",
                                     "activated",
                                     "activation_rate",
                                     "median_days_to_activate",
                                     "became_pql",
                                     "pql_rate",
                                     "median_days_to_pql",
                                     "converted",
                                     "conversion_rate",
                                     "converted_after_pql",
                                     "pql_to_customer_rate",
                                     "median_days_pql_to_paid"};
    std::string out;
    for (const char* c : kColumns) out += std::string(out.empty() ? "" : ",") + c;
    out += "\n";
    auto line = [&](const FunnelRow& r, const std::string& name) {
        const oj j = row_json(r, false);
        out += name;
        for (auto it = j.begin(); it != j.end(); ++it) out += "," + (it->is_null() ? std::string() : it->dump());
        out += "\n";
    };
    for (const FunnelRow& r : report.cohorts) line(r, r.cohort);
    line(report.all, "all");
    return out;
}

Result<FunnelReport> funnel(const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const FunnelOptions& options) {
    Scorer scorer(store);
    return funnel(scorer, store, model, outcomes, options);
}

Result<FunnelReport> funnel(Scorer& scorer, const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const FunnelOptions& options) {
    Model m = model;
    const int64_t T = options.as_of ? *options.as_of : model.as_of ? *model.as_of : store.max_ts.value_or(0);
    m.as_of = T;
    // §7.7 day by day from the index (model-v2's Scorer::first_qualified_at), customers by
    // conversion_event and the outcomes file (§7.5).
    scorer.set_outcomes(&outcomes);
    const std::vector<std::optional<int64_t>> first_qualified = scorer.first_qualified_at(m);
    const ScoreRun& run = scorer.score(m);
    const Index& ix = scorer.index();
    std::vector<FunnelEntity> entities;
    entities.reserve(run.results.size());
    for (const EntityScore& r : run.results) {
        const auto& ent = ix.entities[r.entity];
        FunnelEntity e;
        e.first_seen = ent.first_ts;
        e.activated_at = r.activated ? r.activated_at : std::nullopt;
        e.first_qualified_at = first_qualified[r.entity];
        if (r.customer()) e.converted_at = r.converted_at;
        entities.push_back(e);
    }
    const bool conversions_known = m.conversion_event.has_value() || !outcomes.rows.empty();
    return funnel_of(entities, options.cohort, T, conversions_known);
}

Result<std::string> funnel_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                const FunnelOptions& options) {
    auto r = funnel(store, model, outcomes, options);
    if (!r) return r.error();
    return funnel_to_json(*r);
}

}  // namespace pql
