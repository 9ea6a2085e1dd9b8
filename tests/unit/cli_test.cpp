// The pql binary: exit codes (0 ok, 1 bad input or model, 2 usage), messages naming file, line
// and field, standard input, and every output format.
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "conformance.hpp"
#include "pql/engine.hpp"

namespace {

struct Run {
    int code;
    std::string out, err;
};

Run run_pql(const std::string& args, const std::string& stdin_text = "") {
    static int n = 0;
    const std::string base = "/tmp/pql_cli_test_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    std::ofstream(base + ".in") << stdin_text;
    const std::string cmd =
        std::string(PQL_BINARY) + " " + args + " <" + base + ".in >" + base + ".out 2>" + base + ".err";
    const int status = std::system(cmd.c_str());
    Run r{WEXITSTATUS(status), pql::test::slurp(base + ".out"), pql::test::slurp(base + ".err")};
    std::remove((base + ".in").c_str());
    std::remove((base + ".out").c_str());
    std::remove((base + ".err").c_str());
    return r;
}

std::string write_tmp(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/pql_cli_test_" + std::to_string(getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

const std::string kCase = pql::test::case_dir("04-rules");

}  // namespace

TEST_CASE("usage errors exit 2", "[cli]") {
    CHECK(run_pql("").code == 2);
    auto r = run_pql("scor --events x");
    CHECK(r.code == 2);
    CHECK(r.err.find("unknown command 'scor'; did you mean 'score'?") != std::string::npos);
    r = run_pql("score --evnts x");
    CHECK(r.code == 2);
    CHECK(r.err.find("did you mean '--events'?") != std::string::npos);
    CHECK(run_pql("score").code == 2);
    CHECK(run_pql("score --events " + kCase + "/events.jsonl --format xml").code == 2);
    CHECK(run_pql("score --events " + kCase + "/events.jsonl --top -1").code == 2);
    CHECK(run_pql("score --events " + kCase + "/events.jsonl --as-of never").code == 2);
    CHECK(run_pql("score --events").code == 2);
}

TEST_CASE("--help on every command", "[cli]") {
    for (const char* c : {"--help", "score --help", "explain --help", "validate --help"}) {
        auto r = run_pql(c);
        INFO(c);
        CHECK(r.code == 0);
        CHECK(r.out.find("usage") != std::string::npos);
    }
}

TEST_CASE("bad files and models exit 1 with the file and the reason", "[cli]") {
    auto r = run_pql("score --events /nonexistent/events.jsonl");
    CHECK(r.code == 1);
    CHECK(r.err == "pql: /nonexistent/events.jsonl: No such file or directory\n");
    r = run_pql("score --events /tmp");
    CHECK(r.code == 1);
    CHECK(r.err == "pql: /tmp: is a directory, not a file\n");
    const std::string model = write_tmp("typo.json", R"({"engagement":{"events":{"x":{"wieght":5}}}})");
    r = run_pql("score --events " + kCase + "/events.jsonl --model " + model);
    CHECK(r.code == 1);
    CHECK(r.err == "pql: " + model + ": engagement.events.x.wieght: unknown key; did you mean \"weight\"?\n");
    r = run_pql("validate --model " + model);
    CHECK(r.code == 1);
    CHECK(r.err.find("engagement.events.x.wieght") != std::string::npos);
    CHECK(run_pql("validate --model " + kCase + "/model.json").code == 0);
    const std::string bad = write_tmp("bad.jsonl",
                                      "{\"timestamp\":1,\"user_id\":\"u\",\"event\":\"e\"}\n{\"timestamp\":\"no\","
                                      "\"user_id\":\"u\",\"event\":\"e\"}\n");
    r = run_pql("score --strict --events " + bad);
    CHECK(r.code == 1);
    CHECK(r.err == "pql: " + bad + ": line 2: timestamp: not a date\n");
    r = run_pql("score --events " + bad);
    CHECK(r.code == 0);
    CHECK(r.err.find("skipped 1 of 2 rows (first: line 2: timestamp: not a date)") != std::string::npos);
}

TEST_CASE("standard input, json, csv and table output", "[cli]") {
    const std::string events = pql::test::slurp(kCase + "/events.jsonl");
    const std::string args = " --model " + kCase + "/model.json --accounts " + kCase + "/accounts.jsonl";
    auto from_file = run_pql("score --format json --events " + kCase + "/events.jsonl" + args);
    auto from_stdin = run_pql("score --format json --events -" + args, events);
    REQUIRE(from_file.code == 0);
    CHECK(from_file.out == from_stdin.out);
    auto top = nlohmann::json::parse(run_pql("score --format json --top 1 --events -" + args, events).out);
    CHECK(top["results"].size() == 1);
    CHECK(top["entities"] == 3);
    auto csv = run_pql("score --format csv --events -" + args, events);
    CHECK(csv.out.rfind("rank,id,name,score,activation,engagement,fit,engagement_points,", 0) == 0);
    CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 4);
    {  // the CLI writes the core's bytes
        pql::Engine engine;
        REQUIRE(engine.load_events(events).ok());
        REQUIRE(engine.load_accounts(pql::test::slurp(kCase + "/accounts.jsonl")).ok());
        REQUIRE(engine.set_model_json(pql::test::slurp(kCase + "/model.json")).ok());
        CHECK(csv.out == engine.score_csv());
        pql::CsvOptions top;
        top.limit = 2;
        CHECK(run_pql("score --format csv --top 2 --events -" + args, events).out == engine.score_csv(top));
    }
    auto table = run_pql("score --events -" + args, events);
    CHECK(table.out.find("rank  id") == 0);
    CHECK(table.out.find("3 entities, 1 qualified") != std::string::npos);
    auto explain = run_pql("explain --id acme --events -" + args, events);
    CHECK(explain.code == 0);
    CHECK(explain.out.find("Qualification") != std::string::npos);
    auto missing = run_pql("explain --id nope --events -" + args, events);
    CHECK(missing.code == 1);
    auto as_json = nlohmann::json::parse(run_pql("explain --format json --id acme --events -" + args, events).out);
    CHECK(as_json["rule"]["result"] == true);
}

TEST_CASE("pql compare: --as-of-b sets model B's as_of; the output is the core's", "[cli]") {
    const std::string args =
        " --events " + kCase + "/events.jsonl --accounts " + kCase + "/accounts.jsonl --model " + kCase + "/model.json";
    auto r = run_pql("compare --format json --as-of-b 2026-02-13T10:00:00Z" + args);
    REQUIRE(r.code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["a"]["as_of"] == "2026-02-20T10:00:00.000Z");  // the model's
    CHECK(j["b"]["as_of"] == "2026-02-13T10:00:00.000Z");
    // With a model B of its own as_of, the flag wins; the rest of B is kept (its tiers).
    const std::string b = write_tmp("model_b.json", R"({"as_of":"2020-01-01T00:00:00Z",
        "tiers":[{"name":"Only","min_score":0}]})");
    r = run_pql("compare --format json --model-b " + b + " --as-of-b 1770976800000" + args);
    REQUIRE(r.code == 0);
    j = nlohmann::json::parse(r.out);
    CHECK(j["b"]["as_of"] == "2026-02-13T10:00:00.000Z");
    CHECK(std::find(j["tiers"].begin(), j["tiers"].end(), "Only") != j["tiers"].end());
    {  // the same bytes as the Engine's own comparison
        pql::Engine engine;
        REQUIRE(engine.load_events(pql::test::slurp(kCase + "/events.jsonl")).ok());
        REQUIRE(engine.load_accounts(pql::test::slurp(kCase + "/accounts.jsonl")).ok());
        REQUIRE(engine.set_model_json(pql::test::slurp(kCase + "/model.json")).ok());
        CHECK(r.out ==
              *engine.compare_json(R"({"as_of":"2026-02-13T10:00:00Z","tiers":[{"name":"Only","min_score":0}]})") +
                  "\n");
    }
    auto table = run_pql("compare --as-of-b 2026-02-13T10:00:00Z" + args);
    CHECK(table.code == 0);
    CHECK(table.out.find(")\nB: ") != std::string::npos);
    CHECK(table.out.find("(as of 2026-02-13T10:00:00.000Z)\n") != std::string::npos);
    CHECK(table.out.find("\nQuality: no conversions to judge by") != std::string::npos);
    auto bad = run_pql("compare --as-of-b soon" + args);
    CHECK(bad.code == 2);
    CHECK(bad.err.find("--as-of-b: not a date ('soon')") != std::string::npos);
}

TEST_CASE("pql schema prints the core's schema", "[cli]") {
    auto r = run_pql("schema");
    CHECK(r.code == 0);
    CHECK(r.out == pql::Engine::schema_json() + "\n");
    CHECK(run_pql("schema --format json").out == r.out);
    CHECK(run_pql("schema --format text").code == 2);
    CHECK(run_pql("schema --help").out.find("usage: pql schema") == 0);
}

TEST_CASE("a full disk is an error, not a silent loss", "[cli]") {
    if (!std::ifstream("/dev/full").good()) return;
    const std::string cmd =
        std::string(PQL_BINARY) + " score --format json --events " + kCase + "/events.jsonl >/dev/full 2>/dev/null";
    CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 1);
}
