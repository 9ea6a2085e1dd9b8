// The call-ready parts: the CRM CSV preset (pql/csv.hpp CsvPreset::Crm) and the explanation's
// people, recent_events and reasons (core/src/people.hpp, reasons.hpp), hand-checked on a tiny
// world: two accounts, three users, one plan limit, one signal, one persona, one segment.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pql/engine.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

const int64_t kT = 1767225600000;  // 2026-01-01T00:00:00Z
const int64_t kDay = 86400000;

std::string ev(int64_t ts, const std::string& acct, const std::string& user, const std::string& event,
               json props = nullptr) {
    json j = {{"timestamp", ts}, {"account_id", acct}, {"user_id", user}, {"event", event}};
    if (!props.is_null()) j["properties"] = props;
    return j.dump() + "\n";
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    for (char c : line) {
        if (c == ',') out.push_back(cell), cell.clear();
        else cell += c;
    }
    out.push_back(cell);
    return out;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    for (size_t at = 0; at < text.size();) {
        const size_t end = text.find("\r\n", at);
        REQUIRE(end != std::string::npos);
        out.push_back(text.substr(at, end - at));
        at = end + 2;
    }
    return out;
}

const char* kModel = R"({
  "as_of": "2026-01-01T00:00:00Z",
  "engagement": {"events": {"project_created": {"weight": 5}, "big_export": {"weight": 10}, "login": {"weight": 0}}},
  "activation": {"steps": []},
  "limits": {"projects": {"event": "project_created", "limit": 3}},
  "signals": {"big_export": {"event": "export", "where": [{"property": "rows", "op": "gte", "value": 1000}]}},
  "personas": {"vp": [{"trait": "title", "op": "contains", "value": "vp"}]},
  "pql": {"min_score": 0, "require_activation": false,
          "rule": {"metric": "count.big_export", "op": ">=", "value": 2, "window_days": 7}},
  "segments": {"over_limit": {"metric": "limit.projects", "op": ">=", "value": 1}}
})";

void load(Engine& e) {
    std::string events;
    // acme: 8 projects by ann (vp), 3 big exports in the last 7 days by bob, a small one, logins.
    for (int i = 0; i < 8; ++i) events += ev(kT - (10 + i) * kDay, "acme", "ann", "project_created");
    for (int i = 0; i < 3; ++i) events += ev(kT - (1 + i) * kDay, "acme", "bob", "export", {{"rows", 5000}});
    events += ev(kT - 2 * kDay, "acme", "bob", "export", {{"rows", 10}});
    for (int i = 0; i < 5; ++i) events += ev(kT - i * kDay - 1000, "acme", "cat", "login");
    // tiny: one project.
    events += ev(kT - kDay, "tiny", "dan", "project_created");
    REQUIRE(e.load_events(events).ok());
    REQUIRE(
        e.load_accounts(
             std::string(
                 R"({"account_id":"acme","name":"Acme","traits":{"domain":"acme.test","hubspot_id":1234567,"score":"x"}})") +
             "\n" + R"({"account_id":"tiny","name":"Tiny, Inc","traits":{"domain":"tiny.test"}})" + "\n")
            .ok());
    REQUIRE(e.load_users(R"({"user_id":"ann","traits":{"title":"VP of Sales"}})"
                         "\n"
                         R"({"user_id":"bob","traits":{"title":"Analyst"}})"
                         "\n")
                .ok());
    REQUIRE(e.set_model_json(kModel).ok());
}

}  // namespace

TEST_CASE("crm csv: file columns first, rounded scores, reasons, segments", "[csv][crm]") {
    Engine e;
    load(e);
    CsvOptions o;
    o.preset = CsvPreset::Crm;
    o.traits = {"domain"};
    const auto rows = lines(e.score_csv(o));
    REQUIRE(rows.size() == 3);
    const auto head = split(rows[0]);
    // The accounts file's columns by name after id and name; "score" is taken: account.score.
    const std::vector<std::string> expect = {
        "id",           "name",           "domain",     "hubspot_id",   "account.score", "as_of",    "rank",
        "score",        "activation",     "engagement", "fit",          "tier",          "grade",    "qualified",
        "qualified_at", "days_qualified", "converted",  "converted_at", "segments",      "reason_1", "reason_2",
        "reason_3",     "active_users",   "last_seen",  "trait.domain"};
    CHECK(head == expect);
    const auto acme = split(rows[1]);
    REQUIRE(acme.size() == expect.size());
    CHECK(acme[0] == "acme");
    CHECK(acme[2] == "acme.test");
    CHECK(acme[3] == "1234567");  // a record id as the CRM wrote it, no ".0"
    CHECK(acme[5] == "2026-01-01T00:00:00.000Z");
    CHECK(acme[6] == "1");
    // One decimal, rounded.
    const json run = json::parse(e.score_json());
    char want[32];
    std::snprintf(want, sizeof want, "%.1f", std::round(run["results"][0]["score"].get<double>() * 10) / 10);
    CHECK(acme[7] == want);
    CHECK(acme[13] == "true");
    CHECK(acme[18] == "over_limit");
    CHECK(acme[19] == "8 projects against a limit of 3");
    CHECK(acme[20] == "1 user matches the vp persona");
    CHECK(acme[21] == "3 × big export in the last 7 days");
    CHECK(acme[24] == "acme.test");
    // "Tiny, Inc" is quoted; its row has no segment.
    CHECK(rows[2].find("\"Tiny, Inc\"") != std::string::npos);
    // The SPEC preset is unchanged by all this.
    CHECK(e.score_csv().rfind("rank,id,name,score,", 0) == 0);
}

TEST_CASE("explanation: people by points, recent key events, reasons", "[explain][crm]") {
    Engine e;
    load(e);
    auto ex = e.explain_json("acme");
    REQUIRE(ex.ok());
    const json j = json::parse(*ex);
    REQUIRE(j["people"].size() == 3);
    double sum = 0;
    for (auto& p : j["people"]) sum += p["points"].get<double>();
    CHECK(sum == Approx(j["engagement_points"].get<double>()));
    // bob's three big exports (10 each, barely decayed) outweigh ann's 8 older projects (5 each).
    CHECK(j["people"][0]["user"] == "bob");
    CHECK(j["people"][1]["user"] == "ann");
    CHECK(j["people"][1]["personas"] == json::array({"vp"}));
    CHECK(j["people"][1]["traits"]["title"] == "VP of Sales");
    CHECK(j["people"][2]["user"] == "cat");
    CHECK(j["people"][2]["points"] == 0.0);
    CHECK(j["people"][0]["top_actions"][0]["event"] == "export");
    CHECK(j["people"][0]["top_actions"][0]["count"] == 4);
    // Key events: weighted types and signals; cat's logins (weight 0) and the small export are not.
    const json& recent = j["recent_events"];
    REQUIRE(recent.size() == 10);
    CHECK(recent[0]["event"] == "export");
    CHECK(recent[0]["signals"] == json::array({"big_export"}));
    for (auto& r : recent) CHECK(r["event"] != "login");
    for (size_t i = 1; i < recent.size(); ++i)
        CHECK(recent[i - 1]["at"].get<std::string>() >= recent[i]["at"].get<std::string>());
    CHECK(j["reasons"] == json::array({"8 projects against a limit of 3", "1 user matches the vp persona",
                                       "3 × big export in the last 7 days"}));
}

TEST_CASE("explanation: every event is key without weights; a user entity is its own person", "[explain][crm]") {
    Engine e;
    std::string events;
    for (int i = 0; i < 3; ++i) events += ev(kT - i * kDay, "acme", "ann", i % 2 ? "login" : "page_viewed");
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.set_model_json(R"({"as_of": "2026-01-01T00:00:00Z", "activation": {"steps": []}})").ok());
    json j = json::parse(*e.explain_json("acme"));
    CHECK(j["recent_events"].size() == 3);  // nothing weighted: every event is key
    CHECK(j["reasons"] == json::array());   // and nothing to say
    CHECK(j["people"][0]["points"] == 0.0);
    CHECK(j["people"][0]["events"] == 3);
    REQUIRE(e.set_model_json(R"({"entity": "user", "as_of": "2026-01-01T00:00:00Z",
                                 "engagement": {"events": {"login": {"weight": 2}}},
                                 "pql": {"rule": {"not": {"metric": "count.login", "op": ">=", "value": 5}}}})")
                .ok());
    j = json::parse(*e.explain_json("ann"));
    REQUIRE(j["people"].size() == 1);
    CHECK(j["people"][0]["user"] == "ann");
    CHECK(j["people"][0]["points"].get<double>() == Approx(j["engagement_points"].get<double>()));
    CHECK(j["recent_events"].size() == 1);  // the login only
    // Nothing under a not is a reason; the weighted login is.
    CHECK(j["reasons"] == json::array({"1 × login in the last 90 days (100% of engagement)"}));
}
