// Every conformance case through the library (Engine) and through the pql binary.
#include <array>
#include <cstdio>
#include <memory>

#include <catch2/catch.hpp>

#include "conformance.hpp"
#include "pql/engine.hpp"

using namespace pql;
using namespace pql::test;

namespace {

std::string run_library_text(const std::string& dir) {
    Engine engine;
    REQUIRE(engine.set_model_json(slurp(dir + "/model.json")).ok());
    const std::string events = exists(dir + "/events.csv") ? dir + "/events.csv" : dir + "/events.jsonl";
    REQUIRE(engine.load_events(slurp(events)).ok());
    if (exists(dir + "/accounts.jsonl")) REQUIRE(engine.load_accounts(slurp(dir + "/accounts.jsonl")).ok());
    if (exists(dir + "/users.jsonl")) REQUIRE(engine.load_users(slurp(dir + "/users.jsonl")).ok());
    return engine.score_json();
}

nlohmann::json run_library(const std::string& dir) { return nlohmann::json::parse(run_library_text(dir)); }

std::string run_command(const std::string& cmd, int& status) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    status = pclose(p);
    return out;
}

}  // namespace

TEST_CASE("conformance cases through the library", "[conformance]") {
    for (const auto& name : conformance_cases()) {
        SECTION(name) {
            const std::string dir = case_dir(name);
            const auto expected = nlohmann::json::parse(slurp(dir + "/expected.json"));
            INFO(name);
            CHECK(compare_run(run_library(dir), expected) == "");
        }
    }
}

TEST_CASE("conformance cases through the pql binary", "[cli][conformance]") {
    for (const auto& name : conformance_cases()) {
        SECTION(name) {
            const std::string dir = case_dir(name);
            const std::string events = exists(dir + "/events.csv") ? dir + "/events.csv" : dir + "/events.jsonl";
            std::string cmd =
                std::string(PQL_BINARY) + " score --format json --model " + dir + "/model.json --events " + events;
            if (exists(dir + "/accounts.jsonl")) cmd += " --accounts " + dir + "/accounts.jsonl";
            if (exists(dir + "/users.jsonl")) cmd += " --users " + dir + "/users.jsonl";
            int status = 0;
            const std::string out = run_command(cmd + " 2>/dev/null", status);
            INFO(name << ": " << cmd);
            REQUIRE(status == 0);
            const auto expected = nlohmann::json::parse(slurp(dir + "/expected.json"));
            CHECK(compare_run(nlohmann::json::parse(out), expected) == "");
            // The library and the CLI print the same bytes.
            CHECK(out == run_library_text(dir) + "\n");
        }
    }
}
