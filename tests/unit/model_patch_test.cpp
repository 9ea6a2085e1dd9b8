// The model patch path (Engine::set_model_number): the same model and the same ranking as
// setting the whole edited model, the same errors, and nothing changed on error.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pql/engine.hpp"
#include "pql/explanation.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

const int64_t kT = 1767225600000;  // 2026-01-01T00:00:00Z
const int64_t kDay = 86400000;

const char* kModel = R"({
  "window_days": 60, "active_days": 14,
  "engagement": {"half_life_days": 10, "saturation": 20, "default_weight": 1,
                 "events": {"x": {"weight": 3, "cap": 5}, "a.b": {"weight": 2}}},
  "activation": {"steps": [{"event": "x", "min_count": 2}, {"event": "y"}], "required": 1},
  "fit": {"rules": [{"trait": "employees", "op": "gte", "value": 10, "points": 30},
                    {"trait": "plan", "op": "eq", "value": "pro", "points": 10}]},
  "limits": {"projects": {"event": "y", "limit": 3}},
  "weights": {"activation": 20, "engagement": 60, "fit": 20},
  "pql": {"min_score": 40}
})";

std::string data() {
    std::string s;
    const char* events[] = {"x", "y", "a.b", "z"};
    for (int i = 0; i < 120; ++i) {
        json r = {{"timestamp", kT - (i % 50) * kDay},
                  {"account_id", "acct" + std::to_string(i % 9)},
                  {"user_id", "u" + std::to_string(i % 13)},
                  {"event", events[i % 4]}};
        s += r.dump() + "\n";
    }
    return s;
}

std::string accounts() {
    std::string s;
    for (int i = 0; i < 9; ++i)
        s += json{{"account_id", "acct" + std::to_string(i)},
                  {"traits", {{"employees", i * 4}, {"plan", i % 2 ? "pro" : "free"}}}}
                 .dump() +
             "\n";
    return s;
}

void load(Engine& e) {
    REQUIRE(e.load_events(data()).ok());
    REQUIRE(e.load_accounts(accounts()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
}

}  // namespace

TEST_CASE("a patched setting gives the model and ranking of the whole edited model", "[model_patch]") {
    struct Case {
        const char* path;
        json::json_pointer ptr;
        double value;
    };
    const std::vector<Case> cases = {
        {"window_days", json::json_pointer("/window_days"), 30},
        {"active_days", json::json_pointer("/active_days"), 7},
        {"engagement.half_life_days", json::json_pointer("/engagement/half_life_days"), 3.5},
        {"engagement.saturation", json::json_pointer("/engagement/saturation"), 7},
        {"engagement.default_weight", json::json_pointer("/engagement/default_weight"), -2},
        {"engagement.events.x.weight", json::json_pointer("/engagement/events/x/weight"), 9},
        {"engagement.events.x.cap", json::json_pointer("/engagement/events/x/cap"), 1},
        {"engagement.events.a.b.weight", json::json_pointer("/engagement/events/a.b/weight"), 11},
        {"engagement.events.z.weight", json::json_pointer("/engagement/events/z/weight"), 4},  // not listed yet
        {"engagement.events.x.half_life_days", json::json_pointer("/engagement/events/x/half_life_days"), 2},
        {"weights.fit", json::json_pointer("/weights/fit"), 0},
        {"pql.min_score", json::json_pointer("/pql/min_score"), 12.5},
        {"activation.required", json::json_pointer("/activation/required"), 2},
        {"activation.steps[0].min_count", json::json_pointer("/activation/steps/0/min_count"), 1},
        {"activation.steps[1].min_users", json::json_pointer("/activation/steps/1/min_users"), 2},
        {"activation.steps[1].weight", json::json_pointer("/activation/steps/1/weight"), 3},
        {"fit.rules[1].points", json::json_pointer("/fit/rules/1/points"), -5},
        {"limits.projects.limit", json::json_pointer("/limits/projects/limit"), 1},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.path) {
            Engine patched, whole;
            load(patched);
            load(whole);
            const std::string before = patched.score_json(), model_before = patched.model_json();
            auto st = patched.set_model_number(c.path, c.value);
            REQUIRE(st.ok());
            json edited = json::parse(kModel);
            if (c.value == static_cast<int64_t>(c.value)) edited[c.ptr] = static_cast<int64_t>(c.value);
            else edited[c.ptr] = c.value;
            REQUIRE(whole.set_model_json(edited.dump()).ok());
            CHECK(patched.model_json() == whole.model_json());
            const std::string after = patched.score_json();
            CHECK(after == whole.score_json());
            CHECK(patched.model_json() != model_before);
            // Every case but two moves the ranking (every step is completed here; no rule uses the limit).
            const std::string p = c.path;
            if (p != "activation.steps[1].weight" && p != "limits.projects.limit") CHECK(after != before);
        }
    }
}

TEST_CASE("a patch is validated like the whole model and changes nothing on error", "[model_patch]") {
    Engine e;
    load(e);
    const std::string model = e.model_json();
    auto expect_error = [&](const char* path, double value, const char* code, const char* message_part) {
        auto st = e.set_model_number(path, value);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().code == code);
        CHECK(st.error().path == path);
        CHECK_THAT(st.error().message, Catch::Contains(message_part));
        CHECK(e.model_json() == model);
    };
    expect_error("engagement.half_life_days", 0, "invalid_model", "> 0");
    expect_error("engagement.events.x.cap", -1, "invalid_model", ">= 0");
    expect_error("engagement.events.x.weight", 1e13, "invalid_model", "between");
    expect_error("activation.steps[0].min_count", 2.5, "invalid_model", "whole number");
    expect_error("activation.required", 3, "invalid_model", "at most the number of steps");
    expect_error("window_days", 0, "invalid_model", "between 1");
    expect_error("pql.min_score", std::nan(""), "invalid_model", "finite");
    expect_error("activation.steps[5].min_count", 1, "invalid_argument", "no such step");
    expect_error("fit.rules[2].points", 1, "invalid_argument", "no such fit rule");
    expect_error("limits.nope.limit", 1, "invalid_argument", "no such limit");
    expect_error("engagement.decay", 1, "invalid_argument", "set the whole model");
    expect_error("tiers[0].min_score", 1, "invalid_argument", "set the whole model");
    expect_error("activation.steps[x].min_count", 1, "invalid_argument", "set the whole model");
    // The three weights must not all be 0: the rule about the object keeps its own path.
    REQUIRE(e.set_model_number("weights.activation", 0).ok());
    REQUIRE(e.set_model_number("weights.fit", 0).ok());
    auto st = e.set_model_number("weights.engagement", 0);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().path == "weights");
    CHECK(json::parse(e.model_json())["weights"]["engagement"] == 60);
}

TEST_CASE("after a half-life change the unweighted types' sums are the fresh engine's when read", "[model_patch]") {
    // A half-life change redoes only the weighted types' decayed sums; "y" and "z" (weight 0 here)
    // are summed when something reads them: an explanation, suggested weights, or a weight patch
    // that gives them a weight. Each answer must be a fresh engine's, bit for bit.
    json m = json::parse(kModel);
    m["engagement"]["default_weight"] = 0;
    const std::string start = m.dump();
    Engine edited;
    REQUIRE(edited.load_events(data()).ok());
    REQUIRE(edited.load_accounts(accounts()).ok());
    REQUIRE(edited.set_model_json(start).ok());
    edited.score_json();  // the figures at half-life 10, every type summed
    auto fresh_like = [&](const std::string& model) {
        Engine fresh;
        REQUIRE(fresh.load_events(data()).ok());
        REQUIRE(fresh.load_accounts(accounts()).ok());
        REQUIRE(fresh.set_model_json(model).ok());
        CHECK(edited.score_json() == fresh.score_json());
        for (int i = 0; i < 9; ++i) {
            const std::string id = "acct" + std::to_string(i);
            auto a = edited.explain(id), b = fresh.explain(id);
            REQUIRE(a.ok() == b.ok());
            if (a.ok()) CHECK(explanation_json(*a) == explanation_json(*b));
        }
    };
    REQUIRE(edited.set_model_number("engagement.half_life_days", 4).ok());
    edited.score_json();  // "y" and "z" left pending
    m["engagement"]["half_life_days"] = 4;
    fresh_like(m.dump());
    REQUIRE(edited.set_model_number("engagement.half_life_days", 7).ok());
    edited.score_json();
    REQUIRE(edited.set_model_number("engagement.events.z.weight", 2.5).ok());  // pending, now weighted
    m["engagement"]["half_life_days"] = 7;
    m["engagement"]["events"]["z"] = {{"weight", 2.5}};
    fresh_like(m.dump());
}
