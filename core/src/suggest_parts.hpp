// Internal: the parts of `suggest` (SPEC §5 suggestions, issue #16), one file each.
#pragma once
#include <string>

#include "evaluation.hpp"
#include "pql/suggestions.hpp"

namespace pql {

// Event weights from a logistic fit on a time-split holdout (train at T - horizon, test at T),
// each negative weight explained, and a second fit with every weight >= 0.
SuggestedWeights suggest_weights(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const Evaluation& ev);

// Per trait: the conversion lift of each value (categorical) or quartile band (numeric), and the
// fit rules with points that the strongest of them suggest.
Suggestions::Fit suggest_fit(const Evaluation& ev);

// The lowest min_score whose new PQLs a week fit sales' capacity, with the gates (activation,
// rule) kept; says so when the gates let fewer through than sales can take.
CapacitySuggestion suggest_capacity(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                    const Evaluation& ev, int64_t per_week);

// Rounds to one decimal so that 1.2 prints as 1.2, not 1.2000000000000002.
double round_tenth(double v);

}  // namespace pql
