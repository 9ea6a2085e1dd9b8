// Text for the lifecycle analytics (issue #16): the funnel report, and the parts that the
// backtest, suggest and compare reports gained (appended to render.cpp's text).
#pragma once
#include <string>

#include "pql/backtest.hpp"
#include "pql/comparison.hpp"
#include "pql/funnel.hpp"
#include "pql/suggestions.hpp"

namespace pql::cli {

// `pql funnel --format table`: one row per cohort and one for all.
std::string funnel_text(const FunnelReport& funnel);
// False-positive share, the lost PQLs and the calibration deciles.
std::string backtest_lifecycle_text(const Backtest& backtest);
// Why weights are negative, the non-negative fit, the capacity note and the fit suggestions.
std::string suggest_lifecycle_text(const Suggestions& suggestions);
// Both models' quality side by side.
std::string compare_quality_text(const Comparison& comparison);

}  // namespace pql::cli
