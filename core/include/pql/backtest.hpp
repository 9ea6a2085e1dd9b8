// Backtests (SPEC §5): does a model find who converts? Suggestions (pql/suggestions.hpp) and
// model comparison (pql/comparison.hpp) build on the same point-in-time evaluation.
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

// SPEC §5's backtest as plain structs: what Engine::backtest returns, what its JSON is written
// from and what the CLI's table is drawn from. A ratio is nullopt where its denominator is 0.
struct OutcomeGroup {  // entities of a group and how many converted
    int64_t count = 0, conversions = 0;
    std::optional<double> rate, lift;  // lift: rate / base rate
};
struct TierOutcome {
    std::string name;
    OutcomeGroup group;
};
struct PrecisionAt {  // the top k of the ranking
    int64_t k = 0;
    std::optional<double> precision, recall;
};
struct SweepStep {  // the PQL definition with min_score set to this
    int64_t min_score = 0, qualified = 0;
    std::optional<double> precision, recall;
};
struct CalibrationDecile {  // the population in rank order cut in ten (1 = top)
    int64_t decile = 0, count = 0, conversions = 0;
    std::optional<double> rate, lift;
    double min_score = 0, max_score = 0;
};
struct SignalOutcome {  // an event type (or model signal) done in the window
    std::string event;
    int64_t did = 0, did_conversions = 0;
    std::optional<double> did_rate, not_rate, lift, coverage;
};
struct Backtest {
    int64_t as_of = 0;  // epoch ms
    int64_t horizon_days = 0;
    int64_t population = 0, conversions = 0;
    std::optional<double> base_rate;
    std::vector<TierOutcome> tiers;
    struct Pql {
        OutcomeGroup qualified, not_qualified;
        std::optional<double> precision, recall, fpr, false_positive_share;
    } pql;
    std::vector<std::string> lost_pqls;     // PQLs that did not convert, rank order, at most 100
    std::vector<PrecisionAt> precision_at;  // k = 10, 25, 50, 100
    std::optional<double> auc;
    std::vector<SweepStep> sweep;  // min_score 0, 5, ..., 100
    std::vector<CalibrationDecile> calibration;
    std::vector<SignalOutcome> signals;  // by name
};

Result<Backtest> backtest(const EventStore& store, const Model& model, const Outcomes& outcomes,
                          const BacktestOptions& options);
// SPEC §5 machine output (the JSON of backtest()).
std::string backtest_json(const Backtest& b);
Result<std::string> backtest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                  const BacktestOptions& options);

}  // namespace pql
