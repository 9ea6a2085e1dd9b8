// SPEC §7 (model v2): validation of every new key, and each rule on small hand-computed cases.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine_internals.hpp"
#include "pql/engine.hpp"
#include "pql/model.hpp"
#include "score.hpp"
#include "score_fixture.hpp"

using namespace pql;
using json = nlohmann::json;
using namespace pql::test;

namespace {

Error model_error(const std::string& text) {
    auto m = parse_model(text);
    REQUIRE(!m.ok());
    return m.error();
}

}  // namespace

TEST_CASE("v2 keys are validated with paths and suggestions", "[model][v2]") {
    CHECK(model_error(R"({"signal":{}})").describe() == "signal: unknown key; did you mean \"signals\"?");
    CHECK(model_error(R"({"signals":{"s":{"evnt":"x"}}})").describe() ==
          "signals.s.evnt: unknown key; did you mean \"event\"?");
    CHECK(model_error(R"({"signals":{"s":{"where":[]}}})").path == "signals.s.event");
    CHECK(
        model_error(R"({"signals":{"s":{"event":"x","where":[{"property":"p","op":"gtt","value":1}]}}})").describe() ==
        "signals.s.where[0].op: unknown op \"gtt\"; did you mean \"gt\"?");
    CHECK(model_error(R"({"signals":{"s":{"event":"x","where":[{"prop":"p","op":"gt","value":1}]}}})").path ==
          "signals.s.where[0].prop");
    CHECK(model_error(R"({"signals":{"*":{"event":"x"}}})").path == "signals.*");
    CHECK(model_error(R"({"active":{"event":["x"]}})").describe() ==
          "active.event: unknown key; did you mean \"events\"?");
    CHECK(model_error(R"({"active":{"events":"x"}})").path == "active.events");
    CHECK(model_error(R"({"personas":{"exec":{"trait":"title"}}})").path == "personas.exec");
    CHECK(model_error(R"({"personas":{"exec":[{"trait":"title","op":"contain","value":"vp"}]}})").describe() ==
          "personas.exec[0].op: unknown op \"contain\"; did you mean \"contains\"?");
    CHECK(model_error(R"({"personas":{"exec":[]},"fit":{"rules":[{"persona":"exce","points":5}]}})").describe() ==
          "fit.rules[0].persona: unknown persona \"exce\"; did you mean \"exec\"?");
    CHECK(model_error(R"({"personas":{"exec":[]},"fit":{"rules":[{"persona":"exec","op":"contains","value":"x"}]}})")
              .path == "fit.rules[0].op");
    CHECK(model_error(R"({"personas":{"exec":[]},"fit":{"rules":[{"persona":"exec","trait":"t"}]}})").path ==
          "fit.rules[0].trait");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"persona.vp","op":">=","value":1}}})").describe() ==
          "pql.rule.metric: unknown persona \"vp\" (the model defines no personas)");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"sum.x","op":">=","value":1}}})").path == "pql.rule.metric");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"activ_days","op":">=","value":1}}})").message ==
          "unknown metric \"activ_days\"; did you mean \"active_days\"?");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"score","op":">=","value":1,"window_days":7}}})").path ==
          "pql.rule.window_days");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"count.x","op":">=","value":1,"window_days":0}}})").path ==
          "pql.rule.window_days");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"count.x","op":">=","value":1,"windw_days":7}}})").message ==
          "unknown key; did you mean \"window_days\"?");
    CHECK(model_error(R"({"pql":{"include_customer":true}})").message ==
          "unknown key; did you mean \"include_customers\"?");
    CHECK(model_error(R"({"pql":{"include_customers":1}})").path == "pql.include_customers");
    CHECK(model_error(R"({"segments":{"big":{"metric":"scor","op":">=","value":1}}})").describe() ==
          "segments.big.metric: unknown metric \"scor\"; did you mean \"score\"?");
    CHECK(model_error(R"({"segments":[]})").path == "segments");
}

TEST_CASE("v2 keys round-trip through canonical JSON; a v1 model prints without them", "[model][v2]") {
    const std::string src = R"({"signals":{"big":{"event":"*","where":[{"property":"rows","op":"gte","value":1000}]}},
        "active":{"events":["big"]},"personas":{"exec":[{"trait":"title","op":"contains","value":"vp"}]},
        "fit":{"rules":[{"persona":"exec","points":5}]},
        "pql":{"include_customers":true,"rule":{"metric":"sum.big.rows","op":">=","value":1,"window_days":7}},
        "segments":{"z":{"metric":"persona.exec","op":">=","value":1},"a":{"metric":"active_days","op":">","value":2}}})";
    auto m = parse_model(src);
    REQUIRE(m.ok());
    REQUIRE(m->segments.size() == 2);
    CHECK(m->segments[0].first == "z");  // model order, not alphabetical
    CHECK(m->rule->arg == "big");
    CHECK(m->rule->property == "rows");
    const std::string once = model_to_json(*m);
    auto again = parse_model(once);
    REQUIRE(again.ok());
    CHECK(model_to_json(*again) == once);
    CHECK(model_to_json(*parse_model("{}")).find("signals") == std::string::npos);
}

TEST_CASE("signals: where on properties, shadowing, velocity, steps, limits and sum", "[score][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u1", "meeting", {{"external", 2}, {"minutes", "30"}}) +
                          ev(kT - kDay, "a", "u2", "meeting", {{"external", 0}, {"minutes", 45}}) +
                          ev(kT - 8 * kDay, "a", "u1", "meeting", {{"external", "3"}}) +
                          ev(kT - 2 * kDay, "a", "u1", "login"))
                .ok());
    const std::string sig =
        R"("signals":{"ext":{"event":"meeting","where":[{"property":"external","op":"gt","value":0}]}})";
    auto r = row(
        score(e,
              "{" + sig +
                  R"(,"engagement":{"decay":"none","saturation":10,"default_weight":1,"events":{"ext":{"weight":10}}},
        "pql":{"min_score":0,"require_activation":false,"rule":{"metric":"count.ext","op":">=","value":2}},
        "limits":{"e":{"event":"ext","limit":4}},"segments":{"lim":{"metric":"limit.e","op":">=","value":0.5},
        "mins":{"metric":"sum.meeting.minutes","op":"==","value":75}},
        "activation":{"steps":[{"event":"ext","min_count":2}]}})"),
        "a");
    // 3 meetings + 1 login at default weight 1, the 2 external ones again at 10 (never default_weight).
    CHECK(r["engagement_points"].get<double>() == Approx(4 + 20));
    CHECK(r["events"] == 4);  // signals are not extra events
    CHECK(r["qualified"] == true);
    CHECK(r["segments"] == json({"lim", "mins"}));
    CHECK(r["activated_at"] == "2026-01-01T00:00:00.000Z");  // the second external meeting
    // velocity: age 0-6 = meeting(1) + ext(10) + meeting(1) + login(1); age 7-13 = meeting(1) + ext(10).
    CHECK(r["velocity"].get<double>() == Approx((13.0 - 11) / 11));

    // A signal named like an event type replaces it: meetings count only when external.
    r = row(
        score(e, R"({"signals":{"meeting":{"event":"meeting","where":[{"property":"external","op":"gt","value":0}]}},
        "engagement":{"decay":"none","saturation":10,"default_weight":1}})"),
        "a");
    CHECK(r["engagement_points"].get<double>() == Approx(1));  // the login; the signal is unlisted
    r = row(
        score(e, R"({"signals":{"meeting":{"event":"meeting","where":[{"property":"external","op":"gt","value":0}]}},
        "engagement":{"decay":"none","saturation":10,"default_weight":1,"events":{"meeting":{"weight":3}}}})"),
        "a");
    CHECK(r["engagement_points"].get<double>() == Approx(1 + 2 * 3));
}

TEST_CASE("a change of a signal's where rebuilds only the signals, not the index", "[score][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u1", "m", {{"x", 1}}) + ev(kT, "b", "u2", "m", {{"x", 5}})).ok());
    auto model = [](int v) {
        return R"({"signals":{"s":{"event":"m","where":[{"property":"x","op":"gte","value":)" + std::to_string(v) +
               R"(}]}},"pql":{"min_score":0,"require_activation":false,"rule":{"metric":"count.s","op":">=","value":1}}})";
    };
    CHECK(score(e, model(1))["qualified"] == 2);
    const auto builds = pql::EngineInternals::scorer(e).stats.index_builds,
               signals = pql::EngineInternals::scorer(e).stats.signal_builds;
    CHECK(score(e, model(3))["qualified"] == 1);
    CHECK(pql::EngineInternals::scorer(e).stats.index_builds == builds);
    CHECK(pql::EngineInternals::scorer(e).stats.signal_builds == signals + 1);
    CHECK(score(e, R"({"pql":{"min_score":0,"require_activation":false}})")["qualified"] == 2);
    CHECK(pql::EngineInternals::scorer(e).stats.index_builds == builds);
}

TEST_CASE("per-leaf windows, active events, active_days and days_since_last_seen", "[score][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u1", "login") + ev(kT - 3 * kDay, "a", "u2", "report") +
                          ev(kT - 3 * kDay, "a", "u2", "report") + ev(kT - 10 * kDay, "a", "u3", "report") +
                          ev(kT - 40 * kDay, "a", "u4", "report"))
                .ok());
    auto r = row(score(e, R"({"active_days":7,"active":{"events":["report"]},
        "pql":{"min_score":0,"require_activation":false,"rule":{"all":[
            {"metric":"count.report","op":"==","value":2,"window_days":7},
            {"metric":"users.report","op":"==","value":2,"window_days":14},
            {"metric":"active_days","op":"==","value":3},
            {"metric":"active_days","op":"==","value":1,"window_days":5},
            {"metric":"events","op":"==","value":3,"window_days":7},
            {"metric":"active_users","op":"==","value":2,"window_days":11}]}}})"),
                 "a");
    CHECK(r["active_users"] == 1);  // u2 (the login of u1 is not active)
    CHECK(r["days_since_last_seen"] == 3);
    CHECK(r["last_seen"] == "2026-01-01T00:00:00.000Z");
    CHECK(r["qualified"] == true);
    // No active event at all: counted from the first event.
    r = row(score(e, R"({"active":{"events":["nothing"]}})"), "a");
    CHECK(r["active_users"] == 0);
    CHECK(r["days_since_last_seen"] == 40);
}

TEST_CASE("customers are ranked but never qualified unless include_customers", "[score][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT - 5 * kDay, "a", "u", "x") + ev(kT - 2 * kDay, "a", "u", "paid") +
                          ev(kT, "b", "v", "x") + ev(kT + kDay, "b", "v", "paid"))
                .ok());
    const std::string base =
        R"({"as_of":"2026-01-01T12:00:00Z","conversion_event":"paid","pql":{"min_score":0,"require_activation":false)";
    auto run = score(e, base + "}}");
    CHECK(run["customers"] == 1);
    CHECK(run["qualified"] == 1);
    CHECK(row(run, "a")["converted"] == true);
    CHECK(row(run, "a")["converted_at"] == "2025-12-30T00:00:00.000Z");
    CHECK(row(run, "a")["qualified"] == false);
    CHECK(row(run, "b")["converted"] == false);  // converts after as_of: still a lead
    CHECK(row(run, "b")["converted_at"] == nullptr);
    CHECK(score(e, base + R"(,"include_customers":true}})")["qualified"] == 2);
    // Conversions from an outcomes file count too.
    REQUIRE(e.load_outcomes(R"({"account_id":"b","converted_at":"2025-12-31T00:00:00Z"})").ok());
    CHECK(score(e, base + "}}")["customers"] == 2);
}

TEST_CASE("PQL since: the current streak and the first qualified day", "[score][v2]") {
    Engine e;
    // a: a report on days -6, -5, then -2, -1, 0: qualified (count in 1 day >= 1) on those days.
    std::string text;
    for (int d : {6, 5, 2, 1, 0}) text += ev(kT - d * kDay + 3600000, "a", "u", "report");
    text += ev(kT - 9 * kDay, "b", "v", "report");  // b: qualified on day -9 only
    REQUIRE(e.load_events(text).ok());
    auto run = score(e, R"({"as_of":"2026-01-01T12:00:00Z","pql":{"min_score":0,"require_activation":false,
        "rule":{"metric":"count.report","op":">=","value":1,"window_days":1}}})");
    auto a = row(run, "a");
    CHECK(a["qualified"] == true);
    CHECK(a["qualified_at"] == "2025-12-30T23:59:59.999Z");
    CHECK(a["days_qualified"] == 2);
    CHECK(a["first_qualified_at"] == "2025-12-26T23:59:59.999Z");
    auto b = row(run, "b");
    CHECK(b["qualified_at"] == nullptr);
    CHECK(b["days_qualified"] == nullptr);
    CHECK(b["first_qualified_at"] == "2025-12-23T23:59:59.999Z");
    // The funnel's view: every entity, index order.
    auto firsts = pql::EngineInternals::scorer(e).first_qualified_at(e.model());
    REQUIRE(firsts.size() == 2);
    CHECK((firsts[0] && firsts[1]));
}

TEST_CASE("personas count the entity's users; fit rules read them", "[score][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT, "a", "u1", "x") + ev(kT, "a", "u2", "x") + ev(kT, "b", "u3", "x")).ok());
    REQUIRE(e.load_users("{\"user_id\":\"u1\",\"traits\":{\"title\":\"VP "
                         "Sales\"}}\n{\"user_id\":\"u2\",\"traits\":{\"title\":\"vp eng\"}}\n"
                         "{\"user_id\":\"u3\",\"traits\":{\"title\":\"Engineer\"}}\n")
                .ok());
    auto run = score(e, R"({"personas":{"vp":[{"trait":"title","op":"contains","value":"VP"}]},
        "fit":{"rules":[{"persona":"vp","op":"gte","value":2,"points":10},{"trait":"none","op":"exists","points":10}]},
        "pql":{"min_score":0,"require_activation":false,"rule":{"metric":"persona.vp","op":">=","value":1}}})");
    CHECK(row(run, "a")["fit"].get<double>() == Approx(50));
    CHECK(row(run, "a")["qualified"] == true);
    CHECK(row(run, "b")["fit"].get<double>() == Approx(0));
    CHECK(row(run, "b")["qualified"] == false);
    auto x = json::parse(*e.explain_json("a"));
    CHECK(x["personas"]["vp"] == json({"u1", "u2"}));
    CHECK(x["metrics"]["persona.vp"] == 2);
}

TEST_CASE("backtest signals list the model's signals with the event types", "[backtest][v2]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT - 2 * kDay, "a", "u1", "meeting", {{"external", 1}}) +
                          ev(kT - 2 * kDay, "b", "u2", "meeting", {{"external", 0}}) +
                          ev(kT + 3 * kDay, "a", "u1", "paid"))
                .ok());
    REQUIRE(e.set_model_json(R"({"conversion_event":"paid","signals":{"ext":{"event":"meeting","where":[
        {"property":"external","op":"gt","value":0}]}}})")
                .ok());
    BacktestOptions o;
    o.as_of = kT;
    o.horizon_days = 10;
    auto r = e.backtest_json(o);
    REQUIRE(r.ok());
    const json j = json::parse(*r);
    std::vector<std::string> names;
    for (auto& s : j["signals"]) names.push_back(s["event"]);
    CHECK(names == std::vector<std::string>{"ext", "meeting"});
    CHECK(j["signals"][0]["did"] == 1);
    CHECK(j["signals"][0]["did_conversions"] == 1);
}
