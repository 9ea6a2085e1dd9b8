// Replace by kind: after clear_X() and a new load of X, the engine answers exactly as a fresh
// engine that loaded only the rest and the new X.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "conformance.hpp"
#include "pql/engine.hpp"

using namespace pql;
using pql::test::case_dir;
using pql::test::slurp;

namespace {

const std::string kFit = case_dir("03-fit"), kRules = case_dir("04-rules"), kSegment = case_dir("05-segment");

void same(Engine& a, Engine& b) {
    CHECK(a.score_json() == b.score_json());
    CHECK(a.score_csv() == b.score_csv());
    CHECK(a.catalog_json() == b.catalog_json());
    auto ea = a.scores(), eb = b.scores();
    CHECK(ea == eb);
}

void load(Engine& e, Result<LoadReport> r) {
    REQUIRE(r.ok());
    (void)e;
}

}  // namespace

TEST_CASE("clear_events then a new events load equals a fresh engine", "[clear]") {
    for (const std::string& model : {slurp(kRules + "/model.json"), slurp(kFit + "/model.json")}) {
        Engine e, fresh;
        REQUIRE(e.set_model_json(model).ok());
        REQUIRE(fresh.set_model_json(model).ok());
        load(e, e.load_accounts(slurp(kRules + "/accounts.jsonl")));
        load(e, e.load_events(slurp(kSegment + "/events.jsonl")));  // group and identify calls too
        load(e, e.load_events(slurp(kFit + "/events.jsonl")));
        (void)e.score_json();  // caches built on the old events
        e.clear_events();
        CHECK(nlohmann::json::parse(e.catalog_json())["events_loaded"] == 0);
        load(e, e.load_events(slurp(kRules + "/events.jsonl")));
        load(fresh, fresh.load_accounts(slurp(kRules + "/accounts.jsonl")));
        load(fresh, fresh.load_events(slurp(kRules + "/events.jsonl")));
        same(e, fresh);
        CHECK(e.events_report().read == fresh.events_report().read);
    }
}

TEST_CASE("clear_accounts then a new accounts load equals a fresh engine", "[clear]") {
    const std::string model = slurp(kFit + "/model.json");
    Engine e, fresh;
    REQUIRE(e.set_model_json(model).ok());
    REQUIRE(fresh.set_model_json(model).ok());
    load(e, e.load_events(slurp(kFit + "/events.jsonl")));
    load(e, e.load_events(slurp(kSegment + "/events.jsonl")));
    load(e, e.load_accounts(slurp(kRules + "/accounts.jsonl")));  // ids no event has
    load(e, e.load_accounts(slurp(kFit + "/accounts.jsonl")));
    (void)e.score_json();
    e.clear_accounts();
    load(e, e.load_accounts("{\"account_id\":\"acme\",\"name\":\"Acme Inc\",\"traits\":{\"employees\":40}}\n"));
    load(fresh, fresh.load_events(slurp(kFit + "/events.jsonl")));
    load(fresh, fresh.load_events(slurp(kSegment + "/events.jsonl")));
    load(fresh, fresh.load_accounts("{\"account_id\":\"acme\",\"name\":\"Acme Inc\",\"traits\":{\"employees\":40}}\n"));
    same(e, fresh);
    // Group-call traits came with the events and stay.
    CHECK(e.explain_json("bolt").ok());
}

TEST_CASE("clear_users then a new users load equals a fresh engine", "[clear]") {
    Engine e, fresh;
    load(e, e.load_events(slurp(kSegment + "/events.jsonl")));
    load(e,
         e.load_users("{\"user_id\":\"u1\",\"traits\":{\"title\":\"VP\"}}\n{\"user_id\":\"nobody\",\"traits\":{}}\n"));
    e.clear_users();
    load(e, e.load_users("{\"user_id\":\"u2\",\"traits\":{\"title\":\"CEO\"}}\n"));
    load(fresh, fresh.load_events(slurp(kSegment + "/events.jsonl")));
    load(fresh, fresh.load_users("{\"user_id\":\"u2\",\"traits\":{\"title\":\"CEO\"}}\n"));
    same(e, fresh);
}

TEST_CASE("clear_outcomes then a new outcomes load equals a fresh engine", "[clear]") {
    const std::string events = slurp(kRules + "/events.jsonl");
    Engine e, fresh;
    load(e, e.load_events(events));
    load(e, e.load_outcomes("account_id,converted_at\nacme,2026-02-21\nbolt,2026-02-22\n"));
    BacktestOptions o;
    o.as_of = 1771500000000;
    const auto before = e.backtest_json(o);
    REQUIRE(before.ok());
    e.clear_outcomes();
    load(e, e.load_outcomes("account_id,converted_at\ncora,2026-02-23\n"));
    load(fresh, fresh.load_events(events));
    load(fresh, fresh.load_outcomes("account_id,converted_at\ncora,2026-02-23\n"));
    const auto after = e.backtest_json(o), want = fresh.backtest_json(o);
    REQUIRE(after.ok());
    REQUIRE(want.ok());
    CHECK(*after == *want);
    CHECK(*after != *before);
    same(e, fresh);
}
