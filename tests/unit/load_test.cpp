// Loading: formats, Segment mapping, ids, duplicates and every kind of bad input.
#include <catch2/catch.hpp>
#include <random>

#include "event_store.hpp"
#include "pql/engine.hpp"

using namespace pql;

namespace {

LoadReport load(EventStore& s, const std::string& text, Format f = Format::Auto) {
    LoadOptions o;
    o.format = f;
    auto r = s.load_events(text, o);
    REQUIRE(r.ok());
    CHECK(r->read == r->loaded + r->skipped + r->duplicates);
    return *r;
}

}  // namespace

TEST_CASE("CSV quoting, CRLF, BOM and ragged rows", "[load][csv]") {
    EventStore s;
    const std::string text =
        "\xEF\xBB\xBFtimestamp,user_id,event,account_id,note\r\n"
        "2026-01-01,u1,\"a,b\",acme,\"say \"\"hi\"\"\"\r\n"
        "2026-01-02,u2,\"multi\nline\",acme,x\r\n"
        "2026-01-03,u3,ev,acme\r\n"
        "\r\n"
        "2026-01-04,u4,ev,acme,\"unterminated\n";
    auto r = load(s, text);
    CHECK(r.loaded == 2);
    CHECK(r.skipped == 2);
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].line == 5);
    CHECK(r.errors[0].message == "row: expected 5 fields, found 4");
    CHECK(r.errors[1].line == 7);
    CHECK(r.errors[1].message == "row: unterminated quoted field");
    CHECK(s.event_names.name(s.type[0]) == "a,b");
    CHECK(s.event_names.name(s.type[1]) == "multi\nline");
}

TEST_CASE("CSV requires its columns and rejects invalid UTF-8", "[load][csv]") {
    EventStore s;
    auto r = load(s, "timestamp,user_id,event\n2026-01-01,,x\n2026-01-01,u\xff,x\n2026-01-01,u,\n", Format::Csv);
    CHECK(r.skipped == 3);
    CHECK(r.errors[0].message == "user_id: missing");
    CHECK(r.errors[1].message == "user_id: invalid UTF-8");
    CHECK(r.errors[2].message == "event: missing");
}

TEST_CASE("Segment calls map onto events, groups and identifies", "[load][segment]") {
    EventStore s;
    auto r = load(
        s,
        R"({"type":"group","userId":"u1","groupId":"acme","timestamp":"2026-01-01","traits":{"name":"Acme","n":3,"ok":true,"nested":{"a":1}}})"
        "\n"
        R"({"type":"identify","anonymousId":"a1","timestamp":"2026-01-01","traits":{"title":"VP"}})"
        "\n"
        R"({"type":"page","userId":"u1","timestamp":"2026-01-02"})"
        "\n"
        R"({"type":"screen","userId":"u1","timestamp":"2026-01-02","context":{"groupId":42}})"
        "\n"
        R"({"type":"track","userId":"u1","timestamp":"2026-01-02"})"
        "\n"
        R"({"type":"group","userId":"u1","timestamp":"2026-01-02"})"
        "\n");
    CHECK(r.loaded == 4);
    CHECK(r.skipped == 2);
    CHECK(r.errors[0].message == "event: missing");
    CHECK(r.errors[1].message == "groupId: missing");
    REQUIRE(s.groups.size() == 1);
    CHECK(s.groups[0].traits.size() == 3);  // the nested trait is not usable by fit rules
    REQUIRE(s.identifies.size() == 1);
    CHECK(s.user_ids.name(s.identifies[0].user) == "a1");
    CHECK(s.event_names.name(s.type[0]) == "Page Viewed");
    CHECK(s.event_names.name(s.type[1]) == "Screen Viewed");
    CHECK(s.account_ids.name(s.account[1]) == "42");
    CHECK(s.account[0] == kNone);
}

TEST_CASE("ids: integers are text, other types make the row bad, duplicates count once", "[load]") {
    EventStore s;
    auto r = load(s, R"({"timestamp":1,"user_id":7,"event":"e","id":1})"
                     "\n"
                     R"({"timestamp":1,"user_id":7,"event":"e","id":1.0})"
                     "\n"
                     R"({"timestamp":1,"user_id":7,"event":"e","id":"1"})"
                     "\n"
                     R"({"timestamp":1,"user_id":true,"event":"e"})"
                     "\n"
                     R"({"timestamp":1,"user_id":"u","event":"e","account_id":1.5})"
                     "\n"
                     R"({"timestamp":1,"user_id":"u","event":"e","account_id":[1]})"
                     "\n"
                     R"({"timestamp":1,"user_id":"u","event":"e","id":18446744073709551615})"
                     "\n");
    CHECK(r.loaded == 1);
    CHECK(r.duplicates == 2);
    CHECK(r.skipped == 4);
    CHECK(r.errors[0].message == "user_id: must be a string or an integer, not a boolean");
    CHECK(r.errors[1].message == "account_id: must be a string or an integer, not a fraction");
    CHECK(r.errors[2].message == "account_id: must be a string or an integer, not an array");
    CHECK(r.errors[3].message == "id: number too large for an id");
    CHECK(s.user_ids.name(s.user[0]) == "7");
}

TEST_CASE("JSON arrays are read element by element", "[load]") {
    EventStore s;
    auto r = load(s, R"([{"timestamp":1,"user_id":"u","event":"e"}, 5, {"timestamp":"x","user_id":"u","event":"e"}])");
    CHECK(r.read == 3);
    CHECK(r.loaded == 1);
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].message == "element 2: row: not a JSON object");
    CHECK(r.errors[1].message == "element 3: timestamp: not a date");
    EventStore t;
    auto trunc = load(t, "[{\"timestamp\":1,\"user_id\":\"u\",\"event\":\"e\"},\n{\"timestamp\":");
    CHECK(trunc.loaded == 1);
    CHECK(trunc.skipped == 1);
    CHECK(trunc.errors[0].line == 2);
}

TEST_CASE("strict mode fails on the first bad row and keeps nothing of that load", "[load]") {
    EventStore s;
    load(s, R"({"timestamp":1,"user_id":"u","event":"e","id":"a"})");
    LoadOptions o;
    o.strict = true;
    auto r = s.load_events(R"({"timestamp":2,"user_id":"u","event":"e","id":"b"})"
                           "\n"
                           R"({"timestamp":"no","user_id":"u","event":"e"})",
                           o);
    REQUIRE(!r.ok());
    CHECK(r.error().code == "bad_row");
    CHECK(r.error().line == 2);
    CHECK(r.error().message == "timestamp: not a date");
    CHECK(s.size() == 1);
    // The id of the rolled-back row is free again.
    auto again = load(s, R"({"timestamp":2,"user_id":"u","event":"e","id":"b"})");
    CHECK(again.loaded == 1);
}

TEST_CASE("hostile input gives clean errors, never a crash", "[load][bad]") {
    const std::string row = R"({"timestamp":1,"user_id":"u","event":"e"})";
    std::vector<std::pair<std::string, std::string>> inputs = {
        {"empty", ""},
        {"blank", "\n\n  \n"},
        {"truncated", row.substr(0, 20)},
        {"nested", std::string(200000, '[')},
        {"nested objects", "{\"a\":" + std::string(200000, '{')},
        {"NUL bytes", std::string("{\"timestamp\":1,\0\"user_id\":\"u\"}", 30)},
        {"invalid UTF-8", "{\"timestamp\":1,\"user_id\":\"\xc3\x28\",\"event\":\"e\"}"},
        {"NaN", "{\"timestamp\":NaN,\"user_id\":\"u\",\"event\":\"e\"}"},
        {"Infinity", "{\"timestamp\":Infinity,\"user_id\":\"u\",\"event\":\"e\"}"},
        {"1e400", "{\"timestamp\":1e400,\"user_id\":\"u\",\"event\":\"e\"}"},
        {"huge id", "{\"timestamp\":1,\"user_id\":1e400,\"event\":\"e\"}"},
        {"csv ragged", "timestamp,user_id,event\n1,u\n1,u,e,x\n"},
        {"csv unterminated", "timestamp,user_id,event\n1,\"u,e\n"},
        {"csv no header columns", "a,b\n1,2\n"},
    };
    std::mt19937 rng(42);
    std::string random(1 << 16, '\0');
    for (auto& c : random) c = static_cast<char>(rng());
    inputs.push_back({"random bytes", random});
    for (auto& [name, text] : inputs) {
        INFO(name);
        for (Format f : {Format::Auto, Format::Jsonl, Format::JsonArray, Format::Csv}) {
            EventStore s;
            LoadOptions o;
            o.format = f;
            auto r = s.load_events(text, o);
            // A CSV header without the required columns is one summary error (SPEC §6.2).
            if (!r.ok() && r.error().code == "missing_column") {
                CHECK(s.size() == 0);
                continue;
            }
            REQUIRE(r.ok());
            CHECK(r->read == r->loaded + r->skipped + r->duplicates);
            CHECK(r->errors.size() == std::min<size_t>(r->skipped, LoadReport::kMaxErrors));
        }
    }
}

TEST_CASE("row size and nesting limits", "[load][bad]") {
    EventStore s;
    std::string big =
        "{\"timestamp\":1,\"user_id\":\"u\",\"event\":\"e\",\"p\":\"" + std::string(20u << 20, 'x') + "\"}";
    auto r = load(s, big + "\n" + R"({"timestamp":1,"user_id":"u","event":"e"})");
    CHECK(r.loaded == 1);
    CHECK(r.errors[0].message == "row: longer than the 8 MiB row limit");
    // Between good rows, and last: refused unread, the rows around it kept.
    {
        const std::string ok = R"({"timestamp":1,"user_id":"u","event":"e"})";
        EventStore t;
        auto m = load(t, ok + "\n" + ok + "\n" + big + "\n" + ok + "\n" + big);
        CHECK(m.loaded == 3);
        REQUIRE(m.errors.size() == 2);
        CHECK(m.errors[0].line == 3);
        CHECK(m.errors[1].line == 5);
        CHECK(m.errors[1].message == "row: longer than the 8 MiB row limit");
    }
    std::string deep = "{\"timestamp\":1,\"user_id\":\"u\",\"event\":\"e\",\"p\":" + std::string(300, '[') +
                       std::string(300, ']') + "}";
    auto d = load(s, deep);
    CHECK(d.skipped == 1);
    CHECK(d.errors[0].message == "row: nested deeper than 256 levels");
}

TEST_CASE("accounts: JSONL and CSV, merged key by key", "[load][accounts]") {
    EventStore s;
    LoadOptions o;
    auto r = s.load_accounts(R"({"account_id":"a","name":"A","traits":{"x":1,"y":"b"}})"
                             "\n"
                             R"({"account_id":"a","traits":{"y":"c"}})"
                             "\n"
                             R"({"account_id":"b","traits":{"bad":{"deep":1}}})"
                             "\n"
                             R"({"name":"no id"})",
                             o);
    REQUIRE(r.ok());
    CHECK(r->loaded == 2);
    CHECK(r->skipped == 2);
    CHECK(r->errors[0].message == "traits.bad: must be a string, number or boolean");
    CHECK(r->errors[1].message == "account_id: missing");
    const auto& a = s.accounts[*s.account_ids.find("a")];
    CHECK(*a.name == "A");
    CHECK(std::get<double>(a.traits.at("x")) == 1);
    CHECK(std::get<std::string>(a.traits.at("y")) == "c");
    auto c = s.load_accounts("account_id,name,employees,industry\nz,Zed,250,\n", o);
    REQUIRE(c.ok());
    const auto& z = s.accounts[*s.account_ids.find("z")];
    CHECK(std::get<std::string>(z.traits.at("employees")) == "250");
    CHECK(z.traits.count("industry") == 0);  // an empty cell is an absent trait
}

TEST_CASE("first_line numbers the errors of a later piece of a file", "[load]") {
    EventStore s;
    LoadOptions o;
    o.first_line = 1001;
    auto r = s.load_events(R"({"timestamp":1,"user_id":"u","event":"e"})"
                           "\n"
                           R"({"timestamp":"x","user_id":"u","event":"e"})",
                           o);
    REQUIRE(r.ok());
    CHECK(r->errors[0].line == 1002);
    auto c = s.load_events("timestamp,user_id,event\n1,,e\n", [] {
        LoadOptions x;
        x.first_line = 10;
        return x;
    }());
    CHECK(c->errors[0].line == 11);
}

// The JSON Lines reader parses the whole text as one stream and falls back to a line at a time
// around anything unusual; fuzz/common/jsonl_lines.hpp checks it against per-line loads.
#include "../../fuzz/common/jsonl_lines.hpp"

TEST_CASE("JSON Lines as one stream gives what a line at a time gives", "[load][jsonl]") {
    const std::string ok1 = R"({"timestamp":"2026-01-01T00:00:00.000Z","user_id":"u1","event":"a","id":"e1"})";
    const std::string ok2 = R"({"timestamp":"2026-01-02T00:00:00Z","user_id":"u2","event":"b","account_id":7})";
    const std::string ok3 = R"({"timestamp":1767225600000,"user_id":"u3","event":"a","id":"e1"})";  // duplicate id
    const std::vector<std::string> texts = {
        ok1 + "\n" + ok2 + "\n" + ok3 + "\n",
        ok1 + "\n" + ok2,                                // no final line break
        "\n\n  \t\n" + ok1 + "\r\n\r\n" + ok2 + "\r\n",  // blank lines, CRLF
        ok1 + ok2 + "\n" + ok3 + "\n",                   // two values on one line
        ok1 + "\n{\"timestamp\":\n\"2026-01-01\",\"user_id\":\"u\",\"event\":\"x\"}\n" + ok2 + "\n",  // spans lines
        ok1 + "\n[" + ok2 + "]\n" + ok3 + "\n",                                                       // an array row
        ok1 + "\n42\n\"s\"\nnull\n" + ok2 + "\n",                                                     // scalar rows
        ok1 + "\n{\"user_id\":\"u\",\n" + ok2 + "\n",                                                 // truncated row
        ok1 + "\n{\"user_id\":\"u\"}\n" + ok2 + "\n",                                                 // missing fields
        ok1 + "\n" + ok2 + ",\n" + ok3 + "\n",          // a trailing comma
        ok1 + "\n,\n" + ok2 + "\n]\n[\n" + ok3 + "\n",  // stray punctuation
        ok1 + "\n{} {}\n" + ok2 + "\n",
        ok1 + "\n" + ok2 + "\n{\"timestamp\":\"2026-01-01\"",  // truncated at the end
        "]\n" + ok1 + "\n",
        ok1 + " \n\t" + ok2 + "\t\n",
    };
    for (size_t i = 0; i < texts.size(); ++i) {
        INFO("text " << i);
        CHECK(fuzz::jsonl_stream_vs_lines(texts[i]) == "");
        CHECK(fuzz::jsonl_stream_vs_lines(texts[i], true) == "");
    }
    // Random mixes of good and bad lines.
    std::mt19937 rng(7);
    const std::vector<std::string> pieces = {ok1,       ok2,
                                             ok3,       "",
                                             " ",       "{",
                                             "}",       "[",
                                             "]",       ",",
                                             "42",      R"({"a":{"b":[1,{"c":2}]}})",
                                             ok1 + ok2, "{\"user_id\":"};
    for (int round = 0; round < 300; ++round) {
        std::string text;
        const int lines = 1 + static_cast<int>(rng() % 12);
        for (int l = 0; l < lines; ++l) {
            text += pieces[rng() % pieces.size()];
            if (l + 1 < lines || rng() % 2) text += (rng() % 4 == 0) ? "\r\n" : "\n";
        }
        INFO(text);
        CHECK(fuzz::jsonl_stream_vs_lines(text) == "");
        CHECK(fuzz::jsonl_stream_vs_lines(text, true) == "");
    }
}

// Past 4 MiB the stream restarts at a line break; rows and bad rows on either side of a restart
// are read as a line at a time reads them.
TEST_CASE("JSON Lines over several stream segments", "[load][jsonl]") {
    std::string text;
    std::vector<size_t> line_starts;
    std::mt19937 rng(11);
    const std::vector<std::string> odd = {"", "{", "42", "{\"timestamp\":1,\n", "[1]", "{} {}", "  "};
    for (int i = 0; text.size() < (9u << 20); ++i) {
        line_starts.push_back(text.size());
        text += "{\"id\":\"e" + std::to_string(i % 50000) + "\",\"timestamp\":\"2026-01-0" + std::to_string(1 + i % 9) +
                "T00:00:00.000Z\",\"user_id\":\"u" + std::to_string(i % 97) + "\",\"event\":\"ev" +
                std::to_string(i % 13) + "\",\"properties\":{\"n\":" + std::to_string(i) + "}}\n";
        // Anomalies now and then, and densely around the segment boundaries.
        const bool near =
            (text.size() & ((4u << 20) - 1)) < 4000 || ((4u << 20) - (text.size() & ((4u << 20) - 1))) < 4000;
        if ((near && rng() % 3 == 0) || rng() % 5000 == 0) text += odd[rng() % odd.size()] + "\n";
    }
    CHECK(fuzz::jsonl_stream_vs_lines(text) == "");
    CHECK(fuzz::jsonl_stream_vs_lines(text, true) == "");
    EventStore s;
    auto r = load(s, text, Format::Jsonl);
    CHECK(r.duplicates > 0);  // ids repeat from e50000 on
    CHECK(r.skipped > 0);
}
