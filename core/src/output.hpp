// Machine output (SPEC §4): the scoring run and the explanation of one entity, as JSON text.
// One serializer for the CLI and the WASM module, so both print the same bytes.
#pragma once
#include <cstddef>
#include <string>

#include "pql/explanation.hpp"
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
Explanation explanation_of(const RunView& v, size_t position);
std::string explanation_json(const RunView& v, size_t position);  // explanation_json(explanation_of(...))
// "" when the model has no grades (or the entity no band).
std::string grade_of(const Model& model, const EntityScore& s);
// One entity's result row (SPEC §4), into `row` (reused between rows: no allocation per row).
void row_of(const RunView& v, const EntityScore& s, size_t position, EntityRow& row);
class JsonWriter;
// The row's fields, in SPEC's order, inside an object the caller opened.
void write_row_fields(JsonWriter& w, const EntityRow& row);

}  // namespace pql
