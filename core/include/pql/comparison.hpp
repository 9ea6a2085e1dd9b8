// Model A against model B on the same data (set B's as_of to compare two dates): tier
// migration, the biggest movers with each delta split by component and event type, and, when
// there are conversions, both models' backtest figures side by side. Plain structs: what
// Engine::compare returns, what its JSON is written from and what the CLI's text is drawn from.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pql/backtest.hpp"
#include "pql/model.hpp"

namespace pql {

struct CompareOptions {
    size_t movers = 10;  // biggest movers listed each way
    // Quality: both models backtested at the same point and horizon (as BacktestOptions).
    int64_t horizon_days = 30;
    std::optional<int64_t> as_of;
};

// One model's ranking.
struct ComparedRun {
    int64_t as_of = 0;  // epoch ms
    int64_t entities = 0, qualified = 0;
};

struct TierMove {  // how many entities are in tier `from` under A and `to` under B
    std::string from, to;
    int64_t count = 0;
};

struct MoverEvent {  // one event type's engagement points under each model
    std::string event;
    double points_a = 0, points_b = 0, delta = 0;
};

// An entity whose score moved. Unranked on one side: its score, rank there are nullopt and its
// tier "(not ranked)"; a tier "(no tier)" is a score below every tier.
struct Mover {
    std::string id;
    std::optional<std::string> name;
    std::optional<double> score_a, score_b;
    double delta = 0;  // score_b - score_a (an unranked side counts 0)
    std::optional<int64_t> rank_a, rank_b;
    std::string tier_a, tier_b;
    // The delta by component, each weighted into the score as the model weighs it.
    double activation = 0, engagement = 0, fit = 0;
    std::vector<MoverEvent> events;  // types whose points changed, largest change first
};

// One figure of both models and which is better: "a", "b" or "same"; nullopt when either is
// missing or the figure is a volume (more PQLs is not in itself better: higher_is_better null).
struct QualityFigure {
    std::string metric;
    std::optional<double> a, b;
    std::optional<bool> higher_is_better;
    std::optional<std::string> better;
};

// Both models backtested at the same point (A's: options, A's as_of, else the latest event
// minus the horizon) with one conversion definition, so that B's own as_of does not tilt them.
struct CompareQuality {
    int64_t as_of = 0;  // epoch ms
    int64_t horizon_days = 0, population = 0, conversions = 0;
    int64_t qualified_a = 0, qualified_b = 0;
    std::vector<QualityFigure> metrics;
    int64_t better_a = 0, better_b = 0;  // figures on which each model is better
};

struct Comparison {
    ComparedRun a, b;
    std::vector<std::string> tiers;   // A's tiers, then B's others, "(no tier)", "(not ranked)"
    std::vector<TierMove> migration;  // by (from, to) in `tiers` order
    int64_t moved = 0, qualified_gained = 0, qualified_lost = 0;
    std::vector<Mover> movers_up, movers_down;  // biggest rise first; biggest fall first
    std::optional<CompareQuality> quality;      // nullopt: no conversions to judge by
};

Comparison compare(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                   const CompareOptions& options);
// The JSON of compare().
std::string comparison_json(const Comparison& c);
std::string compare_json(const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                         const CompareOptions& options);
// The same without an outcomes file (conversions from the models' conversion_event only).
std::string compare_json(const EventStore& store, const Model& a, const Model& b, const CompareOptions& options);

}  // namespace pql
