// libFuzzer target: the rule evaluator. The fuzz input is the model's pql.rule; the rest of the
// model (steps, fit rules, limits) and the data are fixed. A valid rule scores, and every
// ranked entity's explanation carries a self-consistent rule trace.
#include "common/fuzz_common.hpp"

namespace {

const char* kPrefix = R"({
  "window_days": 14, "active_days": 7,
  "engagement": {"events": {"report_created": {"weight": 5, "cap": 20}, "teammate_invited": {"weight": 10},
                            "error_shown": {"weight": -2}, "project_created": {"weight": 3}}},
  "activation": {"steps": [{"event": "data_source_connected"},
                           {"name": "reports", "event": "report_created", "min_count": 2},
                           {"name": "team", "event": "*", "min_users": 2}]},
  "fit": {"rules": [{"trait": "employees", "op": "between", "value": [50, 1000], "points": 40},
                    {"trait": "industry", "op": "in", "value": ["software", "fintech"], "points": 30}]},
  "limits": {"projects": {"event": "project_created", "limit": 2}, "seats": {"event": "teammate_invited", "limit": 3}},
  "pql": {"min_score": 0, "require_activation": false, "rule": )";
const char* kSuffix = "}}";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view rule = fuzz::as_text(data, size);
    // Only a rule that is one JSON value: otherwise the fuzzer would splice keys into the model.
    if (!fuzz::is_json_value(rule)) return 0;
    const std::string model = kPrefix + std::string(rule) + kSuffix;

    pql::Engine e;
    auto st = e.set_model_json(model);
    if (!st.ok()) {
        FUZZ_CHECK(st.error().code == "invalid_model");
        FUZZ_CHECK(st.error().path.rfind("pql.rule", 0) == 0 || st.error().path == "(model)");
        return 0;
    }
    // Scored on the fixed data (read once), for accounts and for users.
    pql::Model m = e.model();
    fuzz::score_and_explain(fuzz::fixed_store(), m, SIZE_MAX);
    m.entity = pql::Entity::User;
    fuzz::score_and_explain(fuzz::fixed_store(), m, SIZE_MAX);
    return 0;
}
