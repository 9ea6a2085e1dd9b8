// Regressions found by the libFuzzer targets in fuzz/ (docs/hardening.md, "Fuzzing"): each
// case is the input that broke an invariant, inline, and the clean behaviour it must have now.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "event_store.hpp"
#include "pql/engine.hpp"
#include "pql/model.hpp"

using namespace pql;

// fuzz: events_segment, accounts. A strict load of a JSON array reported the last bad element
// (and had already fed the later elements to the store) instead of failing at the first one.
TEST_CASE("fuzz: a strict JSON array load fails at the first bad element", "[fuzz][load]") {
    LoadOptions strict;
    strict.strict = true;
    {
        EventStore s;
        auto r = s.load_events("[1,2]\n", strict);
        REQUIRE(!r.ok());
        CHECK(r.error().code == "bad_row");
        CHECK(r.error().line == 1);
        CHECK(r.error().message == "element 1: row: not a JSON object");
    }
    {
        EventStore s;
        auto r = s.load_accounts(
            R"([{"accid":"bolt","traits":{"employees":900}},{"accountount_id":"bolt","traits":{"employees":900}},)"
            R"({"account_id":"acme","traits":{"employees":12}}])",
            strict);
        REQUIRE(!r.ok());
        CHECK(r.error().line == 1);
        CHECK(r.error().message == "element 1: account_id: missing");
        for (auto& a : s.accounts) CHECK(!a.present);  // nothing of the failed load is kept
    }
    {
        // A valid element after the bad one is not loaded either, and a bad one before it wins.
        EventStore s;
        auto r = s.load_events(R"([{"timestamp":"2026-01-01","user_id":"u","event":"e","id":"x"}, true,)"
                               R"( {"timestamp":"2026-01-02","user_id":"u","event":"e","id":"y"}, {"event": 1}])",
                               strict);
        REQUIRE(!r.ok());
        CHECK(r.error().line == 2);
        CHECK(s.size() == 0);
        auto again = s.load_events(R"([{"timestamp":"2026-01-02","user_id":"u","event":"e","id":"y"}])", {});
        REQUIRE(again.ok());
        CHECK(again->loaded == 1);  // "y" was not remembered as seen
        CHECK(again->duplicates == 0);
    }
}

namespace {

const char* kEvents =
    "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"user_id\":\"u1\",\"account_id\":\"acme\",\"event\":\"login\"}\n"
    "{\"timestamp\":\"2026-01-10T00:00:00Z\",\"user_id\":\"u2\",\"account_id\":\"acme\",\"event\":\"report_created\"}\n"
    "{\"timestamp\":\"2026-01-20T00:00:00Z\",\"user_id\":\"u3\",\"account_id\":\"bolt\",\"event\":\"login\"}\n";

}  // namespace

// fuzz: model. window_days may be up to 10^12 (the model's integer range), and the decay
// tables were sized by the window: 2^32 doubles (32 GiB) for {"window_days": 1000000000000}.
TEST_CASE("fuzz: a window of 10^12 days scores without sizing anything by it", "[fuzz][score]") {
    for (const char* model :
         {R"({"window_days": 1000000000000})", R"({"window_days": 1000000000000, "engagement": {"decay": "linear"}})",
          R"({"active_days": 1000000000000, "window_days": 5000000000})"}) {
        Engine e;
        REQUIRE(e.load_events(kEvents).ok());
        REQUIRE(e.set_model_json(model).ok());
        const auto scores = e.scores();
        REQUIRE(scores.size() == 2);
        for (double s : scores) CHECK((s >= 0 && s <= 100));
    }
    // The same ages as a 90-day window: the same answer.
    Engine small, huge;
    REQUIRE(small.load_events(kEvents).ok());
    REQUIRE(huge.load_events(kEvents).ok());
    REQUIRE(small.set_model_json(R"({"engagement": {"default_weight": 1}})").ok());
    REQUIRE(huge.set_model_json(R"({"window_days": 1000000000000, "engagement": {"default_weight": 1}})").ok());
    CHECK(small.scores() == huge.scores());
}

// fuzz: model. Weights, points and limits were unbounded, so valid models overflowed: a default
// weight of 1e308 made engagement NaN (score printed as null), weights of 1e308 made the score
// NaN, a limit of 1e-300 made limit usage Infinity. They now stay within ±10^12 (limits at
// least 10^-12), and the model error names the path.
TEST_CASE("fuzz: weights, points and limits that would overflow are model errors", "[fuzz][model]") {
    struct Case {
        const char* model;
        const char* path;
    };
    for (auto c : {Case{R"({"engagement":{"default_weight":1e308}})", "engagement.default_weight"},
                   Case{R"({"engagement":{"events":{"login":{"weight":-1e13}}}})", "engagement.events.login.weight"},
                   Case{R"({"weights":{"activation":1e308,"engagement":1e308}})", "weights.activation"},
                   Case{R"({"activation":{"steps":[{"event":"*","weight":1e300}]}})", "activation.steps[0].weight"},
                   Case{R"({"fit":{"rules":[{"trait":"a","op":"exists","points":1e308}]}})", "fit.rules[0].points"},
                   Case{R"({"limits":{"x":{"event":"login","limit":1e-300}}})", "limits.x.limit"},
                   Case{R"({"limits":{"x":{"event":"login","limit":1e13}}})", "limits.x.limit"}}) {
        auto m = parse_model(c.model);
        REQUIRE(!m.ok());
        CHECK(m.error().code == "invalid_model");
        CHECK(m.error().path == c.path);
    }
    // At the ends of the ranges every figure stays finite and every score within [0, 100].
    Engine e;
    REQUIRE(e.load_events(kEvents).ok());
    REQUIRE(e.set_model_json(R"({"engagement":{"default_weight":1e12,"saturation":5e-324},
        "activation":{"steps":[{"event":"*","weight":1e12},{"event":"login","weight":1e12}]},
        "fit":{"rules":[{"trait":"a","op":"missing","points":1e12},{"trait":"b","op":"missing","points":1e12}]},
        "weights":{"activation":1e12,"engagement":1e12,"fit":1e12},
        "limits":{"x":{"event":"login","limit":1e-12}},
        "pql":{"rule":{"metric":"limit.x","op":">","value":1}}})")
                .ok());
    const auto out = nlohmann::json::parse(e.score_json());
    REQUIRE(out["results"].size() == 2);
    for (auto& r : out["results"])  // NaN and Infinity would print as null
        for (const char* k : {"score", "activation", "engagement", "fit", "engagement_points", "velocity"})
            CHECK(r[k].is_number());
    for (double s : e.scores()) CHECK((s >= 0 && s <= 100));
    auto ex = e.explain_json("acme");
    REQUIRE(ex.ok());
    CHECK(ex->find("\"usage\":null") == std::string::npos);
}

// fuzz: backtest. horizon_days (any int64 from the CLI or the WASM options) was only checked
// to be >= 1: horizon_days * kDayMs overflowed int64 (undefined behaviour; UBSan: "signed
// integer overflow: 1000000000000 * 86400000") in resolve_as_of and the evaluation's end, and
// capacity_per_week * horizon_days in suggest. Both are now bounded and out-of-range values
// are "invalid_argument" errors.
TEST_CASE("fuzz: huge backtest horizons and capacities are argument errors", "[fuzz][backtest]") {
    Engine e;
    REQUIRE(e.load_events(kEvents).ok());
    REQUIRE(e.set_model_json(R"({"conversion_event": "report_created"})").ok());
    for (int64_t h : {int64_t{1000000000000}, INT64_MAX / 2, INT64_MAX, int64_t{1000001}, int64_t{0}}) {
        BacktestOptions o;
        o.horizon_days = h;
        auto r = e.backtest_json(o);
        REQUIRE(!r.ok());
        CHECK(r.error().code == "invalid_argument");
        CHECK(r.error().path == "horizon_days");
        SuggestOptions s;
        s.horizon_days = h;
        CHECK(e.suggest_json(s).error().code == "invalid_argument");
    }
    BacktestOptions o;
    o.horizon_days = 1000000;
    auto r = e.backtest_json(o);
    REQUIRE(r.ok());
    CHECK(nlohmann::json::parse(*r)["horizon_days"] == 1000000);
    SuggestOptions s;
    s.capacity_per_week = INT64_MAX;
    auto sr = e.suggest_json(s);
    REQUIRE(!sr.ok());
    CHECK(sr.error().path == "capacity");
    s.capacity_per_week = 1000000000;
    CHECK(e.suggest_json(s).ok());
}

// fuzz: engine. The decay layer marked "no counts yet" with UINT32_MAX, which is also what a
// window of 2^32 days or more is clipped to: after an index rebuild such a model kept the
// previous window's event counts.
TEST_CASE("fuzz: a huge window after an index rebuild recounts the events", "[fuzz][score]") {
    const std::string events = R"({"timestamp": 1771581600000, "account_id": "acme", "user_id": "u0", "event": "a"})"
                               "\n"
                               R"({"timestamp": 1000000000000, "account_id": "acme", "user_id": "u1", "event": "a"})"
                               "\n";
    const std::string accounts = R"({"account_id": "acme", "traits": {"plan": "free"}})"
                                 "\n";
    const std::string model = R"({"window_days": 1000000000000})";
    Engine fresh;
    REQUIRE(fresh.set_model_json(model).ok());
    REQUIRE(fresh.load_events(events).ok());
    REQUIRE(fresh.load_accounts(accounts).ok());
    const std::string expected = fresh.score_json();
    CHECK(expected.find("\"events\":2") != std::string::npos);

    Engine warm;  // scored with the default 90-day window, then rebuilt by the accounts load
    REQUIRE(warm.load_events(events).ok());
    warm.score_json();
    REQUIRE(warm.load_accounts(accounts).ok());
    REQUIRE(warm.set_model_json(model).ok());
    CHECK(warm.score_json() == expected);
}
