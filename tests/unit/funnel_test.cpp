// The lifecycle report's arithmetic (SPEC §7.8) on hand-made per-entity times: cohorts,
// rates, medians, and the JSON shape of the conformance case.
#include <cstdio>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "conformance.hpp"
#include "pql/engine.hpp"
#include "pql/funnel.hpp"
#include "pql/time.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

int64_t at(const char* iso) { return *parse_timestamp(iso); }

// The two accounts of conformance case 10, as the scorer sees them at T.
std::vector<FunnelEntity> case10() {
    FunnelEntity a{at("2026-03-05T10:00:00Z"), at("2026-03-09T15:00:00Z"), at("2026-03-09T23:59:59.999Z"),
                   std::nullopt};
    FunnelEntity b{at("2026-02-18T10:00:00Z"), at("2026-02-28T10:00:00Z"), at("2026-02-28T23:59:59.999Z"),
                   at("2026-03-07T10:00:00Z")};
    return {a, b};
}

// Every key of `expected` equal in `got` (numbers within 1e-9), recursively.
std::string diff(const json& got, const json& expected, const std::string& where = "") {
    if (expected.is_object()) {
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            if (!got.contains(it.key())) return where + "." + it.key() + ": missing";
            auto d = diff(got[it.key()], it.value(), where + "." + it.key());
            if (!d.empty()) return d;
        }
        return "";
    }
    if (expected.is_array()) {
        if (!got.is_array() || got.size() != expected.size()) return where + ": sizes differ";
        for (size_t i = 0; i < expected.size(); ++i) {
            auto d = diff(got[i], expected[i], where + "[" + std::to_string(i) + "]");
            if (!d.empty()) return d;
        }
        return "";
    }
    if (expected.is_number_float() && got.is_number())
        return pql::test::close(got.get<double>(), expected.get<double>())
                   ? ""
                   : where + ": got " + got.dump() + ", expected " + expected.dump();
    return got == expected ? "" : where + ": got " + got.dump() + ", expected " + expected.dump();
}

}  // namespace

TEST_CASE("cohort keys: the Monday of the UTC week, or the month", "[funnel]") {
    CHECK(cohort_of(at("2026-02-18T10:00:00Z"), CohortBy::Week) == "2026-02-16");      // a Wednesday
    CHECK(cohort_of(at("2026-02-16T00:00:00Z"), CohortBy::Week) == "2026-02-16");      // Monday 00:00
    CHECK(cohort_of(at("2026-02-15T23:59:59.999Z"), CohortBy::Week) == "2026-02-09");  // Sunday
    CHECK(cohort_of(at("2026-01-01T00:00:00Z"), CohortBy::Week) == "2025-12-29");      // across a year
    CHECK(cohort_of(at("1970-01-01T00:00:00Z"), CohortBy::Week) == "1969-12-29");
    CHECK(cohort_of(at("2026-02-28T23:59:59.999Z"), CohortBy::Month) == "2026-02");
}

TEST_CASE("the funnel of conformance case 10 by week and by month", "[funnel][conformance]") {
    const std::string dir = pql::test::case_dir("10-v2-model");
    const int64_t T = at("2026-03-10T12:00:00Z");
    for (auto [by, file] : {std::pair{CohortBy::Week, "/expected-funnel-week.json"},
                            std::pair{CohortBy::Month, "/expected-funnel-month.json"}}) {
        const json expected = json::parse(pql::test::slurp(dir + file));
        const json got = json::parse(funnel_to_json(funnel_of(case10(), by, T, true)));
        INFO(file);
        CHECK(diff(got, expected) == "");
        CHECK(got.size() == expected.size());
        CHECK(got["cohorts"][0].size() == expected["cohorts"][0].size());
    }
}

TEST_CASE("funnel medians, rates and what counts up to T", "[funnel]") {
    const int64_t D = kDayMs, t0 = at("2026-03-02T00:00:00Z");  // a Monday
    std::vector<FunnelEntity> es = {
        {t0, t0 + 1 * D, t0 + 2 * D, t0 + 5 * D},      // converts 3 days after PQL
        {t0, t0 + 3 * D, t0 + 4 * D, t0 + 4 * D - 1},  // converted before PQL: not after PQL
        {t0 + D, std::nullopt, std::nullopt, std::nullopt},
        {t0 + 2 * D, t0 + 7 * D, t0 + 30 * D, t0 + 40 * D},        // PQL and conversion after T
        {t0 + 100 * D, t0 + 101 * D, std::nullopt, std::nullopt},  // first seen after T
    };
    const int64_t T = t0 + 10 * D;
    const FunnelReport r = funnel_of(es, CohortBy::Week, T, true);
    REQUIRE(r.cohorts.size() == 1);
    const FunnelRow& w = r.cohorts[0];
    CHECK(w.cohort == "2026-03-02");
    CHECK(w.entities == 4);
    CHECK(w.activated == 3);  // the third never activated
    CHECK(*w.activation_rate == 0.75);
    CHECK(*w.median_days_to_activate == 3.0);  // 1, 3, 5 days
    CHECK(w.became_pql == 2);
    CHECK(*w.median_days_to_pql == 3.0);  // (2 + 4) / 2: even count, mean of the middle two
    CHECK(*w.converted == 2);
    CHECK(*w.conversion_rate == 0.5);
    CHECK(*w.converted_after_pql == 1);
    CHECK(*w.pql_to_customer_rate == 0.5);
    CHECK(*w.median_days_pql_to_paid == 3.0);
    CHECK(r.all.entities == 4);

    // No conversion source: the conversion figures are null, not zero.
    const FunnelRow& n = funnel_of(es, CohortBy::Week, T, false).all;
    CHECK(!n.converted);
    CHECK(!n.conversion_rate);
    CHECK(!n.pql_to_customer_rate);
    CHECK(*n.pql_rate == 0.5);

    // Empty: no cohorts, null rates and medians.
    const FunnelReport e = funnel_of({}, CohortBy::Month, T, true);
    CHECK(e.cohorts.empty());
    CHECK(e.all.entities == 0);
    CHECK(!e.all.activation_rate);
    CHECK(!e.all.median_days_to_pql);
    const json j = json::parse(funnel_to_json(e));
    CHECK(j["cohort"] == "month");
    CHECK(j["all"]["pql_rate"].is_null());
}

TEST_CASE("funnel cohorts oldest first, CSV with a row for all", "[funnel]") {
    const int64_t D = kDayMs, t0 = at("2026-01-05T00:00:00Z");
    std::vector<FunnelEntity> es = {
        {t0 + 14 * D, {}, {}, {}}, {t0, {}, {}, {}}, {t0 + 7 * D, {}, {}, {}}, {t0 + D, {}, {}, {}}};
    const FunnelReport r = funnel_of(es, CohortBy::Week, t0 + 20 * D, true);
    REQUIRE(r.cohorts.size() == 3);
    CHECK(r.cohorts[0].cohort == "2026-01-05");
    CHECK(r.cohorts[0].entities == 2);
    CHECK(r.cohorts[2].cohort == "2026-01-19");
    const std::string csv = funnel_to_csv(r);
    CHECK(csv.rfind("cohort,entities,activated,activation_rate,", 0) == 0);
    CHECK(csv.find("\n2026-01-05,2,0,0.0,,0,0.0,,0,0.0,0,,\n") != std::string::npos);
    CHECK(csv.find("\nall,4,") != std::string::npos);
}

namespace {

// Conformance case 10 (model, events, accounts, users) into `e`.
void load_case(Engine& e, const std::string& dir) {
    REQUIRE(e.set_model_json(pql::test::slurp(dir + "/model.json")).ok());
    REQUIRE(e.load_events(pql::test::slurp(dir + "/events.jsonl")).ok());
    REQUIRE(e.load_accounts(pql::test::slurp(dir + "/accounts.jsonl")).ok());
    REQUIRE(e.load_users(pql::test::slurp(dir + "/users.jsonl")).ok());
}

}  // namespace

TEST_CASE("the funnel of conformance case 10 through the engine (first_qualified_at from the scorer)",
          "[funnel][conformance]") {
    const std::string dir = pql::test::case_dir("10-v2-model");
    Engine e;
    load_case(e, dir);
    for (auto [by, file] : {std::pair{CohortBy::Week, "/expected-funnel-week.json"},
                            std::pair{CohortBy::Month, "/expected-funnel-month.json"}}) {
        FunnelOptions o;
        o.cohort = by;
        auto r = e.funnel_json(o);
        REQUIRE(r.ok());
        INFO(file);
        CHECK(diff(json::parse(*r), json::parse(pql::test::slurp(dir + file))) == "");
    }
    // As of a day earlier the conversion of B (2026-03-07) is still counted; A was not yet a PQL.
    FunnelOptions o;
    o.as_of = at("2026-03-09T12:00:00Z");
    const json j = json::parse(*e.funnel_json(o));
    CHECK(j["all"]["became_pql"] == 1);
    CHECK(j["all"]["converted"] == 1);
}

TEST_CASE("pql funnel prints the library's bytes for conformance case 10", "[funnel][cli]") {
    const std::string dir = pql::test::case_dir("10-v2-model");
    Engine e;
    load_case(e, dir);
    for (const char* cohort : {"week", "month"}) {
        const std::string cmd = std::string(PQL_BINARY) + " funnel --format json --cohort " + cohort + " --model " +
                                dir + "/model.json --events " + dir + "/events.jsonl --accounts " + dir +
                                "/accounts.jsonl --users " + dir + "/users.jsonl 2>/dev/null";
        std::string out;
        FILE* p = popen(cmd.c_str(), "r");
        REQUIRE(p);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        REQUIRE(pclose(p) == 0);
        FunnelOptions o;
        o.cohort = std::string(cohort) == "week" ? CohortBy::Week : CohortBy::Month;
        INFO(cmd);
        CHECK(out == *e.funnel_json(o) + "\n");
    }
}
