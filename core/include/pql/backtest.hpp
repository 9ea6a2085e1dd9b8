// Backtests (SPEC §5), suggestions and model comparison: does a model find who converts?
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pql/load.hpp"
#include "pql/model.hpp"
#include "pql/result.hpp"

namespace pql {

class EventStore;  // internal (core/src/event_store.hpp)

// Conversions from an outcomes file: {"account_id" (or "user_id"/"id"), "converted_at"}.
// The earliest conversion per entity counts.
struct Outcomes {
    std::vector<std::pair<std::string, int64_t>> rows;  // entity id, converted_at
    Result<LoadReport> load(std::string_view text, const LoadOptions& options);
    void clear() { rows.clear(); }
};

struct BacktestOptions {
    int64_t horizon_days = 30;
    // The point in time; nullopt = the model's as_of, else the latest event minus the horizon
    // (the latest point whose whole horizon has been observed).
    std::optional<int64_t> as_of;
};

// SPEC §5 machine output.
Result<std::string> backtest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                  const BacktestOptions& options);

struct SuggestOptions {
    int64_t horizon_days = 30;
    std::optional<int64_t> as_of;
    int64_t capacity_per_week = 20;  // leads sales can take per week
};

// Suggested activation steps, suggested weights (logistic regression with a time-split
// holdout) and the capacity threshold.
Result<std::string> suggest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const SuggestOptions& options);

struct CompareOptions {
    size_t movers = 10;  // biggest movers listed each way
    // Quality: both models backtested at the same point and horizon (as BacktestOptions).
    int64_t horizon_days = 30;
    std::optional<int64_t> as_of;
};

// Model A against model B on the same data (set B's as_of to compare two dates): tier
// migration, movers and, when there are conversions, both models' backtest figures side by side
// ("quality"), each saying which model is better.
std::string compare_json(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                         const CompareOptions& options);
// The same without an outcomes file (conversions from the models' conversion_event only).
std::string compare_json(const EventStore& store, const Model& a, const Model& b, const CompareOptions& options);

}  // namespace pql
