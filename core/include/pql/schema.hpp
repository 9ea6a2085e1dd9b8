// What a model may say, for editors and pickers (`pql schema --format json`, JS engine.schema()):
// built from the same tables the model parser reads (core/src/names.hpp), so it cannot drift.
#pragma once
#include <string>

namespace pql {

// {"schema_version": 1,
//  "trait_ops": [{"op": "eq", "value": "scalar"}, ...],        value: none | scalar | scalars |
//                                                              number | range | text
//  "comparison_ops": [{"op": ">=", "trait_op": "gte"}, ...],   trait_op: its meaning on trait.<name>
//  "metrics": [{"metric": "score", "argument": null}, ...,
//              {"metric": "count.<event>", "prefix": "count.", "argument": "event"}, ...],
//  "decay": ["exponential", "linear", "none"], "entities": ["account", "user"],
//  "input_formats": ["auto", "jsonl", "json", "csv"],
//  "result_fields": ["rank", "id", ...],                      SPEC §4 order (the CSV columns too)
//  "default_model": <model_to_json(Model())>}
std::string schema_json();

}  // namespace pql
