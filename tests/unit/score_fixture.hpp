// Shared by the scoring tests (score_test, model_v2_test): events written as JSON Lines around a
// fixed as_of, a model set and scored, and one entity's row of the run.
#pragma once
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "pql/engine.hpp"

namespace pql::test {

using json = nlohmann::json;

const int64_t kT = 1767225600000;  // 2026-01-01T00:00:00Z
const int64_t kDay = 86400000;

// One flat event row (JSON Lines), with its properties when given.
inline std::string ev(int64_t ts, const std::string& acct, const std::string& user, const std::string& event,
                      const json& props = nullptr) {
    json j = {{"timestamp", ts}, {"account_id", acct}, {"user_id", user}, {"event", event}};
    if (!props.is_null()) j["properties"] = props;
    return j.dump() + "\n";
}

// Sets the model (it must be valid) and returns the scoring run as JSON.
inline json score(Engine& e, const std::string& model) {
    auto st = e.set_model_json(model);
    INFO((st.ok() ? std::string() : st.error().describe()));
    REQUIRE(st.ok());
    return json::parse(e.score_json());
}

// The run's row of entity `id` (a test failure when it is not ranked).
inline json row(const json& run, const std::string& id) {
    for (auto& r : run["results"])
        if (r["id"] == id) return r;
    FAIL("no entity " << id);
    return {};
}

}  // namespace pql::test
