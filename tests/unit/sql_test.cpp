// The SQL compiler (docs/sql.md): dialect syntax, quoting and escaping of every model string,
// options, the contract-table export, and the sql / export-events commands. The compiled
// queries are run on DuckDB and PostgreSQL by tests/sql/*.test.mjs.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "conformance.hpp"
#include "contract_csv.hpp"
#include "engine_internals.hpp"
#include "event_store.hpp"
#include "pql/engine.hpp"
#include "pql/model.hpp"
#include "pql/sql.hpp"

using namespace pql;

namespace {

// A contract table from a fresh index of the engine's data at `as_of`.
std::string contract(const Engine& e, ContractTable table, int64_t as_of, const std::vector<std::string>& traits = {}) {
    const EventStore& store = EngineInternals::store(e);
    const auto ix = Index::build(store, table == ContractTable::Users ? Entity::User : Entity::Account, as_of);
    return export_contract_csv(store, *ix, table, traits);
}

Model model(const std::string& json) {
    auto m = parse_model(json);
    REQUIRE(m.ok());
    return *m;
}

std::string sql(const Model& m, SqlDialect d, SqlOptions o = {}) {
    o.dialect = d;
    auto r = compile_sql(m, o);
    REQUIRE(r.ok());
    return *r;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const SqlDialect kAll[] = {SqlDialect::DuckDB, SqlDialect::Postgres, SqlDialect::Spark, SqlDialect::BigQuery,
                           SqlDialect::Snowflake};

struct Run {
    int code;
    std::string out, err;
};

Run run_pql(const std::string& args) {
    static int n = 0;
    const std::string base = "/tmp/pql_sql_test_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    const std::string cmd = std::string(PQL_BINARY) + " " + args + " </dev/null >" + base + ".out 2>" + base + ".err";
    const int status = std::system(cmd.c_str());
    Run r{WEXITSTATUS(status), pql::test::slurp(base + ".out"), pql::test::slurp(base + ".err")};
    std::remove((base + ".out").c_str());
    std::remove((base + ".err").c_str());
    return r;
}

std::string write_tmp(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/pql_sql_test_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

}  // namespace

TEST_CASE("dialect names", "[sql]") {
    for (SqlDialect d : kAll) CHECK(parse_sql_dialect(sql_dialect_name(d)) == d);
    CHECK(parse_sql_dialect("postgresql") == SqlDialect::Postgres);
    CHECK_FALSE(parse_sql_dialect("oracle"));
    CHECK_FALSE(parse_sql_dialect("DuckDB"));
}

TEST_CASE("every dialect gives one SELECT with SPEC section 4's columns in rank order", "[sql]") {
    const Model m;  // the default model
    for (SqlDialect d : kAll) {
        const std::string s = sql(m, d);
        INFO(sql_dialect_name(d));
        CHECK(s.rfind("-- pql model compiled to SQL (" + std::string(sql_dialect_name(d)) + ")", 0) == 0);
        CHECK(has(s, "\nWITH\n"));
        CHECK(s.find(';') == std::string::npos);
        CHECK(s.size() > 1000);
        CHECK(has(s, "ROW_NUMBER() OVER (ORDER BY score DESC, "));
        CHECK(s.substr(s.size() - 26) == "FROM graded\nORDER BY rank\n");
        for (const char* col : {"AS rank",
                                "entity_id AS id",
                                "name,",
                                "score,",
                                "activation,",
                                "engagement,",
                                "fit,",
                                "engagement_points",
                                "AS steps_completed",
                                "activated,",
                                "AS activated_at",
                                "qualified,",
                                "tier,",
                                "grade",
                                "AS active_users",
                                "AS users",
                                "AS events",
                                "velocity,",
                                "AS days_since_last_seen",
                                "AS first_seen",
                                "AS last_seen"})
            CHECK(has(s.substr(s.rfind("\nSELECT\n")), col));
    }
}

TEST_CASE("per-dialect functions come from the dialect table", "[sql]") {
    const Model m = model(R"({"fit":{"rules":[{"trait":"employees","op":"gte","value":50,"points":1},
                                              {"trait":"industry","op":"contains","value":"Tech","points":1}]}})");
    const std::string duck = sql(m, SqlDialect::DuckDB), pg = sql(m, SqlDialect::Postgres),
                      spark = sql(m, SqlDialect::Spark), bq = sql(m, SqlDialect::BigQuery),
                      snow = sql(m, SqlDialect::Snowflake);
    CHECK(has(duck, "(e.\"timestamp_ms\" // 86400000)"));
    CHECK(has(duck, "regexp_full_match(t1_value, "));
    CHECK(has(duck, "TRY_CAST(t1_value AS DOUBLE)"));
    CHECK(has(duck, "strpos(t2_text, 'tech') > 0"));
    CHECK(has(duck, "t1_num >= 50e0"));
    CHECK(has(pg, "t1_num >= 50::float8"));
    CHECK(has(pg, "power(2::numeric, 1075)"));
    CHECK(has(pg, "entity_id COLLATE \"C\""));
    CHECK(has(pg, "CAST(age AS DOUBLE PRECISION)"));
    CHECK(has(spark, "FLOOR(e.`timestamp_ms` / 86400000)"));
    CHECK(has(spark, "RLIKE '^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?\\\\z'"));
    CHECK(has(spark, "instr(t2_text, 'tech')"));
    CHECK(has(spark, "date_format(timestamp_millis(first_ts), 'yyyy-MM-dd\\'T\\'HH:mm:ss.SSS\\'Z\\'')"));
    CHECK(has(bq, "DIV(e.`timestamp_ms`, 86400000)"));
    CHECK(has(bq, "SAFE_CAST(t1_value AS FLOAT64)"));
    CHECK(has(bq, "CAST(steps_completed AS INT64)"));
    CHECK(has(bq, "FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP_MILLIS(last_ts), 'UTC')"));
    CHECK(has(snow, "MOD(e.timestamp_ms, 86400000)"));
    CHECK(has(snow, "TRY_TO_DOUBLE(t1_value)"));
    CHECK(has(snow, "POSITION('tech', t2_text)"));
    CHECK(has(snow, "FROM events e CROSS JOIN params p"));
}

TEST_CASE("every string from the model is escaped for the dialect", "[sql]") {
    const Model m =
        model(R"({"engagement":{"events":{"x'); DROP TABLE events; --":{"weight":1},"back\\slash":{"weight":2},
                                                      "ctl\u0001\n":{"weight":3}}},
                              "tiers":[{"name":"it's","min_score":0}]})");
    const std::string duck = sql(m, SqlDialect::DuckDB), pg = sql(m, SqlDialect::Postgres);
    for (const std::string& s : {duck, pg}) {
        CHECK(has(s, "WHEN 'x''); DROP TABLE events; --' THEN"));
        CHECK(has(s, "WHEN 'back\\slash' THEN"));
        CHECK(has(s, "WHEN 'ctl\x01\n' THEN"));
        CHECK(has(s, "THEN 'it''s'"));
    }
    for (SqlDialect d : {SqlDialect::Spark, SqlDialect::BigQuery, SqlDialect::Snowflake}) {
        const std::string s = sql(m, d);
        INFO(sql_dialect_name(d));
        CHECK(has(s, "WHEN 'x\\'); DROP TABLE events; --' THEN"));
        CHECK(has(s, "WHEN 'back\\\\slash' THEN"));
        CHECK(has(s, "WHEN 'ctl\\001\\012' THEN"));
        CHECK(has(s, "THEN 'it\\'s'"));
        CHECK_FALSE(has(s, "\x01"));
    }
}

TEST_CASE("names are quoted as identifiers, tables part by part", "[sql]") {
    const Model m = model(
        R"({"fit":{"rules":[{"trait":"it's \"q\"","op":"exists","points":1},{"trait":"a`b","op":"exists","points":1},
                                              {"trait":"employees","op":"exists","points":1},{"trait":"Plan","op":"exists","points":1},
                                              {"trait":"order","op":"exists","points":1},{"trait":"name","op":"exists","points":1}]}})");
    SqlOptions o;
    o.events_table = "analytics.raw events";
    CHECK(has(sql(m, SqlDialect::DuckDB, o), "FROM \"analytics\".\"raw events\" e"));
    CHECK(has(sql(m, SqlDialect::DuckDB), "SUBSTR(\"it's \"\"q\"\"\", 1, 2)"));
    CHECK(has(sql(m, SqlDialect::Spark), "SUBSTR(`a``b`, 1, 2)"));
    CHECK(has(sql(m, SqlDialect::BigQuery), "SUBSTR(`a\\`b`, 1, 2)"));
    CHECK(has(sql(m, SqlDialect::BigQuery, o), "FROM `analytics`.`raw events` e"));
    const std::string snow = sql(m, SqlDialect::Snowflake);
    CHECK(has(snow, "SUBSTR(employees, 1, 2)"));  // bare: finds EMPLOYEES
    CHECK(has(snow, "SUBSTR(\"Plan\", 1, 2)"));
    CHECK(has(snow, "SUBSTR(\"order\", 1, 2)"));  // reserved
    // A trait named like the name column lives in trait_name.
    CHECK(has(sql(m, SqlDialect::DuckDB), "SUBSTR(\"trait_name\", 1, 2)"));
    // Comments show names JSON-encoded: no line break can end a comment early.
    const Model n = model(R"({"activation":{"steps":[{"name":"a\nDROP TABLE x","event":"e"}]}})");
    CHECK(has(sql(n, SqlDialect::DuckDB), "-- step_1 = \"a\\nDROP TABLE x\""));
}

TEST_CASE("a NUL character is refused", "[sql]") {
    const Model m = model(R"({"engagement":{"events":{"a\u0000b":{"weight":1}}}})");
    auto r = compile_sql(m, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "invalid_argument");
    CHECK(has(r.error().message, "NUL"));
    SqlOptions o;
    o.events_table = std::string("ev\0x", 4);
    CHECK_FALSE(compile_sql(Model(), o).ok());
    o.events_table = "";
    CHECK_FALSE(compile_sql(Model(), o).ok());
}

TEST_CASE("as_of: the option, else the model's, else the latest event", "[sql]") {
    const Model m = model(R"({"as_of":"2026-01-01T00:00:00Z"})");
    CHECK(has(sql(m, SqlDialect::DuckDB), "SELECT 1767225600000 AS as_of_ms, 20454 AS as_of_day"));
    SqlOptions o;
    o.as_of = 1767225600000 + 86400000 + 5;
    CHECK(has(sql(m, SqlDialect::DuckDB, o), "SELECT 1767312000005 AS as_of_ms, 20455 AS as_of_day"));
    CHECK(has(sql(Model(), SqlDialect::DuckDB), "COALESCE(MAX(\"timestamp_ms\"), 0) AS as_of_ms"));
}

TEST_CASE("column options", "[sql]") {
    SqlOptions o;
    CHECK(set_sql_column(o, "timestamp_ms", "ts").ok());
    CHECK(set_sql_column(o, "account_id", "group_id").ok());
    CHECK(set_sql_column(o, "user_id", "uid").ok());
    CHECK(set_sql_column(o, "event", "event_text").ok());
    CHECK(set_sql_column(o, "name", "display").ok());
    CHECK(set_sql_column(o, "trait.employees", "headcount").ok());
    CHECK_FALSE(set_sql_column(o, "timestamp", "x").ok());
    CHECK_FALSE(set_sql_column(o, "trait.", "x").ok());
    CHECK_FALSE(set_sql_column(o, "event", "").ok());
    const Model m = model(R"({"fit":{"rules":[{"trait":"employees","op":"exists","points":1}]}})");
    const std::string s = sql(m, SqlDialect::Postgres, o);
    CHECK(has(s, "e.\"group_id\" AS entity_id, e.\"uid\" AS user_id, e.\"event_text\" AS event, e.\"ts\" AS ts"));
    CHECK(has(s, "\"display\" AS name"));
    CHECK(has(s, "SUBSTR(\"headcount\", 1, 2)"));
    o.accounts_table = "";
    const std::string none = sql(m, SqlDialect::Postgres, o);
    CHECK_FALSE(has(none, "trait_values"));
    CHECK(has(none, "CAST(NULL AS VARCHAR) AS name"));
}

TEST_CASE("decay shapes, windows and literals", "[sql]") {
    CHECK(has(sql(model(R"({"engagement":{"decay":"linear"}})"), SqlDialect::DuckDB),
              "1e0 - CAST(age AS DOUBLE) / 90e0"));
    CHECK(
        has(sql(model(R"({"engagement":{"decay":"none"}})"), SqlDialect::DuckDB), "THEN 1e0 ELSE 0e0 END) AS decayed"));
    CHECK(has(sql(model(R"({"window_days":7})"), SqlDialect::DuckDB), "0 AS previous"));
    CHECK(has(sql(model(R"({"window_days":10})"), SqlDialect::DuckDB), "age >= 7 AND age < 10"));
    const Model m =
        model(R"({"engagement":{"half_life_days":0.1,"default_weight":-2.5,"events":{"a":{"half_life_days":3}}}})");
    CHECK(has(sql(m, SqlDialect::DuckDB),
              "POWER(2e0, -CAST(age AS DOUBLE) / CASE event WHEN 'a' THEN 3e0 ELSE 0.1e0 END)"));
    CHECK(has(sql(m, SqlDialect::DuckDB), "(-2.5e0) AS weight"));
    CHECK(has(sql(m, SqlDialect::Postgres), "(-2.5::float8) AS weight"));
    CHECK(has(sql(m, SqlDialect::Postgres), "ELSE 0.1::float8 END"));
}

TEST_CASE("activation: marks only where a threshold needs a look-up", "[sql]") {
    const Model m = model(R"({"activation":{"steps":[{"event":"a"},{"event":"b","min_count":3,"min_users":2},
        {"event":"*","min_users":3},{"event":"*","min_count":0},{"event":"*","min_count":4}],"required":2}})");
    const std::string s = sql(m, SqlDialect::DuckDB);
    CHECK(has(s, "SELECT entity_id, 1 AS k, first_ts AS ts FROM type_stats WHERE event = 'a'"));
    CHECK(has(s, "FROM event_ranks WHERE event = 'b' AND nth = 3"));
    CHECK(has(s, "FROM type_user_ranks WHERE event = 'b' AND nth = 2"));
    CHECK(has(s, "FROM any_user_ranks WHERE nth = 3"));
    CHECK(has(s, "FROM any_event_ranks WHERE nth = 4"));
    CHECK(has(s, "e.first_ts AS step_4"));
    CHECK(has(s, "WHERE nth = 2\n)"));  // activation_times: the required-th
    const std::string none = sql(model(R"({"activation":{"steps":[]}})"), SqlDialect::DuckDB);
    CHECK_FALSE(has(none, "step_marks"));
    CHECK(has(none, "TRUE AS activated"));
    CHECK(has(none, "e.first_ts AS activated_at"));
}

TEST_CASE("trait values are tagged text", "[sql]") {
    CHECK(encode_trait(Value(std::string("US"))) == "s:US");
    CHECK(encode_trait(Value(std::string())) == "s:");
    CHECK(encode_trait(Value(120.0)) == "n:120.0");
    CHECK(encode_trait(Value(99.5)) == "n:99.5");
    CHECK(encode_trait(Value(true)) == "b:true");
    CHECK(encode_trait(Value(false)) == "b:false");
    const Model m =
        model(R"({"fit":{"rules":[{"trait":"b","op":"exists","points":1},{"trait":"a","op":"exists","points":1},
        {"trait":"b","op":"missing","points":1}]},
        "pql":{"rule":{"any":[{"metric":"trait.c","op":"exists"},{"not":{"metric":"trait.a","op":"exists"}},{"metric":"trait.d","op":"exists"}]}}})");
    CHECK(model_traits(m) == std::vector<std::string>{"b", "a", "c", "d"});
}

TEST_CASE("export: the contract tables as the engine sees them at as_of", "[sql]") {
    Engine e;
    const std::string events =
        R"({"timestamp":"2026-01-01T00:00:00Z","account_id":"a,1","user_id":"u1","event":"x \"q\""})"
        "\n"
        R"({"type":"track","timestamp":"2026-01-02T00:00:00Z","userId":"u2","event":"y","messageId":"m1"})"
        "\n"
        R"({"type":"group","timestamp":"2026-01-01T12:00:00Z","userId":"u2","groupId":"g","traits":{"name":"Gee","tier":"gold"}})"
        "\n"
        R"({"type":"track","timestamp":"2026-01-02T00:00:00Z","userId":"u3","event":"y","messageId":"m2"})"
        "\n"
        R"({"timestamp":"2026-02-01T00:00:00Z","account_id":"late","user_id":"u1","event":"x"})"
        "\n";
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.load_accounts(
                 R"({"account_id":"a,1","name":"A one","traits":{"employees":120,"verified":true,"name":"ignored"}})")
                .ok());
    const int64_t T = 1767312000000;  // 2026-01-02T00:00:00Z
    CHECK(contract(e, ContractTable::Events, T) ==
          "timestamp_ms,account_id,user_id,event\n"
          "1767225600000,\"a,1\",u1,\"x \"\"q\"\"\"\n"
          "1767312000000,g,u2,y\n"
          "1767312000000,,u3,y\n");
    CHECK(contract(e, ContractTable::Accounts, T, {"employees", "plan"}) ==
          "account_id,name,employees,trait_name,plan,tier,verified\n"
          "\"a,1\",A one,n:120.0,s:ignored,,,b:true\n"
          "g,Gee,,s:Gee,,s:gold,\n");
    // Before the group call, u2 has no account yet.
    CHECK(contract(e, ContractTable::Events, 1767225600000 + 1000) ==
          "timestamp_ms,account_id,user_id,event\n1767225600000,\"a,1\",u1,\"x \"\"q\"\"\"\n");
    const std::string users = contract(e, ContractTable::Users, T);
    CHECK(users.rfind("user_id,name\n", 0) == 0);
    CHECK(has(users, "\nu3,\n"));
}

TEST_CASE("export: the engine writes the tables from its scorer's index, appended rows included", "[sql]") {
    Engine e;
    std::string first, more;
    for (int i = 0; i < 40; ++i) {
        const std::string row = R"({"timestamp":"2026-01-0)" + std::to_string(1 + i % 5) +
                                R"(T00:00:00Z","account_id":"a)" + std::to_string(i % 7) + R"(","user_id":"u)" +
                                std::to_string(i % 11) + R"(","event":"e)" + std::to_string(i % 3) + "\"}\n";
        (i < 25 ? first : more) += row;
    }
    REQUIRE(e.load_events(first).ok());
    REQUIRE(e.load_accounts(R"({"account_id":"a3","name":"Three","traits":{"plan":"pro"}})").ok());
    REQUIRE(e.set_model_json(
                 R"({"as_of":"2026-01-09T00:00:00Z","fit":{"rules":[{"trait":"employees","op":"exists","points":1}]}})")
                .ok());
    e.score_json();
    const int64_t T = 1767916800000;  // 2026-01-09T00:00:00Z
    Scorer& scorer = EngineInternals::scorer(e);
    const uint64_t builds = scorer.stats.index_builds;
    CHECK(e.export_contract_csv(ContractTable::Events) == contract(e, ContractTable::Events, T));
    CHECK(e.export_contract_csv(ContractTable::Accounts) == contract(e, ContractTable::Accounts, T, {"employees"}));
    CHECK(scorer.stats.index_builds == builds);  // no index of its own
    // Rows appended to the index in place (their type runs moved) export as a fresh build does.
    REQUIRE(e.load_events(more).ok());
    const std::string events = e.export_contract_csv(ContractTable::Events);
    CHECK(scorer.stats.index_appends >= 1);
    CHECK(scorer.stats.index_builds == builds);
    CHECK(events == contract(e, ContractTable::Events, T));
    CHECK(events.find("\n1767571200000,a6,u1,e1\n") != std::string::npos);  // row 34, appended
    // A group call assigns a user's later track calls to the account.
    REQUIRE(e.load_events(
                 R"({"type":"group","timestamp":"2026-01-01T00:00:00Z","userId":"u99","groupId":"a1"})"
                 "\n"
                 R"({"type":"track","timestamp":"2026-01-05T00:00:00Z","userId":"u99","event":"e1","messageId":"m"})"
                 "\n")
                .ok());
    const std::string grouped = e.export_contract_csv(ContractTable::Events);
    CHECK(grouped == contract(e, ContractTable::Events, T));
    CHECK(grouped.find("\n1767571200000,a1,u99,e1\n") != std::string::npos);
    CHECK(e.export_contract_csv(ContractTable::Users) == contract(e, ContractTable::Users, T, {"employees"}));
    // A user model: users from its own index, events through an account index built aside.
    REQUIRE(e.set_model_json(R"({"entity":"user","as_of":"2026-01-09T00:00:00Z"})").ok());
    CHECK(e.export_contract_csv(ContractTable::Users) == contract(e, ContractTable::Users, T));
    CHECK(e.export_contract_csv(ContractTable::Events) == grouped);
}

TEST_CASE("pql sql and pql export-events", "[cli][sql]") {
    const std::string dir = pql::test::case_dir("04-rules");
    auto r = run_pql("sql --model " + dir + "/model.json");
    CHECK(r.code == 2);
    CHECK(has(r.err, "--dialect is required"));
    CHECK(run_pql("sql --dialect oracle").code == 2);
    CHECK(run_pql("sql --dialect duckdb --column nope").code == 2);
    CHECK(run_pql("sql --dialect duckdb --column when=x").code == 2);
    CHECK(run_pql("sql --dialect duckdb --as-of never").code == 2);
    CHECK(run_pql("sql --dialect duckdb --events x.jsonl").code == 2);
    CHECK(run_pql("sql --dialect duckdb --model /nonexistent.json").code == 1);
    const std::string bad = write_tmp("bad-model.json", R"({"window_days":-1})");
    r = run_pql("sql --dialect duckdb --model " + bad);
    CHECK(r.code == 1);
    CHECK(has(r.err, "window_days"));
    std::remove(bad.c_str());
    r = run_pql("sql --dialect bigquery --model " + dir +
                "/model.json --events-table p.d.ev --accounts-table - "
                "--column event=event_text --as-of 2026-01-01T00:00:00Z");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("-- pql model compiled to SQL (bigquery)", 0) == 0);
    CHECK(has(r.out, "FROM `p`.`d`.`ev` e"));
    CHECK(has(r.out, "e.`event_text` AS event"));
    CHECK(has(r.out, "SELECT 1767225600000 AS as_of_ms"));
    CHECK_FALSE(has(r.out, "trait_values"));
    CHECK(has(run_pql("sql --help").out, "--dialect D"));
    CHECK(has(run_pql("--help").out, "export-events"));

    CHECK(run_pql("export-events --events " + dir + "/events.jsonl --table nope").code == 2);
    CHECK(run_pql("export-events --events " + dir + "/events.jsonl --format json").code == 2);
    CHECK(run_pql("export-events --table events").code == 2);
    r = run_pql("export-events --events " + dir + "/events.jsonl --accounts " + dir + "/accounts.jsonl --model " + dir +
                "/model.json");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("timestamp_ms,account_id,user_id,event\n", 0) == 0);
    r = run_pql("export-events --events " + dir + "/events.jsonl --accounts " + dir + "/accounts.jsonl --model " + dir +
                "/model.json --table accounts");
    CHECK(r.code == 0);
    CHECK(r.out.rfind("account_id,name,", 0) == 0);
    CHECK(has(r.out.substr(0, r.out.find('\n')), "employees"));
}

TEST_CASE("the SQL compiler rejects the v2 keys it cannot compile, naming the key", "[sql][v2]") {
    auto rejects = [](const std::string& model) {
        auto m = pql::parse_model(model);
        REQUIRE(m.ok());
        auto sql = pql::compile_sql(*m);
        REQUIRE(!sql.ok());
        CHECK(sql.error().code == "unsupported");
        return sql.error();
    };
    const auto conformance = pql::parse_model(pql::test::slurp(pql::test::case_dir("10-v2-model") + "/model.json"));
    REQUIRE(conformance.ok());
    REQUIRE(!pql::compile_sql(*conformance).ok());
    CHECK(pql::compile_sql(*conformance).error().path == "signals");
    CHECK(rejects(R"({"personas":{"vp":[]}})").path == "personas");
    CHECK(rejects(R"({"active":{"events":["x"]}})").path == "active");
    CHECK(rejects(R"({"segments":{"s":{"metric":"score","op":">=","value":1}}})").path == "segments");
    auto e = rejects(R"({"pql":{"rule":{"all":[{"metric":"count.x","op":">=","value":1,"window_days":7}]}}})");
    CHECK(e.path == "pql.rule");
    CHECK(e.message.find("window_days (on \"count.x\")") != std::string::npos);
    CHECK(rejects(R"({"pql":{"rule":{"metric":"active_days","op":">=","value":1}}})").message.find("active_days") !=
          std::string::npos);
    // Customers compile: a customer never qualifies unless pql.include_customers.
    auto sql = pql::compile_sql(*pql::parse_model(R"({"conversion_event":"paid"})"));
    REQUIRE(sql.ok());
    CHECK(sql->find("converted_at IS NULL") != std::string::npos);
    sql = pql::compile_sql(*pql::parse_model(R"({"conversion_event":"paid","pql":{"include_customers":true}})"));
    REQUIRE(sql.ok());
    CHECK(sql->find("converted_at IS NULL") == std::string::npos);
}
