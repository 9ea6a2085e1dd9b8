// Bring your own data (issue 14, SPEC §6): event properties, user traits, vendor record shapes,
// column mapping and time units, through the core.
#include <catch2/catch.hpp>

#include "engine_internals.hpp"
#include "event_store.hpp"
#include "pql/engine.hpp"

using namespace pql;

namespace {

LoadReport load(EventStore& s, const std::string& text, const LoadOptions& o = {}) {
    auto r = s.load_events(text, o);
    if (!r.ok()) FAIL(r.error().message);
    CHECK(r->read == r->loaded + r->skipped + r->duplicates);
    return *r;
}

std::optional<PropertyView> prop(const EventStore& s, size_t i, const std::string& key) {
    auto k = s.property_key(key);
    if (!k) return std::nullopt;
    return s.property(i, *k);
}

std::string account_of(const EventStore& s, size_t i) {
    return s.account[i] == kNone ? "" : s.account_ids.name(s.account[i]);
}

}  // namespace

TEST_CASE("properties: scalars, dotted paths, arrays ignored, null absent", "[load][properties]") {
    EventStore s;
    load(
        s,
        R"({"timestamp":1000,"user_id":"u","event":"e","properties":{"plan":{"seats":14,"tier":"pro"},"ok":true,"tags":["a"],"gone":null,"n":-2.5}})"
        "\n"
        R"({"timestamp":2000,"user_id":"u","event":"e"})"
        "\n"
        R"({"timestamp":3000,"user_id":"u","event":"e","properties":{"ok":false,"ok":true}})"
        "\n");
    REQUIRE(s.size() == 3);
    auto seats = prop(s, 0, "plan.seats");
    REQUIRE(seats);
    CHECK(seats->kind == PropertyView::Number);
    CHECK(seats->number == 14);
    CHECK(prop(s, 0, "plan.tier")->text == "pro");
    CHECK(prop(s, 0, "ok")->boolean);
    CHECK(prop(s, 0, "n")->number == -2.5);
    CHECK_FALSE(prop(s, 0, "tags"));
    CHECK_FALSE(prop(s, 0, "gone"));
    CHECK_FALSE(prop(s, 0, "plan"));
    CHECK_FALSE(prop(s, 1, "ok"));
    CHECK(prop(s, 2, "ok")->boolean);  // a key given twice: the last wins
    CHECK(s.property_pairs() == 5);
    int seen = 0;
    s.for_each_property(0, [&](uint32_t, const PropertyView&) { ++seen; });
    CHECK(seen == 4);
    CHECK(std::get<double>(prop(s, 0, "plan.seats")->value()) == 14);
}

TEST_CASE("properties: none stored costs nothing per event; strict failure undoes them", "[load][properties]") {
    EventStore s;
    load(s, "{\"timestamp\":1,\"user_id\":\"u\",\"event\":\"e\",\"properties\":{}}\n");
    CHECK(s.prop_begin.empty());
    LoadOptions strict;
    strict.strict = true;
    auto r =
        s.load_events("{\"timestamp\":2,\"user_id\":\"u\",\"event\":\"e\",\"properties\":{\"a\":1}}\nnope\n", strict);
    CHECK_FALSE(r.ok());
    CHECK(s.size() == 1);
    CHECK(s.property_pairs() == 0);
    CHECK_FALSE(prop(s, 0, "a"));
    load(s, "{\"timestamp\":3,\"user_id\":\"u\",\"event\":\"e\",\"properties\":{\"a\":1}}\n");
    CHECK(s.prop_begin.size() == s.size() + 1);
    CHECK(prop(s, 1, "a")->number == 1);
}

TEST_CASE("properties: Segment track and page, CSV columns", "[load][properties]") {
    EventStore s;
    load(
        s,
        R"({"type":"track","event":"Report Exported","userId":"u","timestamp":"2026-01-05T14:03:27.622Z","properties":{"format":"csv","rows":1200},"context":{"groupId":"acme","page":{"path":"/x"}}})"
        "\n"
        R"({"type":"page","name":"Pricing","anonymousId":"a","timestamp":"2026-01-05T13:58:10.110Z","properties":{"path":"/pricing"}})"
        "\n");
    CHECK(prop(s, 0, "format")->text == "csv");
    CHECK(prop(s, 0, "rows")->number == 1200);
    CHECK_FALSE(prop(s, 0, "page.path"));  // context is not a property
    CHECK(prop(s, 1, "name")->text == "Pricing");
    CHECK(prop(s, 1, "path")->text == "/pricing");
    EventStore c;
    load(c, "timestamp,user_id,event,plan,seats\n2026-01-01,u,e,pro,12\n2026-01-02,u,e,,\n");
    CHECK(prop(c, 0, "plan")->text == "pro");
    CHECK(prop(c, 0, "seats")->text == "12");  // CSV cells are strings (§3 compares "12" as 12)
    CHECK_FALSE(prop(c, 1, "plan"));           // an empty cell is absent
    CHECK_FALSE(prop(c, 0, "timestamp"));
}

TEST_CASE("Segment HTTP envelope: each batch element is a call", "[load][shapes]") {
    EventStore s;
    auto r = load(
        s,
        R"({"batch":[{"type":"track","event":"A","userId":"u1","timestamp":"2026-01-01T00:00:00Z","messageId":"m1"},)"
        R"({"type":"identify","userId":"u1","traits":{"title":"VP"},"timestamp":"2026-01-01T00:00:00Z"},)"
        R"({"type":"track","userId":"u1","timestamp":"2026-01-01T00:00:00Z"},)"
        R"({"type":"track","event":"A","userId":"u1","timestamp":"2026-01-01T00:00:00Z","messageId":"m1"},)"
        R"(7],"sentAt":"2026-01-01T00:00:01Z"})"
        "\n");
    CHECK(r.read == 5);
    CHECK(r.loaded == 2);
    CHECK(r.duplicates == 1);
    CHECK(r.skipped == 2);
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].message == "batch element 2: event: missing");
    CHECK(r.errors[1].message == "batch[4]: not a JSON object");
    CHECK(s.size() == 1);
    CHECK(s.identifies.size() == 1);
    CHECK(r.shapes["segment_batch"] == 1);
}

TEST_CASE("Mixpanel export: seconds or ms, $user_id, $insert_id, account_key with lists", "[load][shapes]") {
    const std::string text =
        R"({"event":"Report Exported","properties":{"time":1767621807,"distinct_id":"usr_4821","$insert_id":"f3a9","$user_id":"usr_4821","company_id":"acct_0077","format":"csv","mp_lib":"web"}})"
        "\n"
        R"({"event":"$mp_web_page_view","properties":{"time":1767621490,"distinct_id":"$device:9c2d","$insert_id":"0c6b","current_url_path":"/pricing"}})"
        "\n"
        R"({"event":"Seat Invited","properties":{"time":1767621902000,"distinct_id":"usr_4821","$insert_id":"7d0e","$user_id":"usr_4821","company_id":["acct_0077","acct_0112"],"invitee_role":"editor"}})"
        "\n"
        R"({"event":"Seat Invited","properties":{"time":1767621902000,"distinct_id":"usr_4821","$insert_id":"7d0e"}})"
        "\n";
    EventStore s;
    LoadOptions o;
    o.account_key = "company_id";
    auto r = load(s, text, o);
    CHECK(r.loaded == 3);
    CHECK(r.duplicates == 1);
    CHECK(r.shapes["mixpanel"] == 4);
    CHECK(s.ts[0] == 1767621807000);
    CHECK(s.ts[2] == 1767621902000);
    CHECK(s.user_ids.name(s.user[1]) == "$device:9c2d");
    CHECK(s.event_names.name(s.type[1]) == "$mp_web_page_view");
    CHECK(account_of(s, 0) == "acct_0077");
    CHECK(account_of(s, 1) == "");
    CHECK(account_of(s, 2) == "acct_0077");  // a list counts for its first element
    CHECK(prop(s, 0, "format")->text == "csv");
    CHECK_FALSE(prop(s, 0, "time"));
    CHECK_FALSE(prop(s, 0, "$insert_id"));
    CHECK(r.notes.empty());

    EventStore n;  // no account_key: unassigned, said once
    auto rn = load(n, text);
    CHECK(account_of(n, 0) == "");
    REQUIRE(rn.notes.size() == 1);
    CHECK(rn.notes[0].find("4 Mixpanel events have no account") == 0);
}

TEST_CASE("Amplitude export: event_time, device_id, groups, user and group properties", "[load][shapes]") {
    const std::string text =
        R"({"$insert_id":"a1","user_id":"usr_4821","device_id":"d1","uuid":"x1","event_type":"Report Exported","event_time":"2026-01-05 14:03:27.512000","event_properties":{"format":"csv"},"user_properties":{"plan":"team","title":"VP Sales"},"groups":{"company_id":["acct_0077"]},"group_properties":{"company_id":{"acct_0077":{"seats":14}}}})"
        "\n"
        R"({"insert_id":"a2","user_id":null,"device_id":"d2","event_type":"[Amplitude] Page Viewed","event_time":"2026-01-05 13:58:10","event_properties":{},"user_properties":{},"groups":{},"group_properties":{}})"
        "\n"
        R"({"uuid":"x3","user_id":"usr_4821","event_type":"$identify","event_time":"2026-01-06 09:00:00","user_properties":{"title":"CRO"}})"
        "\n";
    EventStore s;
    auto r = load(s, text);  // one group type in the file: it is the account
    CHECK(r.loaded == 3);
    REQUIRE(s.size() == 2);  // $identify is trait-only
    CHECK(s.ts[0] == 1767621807512);
    CHECK(s.user_ids.name(s.user[1]) == "d2");
    CHECK(account_of(s, 0) == "acct_0077");
    CHECK(prop(s, 0, "format")->text == "csv");
    CHECK(r.notes.size() == 1);
    const uint32_t u = *s.user_ids.find("usr_4821");
    CHECK(std::get<std::string>(s.user_traits(u, 1767621807512).at("title")) == "VP Sales");
    CHECK(std::get<std::string>(s.user_traits(u, 1767690000000).at("title")) == "CRO");
    CHECK(s.user_traits(u, 0).empty());  // as of T
    REQUIRE(s.groups.size() == 1);
    CHECK_FALSE(s.groups[0].member);
    CHECK(std::get<double>(s.groups[0].traits.at("seats")) == 14);

    EventStore two;  // two group types and no account_key: unassigned, said once
    auto r2 = load(
        two,
        R"({"uuid":"1","user_id":"u","event_type":"e","event_time":"2026-01-05 14:05:02","groups":{"company_id":["a"],"workspace":["w1","w2"]}})"
        "\n");
    CHECK(account_of(two, 0) == "");
    REQUIRE(r2.notes.size() == 1);
    CHECK(r2.notes[0].find("several group types (company_id, workspace)") != std::string::npos);
    LoadOptions o;
    o.account_key = "workspace";
    EventStore keyed;
    load(
        keyed,
        R"({"uuid":"1","user_id":"u","event_type":"e","event_time":"2026-01-05 14:05:02","groups":{"company_id":["a"],"workspace":["w1","w2"]}})"
        "\n",
        o);
    CHECK(account_of(keyed, 0) == "w1");
}

TEST_CASE("PostHog events: JSON Lines and the CSV export", "[load][shapes]") {
    const std::string text =
        R"({"uuid":"019b-1","event":"report_exported","distinct_id":"usr_4821","properties":{"$lib":"web","$groups":{"company":"acct_0077"},"format":"csv","$set":{"email":"r@a.example"},"$set_once":{"first":"a"}},"person_properties":{"plan":"team"},"timestamp":"2026-01-05T14:03:27.512000+00:00"})"
        "\n"
        R"({"uuid":"019b-2","event":"$pageview","distinct_id":"anon","properties":{"$current_url":"https://x"},"timestamp":"2026-01-05T13:58:10.094000+00:00"})"
        "\n"
        R"({"uuid":"019b-3","event":"$groupidentify","distinct_id":"usr_4821","properties":{"$group_type":"company","$group_key":"acct_0077","$group_set":{"name":"Acme","seats":14}},"timestamp":"2026-01-05T14:05:02.000000+00:00"})"
        "\n"
        R"({"uuid":"019b-4","event":"later","distinct_id":"usr_4821","properties":{"$set_once":{"first":"b"}},"timestamp":"2026-01-06T14:05:02Z"})"
        "\n";
    EventStore s;
    auto r = load(s, text);
    CHECK(r.loaded == 4);
    REQUIRE(s.size() == 3);
    CHECK(r.shapes["posthog"] == 4);
    CHECK(account_of(s, 0) == "acct_0077");  // the file's only group type
    CHECK(s.ts[0] == 1767621807512);
    CHECK(prop(s, 0, "format")->text == "csv");
    CHECK(prop(s, 0, "$lib")->text == "web");
    CHECK_FALSE(prop(s, 0, "$groups.company"));
    CHECK_FALSE(prop(s, 0, "$set.email"));
    const uint32_t u = *s.user_ids.find("usr_4821");
    auto t = s.user_traits(u, INT64_MAX);
    CHECK(std::get<std::string>(t.at("email")) == "r@a.example");
    CHECK(std::get<std::string>(t.at("plan")) == "team");
    CHECK(std::get<std::string>(t.at("first")) == "a");  // $set_once keeps the first
    REQUIRE(s.groups.size() == 1);
    CHECK(std::get<std::string>(s.groups[0].traits.at("name")) == "Acme");

    EventStore c;
    auto rc = load(c,
                   "*.uuid,*.event,*.properties.format,*.timestamp,*.team_id,*.distinct_id,*.elements_chain,*.created_"
                   "at,*.person_mode\r\n"
                   "019b8e5a,report_exported,csv,2026-01-05T14:03:27.512000+00:00,4242,usr_4821,,2026-01-05T14:03:29."
                   "201000+00:00,full\r\n"
                   "019b8e5c,report_exported,pdf,2026-01-06T09:12:44.030000+00:00,4242,usr_5102,,2026-01-06T09:12:45."
                   "112000+00:00,full\r\n");
    CHECK(rc.loaded == 2);
    CHECK(c.user_ids.name(c.user[1]) == "usr_5102");
    CHECK(prop(c, 1, "format")->text == "pdf");
    CHECK_FALSE(prop(c, 1, "team_id"));
}

TEST_CASE("column mapping and time units", "[load][columns]") {
    LoadOptions o;
    o.columns = {{"timestamp", "Time"}, {"user_id", "User ID"}, {"event", "Event Name"}, {"account_id", "Company"}};
    o.time_unit = TimeUnit::S;
    EventStore s;
    auto r = load(
        s, "Time,User ID,Event Name,Company,Plan\n1767621807,u1,Signed Up,acme,pro\n1767621807.5,u2,Login,acme,\n", o);
    CHECK(r.loaded == 2);
    CHECK(s.ts[0] == 1767621807000);
    CHECK(s.ts[1] == 1767621807500);
    CHECK(account_of(s, 0) == "acme");
    CHECK(prop(s, 0, "Plan")->text == "pro");
    CHECK_FALSE(prop(s, 0, "Company"));

    EventStore j;
    LoadOptions oj;
    oj.columns = {{"timestamp", "ts"}, {"user_id", "user"}, {"event", "action"}};
    load(j,
         R"({"ts":"2026-01-01T00:00:00Z","user":"u","action":"a","properties":{"x":1}})"
         "\n",
         oj);
    CHECK(j.size() == 1);

    SECTION("a missing required column is one summary error") {
        EventStore m;
        auto e = m.load_events("Time,User ID,Event Name,Company\n1,u,e,c\n2,u,e,c\n", {});
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().code == "missing_column");
        CHECK(e.error().message.rfind("no timestamp, user_id, event columns; found Time, User ID, Event Name, Company",
                                      0) == 0);
        CHECK(e.error().message.find("timestamp=Time") != std::string::npos);
        CHECK(m.size() == 0);
    }
    SECTION("a mapped column the file lacks is an error naming it") {
        EventStore m;
        LoadOptions bad;
        bad.columns = {{"timestamp", "Tme"}};
        auto e = m.load_events("Time,user_id,event\n1,u,e\n", bad);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().message ==
              "column mapping timestamp=Tme: the file has no column \"Tme\"; found Time, user_id, event");
        auto ej = m.load_events(R"({"timestamp":1,"user_id":"u","event":"e"})"
                                "\n",
                                bad);
        REQUIRE_FALSE(ej.ok());
        CHECK(m.size() == 0);
        bad.columns = {{"stamp", "x"}};
        auto eu = m.load_events("a\n", bad);
        REQUIRE_FALSE(eu.ok());
        CHECK(eu.error().message.find("unknown field in the events column mapping: stamp") == 0);
    }
    SECTION("JSON rows that all lack a field: one summary note") {
        EventStore m;
        auto e = m.load_events(R"({"ts":1,"user":"u","action":"a"})"
                               "\n"
                               R"({"ts":2,"user":"u","action":"a"})"
                               "\n",
                               {});
        REQUIRE(e.ok());
        REQUIRE(e->notes.size() == 1);
        CHECK(e->notes[0].rfind("no timestamp key; found ts, user, action", 0) == 0);
    }
}

TEST_CASE("users file: JSON, CSV, Mixpanel profiles; the file wins over events", "[load][users]") {
    Engine e;
    REQUIRE(
        e.load_events(
             R"({"type":"identify","userId":"u1","traits":{"title":"Engineer","plan":"free"},"timestamp":"2026-01-01T00:00:00Z"})"
             "\n"
             R"({"timestamp":"2026-01-02T00:00:00Z","user_id":"u1","event":"e","account_id":"a"})"
             "\n")
            .ok());
    auto r = e.load_users(R"({"user_id":"u1","traits":{"title":"VP Sales"}})"
                          "\n"
                          R"({"$distinct_id":"u2","$properties":{"$email":"x@y","seats":3}})"
                          "\n");
    REQUIRE(r.ok());
    CHECK(r->loaded == 2);
    const EventStore& s = pql::EngineInternals::store(e);
    auto t = s.user_traits(*s.user_ids.find("u1"), INT64_MAX);
    CHECK(std::get<std::string>(t.at("title")) == "VP Sales");
    CHECK(std::get<std::string>(t.at("plan")) == "free");
    auto all = s.user_traits_all(INT64_MAX);
    CHECK(std::get<double>(all[*s.user_ids.find("u2")].at("seats")) == 3);

    LoadOptions o;
    o.columns = {{"user_id", "Email"}};
    auto c = e.load_users("Email,Title\nu3,CTO\n", o);
    REQUIRE(c.ok());
    CHECK(std::get<std::string>(s.user_traits(*s.user_ids.find("u3"), 0).at("Title")) == "CTO");
    auto bad = e.load_users("Mail,Title\nu3,CTO\n", o);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("Email") != std::string::npos);
}

TEST_CASE("accounts file column mapping", "[load][columns]") {
    EventStore s;
    LoadOptions o;
    o.columns = {{"account_id", "Company ID"}, {"name", "Company Name"}};
    auto r = s.load_accounts("Company ID,Company Name,Employees\nc1,Acme,240\n", o);
    REQUIRE(r.ok());
    const auto& rec = s.accounts[*s.account_ids.find("c1")];
    CHECK(*rec.name == "Acme");
    CHECK(std::get<std::string>(rec.traits.at("Employees")) == "240");
    auto e = s.load_accounts("Company ID,Company Name,Employees\nc1,Acme,240\n", {});
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message.rfind("no account_id column; found Company ID, Company Name, Employees", 0) == 0);
}

TEST_CASE("a load in pieces of any size equals the whole load", "[load][stream]") {
    std::string jsonl, csv = "timestamp,user_id,event,account_id,note\r\n";
    for (int i = 0; i < 3000; ++i) {
        jsonl += R"({"uuid":"id)" + std::to_string(i % 2900) + R"(","event":"e)" + std::to_string(i % 7) +
                 R"(","distinct_id":"u)" + std::to_string(i % 40) + R"(","properties":{"$groups":{"company":"c)" +
                 std::to_string(i % 9) + R"("},"n":)" + std::to_string(i) + R"(},"timestamp":"2026-01-0)" +
                 std::to_string(1 + i % 9) + "T00:00:00Z\"}\n";
        if (i == 1500) jsonl += "not json\n";
        csv += "2026-01-0" + std::to_string(1 + i % 9) + ",u" + std::to_string(i % 40) + ",e,c" +
               std::to_string(i % 9) +
               (i % 5 == 1 ? ",say 5\" wide\r"
                : i % 3    ? ",plain\r\n"
                           : ",\"two\nlines, \"\"quoted\"\"\"\r\n");
        if (i % 97 == 3) csv += "bad date,u1,e,c1,x\n";
    }
    for (const std::string* text : {&jsonl, &csv}) {
        Engine whole;
        auto w = whole.load_events(*text);
        REQUIRE(w.ok());
        for (size_t step : {size_t(1) << 20, size_t(7), size_t(4099)}) {
            Engine parts;
            REQUIRE(parts.begin_load(LoadKind::Events).ok());
            for (size_t pos = 0; pos < text->size(); pos += step)
                REQUIRE(parts.feed(std::string_view(*text).substr(pos, step)).ok());
            auto p = parts.end_load();
            REQUIRE(p.ok());
            CHECK(p->read == w->read);
            CHECK(p->loaded == w->loaded);
            CHECK(p->duplicates == w->duplicates);
            CHECK(p->skipped == w->skipped);
            REQUIRE(p->errors.size() == w->errors.size());
            for (size_t i = 0; i < p->errors.size(); ++i) CHECK(p->errors[i].line == w->errors[i].line);
            CHECK(pql::EngineInternals::store(parts).ts == pql::EngineInternals::store(whole).ts);
            CHECK(pql::EngineInternals::store(parts).account == pql::EngineInternals::store(whole).account);
            CHECK(pql::EngineInternals::store(parts).prop_value == pql::EngineInternals::store(whole).prop_value);
            CHECK(parts.score_json() == whole.score_json());
        }
    }
    SECTION("a JSON array and an accounts file are read at the end") {
        Engine e;
        REQUIRE(e.begin_load(LoadKind::Events).ok());
        REQUIRE(e.feed(R"([{"timestamp":1,"user_id":"u","event":"e","account_id":"a"},)").ok());
        REQUIRE(e.feed(R"({"timestamp":2,"user_id":"u","event":"e","account_id":"a"}])").ok());
        auto r = e.end_load();
        REQUIRE(r.ok());
        CHECK(r->loaded == 2);
        REQUIRE(e.begin_load(LoadKind::Accounts).ok());
        CHECK_FALSE(e.begin_load(LoadKind::Users).ok());  // one at a time
        REQUIRE(e.feed("account_id,name\na,Ac").ok());
        REQUIRE(e.feed("me\n").ok());
        auto a = e.end_load();
        REQUIRE(a.ok());
        CHECK(*pql::EngineInternals::store(e).accounts[0].name == "Acme");
    }
    SECTION("strict: a bad row in a later piece undoes the whole load") {
        Engine e;
        LoadOptions o;
        o.strict = true;
        REQUIRE(e.begin_load(LoadKind::Events, o).ok());
        std::string good;
        for (int i = 0; i < 100000; ++i)
            good += R"({"timestamp":1,"user_id":"u","event":"e"})"
                    "\n";
        REQUIRE(e.feed(good).ok());
        const bool all_ok = e.feed("oops\n").ok() && e.feed(good).ok() && e.end_load().ok();
        CHECK_FALSE(all_ok);
        if (e.loading()) CHECK_FALSE(e.end_load().ok());
        CHECK(pql::EngineInternals::store(e).size() == 0);
    }
}

TEST_CASE("the catalog lists event properties with counts and examples", "[load][properties]") {
    Engine e;
    REQUIRE(e.load_events(R"({"timestamp":1,"user_id":"u","event":"e","properties":{"plan":"pro","seats":3}})"
                          "\n"
                          R"({"timestamp":2,"user_id":"u","event":"e","properties":{"plan":"team"}})"
                          "\n")
                .ok());
    const std::string c = e.catalog_json();
    CHECK(c.find(R"("properties":[{"property":"plan","events":2,"examples":["pro","team"],"event_types":["e"]},)"
                 R"({"property":"seats","events":1,"examples":[3.0],"event_types":["e"]}])") != std::string::npos);
}
