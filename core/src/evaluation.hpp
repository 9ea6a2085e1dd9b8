// Internal: one point-in-time evaluation (SPEC §5) shared by backtest, suggest and compare:
// the run at T with only events up to T, who is in the population and who converted after T.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "conversions.hpp"
#include "pql/backtest.hpp"
#include "pql/comparison.hpp"
#include "pql/funnel.hpp"
#include "score.hpp"

namespace pql {

// Beyond ~2.9 million days a horizon covers every timestamp there can be; the bounds keep
// horizon_days * kDayMs and capacity * horizon_days far from int64 overflow.
constexpr int64_t kMaxHorizonDays = 1'000'000;
constexpr int64_t kMaxCapacity = 1'000'000'000;

// The horizon's range and that there is something to convert: the checks every outcome-based
// report makes first. `purpose` completes "no conversions to ...".
Status check_outcome_options(const Model& model, const Outcomes& outcomes, int64_t horizon_days,
                             const char* purpose = "test against");

// The evaluation point: the explicit one, else the model's as_of, else the latest event minus
// the horizon (the latest point whose whole horizon has been observed).
int64_t resolve_as_of(const EventStore& store, const Model& model, std::optional<int64_t> as_of, int64_t horizon_days);

struct Evaluation {
    std::unique_ptr<Scorer> own;  // null when the scorer was given (shared by several evaluations)
    Scorer& scorer;
    Model model;
    int64_t T = 0, horizon_days = 30;
    std::vector<int64_t> converted_at;    // per index entity (INT64_MAX: never)
    std::vector<const EntityScore*> pop;  // population (not converted at T), in rank order
    std::vector<bool> positive;           // aligned with pop: converts in (T, T + horizon]
    int64_t conversions = 0;

    Evaluation(const EventStore& store, const Model& m, const Outcomes& outcomes, int64_t as_of, int64_t horizon);
    // On `shared`, a scorer of the same store: evaluations at the same T then share its index (the
    // caller keeps one evaluation's figures before the next one re-scores it).
    Evaluation(Scorer& shared, const EventStore& store, const Model& m, const Outcomes& outcomes, int64_t as_of,
               int64_t horizon);

    // The PQL definition apart from min_score: activation gate and rule (customers aside).
    bool rest_ok(const EntityScore& s) const;
    std::optional<double> auc() const;

private:
    void populate(const EventStore& store, const Outcomes& outcomes);  // scores at T, sorts out the population
};

// The lifecycle funnel (pql/funnel.hpp) on a given scorer of `store`: compare runs both models'
// funnels at T on the scorer of their evaluations, so that all four share one index.
Result<FunnelReport> funnel(Scorer& scorer, const EventStore& store, const Model& model, const Outcomes& outcomes,
                            const FunnelOptions& options);

// compare() (pql/comparison.hpp) with model A ranked by `sa`, a scorer of `store`: the engine
// passes its own, which has ranked its model (A) already.
Comparison compare(Scorer& sa, const EventStore& store, const Model& a, const Model& b, const Outcomes& outcomes,
                   const CompareOptions& o);

// The figures that say how well a model finds converters, as compare reports them side by side.
struct Quality {
    std::optional<double> auc, precision_at_10, precision_at_25, precision_at_50, precision, recall, lift,
        false_positive_share;
    int64_t population = 0, conversions = 0, qualified = 0;
};
Quality quality_of(const Evaluation& ev);

// A ratio, nullopt for a zero denominator; a lift (rate / base), nullopt when either is missing
// or the base is zero.
inline std::optional<double> share(double num, double den) {
    return den == 0 ? std::nullopt : std::optional<double>(num / den);
}
inline std::optional<double> lift_of(const std::optional<double>& rate, const std::optional<double>& base) {
    if (!rate || !base || *base == 0) return std::nullopt;
    return *rate / *base;
}

}  // namespace pql
