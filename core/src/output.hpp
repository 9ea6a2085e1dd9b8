// Machine output (SPEC §4): the scoring run and the explanation of one entity, as JSON text.
// One serializer for the CLI and the WASM module, so both print the same bytes.
#pragma once
#include <cstddef>
#include <string>

#include "pql/load.hpp"
#include "score.hpp"

namespace pql {

struct RunView {
    const EventStore& store;
    const Model& model;
    const Scorer& scorer;
    const ScoreRun& run;
};

std::string score_run_json(const RunView& v, const LoadReport& diagnostics, size_t offset, size_t limit);
// `position` is the entity's index in run.results (rank - 1).
std::string explanation_json(const RunView& v, size_t position);
// One entity's result row fields (rank, id, name, ...), for exports.
std::string grade_of(const Model& model, const EntityScore& s);

}  // namespace pql
