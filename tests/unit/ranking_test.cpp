// Engine::ranking: the same rows as score_json(), and each row's strongest event types.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "conformance.hpp"
#include "pql/engine.hpp"

using namespace pql;
using json = nlohmann::json;

TEST_CASE("ranking rows are score_json's rows", "[ranking]") {
    for (const std::string c : {"01-engagement", "03-fit", "04-rules", "05-segment"}) {
        INFO(c);
        const std::string dir = pql::test::case_dir(c);
        Engine e;
        REQUIRE(e.set_model_json(pql::test::slurp(dir + "/model.json")).ok());
        REQUIRE(e.load_events(pql::test::slurp(dir + "/events.jsonl")).ok());
        if (pql::test::exists(dir + "/accounts.jsonl"))
            REQUIRE(e.load_accounts(pql::test::slurp(dir + "/accounts.jsonl")).ok());
        const json run = json::parse(e.score_json());
        const Ranking r = e.ranking(2, 2);
        CHECK(r.entities == run["entities"].get<size_t>());
        CHECK(r.qualified == run["qualified"].get<int64_t>());
        CHECK(r.unassigned == run["diagnostics"]["unassigned"].get<int64_t>());
        REQUIRE(r.rows.size() == std::min<size_t>(2, r.entities));
        for (size_t i = 0; i < r.rows.size(); ++i) {
            const json& row = run["results"][i];
            const RankedEntity& x = r.rows[i];
            CHECK(x.rank == row["rank"].get<int64_t>());
            CHECK(x.id == row["id"].get<std::string>());
            CHECK(x.score == row["score"].get<double>());
            CHECK(x.qualified == row["qualified"].get<bool>());
            CHECK((x.tier ? json(*x.tier) : json(nullptr)) == row["tier"]);
            CHECK((x.name ? json(*x.name) : json(nullptr)) == row["name"]);
            CHECK((x.grade.empty() ? json(nullptr) : json(x.grade)) == row["grade"]);
            CHECK(x.top_events.size() <= 2);
            for (size_t k = 1; k < x.top_events.size(); ++k)
                CHECK(std::fabs(x.top_events[k - 1].points) >= std::fabs(x.top_events[k].points));
            for (auto& ev : x.top_events) CHECK(ev.points != 0);
        }
    }
}

TEST_CASE("top events: points are weight x capped count, strongest first", "[ranking]") {
    Engine e;
    std::string events;
    for (int i = 0; i < 5; ++i)
        events +=
            json{{"timestamp", 1767225600000 - i * 1000}, {"account_id", "a"}, {"user_id", "u"}, {"event", "good"}}
                .dump() +
            "\n";
    events += json{{"timestamp", 1767225600000}, {"account_id", "a"}, {"user_id", "u"}, {"event", "bad"}}.dump() + "\n";
    events +=
        json{{"timestamp", 1767225600000}, {"account_id", "a"}, {"user_id", "u"}, {"event", "zero"}}.dump() + "\n";
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.set_model_json(
                 R"({"engagement":{"decay":"none","events":{"good":{"weight":2,"cap":3},"bad":{"weight":-10}}}})")
                .ok());
    const Ranking r = e.ranking();
    REQUIRE(r.rows.size() == 1);
    REQUIRE(r.rows[0].top_events.size() == 2);  // "zero" adds nothing and is left out
    CHECK(r.rows[0].top_events[0].event == "bad");
    CHECK(r.rows[0].top_events[0].points == -10);
    CHECK(r.rows[0].top_events[1].event == "good");
    CHECK(r.rows[0].top_events[1].points == 6);  // capped at 3 events
}
