// pql: score product-qualified leads from product usage events.
// Exit codes: 0 success, 1 bad input or model, 2 bad usage.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <unistd.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io.hpp"
#include "pql/engine.hpp"
#include "pql/event_store.hpp"
#include "pql/model.hpp"
#include "pql/output.hpp"
#include "pql/score.hpp"
#include "pql/sql.hpp"
#include "pql/time.hpp"

using namespace pql;

namespace {

const char* kUsage =
    "pql - find product-qualified leads in product usage events\n"
    "\n"
    "usage: pql <command> [options]\n"
    "\n"
    "commands:\n"
    "  score      rank accounts (or users) by PQL score\n"
    "  explain    show why one entity has its score\n"
    "  validate   check a model file and print every error\n"
    "  backtest   check a model against real conversions (lift, precision, recall, AUC)\n"
    "  suggest    suggest activation steps, event weights and the threshold for sales capacity\n"
    "  compare    compare two models (or two dates): tier migration and biggest movers\n"
    "  sql        compile a model to one SQL query for DuckDB, PostgreSQL, Spark, BigQuery or Snowflake\n"
    "  export-events  write loaded events and accounts as the SQL contract tables (CSV)\n"
    "\n"
    "Run 'pql <command> --help' for the options of a command.\n";

const char* kInputOptions =
    "  --events F          events file: JSON Lines, JSON array or CSV, flat rows or Segment calls\n"
    "                      (repeat to load several files; '-' reads standard input)\n"
    "  --accounts F        accounts file (account_id, name, traits)\n"
    "  --model F           model JSON (default: the built-in default model)\n"
    "  --as-of ISO         score as of this time (default: the model's as_of, else the latest event)\n"
    "  --input-format F    auto (default), jsonl, json or csv\n"
    "  --strict            fail on the first bad row instead of skipping it\n";

struct Args {
    std::string command;
    std::vector<std::string> events;
    std::string accounts, model, format, input_format = "auto", id, outcomes, model_b;
    std::optional<std::string> as_of, as_of_b;
    std::optional<size_t> top, horizon_days, capacity, movers;
    std::string dialect, events_table, accounts_table, users_table, table;  // sql, export-events
    std::vector<std::string> columns;
    bool strict = false, help = false;
};

struct UsageError {
    std::string message;
};

int usage_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "pql%s%s: %s\nRun 'pql %s--help' for usage.\n", command.empty() ? "" : " ",
                 command.c_str(), message.c_str(), command.empty() ? "" : (command + " ").c_str());
    return 2;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "pql: %s\n", message.c_str());
    return 1;
}

// Parses "--flag value" and "--flag=value" forms against the flags a command accepts.
std::optional<std::string> parse_args(int argc, char** argv, Args& a) {
    static const std::map<std::string, std::vector<std::string>> kFlags = {
        {"score", {"--events", "--accounts", "--model", "--as-of", "--input-format", "--strict", "--top", "--format", "--help"}},
        {"explain", {"--events", "--accounts", "--model", "--as-of", "--input-format", "--strict", "--id", "--format", "--help"}},
        {"validate", {"--model", "--format", "--help"}},
        {"backtest", {"--events", "--accounts", "--outcomes", "--model", "--as-of", "--horizon-days", "--input-format", "--strict", "--format", "--help"}},
        {"suggest", {"--events", "--accounts", "--outcomes", "--model", "--as-of", "--horizon-days", "--capacity", "--input-format", "--strict", "--format", "--help"}},
        {"compare", {"--events", "--accounts", "--model", "--model-b", "--as-of", "--as-of-b", "--movers", "--input-format", "--strict", "--format", "--help"}},
        {"sql", {"--model", "--dialect", "--events-table", "--accounts-table", "--users-table", "--column", "--as-of", "--help"}},
        {"export-events", {"--events", "--accounts", "--model", "--as-of", "--input-format", "--strict", "--table", "--format", "--help"}},
    };
    a.command = argv[1];
    auto allowed = kFlags.find(a.command);
    if (allowed == kFlags.end()) {
        std::vector<std::string> names;
        for (auto& [k, v] : kFlags) names.push_back(k);
        std::string msg = "unknown command '" + a.command + "'";
        const std::string near = nearest(a.command, names);
        if (!near.empty()) msg += "; did you mean '" + near + "'?";
        a.command.clear();
        return msg;
    }
    for (int i = 2; i < argc; ++i) {
        std::string flag = argv[i], value;
        bool has_value = false;
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_value = true;
        }
        if (flag == "-h") flag = "--help";
        const auto& ok = allowed->second;
        if (std::find(ok.begin(), ok.end(), flag) == ok.end()) {
            std::string msg = flag.rfind("-", 0) == 0 ? "unknown option '" + flag + "'" : "unexpected argument '" + flag + "'";
            const std::string near = nearest(flag, ok);
            if (!near.empty()) msg += "; did you mean '" + near + "'?";
            return msg;
        }
        if (flag == "--help") { a.help = true; continue; }
        if (flag == "--strict") { a.strict = true; continue; }
        if (!has_value) {
            if (i + 1 >= argc) return "option '" + flag + "' needs a value";
            value = argv[++i];
        }
        if (flag == "--events") a.events.push_back(value);
        else if (flag == "--accounts") a.accounts = value;
        else if (flag == "--model") a.model = value;
        else if (flag == "--as-of") a.as_of = value;
        else if (flag == "--input-format") a.input_format = value;
        else if (flag == "--format") a.format = value;
        else if (flag == "--id") a.id = value;
        else if (flag == "--outcomes") a.outcomes = value;
        else if (flag == "--model-b") a.model_b = value;
        else if (flag == "--as-of-b") a.as_of_b = value;
        else if (flag == "--dialect") a.dialect = value;
        else if (flag == "--events-table") a.events_table = value;
        else if (flag == "--accounts-table") a.accounts_table = value;
        else if (flag == "--users-table") a.users_table = value;
        else if (flag == "--column") a.columns.push_back(value);
        else if (flag == "--table") a.table = value;
        else {
            char* end = nullptr;
            errno = 0;
            const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end || errno || value[0] == '-') return flag + " must be a whole number (got '" + value + "')";
            if (flag == "--top") a.top = static_cast<size_t>(n);
            else if (flag == "--horizon-days") a.horizon_days = static_cast<size_t>(n);
            else if (flag == "--capacity") a.capacity = static_cast<size_t>(n);
            else if (flag == "--movers") a.movers = static_cast<size_t>(n);
        }
    }
    return std::nullopt;
}

// A row count note on stderr, so that skipped rows are never silent in table output.
void report_skips(const std::string& file, const LoadReport& r) {
    if (r.skipped == 0) return;
    std::fprintf(stderr, "pql: %s: skipped %lld of %lld rows", file.c_str(), static_cast<long long>(r.skipped),
                 static_cast<long long>(r.read));
    if (!r.errors.empty())
        std::fprintf(stderr, " (first: line %lld: %s)", static_cast<long long>(r.errors[0].line), r.errors[0].message.c_str());
    std::fprintf(stderr, "\n");
}

// Loads model, events and accounts; returns an exit code, or -1 to go on.
int load(Engine& engine, const Args& a) {
    if (!a.model.empty()) {
        auto text = cli::read_file(a.model);
        if (!text) return fail(text.error().message);
        auto st = engine.set_model_json(*text);
        if (!st) return fail(a.model + ": " + st.error().describe());
    }
    if (a.as_of) {
        const char* why = "not a date";
        auto t = parse_timestamp(*a.as_of, &why);
        if (!t) return usage_error(a.command, "--as-of: " + std::string(why) + " ('" + *a.as_of + "')");
        engine.set_as_of(t);
    }
    LoadOptions opts;
    if (!parse_format(a.input_format, opts.format))
        return usage_error(a.command, "--input-format must be auto, jsonl, json or csv (got '" + a.input_format + "')");
    opts.strict = a.strict;
    // A progress line for big files, only where a person is watching.
    const bool tty = isatty(fileno(stderr));
    std::string current;
    if (tty)
        opts.progress = [&](size_t done, size_t total) {
            std::fprintf(stderr, "\rpql: %s: %3.0f%% (%zu of %zu MB)", current.c_str(), 100.0 * done / total, done >> 20, total >> 20);
        };
    if (a.events.empty()) return usage_error(a.command, "--events is required");
    for (auto& f : a.events) {
        auto text = cli::read_file(f);
        if (!text) return fail(text.error().message);
        current = f;
        auto r = engine.load_events(*text, opts);
        if (tty && text->size() >= (4u << 20)) std::fprintf(stderr, "\r\033[K");
        if (!r) return fail((f == "-" ? std::string("standard input") : f) + ": " + r.error().describe());
        report_skips(f, *r);
    }
    if (!a.accounts.empty()) {
        auto text = cli::read_file(a.accounts);
        if (!text) return fail(text.error().message);
        auto r = engine.load_accounts(*text, opts);
        if (!r) return fail(a.accounts + ": " + r.error().describe());
        report_skips(a.accounts, *r);
    }
    if (!a.outcomes.empty()) {
        auto text = cli::read_file(a.outcomes);
        if (!text) return fail(text.error().message);
        auto r = engine.load_outcomes(*text, opts);
        if (!r) return fail(a.outcomes + ": " + r.error().describe());
        report_skips(a.outcomes, *r);
    }
    return -1;
}

// Display width in code points, for aligned tables of UTF-8 text.
size_t width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}

std::string clip(const std::string& s, size_t max) {
    if (width(s) <= max) return s;
    std::string out;
    size_t w = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = s[i];
        if ((c & 0xC0) != 0x80 && ++w > max - 1) break;
        out += s[i];
    }
    return out + "…";
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// The event types that add the most points for one entity, strongest first.
std::string top_events(Engine& engine, const EntityScore& s, size_t n) {
    const Scorer& sc = engine.scorer();
    const Index& ix = sc.index();
    const auto& ent = ix.entities[s.entity];
    std::vector<std::pair<double, std::string>> pts;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
        const std::string& name = engine.store().event_names.name(ix.types[t].type);
        const double p = engine.model().weight_of(name) * sc.figures()[t].capped;
        if (p != 0) pts.emplace_back(p, name);
    }
    std::sort(pts.begin(), pts.end(), [](auto& a, auto& b) {
        return std::fabs(a.first) != std::fabs(b.first) ? std::fabs(a.first) > std::fabs(b.first) : a.second < b.second;
    });
    std::string out;
    for (size_t i = 0; i < pts.size() && i < n; ++i) {
        if (i) out += ", ";
        out += pts[i].second + (pts[i].first > 0 ? " +" : " ") + fixed(pts[i].first, 1);
    }
    return out;
}

int cmd_score(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json" && format != "csv")
        return usage_error("score", "--format must be table, json or csv (got '" + format + "')");
    if (format == "json") {
        auto st = cli::write_stdout(engine.score_json(0, a.top.value_or(SIZE_MAX)) + "\n");
        return st ? 0 : fail(st.error().message);
    }
    const ScoreRun& run = engine.scorer().score(engine.model());
    const Model& m = engine.model();
    const Index& ix = engine.scorer().index();
    const size_t n = std::min(run.results.size(), a.top.value_or(format == "table" ? 50 : SIZE_MAX));
    std::string out;
    if (format == "csv") {
        out = "rank,id,name,score,tier,grade,qualified,activation,engagement,fit,steps_completed,activated,"
              "activated_at,active_users,users,events,velocity,days_since_last_seen,first_seen,last_seen\n";
        for (size_t i = 0; i < n; ++i) {
            const EntityScore& s = run.results[i];
            const auto& ent = ix.entities[s.entity];
            auto num = [](double v) { return nlohmann::json(v).dump(); };
            out += std::to_string(i + 1) + "," + csv_cell(ix.id_of(engine.store(), ent)) + "," +
                   csv_cell(ent.name.value_or("")) + "," + num(s.score) + "," +
                   csv_cell(s.tier >= 0 ? m.tiers[s.tier].name : "") + "," + csv_cell(grade_of(m, s)) + "," +
                   (s.qualified ? "true" : "false") + "," + num(s.activation) + "," + num(s.engagement) + "," +
                   num(s.fit) + "," + std::to_string(s.steps_completed) + "," + (s.activated ? "true" : "false") +
                   "," + (s.activated_at ? format_iso(*s.activated_at) : "") + "," + std::to_string(s.active_users) +
                   "," + std::to_string(s.users) + "," + std::to_string(s.events) + "," + num(s.velocity) + "," +
                   std::to_string(s.days_since_last_seen) + "," + format_iso(ent.first_ts) + "," +
                   format_iso(ent.last_ts) + "\n";
        }
    } else {
        std::vector<std::vector<std::string>> rows = {{"rank", "id", "name", "score", "tier", "grade", "PQL", "top events"}};
        for (size_t i = 0; i < n; ++i) {
            const EntityScore& s = run.results[i];
            const auto& ent = ix.entities[s.entity];
            rows.push_back({std::to_string(i + 1), clip(ix.id_of(engine.store(), ent), 24), clip(ent.name.value_or(""), 24),
                            fixed(s.score, 1), s.tier >= 0 ? clip(m.tiers[s.tier].name, 10) : "-",
                            grade_of(m, s).empty() ? "-" : grade_of(m, s), s.qualified ? "yes" : "",
                            top_events(engine, s, 3)});
        }
        std::vector<size_t> w(rows[0].size(), 0);
        for (auto& r : rows)
            for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], width(r[c]));
        for (auto& r : rows) {
            std::string line;
            for (size_t c = 0; c < r.size(); ++c) {
                const bool right = c == 0 || c == 3;
                const std::string pad(w[c] - width(r[c]), ' ');
                line += right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
                if (c + 1 < r.size()) line += "  ";
            }
            out += line + "\n";
        }
        out += "\n" + std::to_string(run.results.size()) + " entities, " + std::to_string(run.qualified) +
               " qualified (PQL), as of " + format_iso(run.as_of);
        if (run.unassigned) out += ", " + std::to_string(run.unassigned) + " events without an account";
        if (n < run.results.size()) out += "; showing the top " + std::to_string(n) + " (--top N)";
        out += "\n";
    }
    auto st = cli::write_stdout(out);
    return st ? 0 : fail(st.error().message);
}

int cmd_explain(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "text" : a.format;
    if (format != "text" && format != "json") return usage_error("explain", "--format must be text or json");
    if (a.id.empty()) return usage_error("explain", "--id is required");
    auto ex = engine.explain_json(a.id);
    if (!ex) return fail(ex.error().message);
    if (format == "json") {
        auto st = cli::write_stdout(*ex + "\n");
        return st ? 0 : fail(st.error().message);
    }
    const auto j = nlohmann::ordered_json::parse(*ex);
    auto str = [](const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    auto num = [](const nlohmann::ordered_json& v, int d) { return v.is_number() ? fixed(v.get<double>(), d) : std::string("-"); };
    std::string o;
    o += str(j["id"]) + (j["name"].is_null() ? "" : " (" + str(j["name"]) + ")") + "\n";
    o += "  rank " + str(j["rank"]) + ", score " + num(j["score"], 2) + ", tier " + str(j["tier"]) + ", grade " +
         str(j["grade"]) + ", " + (j["qualified"].get<bool>() ? "PQL" : "not a PQL") + ", as of " + str(j["as_of"]) + "\n";
    o += "  score = (" + num(j["weights"]["activation"], 0) + " x activation " + num(j["activation"], 1) + " + " +
         num(j["weights"]["engagement"], 0) + " x engagement " + num(j["engagement"], 1) + " + " +
         num(j["weights"]["fit"], 0) + " x fit " + num(j["fit"], 1) + ") / " +
         fixed(j["weights"]["activation"].get<double>() + j["weights"]["engagement"].get<double>() +
                   j["weights"]["fit"].get<double>(), 0) + "\n\n";
    o += "Engagement: " + num(j["engagement_points"], 2) + " points in the window\n";
    for (auto& e : j["events_breakdown"])
        o += "  " + str(e["event"]) + ": " + str(e["count"]) + " events, decayed " + num(e["decayed"], 2) +
             (e["cap"].is_null() ? "" : ", capped at " + num(e["cap"], 2)) + " x weight " + num(e["weight"], 2) +
             " = " + num(e["points"], 2) + "\n";
    o += "\nActivation: " + str(j["steps_completed"]) + " of " + std::to_string(j["steps"].size()) + " steps (" +
         str(j["required"]) + " required), " + (j["activated"].get<bool>() ? "activated at " + str(j["activated_at"]) : "not activated") + "\n";
    for (auto& s : j["steps"])
        o += std::string("  [") + (s["met"].get<bool>() ? "x" : " ") + "] " + str(s["name"]) + ": " + str(s["count"]) +
             "/" + str(s["min_count"]) + " events, " + str(s["users"]) + "/" + str(s["min_users"]) + " users\n";
    o += "\nFit: " + num(j["fit"], 1) + "\n";
    for (auto& r : j["fit_rules"])
        o += std::string("  [") + (r["matched"].get<bool>() ? "x" : " ") + "] " + str(r["trait"]) + " " + str(r["op"]) +
             (r.contains("value") ? " " + r["value"].dump() : "") + " (" + num(r["points"], 0) + " points); value: " +
             r["actual"].dump() + "\n";
    o += "\nQualification: score " + num(j["score"], 2) + (j["qualification"]["score_ok"].get<bool>() ? " >= " : " < ") +
         num(j["qualification"]["min_score"], 2);
    if (j["qualification"]["require_activation"].get<bool>())
        o += std::string(", activation ") + (j["activated"].get<bool>() ? "met" : "not met");
    if (!j["rule"].is_null()) {
        o += std::string(", rule ") + (j["qualification"]["rule_ok"].get<bool>() ? "holds" : "fails");
        for (auto& f : j["qualification"]["failed_leaves"]) o += "\n  failed: " + str(f);
    }
    o += "\n\nMetrics:\n";
    for (auto it = j["metrics"].begin(); it != j["metrics"].end(); ++it) o += "  " + it.key() + " = " + it.value().dump() + "\n";
    auto st = cli::write_stdout(o);
    return st ? 0 : fail(st.error().message);
}

int cmd_validate(const Args& a) {
    if (a.model.empty()) return usage_error("validate", "--model is required");
    auto text = cli::read_file(a.model);
    if (!text) return fail(text.error().message);
    const auto errors = validate_model(*text);
    if (a.format == "json") {
        nlohmann::ordered_json j;
        j["valid"] = errors.empty();
        j["errors"] = nlohmann::ordered_json::array();
        for (auto& e : errors) j["errors"].push_back({{"path", e.path}, {"message", e.message}});
        cli::write_stdout(j.dump() + "\n");
    } else if (errors.empty()) {
        cli::write_stdout(a.model + ": valid\n");
    }
    for (auto& e : errors) std::fprintf(stderr, "%s: %s\n", a.model.c_str(), e.describe().c_str());
    return errors.empty() ? 0 : 1;
}

std::string pct(const nlohmann::ordered_json& v) { return v.is_number() ? fixed(100 * v.get<double>(), 1) + "%" : "-"; }
std::string num2(const nlohmann::ordered_json& v) { return v.is_number() ? fixed(v.get<double>(), 2) : "-"; }

int print_json_or(const Result<std::string>& r, const std::string& format, const std::function<std::string(const nlohmann::ordered_json&)>& table) {
    if (!r) return fail(r.error().describe());
    auto st = cli::write_stdout(format == "json" ? *r + "\n" : table(nlohmann::ordered_json::parse(*r)));
    return st ? 0 : fail(st.error().message);
}

int cmd_backtest(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json") return usage_error("backtest", "--format must be table or json");
    BacktestOptions o;
    if (a.horizon_days) o.horizon_days = static_cast<int64_t>(*a.horizon_days);
    return print_json_or(engine.backtest_json(o), format, [](const nlohmann::ordered_json& j) {
        std::string out = "Backtest at " + j["as_of"].get<std::string>() + ", horizon " + std::to_string(j["horizon_days"].get<int64_t>()) +
                          " days\n  population " + j["population"].dump() + ", conversions " + j["conversions"].dump() +
                          ", base rate " + pct(j["base_rate"]) + ", ROC AUC " + num2(j["auc"]) + "\n\n";
        out += "  PQL flag: precision " + pct(j["pql"]["precision"]) + ", recall " + pct(j["pql"]["recall"]) +
               ", false-positive rate " + pct(j["pql"]["fpr"]) + "\n";
        for (const char* g : {"qualified", "not_qualified"}) {
            const auto& x = j["pql"][g];
            out += std::string("    ") + g + ": " + x["count"].dump() + " entities, " + x["conversions"].dump() +
                   " converted (" + pct(x["rate"]) + ", lift " + num2(x["lift"]) + ")\n";
        }
        out += "\n  By tier:\n";
        for (auto& t : j["tiers"])
            out += "    " + t["name"].get<std::string>() + ": " + t["count"].dump() + " entities, " + t["conversions"].dump() +
                   " converted (" + pct(t["rate"]) + ", lift " + num2(t["lift"]) + ")\n";
        out += "\n  Top of the ranking:";
        for (auto it = j["precision_at"].begin(); it != j["precision_at"].end(); ++it)
            out += " @" + it.key() + " precision " + pct(it.value()["precision"]) + " recall " + pct(it.value()["recall"]) + ";";
        out += "\n\n  Threshold sweep (min_score: PQLs, precision, recall):\n";
        for (auto& s : j["sweep"])
            out += "    " + s["min_score"].dump() + ": " + s["qualified"].dump() + ", " + pct(s["precision"]) + ", " + pct(s["recall"]) + "\n";
        out += "\n  Signals (event: did, conversion rate if done vs not, lift):\n";
        for (auto& s : j["signals"])
            out += "    " + s["event"].get<std::string>() + ": " + s["did"].dump() + ", " + pct(s["did_rate"]) + " vs " +
                   pct(s["not_rate"]) + ", lift " + num2(s["lift"]) + "\n";
        return out;
    });
}

int cmd_suggest(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json") return usage_error("suggest", "--format must be table or json");
    SuggestOptions o;
    if (a.horizon_days) o.horizon_days = static_cast<int64_t>(*a.horizon_days);
    if (a.capacity) o.capacity_per_week = static_cast<int64_t>(*a.capacity);
    return print_json_or(engine.suggest_json(o), format, [](const nlohmann::ordered_json& j) {
        std::string out = "Suggestions at " + j["as_of"].get<std::string>() + " (" + j["population"].dump() + " entities, " +
                          j["conversions"].dump() + " conversions in " + j["horizon_days"].dump() + " days)\n\nActivation steps:\n";
        for (auto& s : j["activation_steps"])
            out += "  " + s["event"].get<std::string>() + " >= " + s["min_count"].dump() + ": converts " + pct(s["did_rate"]) +
                   " vs " + pct(s["not_rate"]) + " (coverage " + pct(s["coverage"]) + ")\n";
        const auto& w = j["weights"];
        out += "\nWeights (logistic regression trained at " + w["train_as_of"].get<std::string>() + "; holdout AUC " +
               num2(w["holdout_auc"]) + ", your model " + num2(w["current_auc"]) + ", your model with these weights " +
               num2(w["suggested_model_auc"]) + "):\n";
        for (auto it = w["weights"].begin(); it != w["weights"].end(); ++it) out += "  " + it.key() + ": " + it.value().dump() + "\n";
        const auto& c = j["capacity"];
        out += "\nCapacity: " + c["per_week"].dump() + " leads a week -> min_score " + c["min_score"].dump() + " (" +
               c["qualified"].dump() + " PQLs, precision " + pct(c["precision"]) + ", recall " + pct(c["recall"]) + ")\n";
        return out;
    });
}

int cmd_compare(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json") return usage_error("compare", "--format must be table or json");
    if (a.model_b.empty() && !a.as_of_b) return usage_error("compare", "give --model-b F, --as-of-b ISO, or both");
    std::string b_text;
    if (!a.model_b.empty()) {
        auto text = cli::read_file(a.model_b);
        if (!text) return fail(text.error().message);
        b_text = *text;
        if (auto st = validate_model(b_text); !st.empty()) return fail(a.model_b + ": " + st.front().describe());
    } else {
        b_text = engine.model_json();
    }
    if (a.as_of_b) {
        const char* why = "not a date";
        auto t = parse_timestamp(*a.as_of_b, &why);
        if (!t) return usage_error("compare", "--as-of-b: " + std::string(why));
        auto j = nlohmann::ordered_json::parse(b_text);
        j["as_of"] = format_iso(*t);
        b_text = j.dump();
    }
    CompareOptions o;
    if (a.movers) o.movers = *a.movers;
    return print_json_or(engine.compare_json(b_text, o), format, [](const nlohmann::ordered_json& j) {
        std::string out = "A: " + j["a"]["entities"].dump() + " entities, " + j["a"]["qualified"].dump() + " PQLs (as of " +
                          j["a"]["as_of"].get<std::string>() + ")\nB: " + j["b"]["entities"].dump() + " entities, " +
                          j["b"]["qualified"].dump() + " PQLs (as of " + j["b"]["as_of"].get<std::string>() + ")\n" +
                          j["moved"].dump() + " changed tier; " + j["qualified_gained"].dump() + " became PQLs, " +
                          j["qualified_lost"].dump() + " stopped being PQLs\n\nTier migration:\n";
        for (auto& m : j["migration"])
            if (m["from"] != m["to"])
                out += "  " + m["count"].dump() + " " + m["from"].get<std::string>() + " -> " + m["to"].get<std::string>() + "\n";
        for (const char* way : {"up", "down"}) {
            out += std::string("\nBiggest movers ") + way + ":\n";
            for (auto& m : j["movers"][way]) {
                out += "  " + m["id"].get<std::string>() + ": " + num2(m["score_a"]) + " -> " + num2(m["score_b"]) + " (" +
                       (m["delta"].get<double>() > 0 ? "+" : "") + num2(m["delta"]) + ")";
                std::string parts;
                for (auto& e : m["events"]) {
                    if (parts.size() > 60) break;
                    parts += (parts.empty() ? "" : ", ") + std::string(e["delta"].get<double>() > 0 ? "+" : "") +
                             num2(e["delta"]) + " points from " + e["event"].get<std::string>();
                }
                out += parts.empty() ? "\n" : "; " + parts + "\n";
            }
        }
        return out;
    });
}

// pql sql: the model as one SELECT over the contract tables of docs/sql.md.
int cmd_sql(const Args& a) {
    if (a.dialect.empty()) return usage_error("sql", "--dialect is required (duckdb, postgres, spark, bigquery or snowflake)");
    SqlOptions o;
    auto d = parse_sql_dialect(a.dialect);
    if (!d) return usage_error("sql", "--dialect must be duckdb, postgres, spark, bigquery or snowflake (got '" + a.dialect + "')");
    o.dialect = *d;
    if (!a.events_table.empty()) o.events_table = a.events_table;
    if (!a.accounts_table.empty()) o.accounts_table = a.accounts_table == "-" ? "" : a.accounts_table;
    if (!a.users_table.empty()) o.users_table = a.users_table == "-" ? "" : a.users_table;
    for (auto& c : a.columns) {
        const size_t eq = c.find('=');
        if (eq == std::string::npos) return usage_error("sql", "--column takes KEY=NAME (got '" + c + "')");
        if (auto st = set_sql_column(o, c.substr(0, eq), c.substr(eq + 1)); !st) return usage_error("sql", "--column: " + st.error().message);
    }
    if (a.as_of) {
        const char* why = "not a date";
        auto t = parse_timestamp(*a.as_of, &why);
        if (!t) return usage_error("sql", "--as-of: " + std::string(why) + " ('" + *a.as_of + "')");
        o.as_of = t;
    }
    Model model;
    if (!a.model.empty()) {
        auto text = cli::read_file(a.model);
        if (!text) return fail(text.error().message);
        auto m = parse_model(*text);
        if (!m) return fail(a.model + ": " + m.error().describe());
        model = std::move(*m);
    }
    auto sql = compile_sql(model, o);
    if (!sql) return fail(sql.error().describe());
    auto st = cli::write_stdout(*sql);
    return st ? 0 : fail(st.error().message);
}

// pql export-events: loaded data as the contract tables, as the engine sees it at as_of.
int cmd_export(Engine& engine, const Args& a) {
    if (!a.format.empty() && a.format != "csv") return usage_error("export-events", "--format must be csv");
    const std::string table = a.table.empty() ? "events" : a.table;
    ContractTable t;
    if (table == "events") t = ContractTable::Events;
    else if (table == "accounts") t = ContractTable::Accounts;
    else if (table == "users") t = ContractTable::Users;
    else return usage_error("export-events", "--table must be events, accounts or users (got '" + table + "')");
    const int64_t as_of = engine.scorer().as_of_for(engine.model());
    auto st = cli::write_stdout(export_contract_csv(engine.store(), t, as_of, model_traits(engine.model())));
    return st ? 0 : fail(st.error().message);
}

const char* help_for(const std::string& command) {
    static std::string score = std::string("usage: pql score --events F [options]\n\nRank entities by PQL score.\n\noptions:\n") +
                               kInputOptions +
                               "  --top N             only the first N entities (table default: 50)\n"
                               "  --format F          table (default), json (SPEC machine output) or csv (CRM import)\n";
    static std::string explain = std::string("usage: pql explain --events F --id ID [options]\n\nExplain one entity's score.\n\noptions:\n") +
                                 kInputOptions +
                                 "  --id ID             the account (or user) id\n"
                                 "  --format F          text (default) or json\n";
    static std::string validate = "usage: pql validate --model F [--format text|json]\n\nCheck a model and print every error with its JSON path.\n";
    static std::string backtest = std::string("usage: pql backtest --events F [options]\n\n"
                                              "Score at --as-of with only the events up to then, and measure who converted within the horizon\n"
                                              "(conversions: the model's conversion_event and/or --outcomes).\n\noptions:\n") +
                                  kInputOptions +
                                  "  --outcomes F        conversions file: account_id (or user_id), converted_at\n"
                                  "  --horizon-days N    days after as_of in which a conversion counts (default 30);\n"
                                  "                      as_of defaults to the latest event minus the horizon\n"
                                  "  --format F          table (default) or json (SPEC section 5 machine output)\n";
    static std::string suggest = std::string("usage: pql suggest --events F [options]\n\n"
                                             "Suggest activation steps, event weights (logistic regression with a time-split holdout)\n"
                                             "and the min_score that matches sales capacity.\n\noptions:\n") +
                                 kInputOptions +
                                 "  --outcomes F        conversions file: account_id (or user_id), converted_at\n"
                                 "  --horizon-days N    conversion horizon in days (default 30)\n"
                                 "  --capacity N        leads sales can take per week (default 20)\n"
                                 "  --format F          table (default) or json\n";
    static std::string compare = std::string("usage: pql compare --events F --model A (--model-b B | --as-of-b ISO) [options]\n\n"
                                             "Compare model A with model B (or with A at another date) on the same data.\n\noptions:\n") +
                                 kInputOptions +
                                 "  --model-b F         the second model (default: model A)\n"
                                 "  --as-of-b ISO       score B as of this time\n"
                                 "  --movers N          biggest movers listed each way (default 10)\n"
                                 "  --format F          table (default) or json\n";
    static std::string sql =
        "usage: pql sql --dialect D [--model F] [options]\n\n"
        "Print the model as ONE SQL SELECT that returns the scoring run's per-entity columns in rank\n"
        "order, computed where the events live. Tables and trait encoding: docs/sql.md.\n\noptions:\n"
        "  --dialect D         duckdb, postgres, spark, bigquery or snowflake\n"
        "  --model F           model JSON (default: the built-in default model)\n"
        "  --events-table T    events(timestamp_ms, account_id, user_id, event) (default: events)\n"
        "  --accounts-table A  accounts(account_id, name, <trait columns>) (default: accounts; '-': none)\n"
        "  --users-table U     users(user_id, name, <trait columns>), entity \"user\" (default: users; '-': none)\n"
        "  --column KEY=NAME   rename a column: timestamp_ms, account_id, user_id, event, name or\n"
        "                      trait.<trait> (repeat)\n"
        "  --as-of ISO         score as of this time (default: the model's as_of, else the latest event)\n";
    static std::string export_events = std::string(
        "usage: pql export-events --events F [options]\n\n"
        "Write loaded data as one of the SQL contract tables (docs/sql.md), CSV with a header, as the\n"
        "engine sees it at as_of: events at or before as_of with the account each is scored under\n"
        "(empty: unassigned), or the accounts (users) with their name and tagged trait columns.\n\noptions:\n") +
        kInputOptions +
        "  --table T           events (default), accounts or users\n"
        "  --format F          csv (the only format)\n";
    if (command == "score") return score.c_str();
    if (command == "explain") return explain.c_str();
    if (command == "backtest") return backtest.c_str();
    if (command == "suggest") return suggest.c_str();
    if (command == "compare") return compare.c_str();
    if (command == "sql") return sql.c_str();
    if (command == "export-events") return export_events.c_str();
    return validate.c_str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        std::fputs(kUsage, stdout);
        return 0;
    }
    if (first == "--version") {
        std::puts("pql 0.1.0");
        return 0;
    }
    Args a;
    if (auto err = parse_args(argc, argv, a)) return usage_error(a.command, *err);
    if (a.help) {
        std::fputs(help_for(a.command), stdout);
        return 0;
    }
    try {
        if (a.command == "validate") return cmd_validate(a);
        if (a.command == "sql") return cmd_sql(a);
        Engine engine;
        if (int rc = load(engine, a); rc >= 0) return rc;
        if (a.command == "score") return cmd_score(engine, a);
        if (a.command == "backtest") return cmd_backtest(engine, a);
        if (a.command == "suggest") return cmd_suggest(engine, a);
        if (a.command == "compare") return cmd_compare(engine, a);
        if (a.command == "export-events") return cmd_export(engine, a);
        return cmd_explain(engine, a);
    } catch (const std::bad_alloc&) {
        return fail("out of memory");
    } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what());
    }
}
