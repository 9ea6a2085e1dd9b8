// Which rows a view shows and the population figures beside them (pql/view.hpp); the JSON
// is written by view_json (output.cpp), with the rows' fields as score_run_json writes them.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "output.hpp"
#include "pql/view.hpp"

namespace pql {

struct ViewPopulation {
    int64_t entities = 0, qualified = 0, customers_hidden = 0;
    std::array<int64_t, kViewHistogramBins> bins{}, bins_qualified{};
    std::vector<int64_t> grades;  // fit band x engagement band, fit-major
    int64_t no_grade = 0;
    std::vector<int64_t> tiers;  // per model tier
    int64_t no_tier = 0;
    std::vector<int64_t> segments;  // per model segment (qualified entities in it)
};

struct ViewSelection {
    std::vector<uint32_t> rows;      // positions in run.results (rank - 1), in view order
    std::optional<size_t> selected;  // options.select's position in `rows`
    ViewPopulation population;
};

// `v.run` must be fully ranked (score() with no page limit).
ViewSelection select_view(const RunView& v, const ViewOptions& options);

// `previous_rank[entity]`: its rank before the last change (0: none), or empty for no movement.
std::string view_json(const RunView& v, const LoadReport& diagnostics, const ViewSelection& s,
                      const ViewOptions& options, const std::vector<uint32_t>& previous_rank);

}  // namespace pql
