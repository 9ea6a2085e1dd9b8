// Text renderers for the terminal. They only format what the engine computed.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "pql/backtest.hpp"
#include "pql/comparison.hpp"
#include "pql/explanation.hpp"
#include "pql/ranking.hpp"
#include "pql/suggestions.hpp"

namespace pql {
class Engine;
}

namespace pql::cli {

// `pql score`'s terminal table of the first `top` entities, and the run's summary line.
std::string score_table(const Ranking& ranking);
std::string explain_text(const Explanation& explanation);
std::string backtest_text(const Backtest& backtest);
std::string suggest_text(const Suggestions& suggestions);
std::string compare_text(const Comparison& comparison);

}  // namespace pql::cli
