// One numeric setting of a parsed model changed in place: the keys a slider moves (a weight, the
// threshold, a half-life, a step's min_count, ...), without re-reading the whole model JSON.
#pragma once
#include <string_view>

#include "pql/model.hpp"
#include "pql/result.hpp"

namespace pql {

// `path` uses the notation of model errors: "engagement.half_life_days",
// "engagement.events.report_created.weight", "activation.steps[1].min_count",
// "fit.rules[0].points", "weights.engagement", "pql.min_score", "limits.projects.limit".
// The value is validated by parse_model's own rules (a one-setting model is parsed), so the
// patch accepts exactly what the whole model would. On error (code "invalid_model" with the
// path, or "invalid_argument" for a path that is not a patchable number) `m` is unchanged.
Status set_model_number(Model& m, std::string_view path, double value);

}  // namespace pql
