// Backtest metrics on hand-computed cases, the leakage guarantee, suggestions and compare.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "../../core/src/conversions.hpp"
#include "pql/engine.hpp"
#include "pql/time.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

const int64_t kT = 1767225600000;  // 2026-01-01T00:00:00Z
const int64_t kDay = 86400000;

std::string ev(int64_t ts, const std::string& acct, const std::string& event, const std::string& user = "u") {
    return json{{"timestamp", ts}, {"account_id", acct}, {"user_id", user + acct}, {"event", event}}.dump() + "\n";
}

// Five accounts with 5..1 "use" events before T; a and c convert within the horizon,
// e converted before T (out of the population), d converts after the horizon.
std::string history() {
    std::string s;
    const char* ids[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; ++i)
        for (int k = 0; k < 5 - i; ++k) s += ev(kT - (k + 1) * kDay, ids[i], "use");
    s += ev(kT + 2 * kDay, "a", "paid") + ev(kT + 5 * kDay, "c", "paid") + ev(kT + 40 * kDay, "d", "paid") +
         ev(kT - 3 * kDay, "e", "paid");
    return s;
}

const char* kModel = R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid",
    "engagement":{"decay":"none","saturation":1,"events":{"use":{"weight":1}}},
    "weights":{"activation":0,"engagement":1,"fit":0},
    "pql":{"min_score":70,"require_activation":false},
    "tiers":[{"name":"Top","min_score":75},{"name":"Empty","min_score":99.9},{"name":"Rest","min_score":0}]})";

json backtest(Engine& e, int64_t horizon = 30) {
    BacktestOptions o;
    o.horizon_days = horizon;
    auto r = e.backtest_json(o);
    REQUIRE(r.ok());
    return json::parse(*r);
}

}  // namespace

TEST_CASE("ROC AUC counts ties as one half", "[backtest]") {
    CHECK(*roc_auc({1, 2, 3, 4}, {false, false, true, true}) == 1.0);
    CHECK(*roc_auc({1, 2, 3, 4}, {true, true, false, false}) == 0.0);
    CHECK(*roc_auc({1, 1, 1, 1}, {true, false, true, false}) == 0.5);
    CHECK(*roc_auc({1, 2, 2, 3}, {false, true, false, true}) == Approx(0.875));
    CHECK(!roc_auc({1, 2}, {false, false}));
}

TEST_CASE("backtest figures on a hand-computed case", "[backtest]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    const json j = backtest(e);
    // Scores: engagement = 100 E / (E + 1) with E = 5, 4, 3, 2 for a, b, c, d.
    CHECK(j["as_of"] == "2026-01-01T00:00:00.000Z");
    CHECK(j["population"] == 4);
    CHECK(j["conversions"] == 2);
    CHECK(j["base_rate"] == 0.5);
    // a (83.3), b (80) and c (75) qualify at min_score 70; d (66.7) does not.
    CHECK(j["pql"]["qualified"]["count"] == 3);
    CHECK(j["pql"]["qualified"]["conversions"] == 2);
    CHECK(j["pql"]["qualified"]["lift"].get<double>() == Approx(4.0 / 3));
    CHECK(j["pql"]["not_qualified"] == json({{"count", 1}, {"conversions", 0}, {"rate", 0.0}, {"lift", 0.0}}));
    CHECK(j["pql"]["precision"].get<double>() == Approx(2.0 / 3));
    CHECK(j["pql"]["recall"] == 1.0);
    CHECK(j["pql"]["fpr"] == 0.5);
    CHECK(j["tiers"][0]["name"] == "Empty");  // highest min_score first
    CHECK(j["tiers"][0]["count"] == 0);
    CHECK(j["tiers"][0]["rate"].is_null());
    CHECK(j["tiers"][1]["name"] == "Top");
    CHECK(j["tiers"][1]["count"] == 3);
    CHECK(j["precision_at"]["10"]["precision"] == 0.5);  // all four ranked
    CHECK(j["precision_at"]["10"]["recall"] == 1.0);
    // Ranked a, b, c, d with positives a and c: 3 of 4 pairs ordered right.
    CHECK(j["auc"] == 0.75);
    REQUIRE(j["sweep"].size() == 21);
    CHECK(j["sweep"][0] == json({{"min_score", 0}, {"qualified", 4}, {"precision", 0.5}, {"recall", 1.0}}));
    CHECK(j["sweep"][20]["qualified"] == 0);
    CHECK(j["sweep"][20]["precision"].is_null());
    REQUIRE(j["signals"].size() == 1);  // the conversion event is not a signal
    CHECK(j["signals"][0]["event"] == "use");
    CHECK(j["signals"][0]["not_rate"].is_null());
}

TEST_CASE("zero base rate gives null ratios", "[backtest]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT - kDay, "a", "use") + ev(kT - kDay, "b", "use")).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    const json j = backtest(e);
    CHECK(j["conversions"] == 0);
    CHECK(j["base_rate"] == 0.0);
    CHECK(j["tiers"][1]["lift"].is_null());
    CHECK(j["pql"]["recall"].is_null());
    CHECK(j["auc"].is_null());
}

TEST_CASE("events after as_of never change any figure", "[backtest][leakage]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    const std::string before = *e.backtest_json({});
    // Future activity by every account, and a new account, after T (no new conversions).
    std::string future;
    for (const char* id : {"a", "b", "c", "d", "e", "zz"})
        for (int k = 0; k < 20; ++k) future += ev(kT + (k + 1) * 3600000LL, id, k % 2 ? "use" : "other");
    REQUIRE(e.load_events(future).ok());
    CHECK(*e.backtest_json({}) == before);
}

TEST_CASE("outcomes files and missing conversions", "[backtest]") {
    Engine e;
    REQUIRE(e.load_events(ev(kT - kDay, "a", "use") + ev(kT - kDay, "b", "use") + ev(kT - 2 * kDay, "b", "use")).ok());
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z","engagement":{"default_weight":1}})").ok());
    auto none = e.backtest_json({});
    REQUIRE(!none.ok());
    CHECK(none.error().code == "invalid_argument");
    auto r = e.load_outcomes("account_id,converted_at\nb,2026-01-10\nzz,2026-01-02\nb,2026-01-03\nq,soon\n");
    REQUIRE(r.ok());
    CHECK(r->loaded == 3);
    CHECK(r->errors[0].message == "converted_at: not a date");
    const json j = backtest(e);
    CHECK(j["conversions"] == 1);
    CHECK(j["auc"] == 1.0);
}

TEST_CASE("as_of defaults to the latest event minus the horizon", "[backtest]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(R"({"conversion_event":"paid"})").ok());
    CHECK(backtest(e, 10)["as_of"] == "2026-01-31T00:00:00.000Z");
}

TEST_CASE("compare: tier migration, movers and the split of a delta", "[compare]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    auto r = e.compare_json(R"({"as_of":"2026-01-01T00:00:00Z","engagement":{"decay":"none","saturation":1,
        "events":{"use":{"weight":1},"paid":{"weight":50}}},"weights":{"activation":0,"engagement":1,"fit":0},
        "tiers":[{"name":"Top","min_score":90},{"name":"Rest","min_score":0}]})");
    REQUIRE(r.ok());
    const json j = json::parse(*r);
    CHECK(j["a"]["entities"] == 5);
    // e's conversion before T now adds 50 points: its score goes from 50 to 100 E/(E+1) with E = 51.
    REQUIRE(j["movers"]["up"].size() == 1);
    const json& m = j["movers"]["up"][0];
    CHECK(m["id"] == "e");
    CHECK(m["tier_a"] == "Rest");
    CHECK(m["tier_b"] == "Top");
    CHECK(m["components"]["engagement"].get<double>() == Approx(m["delta"].get<double>()));
    CHECK(m["events"][0] == json({{"event", "paid"}, {"points_a", 0.0}, {"points_b", 50.0}, {"delta", 50.0}}));
    int64_t moved = 0;
    for (auto& x : j["migration"])
        if (x["from"] == "Top" && x["to"] == "Rest") moved = x["count"];
    CHECK(moved == 3);  // a, b and c fall below the new Top threshold of 90
    CHECK(j["moved"] == 4);
}

TEST_CASE("suggestions: steps that separate converters, weights with a holdout, capacity", "[suggest]") {
    Engine e;
    std::string s;
    // Cohort A invites early and converts before T; cohort B invites just before T and converts
    // after it; cohort C only logs in. Logins are unrelated to converting.
    for (int i = 0; i < 80; ++i) {
        const std::string id = "acct" + std::to_string(i);
        for (int k = 0; k <= i % 5; ++k) s += ev(kT - (40 + k) * kDay, id, "login");
        if (i < 20) s += ev(kT - 35 * kDay, id, "invite") + ev(kT - 10 * kDay, id, "paid");
        else if (i < 40) s += ev(kT - 5 * kDay, id, "invite") + ev(kT + 5 * kDay, id, "paid");
    }
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.set_model_json(
                 R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid","engagement":{"default_weight":1}})")
                .ok());
    SuggestOptions o;
    o.horizon_days = 20;
    o.capacity_per_week = 1;
    auto r = e.suggest_json(o);
    REQUIRE(r.ok());
    const json j = json::parse(*r);
    REQUIRE(!j["activation_steps"].empty());
    CHECK(j["activation_steps"][0]["event"] == "invite");
    CHECK(j["weights"]["weights"]["invite"] == 10.0);
    CHECK(j["weights"]["weights"]["login"].get<double>() < 10);
    CHECK(j["weights"]["holdout_auc"] == 1.0);
    CHECK(j["weights"]["train_population"] == 80);
    CHECK(j["capacity"]["qualified"].get<int64_t>() <= j["capacity"]["capacity"].get<int64_t>());
}

TEST_CASE("portable log and exp agree with the C library", "[suggest]") {
    for (double x : {1e-300, 1e-5, 0.3, 0.5, 0.7071, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300})
        CHECK(log_portable(x) == Approx(std::log(x)).epsilon(1e-14).margin(1e-300));
    for (double x = -30; x < 30; x += 0.77) CHECK(exp_portable(x) == Approx(std::exp(x)).epsilon(1e-14));
}

TEST_CASE("backtest: false-positive share, lost PQLs in rank order, calibration deciles", "[backtest]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    const json j = backtest(e);
    // Qualified a, b, c; b did not convert: one PQL in three never converted.
    CHECK(j["pql"]["false_positive_share"].get<double>() == Approx(1.0 / 3));
    CHECK(j["pql"]["fpr"] == 0.5);  // §5's fpr is unchanged
    CHECK(j["lost_pqls"] == json::array({"b"}));
    // Four entities in rank order a, b, c, d cut at floor(4 d / 10): deciles 3, 5, 8 and 10.
    const json& cal = j["calibration"];
    REQUIRE(cal.size() == 4);
    CHECK(cal[0]["decile"] == 3);
    CHECK(cal[0]["count"] == 1);
    CHECK(cal[0]["conversions"] == 1);
    CHECK(cal[0]["rate"] == 1.0);
    CHECK(cal[0]["lift"] == 2.0);
    CHECK(cal[0]["max_score"].get<double>() == Approx(500.0 / 6));
    CHECK(cal[1]["conversions"] == 0);  // b
    CHECK(cal[3]["decile"] == 10);
    CHECK(cal[3]["min_score"].get<double>() == Approx(200.0 / 3));  // d: E = 2
}

TEST_CASE("backtest: calibration deciles of a larger population are equal in size", "[backtest]") {
    Engine e;
    std::string s;
    for (int i = 0; i < 95; ++i) {
        const std::string id = "a" + std::to_string(100 + i);
        for (int k = 0; k <= i % 13; ++k) s += ev(kT - (k + 1) * kDay, id, "use");
        if (i % 13 > 8) s += ev(kT + 3 * kDay, id, "paid");
    }
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    const json j = backtest(e);
    REQUIRE(j["calibration"].size() == 10);
    int64_t count = 0, conv = 0;
    double prev_min = 101;
    for (auto& c : j["calibration"]) {
        CHECK((c["count"] == 9 || c["count"] == 10));
        count += c["count"].get<int64_t>();
        conv += c["conversions"].get<int64_t>();
        CHECK(c["max_score"].get<double>() <= prev_min);
        prev_min = c["min_score"].get<double>();
    }
    CHECK(count == 95);
    CHECK(conv == j["conversions"]);
    // The converters have the most events: the top decile converts, the bottom does not.
    CHECK(j["calibration"][0]["rate"] == 1.0);
    CHECK(j["calibration"][9]["rate"] == 0.0);
}

TEST_CASE("compare: both models' quality side by side at the same as_of", "[compare]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    // B sees no signal at all (every score 0), and as_of a week later, which quality ignores.
    auto r = e.compare_json(R"({"as_of":"2026-01-08T00:00:00Z","engagement":{"decay":"none","saturation":1,
        "events":{"use":{"weight":-1}}},"weights":{"activation":0,"engagement":1,"fit":0},
        "pql":{"min_score":70,"require_activation":false}})");
    REQUIRE(r.ok());
    const json q = json::parse(*r)["quality"];
    CHECK(q["as_of"] == "2026-01-01T00:00:00.000Z");
    CHECK(q["horizon_days"] == 30);
    CHECK(q["population"] == 4);
    CHECK(q["conversions"] == 2);
    std::map<std::string, json> m;
    for (auto& x : q["metrics"]) m[x["metric"]] = x;
    REQUIRE(m.size() == 9);
    CHECK(m["funnel_pql_rate"]["a"] == 0.6);  // a, b and c of five (e is a customer) qualified by T
    CHECK(m["funnel_pql_rate"]["b"] == 0.0);
    CHECK(m["funnel_pql_rate"]["better"].is_null());
    CHECK(m["funnel_pql_rate"]["higher_is_better"].is_null());
    CHECK(m["auc"]["a"] == 0.75);
    CHECK(m["auc"]["b"] == 0.5);  // all tied
    CHECK(m["auc"]["better"] == "a");
    CHECK(m["precision_at_10"]["better"] == "same");  // both take all four
    CHECK(m["pql_precision"]["b"].is_null());         // B qualifies no one
    CHECK(m["pql_precision"]["better"].is_null());
    CHECK(m["pql_recall"]["b"] == 0.0);
    CHECK(m["pql_recall"]["better"] == "a");
    CHECK(m["false_positive_share"]["higher_is_better"] == false);
    CHECK(q["better"]["a"] == 2);
    CHECK(q["better"]["b"] == 0);

    // Without any conversion source there is nothing to judge quality by.
    Engine plain;
    REQUIRE(plain.load_events(ev(kT - kDay, "a", "use")).ok());
    auto none = plain.compare_json(R"({"weights":{"fit":1}})");
    REQUIRE(none.ok());
    CHECK(json::parse(*none)["quality"].is_null());
}

TEST_CASE("suggest: the capacity threshold counts new PQLs a week and keeps the gates", "[suggest]") {
    Engine e;
    std::string s;
    // 40 new accounts, active only in the last week (i + 1 uses each), and 10 old accounts with
    // 50 uses 40 days ago, qualified at T and four weeks before: not new leads.
    for (int i = 0; i < 40; ++i)
        for (int k = 0; k <= i; ++k) s += ev(kT - (k % 7) * kDay - 3600000, "n" + std::to_string(i), "use");
    for (int i = 0; i < 10; ++i)
        for (int k = 0; k < 50; ++k) s += ev(kT - 40 * kDay, "o" + std::to_string(i), "use");
    s += ev(kT + kDay, "n39", "paid");
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid",
        "engagement":{"decay":"none","saturation":1,"events":{"use":{"weight":1}}},
        "weights":{"activation":0,"engagement":1,"fit":0},"pql":{"min_score":60,"require_activation":false}})")
                .ok());
    SuggestOptions o;
    o.capacity_per_week = 5;
    json c = json::parse(*e.suggest_json(o))["capacity"];
    CHECK(c["gates_allow_per_week"] == 10.0);  // 40 new in four weeks
    CHECK(c["limited_by"] == "capacity");
    // 100 c / (c + 1) >= 95.5 needs c >= 22: 19 new accounts, 4.75 a week; the old ten still qualify.
    CHECK(c["min_score"] == 95.5);
    CHECK(c["per_week_at_threshold"] == 4.75);
    CHECK(c["qualified"] == 29);

    // Sales can take more than the definition can send: say so, keep the model's threshold.
    o.capacity_per_week = 20;
    c = json::parse(*e.suggest_json(o))["capacity"];
    CHECK(c["limited_by"] == "definition");
    CHECK(c["min_score"] == 60.0);
    CHECK(c["note"].get<std::string>().find("10.0 new PQLs a week") != std::string::npos);

    // The gates count: with a rule only the old accounts pass, and none of them is new.
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid",
        "engagement":{"decay":"none","saturation":1,"events":{"use":{"weight":1}}},
        "weights":{"activation":0,"engagement":1,"fit":0},
        "pql":{"min_score":60,"require_activation":false,"rule":{"metric":"count.use","op":">=","value":45}}})")
                .ok());
    o.capacity_per_week = 1;
    c = json::parse(*e.suggest_json(o))["capacity"];
    CHECK(c["gates_allow_per_week"] == 0.0);
    CHECK(c["limited_by"] == "definition");
}

TEST_CASE("suggest: negative weights are explained, the non-negative fit has none", "[suggest]") {
    Engine e;
    std::string s;
    // "invite" marks converters; "admin" is done by the same accounts plus a few that never
    // convert, so it lifts conversion on its own and adds nothing once invite is known.
    for (int i = 0; i < 120; ++i) {
        const std::string id = "acct" + std::to_string(i);
        s += ev(kT - 60 * kDay, id, "login");
        const bool converts_train = i < 20, converts_test = i >= 20 && i < 40;
        if (converts_train)
            s += ev(kT - 45 * kDay, id, "invite") + ev(kT - 45 * kDay, id, "admin") + ev(kT - 10 * kDay, id, "paid");
        if (converts_test)
            s += ev(kT - 5 * kDay, id, "invite") + ev(kT - 5 * kDay, id, "admin") + ev(kT + 5 * kDay, id, "paid");
        if (i >= 40 && i < 55) s += ev(kT - 45 * kDay, id, "admin") + ev(kT - 5 * kDay, id, "admin");
    }
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.set_model_json(
                 R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid","engagement":{"default_weight":1}})")
                .ok());
    SuggestOptions o;
    o.horizon_days = 20;
    const json w = json::parse(*e.suggest_json(o))["weights"];
    size_t negatives = 0;
    for (auto& [name, v] : w["weights"].items())
        if (v.get<double>() < 0) ++negatives;
    CHECK(w["explanations"].size() == negatives);
    for (auto& x : w["explanations"]) {
        CHECK(x["weight"].get<double>() < 0);
        CHECK(!x["note"].get<std::string>().empty());
        CHECK((x["reason"] == "collinear" || x["reason"] == "negative_signal" || x["reason"] == "weak"));
        if (x["reason"] == "collinear") CHECK(w["weights"][x["correlated_with"].get<std::string>()].get<double>() > 0);
    }
    for (auto& [name, v] : w["non_negative"]["weights"].items()) CHECK(v.get<double>() >= 0);
    CHECK(w["non_negative"]["weights"]["invite"] == 10.0);
    CHECK(w["non_negative"]["holdout_auc"].is_number());
}

TEST_CASE("suggest: fit suggestions by trait value and numeric band", "[suggest]") {
    Engine e;
    std::string s, accounts;
    for (int i = 0; i < 60; ++i) {
        const std::string id = "acct" + std::to_string(i);
        s += ev(kT - 3 * kDay, id, "login");
        const char* industry = i % 3 == 0 ? "Software" : i % 3 == 1 ? "retail" : "education";
        if (i % 3 == 0 && i < 45) s += ev(kT + 2 * kDay, id, "paid");  // 15 software converters
        accounts += json{{"account_id", id},
                         {"traits", {{"industry", i % 6 == 0 ? "software" : industry}, {"employees", i * 10}}}}
                        .dump() +
                    "\n";
    }
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.load_accounts(accounts).ok());
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid"})").ok());
    const json f = json::parse(*e.suggest_json({}))["fit"];
    std::map<std::string, json> traits;
    for (auto& t : f["traits"]) traits[t["trait"]] = t;
    REQUIRE(traits.count("industry"));
    CHECK(traits["industry"]["kind"] == "categorical");
    json top;  // "Software" and "software" are one value
    for (auto& v : traits["industry"]["values"])
        if (v["value"] == "software" || v["value"] == "Software") top = v;
    REQUIRE(traits["industry"]["values"].size() == 3);
    CHECK(top["count"] == 20);
    CHECK(top["conversions"] == 15);
    CHECK(top["lift"].get<double>() == Approx(3.0));
    CHECK(traits["employees"]["kind"] == "numeric");
    REQUIRE(traits["employees"]["values"].size() == 4);
    CHECK(traits["employees"]["values"][0]["value"] == json({0.0, 140.0}));
    CHECK(traits["employees"]["values"][0]["count"] == 15);
    REQUIRE(!f["rules"].empty());
    // The strongest: a penalty for the largest band (no converters where 3.75 were expected).
    CHECK(f["rules"][0] == json({{"trait", "employees"},
                                 {"op", "gte"},
                                 {"value", 450.0},
                                 {"points", -50.0},
                                 {"lift", 0.0},
                                 {"count", 15}}));
    json r;
    for (auto& x : f["rules"])
        if (x["trait"] == "industry" && x["points"].get<double>() > 0) r = x;
    CHECK(r["trait"] == "industry");
    CHECK(r["op"] == "eq");
    CHECK(r["points"].get<double>() > 0);
    // The rules are model JSON: a model with them parses.
    json model = {{"fit", {{"rules", json::array()}}}};
    for (auto& x : f["rules"])
        model["fit"]["rules"].push_back(
            {{"trait", x["trait"]}, {"op", x["op"]}, {"value", x.value("value", json())}, {"points", x["points"]}});
    for (auto& x : model["fit"]["rules"])
        if (x["value"].is_null()) x.erase("value");
    CHECK(e.set_model_json(model.dump()).ok());
}

TEST_CASE("suggest: the Suggestions struct is what its JSON says", "[suggest]") {
    Engine e;
    std::string s, accounts;
    // As the fit case above, with a flag trait and a trait most accounts lack; the converters
    // invite first and are all in the second band of employees (150-290): a between rule.
    for (int i = 0; i < 60; ++i) {
        const std::string id = "acct" + std::to_string(i);
        s += ev(kT - 40 * kDay, id, "login") + ev(kT - 3 * kDay, id, "login");
        if (i % 3 == 0 && i >= 15 && i < 30) s += ev(kT - 35 * kDay, id, "invite") + ev(kT + 2 * kDay, id, "paid");
        json traits = {{"industry", i % 3 == 0 ? "Software" : "retail"}, {"employees", i * 10}, {"sso", i % 2 == 0}};
        if (i < 6) traits["region"] = "EU";
        accounts += json{{"account_id", id}, {"traits", traits}}.dump() + "\n";
    }
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.load_accounts(accounts).ok());
    REQUIRE(e.set_model_json(R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid"})").ok());
    SuggestOptions o;
    o.capacity_per_week = 2;
    auto r = e.suggest(o);
    REQUIRE(r.ok());
    const Suggestions& sg = *r;
    const std::string text = suggestions_json(sg);
    CHECK(text == *e.suggest_json(o));  // one writer: the Engine's JSON is the struct's
    const json j = json::parse(text);
    CHECK(j["as_of"] == format_iso(sg.as_of));
    CHECK(sg.population == 60);
    CHECK(j["population"] == sg.population);
    CHECK(j["conversions"] == sg.conversions);
    REQUIRE(j["activation_steps"].size() == sg.activation_steps.size());
    REQUIRE(!sg.activation_steps.empty());
    CHECK(sg.activation_steps[0].event == "invite");
    CHECK(j["activation_steps"][0]["did"] == sg.activation_steps[0].did);
    // Weights: the sorted pairs are the JSON object's keys in order.
    const json& w = j["weights"];
    CHECK(w["train_as_of"] == format_iso(sg.weights.train_as_of));
    REQUIRE(w["weights"].size() == sg.weights.fit.weights.size());
    size_t k = 0;
    for (auto it = w["weights"].begin(); it != w["weights"].end(); ++it, ++k) {
        CHECK(it.key() == sg.weights.fit.weights[k].first);
        CHECK(it.value() == sg.weights.fit.weights[k].second);
    }
    REQUIRE(sg.weights.non_negative);
    CHECK(w["non_negative"]["holdout_auc"] == *sg.weights.non_negative->holdout_auc);
    CHECK(w["explanations"].size() == sg.weights.explanations.size());
    CHECK(j["capacity"]["limited_by"] == (sg.capacity.limited_by_definition ? "definition" : "capacity"));
    CHECK(j["capacity"]["min_score"] == sg.capacity.min_score);
    CHECK(j["capacity"]["note"] == sg.capacity.note);
    // Traits: bands as [lo, hi], values as the data has them, the rest named.
    std::map<std::string, const TraitSuggestion*> traits;
    for (auto& t : sg.fit.traits) traits[t.trait] = &t;
    REQUIRE(traits.count("employees"));
    REQUIRE(traits.count("sso"));
    REQUIRE(traits.count("region"));
    CHECK(traits["employees"]->numeric);
    const auto* band = std::get_if<TraitBand>(&traits["employees"]->values.at(0).value);
    REQUIRE(band);
    CHECK(band->lo == 0.0);
    CHECK(band->hi == 140.0);
    CHECK(!traits["sso"]->numeric);
    CHECK(std::get<Value>(traits["sso"]->values.at(0).value) == Value(false));  // 30 each: false first by text
    CHECK(std::get<Value>(traits["region"]->values.back().value) == Value(std::string("(missing)")));
    CHECK(traits["region"]->values.back().count == 54);
    REQUIRE(j["fit"]["traits"].size() == sg.fit.traits.size());
    for (size_t t = 0; t < sg.fit.traits.size(); ++t) {
        const TraitSuggestion& ts = sg.fit.traits[t];
        const json& jt = j["fit"]["traits"][t];
        CHECK(jt["trait"] == ts.trait);
        CHECK(jt["kind"] == (ts.numeric ? "numeric" : "categorical"));
        REQUIRE(jt["values"].size() == ts.values.size());
        for (size_t v = 0; v < ts.values.size(); ++v) {
            const TraitGroup& g = ts.values[v];
            const json& jv = jt["values"][v];
            if (auto* b = std::get_if<TraitBand>(&g.value)) CHECK(jv["value"] == json({b->lo, b->hi}));
            else CHECK(jv["value"] == json::parse(json_text(std::get<Value>(g.value))));
            CHECK(jv["count"] == g.count);
            CHECK(jv["conversions"] == g.conversions);
            CHECK(jv["rate"].is_null() == !g.rate);
        }
    }
    // Rules: a value only where the op takes one, a list for between.
    REQUIRE(j["fit"]["rules"].size() == sg.fit.rules.size());
    REQUIRE(!sg.fit.rules.empty());
    bool between = false;
    for (size_t i = 0; i < sg.fit.rules.size(); ++i) {
        const SuggestedFitRule& rule = sg.fit.rules[i];
        const json& jr = j["fit"]["rules"][i];
        CHECK(jr["trait"] == rule.trait);
        CHECK(jr["op"] == rule.op);
        CHECK(jr.contains("value") == (rule.value.shape != TestValue::None));
        CHECK((rule.op == "between") == (rule.value.shape == TestValue::List));
        between |= rule.op == "between";
        if (rule.value.shape == TestValue::List) CHECK(jr["value"].size() == rule.value.values.size());
        CHECK(jr["points"] == rule.points);
        CHECK(jr["count"] == rule.count);
    }
    CHECK(between);
    // The CLI's text is drawn from the same struct: an error is an error of both.
    o.capacity_per_week = 0;
    CHECK(e.suggest(o).error().code == "invalid_argument");
    CHECK(e.suggest_json(o).error().code == "invalid_argument");
}

TEST_CASE("compare: the Comparison struct is what its JSON says", "[compare]") {
    Engine e;
    REQUIRE(e.load_events(history()).ok());
    REQUIRE(e.set_model_json(kModel).ok());
    // B four and a half days earlier: only a has an event by then; b..e are not ranked under B.
    const std::string b = R"({"as_of":"2025-12-27T12:00:00Z","conversion_event":"paid",
        "engagement":{"decay":"none","saturation":1,"events":{"use":{"weight":1}}},
        "weights":{"activation":0,"engagement":1,"fit":0},"tiers":[{"name":"Top","min_score":90},{"name":"Rest","min_score":0}]})";
    CompareOptions o;
    o.movers = 3;
    auto r = e.compare(b, o);
    REQUIRE(r.ok());
    const Comparison& c = *r;
    const std::string text = comparison_json(c);
    CHECK(text == *e.compare_json(b, o));
    const json j = json::parse(text);
    CHECK(c.a.entities == 5);
    CHECK(c.b.entities == 1);
    CHECK(j["b"]["entities"] == c.b.entities);
    CHECK(j["b"]["as_of"] == "2025-12-27T12:00:00.000Z");
    CHECK(format_iso(c.b.as_of) == "2025-12-27T12:00:00.000Z");
    REQUIRE(c.tiers.size() == 5);  // A's three (B's are among them), then the two of no tier
    CHECK(c.tiers[3] == "(no tier)");
    CHECK(c.tiers[4] == "(not ranked)");
    CHECK(j["tiers"] == json(c.tiers));
    REQUIRE(j["migration"].size() == c.migration.size());
    int64_t unranked = 0;
    for (size_t i = 0; i < c.migration.size(); ++i) {
        CHECK(j["migration"][i] ==
              json({{"from", c.migration[i].from}, {"to", c.migration[i].to}, {"count", c.migration[i].count}}));
        if (c.migration[i].to == "(not ranked)") unranked += c.migration[i].count;
    }
    CHECK(unranked == 4);
    CHECK(j["moved"] == c.moved);
    // The biggest falls: ranked under A only, so no rank or score under B.
    REQUIRE(c.movers_down.size() == 3);
    REQUIRE(j["movers"]["down"].size() == 3);
    for (size_t i = 0; i < c.movers_down.size(); ++i) {
        const Mover& m = c.movers_down[i];
        const json& jm = j["movers"]["down"][i];
        CHECK(jm["id"] == m.id);
        CHECK(m.delta < 0);
        CHECK(jm["delta"] == m.delta);
        CHECK(!m.rank_b);
        CHECK(jm["rank_b"].is_null());
        CHECK(jm["rank_a"] == *m.rank_a);
        CHECK(m.tier_b == "(not ranked)");
        CHECK(jm["components"]["engagement"] == m.engagement);
        REQUIRE(jm["events"].size() == m.events.size());
        if (!m.events.empty()) CHECK(jm["events"][0]["delta"] == m.events[0].delta);
    }
    CHECK(c.movers_down[0].id == "b");  // 80 under A (b's 4 uses of 5), the largest fall of the unranked
    REQUIRE(c.quality);
    REQUIRE(j["quality"]["metrics"].size() == c.quality->metrics.size());
    for (size_t i = 0; i < c.quality->metrics.size(); ++i) {
        const QualityFigure& q = c.quality->metrics[i];
        CHECK(j["quality"]["metrics"][i]["metric"] == q.metric);
        CHECK(j["quality"]["metrics"][i]["better"].is_null() == !q.better);
        CHECK(j["quality"]["metrics"][i]["higher_is_better"].is_null() == !q.higher_is_better);
    }
    CHECK(j["quality"]["better"]["a"] == c.quality->better_a);
    CHECK(j["quality"]["qualified"]["b"] == c.quality->qualified_b);

    // Nothing to judge quality by: no quality, JSON null.
    Engine plain;
    REQUIRE(plain.load_events(ev(kT - kDay, "a", "use")).ok());
    auto none = plain.compare(R"({"weights":{"fit":1}})");
    REQUIRE(none.ok());
    CHECK(!none->quality);
    CHECK(json::parse(comparison_json(*none))["quality"].is_null());
    CHECK(plain.compare("{").error().code == "invalid_model");
}

// compare() backtests both models and runs both funnels at T on one scorer (one index, each
// model scored on it in turn): each side's figures must be those of that model alone, from a
// fresh engine's backtest and funnel at the same T.
TEST_CASE("compare: each side's quality is that model's own backtest and funnel", "[compare]") {
    // 30 accounts over 60 days: "use" and "view" on pseudo-random days, a third of them paying.
    std::string s;
    uint64_t x = 12345;
    auto next = [&](uint64_t n) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return (x >> 33) % n;
    };
    for (int a = 0; a < 30; ++a) {
        const std::string id = "acct" + std::to_string(a);
        for (int k = 0, n = 1 + static_cast<int>(next(25)); k < n; ++k)
            s += ev(kT - static_cast<int64_t>(next(60)) * kDay - static_cast<int64_t>(next(80000)) * 1000, id,
                    next(3) ? "use" : "view", "u" + std::to_string(next(3)));
        if (a % 3 == 0) s += ev(kT + static_cast<int64_t>(next(50)) * kDay - 20 * kDay, id, "paid");
    }
    const std::string a = R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid",
        "engagement":{"decay":"none","saturation":5,"events":{"use":{"weight":1}}},
        "weights":{"activation":0,"engagement":1,"fit":0},"pql":{"min_score":40,"require_activation":false}})";
    const std::string b = R"({"as_of":"2026-01-01T00:00:00Z","conversion_event":"paid",
        "signals":{"looked":{"event":"view","where":[]}},
        "engagement":{"half_life_days":7,"saturation":3,"events":{"use":{"weight":0.5},"looked":{"weight":2}}},
        "weights":{"activation":0,"engagement":1,"fit":0},
        "pql":{"min_score":30,"require_activation":false,"rule":{"metric":"users","op":">=","value":2}}})";
    Engine e;
    REQUIRE(e.load_events(s).ok());
    REQUIRE(e.set_model_json(a).ok());
    CompareOptions co;
    co.horizon_days = 30;
    auto c = e.compare_json(b, co);
    REQUIRE(c.ok());
    const json q = json::parse(*c)["quality"];
    REQUIRE(q.is_object());
    const int64_t T = *parse_timestamp(q["as_of"].get<std::string>());
    std::map<std::string, json> m;
    for (auto& f : q["metrics"]) m[f["metric"]] = f;
    for (const char* side : {"a", "b"}) {
        INFO("side " << side);
        Engine alone;
        REQUIRE(alone.load_events(s).ok());
        REQUIRE(alone.set_model_json(std::string(side) == "a" ? a : b).ok());
        BacktestOptions bo;
        bo.as_of = T;
        const json bt = json::parse(*alone.backtest_json(bo));
        CHECK(m["auc"][side] == bt["auc"]);
        CHECK(m["precision_at_10"][side] == bt["precision_at"]["10"]["precision"]);
        CHECK(m["pql_precision"][side] == bt["pql"]["precision"]);
        CHECK(m["pql_recall"][side] == bt["pql"]["recall"]);
        CHECK(m["false_positive_share"][side] == bt["pql"]["false_positive_share"]);
        CHECK(q["qualified"][side] == bt["pql"]["qualified"]["count"]);
        FunnelOptions fo;
        fo.as_of = T;
        const json fun = json::parse(*alone.funnel_json(fo));
        CHECK(m["funnel_pql_rate"][side] == fun["all"]["pql_rate"]);
    }
    // The two sides differ, so a mix-up would show.
    CHECK(m["auc"]["a"] != m["auc"]["b"]);
    CHECK(m["funnel_pql_rate"]["a"] != m["funnel_pql_rate"]["b"]);
}
