// Builds pql/ranking.hpp's structs from a scoring run.
#pragma once
#include "output.hpp"
#include "pql/ranking.hpp"

namespace pql {

Ranking ranking_of(const RunView& view, size_t limit, size_t top_events);
std::vector<EventPoints> top_events_of(const RunView& view, const EntityScore& s, size_t n);

}  // namespace pql
