// Engine::view_json: the window, filters, sorts and population figures, each checked against
// the same thing worked out from score_json's full ranking.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pql/engine.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

// 60 accounts with 0..59 "use" events over 30 days, every fifth one paying; names on the even ones.
void load_population(Engine& e) {
    const int64_t day = 86400000, t0 = 1767225600000;  // 2026-01-01
    std::string events, accounts;
    for (int a = 0; a < 60; ++a) {
        const std::string id = "acct-" + std::to_string(100 + a);
        for (int k = 0; k < a; ++k)
            events += json{{"timestamp", t0 - (k % 30) * day - a},
                           {"account_id", id},
                           {"user_id", id + "-u" + std::to_string(k % 3)},
                           {"event", k % 4 == 0 ? "invite" : "use"}}
                          .dump() +
                      "\n";
        if (a == 0)
            events +=
                json{{"timestamp", t0 - 40 * day}, {"account_id", id}, {"user_id", "x"}, {"event", "signup"}}.dump() +
                "\n";
        if (a % 5 == 0 && a > 0)
            events += json{{"timestamp", t0 - 2 * day}, {"account_id", id}, {"user_id", id + "-u0"}, {"event", "paid"}}
                          .dump() +
                      "\n";
        json acc = {{"account_id", id}, {"traits", {{"employees", 10 * a}}}};
        if (a % 2 == 0) acc["name"] = (a % 4 == 0 ? "Big " : "small ") + std::to_string(a);
        accounts += acc.dump() + "\n";
    }
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.load_accounts(accounts).ok());
}

const char* kModel = R"({"as_of":"2026-01-01T12:00:00Z","conversion_event":"paid",
  "engagement":{"decay":"exponential","half_life_days":14,"saturation":40,"events":{"use":{"weight":1},"invite":{"weight":3}}},
  "fit":{"rules":[{"trait":"employees","op":"lt","value":200,"points":10}]},
  "activation":{"steps":[{"event":"invite"}]},
  "pql":{"min_score":40},
  "segments":{"large":{"metric":"trait.employees","op":">=","value":400}}})";

std::vector<json> all_rows(Engine& e) { return json::parse(e.score_json())["results"].get<std::vector<json>>(); }

json view(Engine& e, const ViewOptions& o) { return json::parse(e.view_json(o)); }

std::vector<std::string> ids(const json& rows) {
    std::vector<std::string> out;
    for (auto& r : rows) out.push_back(r["id"].get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("view: customers are left out by default, and the window pages the rest", "[view]") {
    Engine e;
    load_population(e);
    REQUIRE(e.set_model_json(kModel).ok());
    const auto rows = all_rows(e);
    std::vector<std::string> leads;
    for (auto& r : rows)
        if (!r["converted"].get<bool>()) leads.push_back(r["id"]);
    REQUIRE(leads.size() == 49);  // 11 of 60 paid

    ViewOptions o;
    o.offset = 10;
    o.limit = 15;
    const json v = view(e, o);
    CHECK(v["entities"] == 60);
    CHECK(v["shown"] == 49);
    CHECK(v["offset"] == 10);
    CHECK(v["population"]["entities"] == 49);
    CHECK(v["population"]["customers_hidden"] == 11);
    CHECK(ids(v["results"]) == std::vector<std::string>(leads.begin() + 10, leads.begin() + 25));
    // Rows are score_json's rows (same rank, same fields) plus previous_rank.
    for (auto& r : v["results"]) {
        json copy = r;
        copy.erase("previous_rank");
        CHECK(copy == rows[r["rank"].get<size_t>() - 1]);
    }
    o.customers = true;
    o.offset = 0;
    o.limit = 1000;
    CHECK(ids(view(e, o)["results"]).size() == 60);
    o.offset = 70;  // past the end: no rows, no error
    CHECK(view(e, o)["results"].empty());
}

TEST_CASE("view: population figures count what the full ranking holds", "[view]") {
    Engine e;
    load_population(e);
    REQUIRE(e.set_model_json(kModel).ok());
    const auto rows = all_rows(e);
    std::vector<int64_t> bins(20, 0), qbins(20, 0);
    std::map<std::string, int64_t> grades, tiers;
    int64_t qualified = 0, large = 0;
    for (auto& r : rows) {
        if (r["converted"].get<bool>()) continue;
        const int b = std::min(19, static_cast<int>(r["score"].get<double>() / 5));
        ++bins[b];
        if (r["qualified"].get<bool>()) ++qbins[b], ++qualified;
        ++grades[r["grade"].is_null() ? "" : r["grade"].get<std::string>()];
        ++tiers[r["tier"].is_null() ? "" : r["tier"].get<std::string>()];
        for (auto& s : r["segments"]) large += s == "large";
    }
    const json p = view(e, {})["population"];
    REQUIRE(p["histogram"].size() == 20);
    for (int b = 0; b < 20; ++b) {
        CHECK(p["histogram"][b]["from"] == 5 * b);
        CHECK(p["histogram"][b]["entities"] == bins[b]);
        CHECK(p["histogram"][b]["qualified"] == qbins[b]);
    }
    CHECK(p["qualified"] == qualified);
    CHECK(qualified > 0);
    CHECK(p["segments"]["large"] == large);
    CHECK(large > 0);
    int64_t graded = 0;
    for (auto& [g, n] : p["grades"].items()) {
        CHECK(n == grades[g]);
        graded += n.get<int64_t>();
    }
    CHECK(p["no_grade"] == grades[""]);
    CHECK(graded + p["no_grade"].get<int64_t>() == 49);
    for (auto& [t, n] : p["tiers"].items()) CHECK(n == tiers[t]);
    CHECK(p["no_tier"] == tiers[""]);
}

TEST_CASE("view: filters and sorts match the full ranking's", "[view]") {
    Engine e;
    load_population(e);
    REQUIRE(e.set_model_json(kModel).ok());
    const auto rows = all_rows(e);
    auto expect = [&](auto keep) {
        std::vector<std::string> out;
        for (auto& r : rows)
            if (!r["converted"].get<bool>() && keep(r)) out.push_back(r["id"]);
        return out;
    };
    ViewOptions o;
    o.limit = 1000;
    o.qualified_only = true;
    CHECK(ids(view(e, o)["results"]) == expect([](const json& r) { return r["qualified"].get<bool>(); }));
    o.qualified_only = false;
    o.query = "BIG";  // case-folded, names and ids
    CHECK(ids(view(e, o)["results"]) == expect([](const json& r) {
              return r["name"].is_string() && r["name"].get<std::string>().rfind("Big", 0) == 0;
          }));
    o.query = "acct-11";
    CHECK(view(e, o)["shown"] ==
          expect([](const json& r) { return r["id"].get<std::string>().rfind("acct-11", 0) == 0; }).size());
    o.query.clear();
    const std::string tier = rows[0]["tier"];
    o.tier = tier;
    CHECK(ids(view(e, o)["results"]) == expect([&](const json& r) { return r["tier"] == tier; }));
    o.tier = "";
    CHECK(ids(view(e, o)["results"]) == expect([&](const json& r) { return r["tier"].is_null(); }));
    o.tier = "no such tier";  // matches nothing, not everything
    CHECK(view(e, o)["shown"] == 0);
    o.tier.reset();
    const std::string grade = rows[3]["grade"];
    o.grade = grade;
    CHECK(ids(view(e, o)["results"]) == expect([&](const json& r) { return r["grade"] == grade; }));
    o.grade.reset();
    o.segment = "large";
    CHECK(ids(view(e, o)["results"]) ==
          expect([&](const json& r) { return r["segments"].dump().find("large") != std::string::npos; }));
    o.segment.reset();

    // Sorts: by a figure, ties in rank order, descending reverses the figure only.
    o.sort = ViewSort::Fit;
    o.descending = true;
    std::vector<json> want;
    for (auto& r : rows)
        if (!r["converted"].get<bool>()) want.push_back(r);
    std::stable_sort(want.begin(), want.end(),
                     [](const json& a, const json& b) { return a["fit"].get<double>() > b["fit"].get<double>(); });
    CHECK(ids(view(e, o)["results"]) == ids(json(want)));
    o.sort = ViewSort::Entity;
    o.descending = false;
    const json byName = view(e, o)["results"];
    for (size_t i = 1; i < byName.size(); ++i) {
        auto key = [](const json& r) {
            std::string s = r["name"].is_string() ? r["name"].get<std::string>() : r["id"].get<std::string>();
            for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return s;
        };
        CHECK(key(byName[i - 1]) <= key(byName[i]));
    }
    // PQL since: qualified rows by qualified_at (ascending: longest first), then the rest.
    o.sort = ViewSort::QualifiedAt;
    const json bySince = view(e, o)["results"];
    bool seenUnqualified = false;
    for (size_t i = 0; i < bySince.size(); ++i) {
        if (bySince[i]["qualified_at"].is_null()) seenUnqualified = true;
        else {
            CHECK_FALSE(seenUnqualified);
            if (i > 0 && !bySince[i - 1]["qualified_at"].is_null())
                CHECK(bySince[i - 1]["qualified_at"].get<std::string>() <=
                      bySince[i]["qualified_at"].get<std::string>());
        }
    }
    o.select = "acct-159";
    const json sel = view(e, o);
    REQUIRE(sel["selected"].is_number());
    CHECK(sel["results"][sel["selected"].get<size_t>()]["id"] == "acct-159");
    o.select = "nobody";
    CHECK(view(e, o)["selected"].is_null());
}

TEST_CASE("view: previous_rank is the rank before the last change that moved one", "[view]") {
    Engine e;
    load_population(e);
    REQUIRE(e.set_model_json(kModel).ok());
    ViewOptions o;
    o.customers = true;
    o.limit = 1000;
    const json first = view(e, o);  // (a named value: a loop over a temporary's member dangles)
    for (auto& r : first["results"]) CHECK(r["previous_rank"].is_null());  // nothing before
    std::map<std::string, int64_t> before;
    for (auto& r : all_rows(e)) before[r["id"]] = r["rank"];
    // Fit worth more: accounts with many employees move up.
    REQUIRE(e.set_model_number("weights.fit", 80).ok());
    const json v = view(e, o);
    bool moved = false;
    for (auto& r : v["results"]) {
        CHECK(r["previous_rank"] == before[r["id"]]);
        moved = moved || r["previous_rank"] != r["rank"];
    }
    CHECK(moved);
    // A page turn is not a change; a change that moves nothing keeps the last movement.
    o.offset = 5;
    CHECK(view(e, o)["results"][0]["previous_rank"] == v["results"][5]["previous_rank"]);
    REQUIRE(e.set_model_number("pql.min_score", 41).ok());
    CHECK(view(e, o)["results"][0]["previous_rank"] == v["results"][5]["previous_rank"]);
    // New data: no movement until the next change.
    REQUIRE(
        e.load_events(
             json{{"timestamp", 1767225600000}, {"account_id", "acct-new"}, {"user_id", "n"}, {"event", "use"}}.dump() +
             "\n")
            .ok());
    const json fresh = view(e, o);
    for (auto& r : fresh["results"]) CHECK(r["previous_rank"].is_null());
}
