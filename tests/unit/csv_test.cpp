// The ranking as CSV (pql/csv.hpp): SPEC §4 columns, RFC 4180 quoting, the spreadsheet formula
// guard on text (never on numbers), and the same values as the JSON output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pql/engine.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

// A strict RFC 4180 reader (CRLF records) for checking what the writer made.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    size_t i = 0;
    while (i < text.size()) {
        if (text[i] == '"') {
            for (++i;; ++i) {
                REQUIRE(i < text.size());
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') cell += text[++i];
                    else break;
                } else {
                    cell += text[i];
                }
            }
            ++i;
        }
        for (; i < text.size() && text[i] != ',' && text[i] != '\r'; ++i) {
            REQUIRE(text[i] != '"');
            REQUIRE(text[i] != '\n');
            cell += text[i];
        }
        REQUIRE(i < text.size());
        row.push_back(cell);
        cell.clear();
        if (text[i] == ',') {
            ++i;
            continue;
        }
        REQUIRE(text.compare(i, 2, "\r\n") == 0);
        i += 2;
        rows.push_back(row);
        row.clear();
    }
    return rows;
}

const int64_t kT = 1767225600000;  // 2026-01-01T00:00:00Z

std::string ev(int64_t ts, const std::string& acct, const std::string& event) {
    return json{{"timestamp", ts}, {"account_id", acct}, {"user_id", "u-" + acct}, {"event", event}}.dump() + "\n";
}

const std::vector<std::string> kHostile = {"=HYPERLINK(\"http://evil\",\"click\")",
                                           "+1+1",
                                           "@SUM(A1)",
                                           "-2+3",
                                           "\tTAB",
                                           "\rCR",
                                           "say \"hi\", twice",
                                           "line\nbreak"};

}  // namespace

TEST_CASE("score_csv: SPEC columns in order, CRLF, same rows as the JSON", "[csv]") {
    Engine e;
    std::string events, accounts;
    for (size_t i = 0; i < kHostile.size(); ++i) {
        const std::string id = "acct" + std::to_string(i);
        for (size_t k = 0; k <= i; ++k) events += ev(kT - static_cast<int64_t>(k) * 3600000, id, "report_created");
        accounts +=
            json{{"account_id", id}, {"name", kHostile[i]}, {"traits", {{"plan", kHostile[i]}, {"seats", -5}}}}.dump() +
            "\n";
    }
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.load_accounts(accounts).ok());
    REQUIRE(e.set_model_json(R"({"engagement":{"events":{"report_created":{"weight":-3}}}})").ok());
    const std::string csv = e.score_csv();
    const auto rows = parse_csv(csv);
    const json run = json::parse(e.score_json());
    REQUIRE(rows.size() == kHostile.size() + 1);
    const std::vector<std::string> fields = {"rank",
                                             "id",
                                             "name",
                                             "score",
                                             "activation",
                                             "engagement",
                                             "fit",
                                             "engagement_points",
                                             "steps_completed",
                                             "activated",
                                             "activated_at",
                                             "qualified",
                                             "tier",
                                             "grade",
                                             "active_users",
                                             "users",
                                             "events",
                                             "velocity",
                                             "days_since_last_seen",
                                             "first_seen",
                                             "last_seen"};
    CHECK(rows[0] == fields);
    CHECK(score_csv_columns() == fields);
    for (size_t r = 1; r < rows.size(); ++r) {
        const json& j = run["results"][r - 1];
        for (size_t c = 0; c < fields.size(); ++c) {
            const json& v = j[fields[c]];
            INFO(fields[c] << " row " << r);
            if (v.is_null()) CHECK(rows[r][c].empty());
            else if (v.is_string()) {
                const std::string s = v.get<std::string>();
                const bool guarded = !s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos;
                CHECK(rows[r][c] == (guarded ? "'" + s : s));
            } else CHECK(rows[r][c] == v.dump());  // numbers and booleans: the JSON's text
        }
    }
    // Negative numbers are numbers, not formulas: never prefixed.
    bool negative = false;
    for (size_t r = 1; r < rows.size(); ++r) negative |= rows[r][7].rfind("-", 0) == 0;
    CHECK(negative);
}

TEST_CASE("score_csv: hostile names come out as text", "[csv]") {
    Engine e;
    std::string events, accounts;
    for (size_t i = 0; i < kHostile.size(); ++i) {
        events += ev(kT, "a" + std::to_string(i), "x");
        accounts += json{{"account_id", "a" + std::to_string(i)}, {"name", kHostile[i]}}.dump() + "\n";
    }
    REQUIRE(e.load_events(events).ok());
    REQUIRE(e.load_accounts(accounts).ok());
    const std::string csv = e.score_csv();
    CHECK(csv.find(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\",") != std::string::npos);
    CHECK(csv.find(",'+1+1,") != std::string::npos);
    CHECK(csv.find(",'@SUM(A1),") != std::string::npos);
    CHECK(csv.find(",'-2+3,") != std::string::npos);
    CHECK(csv.find(",'\tTAB,") != std::string::npos);
    CHECK(csv.find(",\"'\rCR\",") != std::string::npos);
    CHECK(csv.find(",\"say \"\"hi\"\", twice\",") != std::string::npos);
    CHECK(csv.find(",\"line\nbreak\",") != std::string::npos);
    // No cell of any row starts a formula.
    for (auto& row : parse_csv(csv))
        for (auto& cell : row)
            if (!cell.empty() && std::string("=+@\t\r").find(cell[0]) != std::string::npos)
                FAIL("formula cell " << cell);
}

TEST_CASE("score_csv: paging, no header, trait columns", "[csv]") {
    Engine e;
    std::string events;
    for (int i = 0; i < 5; ++i)
        for (int k = 0; k <= i; ++k) events += ev(kT - k * 1000, "a" + std::to_string(i), "x");
    REQUIRE(e.load_events(events).ok());
    REQUIRE(
        e.load_accounts("{\"account_id\":\"a4\",\"traits\":{\"plan\":\"=pro\",\"seats\":-12,\"paid\":true}}\n").ok());
    REQUIRE(e.set_model_json(R"({"engagement":{"default_weight":1}})").ok());
    const auto all = parse_csv(e.score_csv());
    REQUIRE(all.size() == 6);
    CsvOptions o;
    o.offset = 1;
    o.limit = 2;
    o.header = false;
    const auto page = parse_csv(e.score_csv(o));
    REQUIRE(page.size() == 2);
    CHECK(page[0] == all[2]);
    CHECK(page[1] == all[3]);
    o = CsvOptions{};
    o.offset = 99;
    CHECK(parse_csv(e.score_csv(o)).size() == 1);  // only the header
    o = CsvOptions{};
    o.traits = {"plan", "seats", "paid", "missing"};
    const auto t = parse_csv(e.score_csv(o));
    REQUIRE(t[0].size() == 25);
    CHECK(t[0][21] == "trait.plan");
    CHECK(t[0][24] == "trait.missing");
    REQUIRE(t[1][1] == "a4");  // the most events ranks first
    CHECK(t[1][21] == "'=pro");
    CHECK(t[1][22] == "-12.0");  // numbers as in the JSON output
    CHECK(t[1][23] == "true");
    CHECK(t[1][24].empty());
    CHECK(t[2][21].empty());
}
