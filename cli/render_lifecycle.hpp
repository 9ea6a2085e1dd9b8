// Text for the lifecycle analytics (issue #16): the funnel report, and the parts that the
// backtest, suggest and compare reports gained (appended to render.cpp's text).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "pql/backtest.hpp"

namespace pql::cli {

// `pql funnel --format table`: one row per cohort and one for all.
std::string funnel_text(const nlohmann::ordered_json& funnel);
// False-positive share, the lost PQLs and the calibration deciles.
std::string backtest_lifecycle_text(const Backtest& backtest);
// Why weights are negative, the non-negative fit, the capacity note and the fit suggestions.
std::string suggest_lifecycle_text(const nlohmann::ordered_json& suggestions);
// Both models' quality side by side.
std::string compare_quality_text(const nlohmann::ordered_json& comparison);

}  // namespace pql::cli
