// Each formula of SPEC section 3 on small hand-computed cases.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine_internals.hpp"
#include "pql/engine.hpp"
#include "score.hpp"
#include "score_fixture.hpp"

using namespace pql;
using json = nlohmann::json;
using namespace pql::test;

TEST_CASE("exponential, linear and no decay with per-event half-lives and caps", "[score]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u", "x") + ev(kT - 7 * kDay, "a", "u", "x") + ev(kT - 14 * kDay, "a", "u", "y") +
                          ev(kT - 30 * kDay, "a", "u", "x"))
                .ok());
    auto r = row(score(e, R"({"window_days":30,"engagement":{"half_life_days":7,"saturation":10,"default_weight":1}})"),
                 "a");
    CHECK(r["engagement_points"].get<double>() == Approx(1 + 0.5 + 0.25));  // age 30 is outside a 30-day window
    CHECK(r["events"] == 3);
    r = row(
        score(
            e,
            R"({"window_days":30,"engagement":{"half_life_days":7,"saturation":10,"default_weight":1,"events":{"y":{"half_life_days":14}}}})"),
        "a");
    CHECK(r["engagement_points"].get<double>() == Approx(1 + 0.5 + 0.5));
    r = row(score(e, R"({"window_days":28,"engagement":{"decay":"linear","saturation":10,"default_weight":1}})"), "a");
    CHECK(r["engagement_points"].get<double>() == Approx(1 + 0.75 + 0.5));
    r = row(
        score(
            e,
            R"({"window_days":31,"engagement":{"decay":"none","saturation":10,"default_weight":1,"events":{"x":{"cap":2}}}})"),
        "a");
    CHECK(r["engagement_points"].get<double>() == Approx(2 + 1));
    CHECK(r["engagement"].get<double>() == Approx(100.0 * 3 / 13));
}

TEST_CASE("negative points give zero engagement; velocity compares the last two weeks", "[score]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u", "err") + ev(kT - 8 * kDay, "a", "u", "good") +
                          ev(kT - 8 * kDay, "a", "u", "good"))
                .ok());
    auto r =
        row(score(e, R"({"engagement":{"decay":"none","events":{"err":{"weight":-5},"good":{"weight":1}}}})"), "a");
    CHECK(r["engagement_points"].get<double>() == Approx(-3));
    CHECK(r["engagement"].get<double>() == 0);
    CHECK(r["velocity"].get<double>() == Approx((-5 - 2) / 2.0));
}

TEST_CASE("activation: min_count, min_users, any event, step weights and activated_at", "[score]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT - 5 * kDay, "a", "u1", "connect") + ev(kT - 4 * kDay, "a", "u1", "report") +
                          ev(kT - 3 * kDay, "a", "u2", "report") + ev(kT - 2 * kDay, "a", "u3", "login") +
                          ev(kT - 1 * kDay, "a", "u1", "report"))
                .ok());
    const std::string steps = R"({"activation":{"steps":[{"event":"connect"},{"event":"report","min_count":3},
        {"event":"*","min_users":3,"weight":2}],"required":2},"weights":{"activation":1,"engagement":0,"fit":0}})";
    auto r = row(score(e, steps), "a");
    CHECK(r["steps_completed"] == 3);
    CHECK(r["activation"].get<double>() == 100);
    CHECK(r["activated"] == true);
    // The second step completes with the third user (day -2) before the third report (day -1).
    CHECK(r["activated_at"] == "2025-12-30T00:00:00.000Z");
    auto explained = json::parse(*e.explain_json("a"));
    CHECK(explained["steps"][1]["count"] == 3);
    CHECK(explained["steps"][2]["users"] == 3);
}

TEST_CASE("rules, limits, tiers, grades and qualification", "[score][rules]") {
    Engine e;
    std::string events;
    for (int i = 0; i < 8; ++i) events += ev(kT - i * kDay, "a", "u" + std::to_string(i % 3), "project");
    events += ev(kT, "b", "v", "login");
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.load_accounts(R"({"account_id":"a","traits":{"employees":"250"}})").ok());
    const std::string model = R"({"limits":{"projects":{"event":"project","limit":10}},
        "pql":{"min_score":0,"require_activation":false,"rule":{"all":[{"metric":"limit.projects","op":">=","value":0.8},
             {"metric":"users.project","op":"==","value":3},{"metric":"trait.employees","op":"between","value":[100,500]},
             {"not":{"metric":"count.login","op":">","value":0}}]}},
        "tiers":[{"name":"Low","min_score":10},{"name":"High","min_score":90}]})";
    auto run = score(e, model);
    CHECK(run["qualified"] == 1);
    CHECK(row(run, "a")["qualified"] == true);
    CHECK(row(run, "b")["qualified"] == false);
    auto ex = json::parse(*e.explain_json("b"));
    CHECK(ex["qualification"]["rule_ok"] == false);
    CHECK(ex["qualification"]["failed_leaves"][0] == "pql.rule.all[0]");
    CHECK(ex["metrics"]["limit.projects"] == 0.0);
    // Tiers are matched highest first whatever order they were written in.
    CHECK(row(run, "a")["tier"] == "Low");
    CHECK(!e.explain_json("nobody").ok());
    CHECK(e.explain_json("nobody").error().code == "not_found");
}

TEST_CASE("ranking: score descending, ties by id in byte order", "[score]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "b", "u", "x") + ev(kT, "a", "u", "x") + ev(kT, "B", "u", "x") +
                          ev(kT, "\xc3\xa9", "u", "x") + ev(kT, "c", "u", "x") + ev(kT, "c", "u", "x"))
                .ok());
    auto run = score(e, R"({"engagement":{"default_weight":1}})");
    std::vector<std::string> ids;
    for (auto& r : run["results"]) ids.push_back(r["id"]);
    CHECK(ids == std::vector<std::string>{"c", "B", "a", "b", "\xc3\xa9"});
}

TEST_CASE("events after as_of never count, and as_of is the latest event by default", "[score]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u", "x")).ok());
    const std::string before = e.score_json();
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z"})").ok());
    const std::string pinned = e.score_json();
    REQUIRE(e.load_events(ev(kT + 1, "a", "u", "x") + ev(kT + kDay, "z", "u", "x")).ok());
    auto a = json::parse(pinned), b = json::parse(e.score_json());
    CHECK(a["results"] == b["results"]);
    CHECK(json::parse(before)["as_of"] == "2026-01-01T00:00:00.000Z");
}

TEST_CASE("appending in two loads equals one load", "[score]") {
    std::string first, second;
    for (int i = 0; i < 50; ++i)
        (i % 2 ? first : second) += ev(kT - i * 3600000LL, "a" + std::to_string(i % 7), "u" + std::to_string(i % 5),
                                       "e" + std::to_string(i % 3));
    Engine one, two;
    REQUIRE(one.load_events(first + second).ok());
    REQUIRE(two.load_events(first).ok());
    two.score_json();
    REQUIRE(two.load_events(second).ok());
    CHECK(one.score_json() == two.score_json());
}

TEST_CASE("a weight-only change does not revisit the day aggregates", "[score][cache]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u", "x") + ev(kT - kDay, "b", "u", "y")).ok());
    REQUIRE(e.set_model_json(R"({"engagement":{"events":{"x":{"weight":1}}}})").ok());
    e.score_json();
    const auto s0 = pql::EngineInternals::scorer(e).stats;
    REQUIRE(e.set_model_json(R"({"engagement":{"events":{"x":{"weight":5}}}})").ok());
    e.score_json();
    CHECK(pql::EngineInternals::scorer(e).stats.index_builds == s0.index_builds);
    CHECK(pql::EngineInternals::scorer(e).stats.decay_passes == s0.decay_passes);
    REQUIRE(e.set_model_json(R"({"engagement":{"half_life_days":3,"events":{"x":{"weight":5}}}})").ok());
    e.score_json();
    CHECK(pql::EngineInternals::scorer(e).stats.index_builds == s0.index_builds);
    CHECK(pql::EngineInternals::scorer(e).stats.decay_passes == s0.decay_passes + 1);
}

TEST_CASE("the portable exp2 agrees with the C library", "[score]") {
    for (double x = -60; x <= 3; x += 0.037) CHECK(exp2_portable(x) == Approx(std::exp2(x)).epsilon(1e-15));
    CHECK(exp2_portable(0) == 1);
    CHECK(exp2_portable(-1) == 0.5);
}

TEST_CASE("the catalog lists event types, traits and the time range", "[engine]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u", "y") + ev(kT - kDay, "a", "u", "x") + ev(kT, "b", "v", "x")).ok());
    REQUIRE(e.load_accounts(R"({"account_id":"a","traits":{"plan":"free","seats":3}})"
                            "\n"
                            R"({"account_id":"b","traits":{"plan":"pro"}})")
                .ok());
    const json c = json::parse(e.catalog_json());
    CHECK(c["events"] == json::parse(R"([{"event":"x","count":2},{"event":"y","count":1}])"));
    CHECK(c["traits"][0] == json::parse(R"({"trait":"plan","examples":["free","pro"]})"));
    CHECK(c["first_event"] == "2025-12-31T00:00:00.000Z");
    CHECK(c["accounts"] == 2);
}
