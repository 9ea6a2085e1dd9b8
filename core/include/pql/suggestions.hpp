// Suggestions from a backtest (SPEC §5): activation steps that separate converters, event
// weights fitted on a time-split holdout, the threshold that fits sales' capacity and the traits
// converters share. Plain structs: what Engine::suggest returns, what its JSON is written from
// and what the CLI's text is drawn from. A ratio is nullopt where its denominator is 0.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pql/backtest.hpp"
#include "pql/explanation.hpp"  // TestValue
#include "pql/model.hpp"
#include "pql/result.hpp"
#include "pql/value.hpp"

namespace pql {

struct SuggestOptions {
    int64_t horizon_days = 30;
    std::optional<int64_t> as_of;
    int64_t capacity_per_week = 20;  // leads sales can take per week
};

// Doing `event` at least min_count times, and how those who did convert against the rest.
struct SuggestedStep {
    std::string event;
    int64_t min_count = 0, did = 0;
    std::optional<double> did_rate, not_rate, lift, coverage;
};

// One logistic fit: weights on the model's 0-10 scale by event name (sorted), its ROC AUC on
// the holdout and the AUC of the model with these weights applied.
struct WeightFit {
    std::vector<std::pair<std::string, double>> weights;
    std::optional<double> holdout_auc, suggested_model_auc;
};

// Why a fitted weight came out negative.
struct NegativeWeight {
    std::string event;
    double weight = 0;
    std::optional<double> lift;  // the event's own lift (did rate / base rate)
    std::string reason;          // "collinear", "negative_signal" or "weak"
    std::optional<std::string> correlated_with;
    std::optional<double> correlation;
    std::string note;  // one sentence for a person
};

struct SuggestedWeights {
    int64_t train_as_of = 0;  // epoch ms: trained at as_of - horizon, tested at as_of
    WeightFit fit;
    std::optional<double> current_auc;  // the model as it is
    int64_t train_population = 0, train_conversions = 0;
    std::vector<NegativeWeight> explanations;
    std::optional<WeightFit> non_negative;  // every weight >= 0; nullopt when nothing was fitted
};

// The lowest min_score whose new PQLs a week fit sales' capacity, the gates (activation, rule)
// kept as the model has them.
struct CapacitySuggestion {
    int64_t per_week = 0;  // what sales can take
    int64_t capacity = 0;  // the same over the horizon
    int64_t weeks_measured = 0;
    double gates_allow_per_week = 0;  // the most the definition lets through at any score
    double min_score = 0;
    int64_t qualified = 0;
    double per_week_at_threshold = 0;
    std::optional<double> precision, recall;
    bool limited_by_definition = false;  // the gates, not sales' capacity, bound the flow
    std::string note;                    // one sentence for a person
};

// A band of a numeric trait, [lo, hi] of the values in it.
struct TraitBand {
    double lo = 0, hi = 0;
};
// The entities with one value of a trait (or in one band) and how they convert. Besides the
// data's values, the text values "(missing)", "(not a number)" and "(other)" name the rest.
struct TraitGroup {
    std::variant<Value, TraitBand> value;
    int64_t count = 0, conversions = 0;
    std::optional<double> rate, lift, coverage;
};
struct TraitSuggestion {
    std::string trait;
    bool numeric = false;  // quartile bands; else categorical values
    std::optional<double> coverage;
    std::vector<TraitGroup> values;
};
// A fit rule as a model writes it (trait, op, value, points) and what it rests on.
struct SuggestedFitRule {
    std::string trait, op;
    TestValue value;  // None for exists/missing; a List [lo, hi] for between
    double points = 0, lift = 0;
    int64_t count = 0;
};

struct Suggestions {
    int64_t as_of = 0;  // epoch ms
    int64_t horizon_days = 0, population = 0, conversions = 0;
    std::vector<SuggestedStep> activation_steps;  // by how far apart doers convert, at most 10
    SuggestedWeights weights;
    CapacitySuggestion capacity;
    struct Fit {
        std::vector<TraitSuggestion> traits;  // by name
        std::vector<SuggestedFitRule> rules;  // strongest first, at most 10
    } fit;
};

Result<Suggestions> suggest(const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const SuggestOptions& options);
// The JSON of suggest().
std::string suggestions_json(const Suggestions& s);
Result<std::string> suggest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const SuggestOptions& options);

}  // namespace pql
