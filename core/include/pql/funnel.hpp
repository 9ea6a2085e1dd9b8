// Lifecycle report (SPEC §7.8): entities grouped by the UTC week or month of their first event,
// with the rates and median times from signup to activation, to PQL and to paid.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pql/backtest.hpp"
#include "pql/model.hpp"
#include "pql/result.hpp"

namespace pql {

class EventStore;  // internal (core/src/event_store.hpp)

enum class CohortBy { Week, Month };

struct FunnelOptions {
    CohortBy cohort = CohortBy::Week;
    std::optional<int64_t> as_of;  // nullopt: the model's as_of, else the latest event
};

// What the funnel needs of one entity at T (epoch ms; nullopt: never, up to T).
struct FunnelEntity {
    int64_t first_seen = 0;
    std::optional<int64_t> activated_at, first_qualified_at, converted_at;
};

// One cohort's (or everyone's) figures. Rates and medians are nullopt where SPEC §7.8 says null;
// with no conversion source (no conversion_event, no outcomes) every conversion figure is null.
struct FunnelRow {
    std::string cohort;  // Monday "YYYY-MM-DD" or "YYYY-MM"; empty for "all"
    int64_t entities = 0, activated = 0, became_pql = 0;
    std::optional<int64_t> converted, converted_after_pql;
    std::optional<double> activation_rate, median_days_to_activate, pql_rate, median_days_to_pql, conversion_rate,
        pql_to_customer_rate, median_days_pql_to_paid;
};

struct FunnelReport {
    int64_t as_of = 0;
    CohortBy cohort = CohortBy::Week;
    std::vector<FunnelRow> cohorts;  // oldest first, only cohorts with entities
    FunnelRow all;
};

// The arithmetic alone: cohorts, rates and medians from per-entity times.
FunnelReport funnel_of(const std::vector<FunnelEntity>& entities, CohortBy cohort, int64_t as_of,
                       bool conversions_known);
// The cohort key of a timestamp: the Monday's date of its UTC week, or its UTC month.
std::string cohort_of(int64_t ts, CohortBy cohort);

// Scores at T, takes each entity's first_qualified_at (SPEC §7.7) and conversion (§5) and
// reports the funnel.
Result<FunnelReport> funnel(const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const FunnelOptions& options);
std::string funnel_to_json(const FunnelReport& report);
// The CSV the CLI writes: a header row, one row per cohort, then the row "all".
std::string funnel_to_csv(const FunnelReport& report);
Result<std::string> funnel_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                const FunnelOptions& options);

}  // namespace pql
