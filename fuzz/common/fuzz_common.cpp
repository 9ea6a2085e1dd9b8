// The JSON-reading checks shared by the fuzz targets (see fuzz_common.hpp).
#include "fuzz_common.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "pql/csv.hpp"

namespace fuzz {

using json = nlohmann::json;

namespace {

json parse(const std::string& text) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) std::fprintf(stderr, "not JSON: %.2000s\n", text.c_str());
    FUZZ_CHECK(!j.is_discarded());
    return j;
}

bool in_0_100(const json& v) {
    if (!v.is_number()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && d >= 0 && d <= 100;
}

// A rule trace node: its result follows from its children; a numeric leaf's from its actual
// value and op.
bool check_trace(const json& node) {
    FUZZ_CHECK(node.is_object() && node.contains("result") && node["result"].is_boolean());
    const bool result = node["result"].get<bool>();
    if (node.contains("all")) {
        bool all = true;
        for (auto& c : node["all"]) all = check_trace(c) && all;
        FUZZ_CHECK(result == all);
    } else if (node.contains("any")) {
        bool any = false;
        for (auto& c : node["any"]) any = check_trace(c) || any;
        FUZZ_CHECK(result == any);
    } else if (node.contains("not")) {
        FUZZ_CHECK(result == !check_trace(node["not"]));
    } else {
        FUZZ_CHECK(node["metric"].is_string() && node["op"].is_string());
        const std::string metric = node["metric"].get<std::string>();
        if (metric.rfind("trait.", 0) != 0) {
            const json& actual = node["actual"];
            if (actual.is_null()) {
                FUZZ_CHECK(!result);
            } else {
                FUZZ_CHECK(actual.is_number() && node["value"].is_number());
                const double a = actual.get<double>(), v = node["value"].get<double>();
                const std::string op = node["op"].get<std::string>();
                const bool expect = op == ">="   ? a >= v
                                    : op == ">"  ? a > v
                                    : op == "<=" ? a <= v
                                    : op == "<"  ? a < v
                                    : op == "==" ? a == v
                                                 : a != v;
                FUZZ_CHECK(result == expect);
            }
        }
    }
    return result;
}

void check_explanation(const std::string& text, const json& row) {
    json j = parse(text);
    FUZZ_CHECK(j.is_object());
    for (const char* k : {"rank", "id", "score", "activation", "engagement", "fit", "qualified", "tier", "grade"})
        FUZZ_CHECK(j[k] == row[k]);
    const json& q = j["qualification"];
    FUZZ_CHECK(q.is_object());
    bool rule_ok = true;
    if (!j["rule"].is_null()) {
        rule_ok = check_trace(j["rule"]);
        FUZZ_CHECK(q["rule_ok"].get<bool>() == rule_ok);
    }
    const bool qualified =
        q["score_ok"].get<bool>() && (q["activated"].get<bool>() || !q["require_activation"].get<bool>()) && rule_ok;
    FUZZ_CHECK(qualified == j["qualified"].get<bool>());
    // Call-ready parts (docs/model.md): at most 3 reasons, 10 key events newest first, 20
    // people whose points add up to engagement_points when every user is listed.
    FUZZ_CHECK(j["reasons"].is_array() && j["reasons"].size() <= 3);
    FUZZ_CHECK(j["recent_events"].is_array() && j["recent_events"].size() <= 10);
    for (size_t i = 1; i < j["recent_events"].size(); ++i)
        FUZZ_CHECK(pql::parse_timestamp(j["recent_events"][i - 1]["at"].get<std::string>()).value() >=
                   pql::parse_timestamp(j["recent_events"][i]["at"].get<std::string>()).value());
    FUZZ_CHECK(j["people"].is_array() && j["people"].size() <= 20);
    if (j["people"].size() < 20 && j["engagement_points"].is_number()) {
        double sum = 0, mag = 0;
        for (auto& p : j["people"]) sum += p["points"].get<double>(), mag += std::fabs(p["points"].get<double>());
        const double ep = j["engagement_points"].get<double>();
        FUZZ_CHECK(std::fabs(sum - ep) <= 1e-9 * std::max({1.0, std::fabs(ep), mag}));
    }
}

json check_run(const std::string& text) {
    json j = parse(text);
    FUZZ_CHECK(j.is_object());
    FUZZ_CHECK(j["as_of"].is_string());
    FUZZ_CHECK(pql::parse_timestamp(j["as_of"].get<std::string>()).has_value());
    const json& d = j["diagnostics"];
    FUZZ_CHECK(d["read"].get<int64_t>() ==
               d["loaded"].get<int64_t>() + d["skipped"].get<int64_t>() + d["duplicates"].get<int64_t>());
    FUZZ_CHECK(d["errors"].size() <= pql::LoadReport::kMaxErrors);
    FUZZ_CHECK(d["unassigned"].get<int64_t>() >= 0);
    const json& results = j["results"];
    FUZZ_CHECK(results.is_array());
    FUZZ_CHECK(j["entities"].get<size_t>() == results.size());
    int64_t qualified = 0;
    for (size_t i = 0; i < results.size(); ++i) {
        const json& r = results[i];
        FUZZ_CHECK(r["rank"].get<size_t>() == i + 1);
        FUZZ_CHECK(r["id"].is_string());
        FUZZ_CHECK(in_0_100(r["score"]));
        FUZZ_CHECK(in_0_100(r["activation"]));
        FUZZ_CHECK(in_0_100(r["engagement"]));
        FUZZ_CHECK(in_0_100(r["fit"]));
        FUZZ_CHECK(r["engagement_points"].is_number());
        FUZZ_CHECK(r["velocity"].is_number());
        FUZZ_CHECK(r["days_since_last_seen"].is_number_integer() && r["days_since_last_seen"].get<int64_t>() >= 0);
        FUZZ_CHECK(r["events"].get<int64_t>() >= 0 && r["users"].get<int64_t>() >= 0);
        FUZZ_CHECK(r["first_seen"].get<std::string>() <= r["last_seen"].get<std::string>());
        FUZZ_CHECK(r["last_seen"].get<std::string>() <= j["as_of"].get<std::string>());
        if (i > 0) {
            const double prev = results[i - 1]["score"].get<double>(), cur = r["score"].get<double>();
            FUZZ_CHECK(prev > cur ||
                       (prev == cur && results[i - 1]["id"].get<std::string>() < r["id"].get<std::string>()));
        }
        if (r["qualified"].get<bool>()) ++qualified;
    }
    FUZZ_CHECK(j["qualified"].get<int64_t>() == qualified);
    return j;
}

RunSummary summary(const json& run) {
    RunSummary s;
    s.read = run["diagnostics"]["read"].get<int64_t>();
    for (auto& r : run["results"]) {
        s.ids.push_back(r["id"].get<std::string>());
        s.scores.push_back(r["score"].get<double>());
    }
    return s;
}

}  // namespace

void check_json(const std::string& text) { parse(text); }

void check_json_syntax(const std::string& text) {
    const bool ok = json::accept(text);
    if (!ok) std::fprintf(stderr, "not JSON: %.2000s\n", text.c_str());
    FUZZ_CHECK(ok);
}

bool is_json_value(std::string_view text) { return json::accept(text.begin(), text.end()); }

RunSummary check_run_json(const std::string& text) { return summary(check_run(text)); }

RunSummary score_and_explain(pql::Engine& e, size_t max_explain) {
    const json run = check_run(e.score_json());
    const json& results = run["results"];
    for (size_t i = 0; i < results.size() && i < max_explain; ++i) {
        auto ex = e.explain_json(results[i]["id"].get<std::string>());
        FUZZ_CHECK(ex.ok());
        check_explanation(*ex, results[i]);
    }
    auto missing = e.explain_json("\x01no such entity\x02");
    FUZZ_CHECK(!missing.ok() && missing.error().code == "not_found");
    // Paging returns the same rows.
    if (results.size() > 1) {
        const json page = parse(e.score_json(1, 1));
        FUZZ_CHECK(page["results"].size() == 1 && page["results"][0] == results[1]);
    }
    FUZZ_CHECK(parse(e.score_json(results.size() + 5, 10))["results"].empty());
    // The CRM preset writes a header and ends its last record (it reads the same run).
    pql::CsvOptions crm;
    crm.preset = pql::CsvPreset::Crm;
    const std::string csv = e.score_csv(crm);
    FUZZ_CHECK(csv.rfind("id,name,", 0) == 0 && csv.size() >= 2 && csv.compare(csv.size() - 2, 2, "\r\n") == 0);
    return summary(run);
}

namespace {

// A ratio: null (a zero denominator) or a number in [0, 1].
void check_ratio(const json& v) {
    if (v.is_null()) return;
    FUZZ_CHECK(v.is_number());
    const double d = v.get<double>();
    FUZZ_CHECK(d >= 0 && d <= 1 + 1e-12);
}

// A lift: null or a finite number >= 0.
void check_lift(const json& v) {
    if (v.is_null()) return;
    FUZZ_CHECK(v.is_number());
    FUZZ_CHECK(v.get<double>() >= 0 && std::isfinite(v.get<double>()));
}

int64_t count(const json& v) {
    FUZZ_CHECK(v.is_number_integer());
    const int64_t n = v.get<int64_t>();
    FUZZ_CHECK(n >= 0);
    return n;
}

void check_group(const json& g) {
    FUZZ_CHECK(count(g["conversions"]) <= count(g["count"]));
    check_ratio(g["rate"]);
    check_lift(g["lift"]);
}

}  // namespace

void check_backtest_json(const std::string& text) {
    const json j = parse(text);
    FUZZ_CHECK(j.is_object());
    FUZZ_CHECK(j["as_of"].is_string() && pql::parse_timestamp(j["as_of"].get<std::string>()).has_value());
    const int64_t population = count(j["population"]), conversions = count(j["conversions"]);
    FUZZ_CHECK(conversions <= population);
    check_ratio(j["base_rate"]);
    int64_t in_tiers = 0;
    for (auto& t : j["tiers"]) {
        check_group(t);
        in_tiers += count(t["count"]);
    }
    FUZZ_CHECK(in_tiers <= population);
    const json& q = j["pql"];
    check_group(q["qualified"]);
    check_group(q["not_qualified"]);
    FUZZ_CHECK(count(q["qualified"]["count"]) + count(q["not_qualified"]["count"]) == population);
    FUZZ_CHECK(count(q["qualified"]["conversions"]) + count(q["not_qualified"]["conversions"]) == conversions);
    for (const char* k : {"precision", "recall", "fpr"}) check_ratio(q[k]);
    for (auto& [k, v] : j["precision_at"].items()) {
        check_ratio(v["precision"]);
        check_ratio(v["recall"]);
    }
    check_ratio(j["auc"]);
    FUZZ_CHECK(j["sweep"].size() == 21);
    int64_t prev = INT64_MAX;
    for (size_t i = 0; i < j["sweep"].size(); ++i) {
        const json& s = j["sweep"][i];
        FUZZ_CHECK(s["min_score"].get<double>() == 5.0 * static_cast<double>(i));
        const int64_t n = count(s["qualified"]);
        FUZZ_CHECK(n <= population && n <= prev);  // a higher bar qualifies no one new
        prev = n;
        check_ratio(s["precision"]);
        check_ratio(s["recall"]);
    }
    std::string last;
    for (auto& s : j["signals"]) {
        const std::string name = s["event"].get<std::string>();
        FUZZ_CHECK(last.empty() || last < name);
        last = name;
        FUZZ_CHECK(count(s["did"]) <= population);
        FUZZ_CHECK(count(s["did_conversions"]) <= count(s["did"]));
        check_ratio(s["did_rate"]);
        check_ratio(s["not_rate"]);
        check_lift(s["lift"]);
    }
}

std::string score_and_explain(const pql::EventStore& store, const pql::Model& model, size_t max_explain,
                              const pql::LoadReport& diagnostics) {
    pql::Scorer scorer(store);
    const pql::ScoreRun& run = scorer.score(model);
    check_run(run, scorer.index(), store);
    const pql::RunView view{store, model, scorer, run};
    std::string out = pql::score_run_json(view, diagnostics, 0, SIZE_MAX);
    const json j = check_run(out);
    const json& results = j["results"];
    for (size_t i = 0; i < results.size() && i < max_explain; ++i)
        check_explanation(pql::explanation_json(view, i), results[i]);
    return out;
}

std::vector<std::string_view> split_parts(std::string_view s, size_t max_parts) {
    std::vector<std::string_view> parts;
    const std::string_view sep = "\n===\n";
    for (;;) {
        const size_t at = s.find(sep);
        if (at == std::string_view::npos || parts.size() + 1 == max_parts) break;
        parts.push_back(s.substr(0, at));
        s.remove_prefix(at + sep.size());
    }
    parts.push_back(s);
    return parts;
}

const pql::EventStore& fixed_events() {
    static const pql::EventStore store = [] {
        pql::EventStore s;
        FUZZ_CHECK(s.load_events(kFixedEvents, {}).ok());
        return s;
    }();
    return store;
}

const pql::EventStore& fixed_store() {
    static const pql::EventStore store = [] {
        pql::EventStore s = fixed_events();
        FUZZ_CHECK(s.load_accounts(kFixedAccounts, {}).ok());
        return s;
    }();
    return store;
}

std::string with_entity(const std::string& model_json, const char* entity) {
    json m = parse(model_json);
    m["entity"] = entity;
    return m.dump();
}

const char* const kFixedEvents =
    R"({"timestamp":"2026-01-01T09:00:00Z","user_id":"u1","account_id":"acme","event":"signup"}
{"timestamp":"2026-01-02T10:00:00Z","user_id":"u1","account_id":"acme","event":"data_source_connected"}
{"timestamp":"2026-01-03T11:00:00Z","user_id":"u2","account_id":"acme","event":"report_created"}
{"timestamp":"2026-01-05T11:00:00Z","user_id":"u2","account_id":"acme","event":"report_created"}
{"timestamp":"2026-01-09T11:00:00Z","user_id":"u3","account_id":"acme","event":"report_created"}
{"timestamp":"2026-01-10T12:00:00Z","user_id":"u3","account_id":"acme","event":"project_created"}
{"timestamp":"2026-01-12T12:00:00Z","user_id":"u3","account_id":"acme","event":"teammate_invited"}
{"timestamp":"2026-01-15T08:00:00Z","user_id":"u1","account_id":"acme","event":"login"}
{"timestamp":"2026-01-20T15:30:00Z","user_id":"u1","account_id":"acme","event":"pricing_page_viewed"}
{"timestamp":"2026-01-02T10:00:00Z","user_id":"u4","account_id":"bolt","event":"signup"}
{"timestamp":"2026-01-04T10:00:00Z","user_id":"u4","account_id":"bolt","event":"error_shown"}
{"timestamp":"2026-01-06T10:00:00Z","user_id":"u5","account_id":"bolt","event":"project_created"}
{"timestamp":"2026-01-07T10:00:00Z","user_id":"u5","account_id":"bolt","event":"project_created"}
{"timestamp":"2026-01-19T10:00:00Z","user_id":"u5","account_id":"bolt","event":"subscription_started"}
{"type":"group","userId":"u6","groupId":"cora","timestamp":"2026-01-01T00:00:00Z","traits":{"name":"Cora","employees":"250","industry":"Fintech","verified":true}}
{"type":"identify","userId":"u6","timestamp":"2026-01-01T00:00:00Z","traits":{"title":"CTO","seniority":3}}
{"type":"track","userId":"u6","event":"report_created","timestamp":"2026-01-14T10:00:00Z","messageId":"m1"}
{"type":"page","userId":"u7","timestamp":"2026-01-16T10:00:00Z","context":{"groupId":"cora"}}
{"type":"track","userId":"u8","event":"login","timestamp":"2026-01-17T10:00:00Z"}
)";

const char* const kFixedAccounts =
    R"({"account_id":"acme","name":"Acme","traits":{"employees":120,"industry":"software","country":"US","plan":"trial"}}
{"account_id":"bolt","traits":{"employees":"12","industry":"retail","country":"de","verified":false}}
)";

}  // namespace fuzz
