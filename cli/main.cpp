// pql: score product-qualified leads from product usage events.
// Exit codes: 0 success, 1 bad input or model, 2 bad usage. Flags: args.cpp; text output: render.cpp.
#include <unistd.h>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "archive.hpp"
#include "args.hpp"
#include "io.hpp"
#include "pql/engine.hpp"
#include "pql/funnel.hpp"
#include "pql/model.hpp"
#include "pql/sql.hpp"
#include "pql/time.hpp"
#include "render.hpp"
#include "render_lifecycle.hpp"

using namespace pql;
using cli::Args;

namespace {

int usage_error(const std::string& command, const std::string& message) {
    std::fprintf(stderr, "pql%s%s: %s\nRun 'pql %s--help' for usage.\n", command.empty() ? "" : " ", command.c_str(),
                 message.c_str(), command.empty() ? "" : (command + " ").c_str());
    return 2;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "pql: %s\n", message.c_str());
    return 1;
}

// A time flag's value (ISO 8601 or epoch ms); the error is "--as-of: not a date ('x')".
Result<int64_t> time_flag(const std::string& flag, const std::string& text) {
    const char* why = "not a date";
    if (auto t = parse_timestamp(text, &why)) return *t;
    return Error{"usage", flag + ": " + why + " ('" + text + "')", "", 0};
}

// A row count note on stderr, so that skipped rows are never silent in table output; then what
// the load says once (accounts left unassigned and why, a field no record has).
void report_skips(const std::string& file, const LoadReport& r) {
    const std::string name = file == "-" ? std::string("standard input") : file;
    if (r.skipped != 0) {
        std::fprintf(stderr, "pql: %s: skipped %lld of %lld rows", name.c_str(), static_cast<long long>(r.skipped),
                     static_cast<long long>(r.read));
        if (!r.errors.empty())
            std::fprintf(stderr, " (first: line %lld: %s)", static_cast<long long>(r.errors[0].line),
                         r.errors[0].message.c_str());
        std::fprintf(stderr, "\n");
    }
    for (auto& n : r.notes) std::fprintf(stderr, "pql: %s: %s\n", name.c_str(), n.c_str());
}

// --map FIELD=NAME (repeatable) into a column mapping; an error message or "".
std::string parse_maps(const std::vector<std::string>& maps, const char* flag, const char* kind,
                       std::map<std::string, std::string>& out) {
    for (auto& m : maps) {
        const size_t eq = m.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
            return std::string(flag) + " takes FIELD=NAME (got '" + m + "')";
        out[m.substr(0, eq)] = m.substr(eq + 1);
    }
    if (std::string bad = check_columns(out, kind); !bad.empty()) return std::string(flag) + ": " + bad;
    return {};
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
        auto t = time_flag("--as-of", *a.as_of);
        if (!t) return usage_error(a.command, t.error().message);
        engine.set_as_of(*t);
    }
    LoadOptions opts;
    if (!parse_format(a.input_format, opts.format))
        return usage_error(a.command, "--input-format must be auto, jsonl, json or csv (got '" + a.input_format + "')");
    opts.strict = a.strict;
    opts.account_key = a.account_key;
    if (!a.time_unit.empty() && !parse_time_unit(a.time_unit, opts.time_unit))
        return usage_error(a.command, "--time-unit must be ms or s (got '" + a.time_unit + "')");
    LoadOptions events_opts = opts, accounts_opts = opts, users_opts = opts;
    if (auto e = parse_maps(a.maps, "--map", "events", events_opts.columns); !e.empty())
        return usage_error(a.command, e);
    if (auto e = parse_maps(a.accounts_maps, "--accounts-map", "accounts", accounts_opts.columns); !e.empty())
        return usage_error(a.command, e);
    if (auto e = parse_maps(a.users_maps, "--users-map", "users", users_opts.columns); !e.empty())
        return usage_error(a.command, e);
    // A progress line for big files, only where a person is watching.
    const bool tty = isatty(fileno(stderr));
    std::string current;
    bool progressed = false;
    std::function<void(size_t, size_t)> progress;
    if (tty)
        progress = [&](size_t done, size_t total) {
            if (total >= (4u << 20) && done > 0) {
                std::fprintf(stderr, "\rpql: %s: %3.0f%% (%zu of %zu MB)", current.c_str(), 100.0 * done / total,
                             done >> 20, total >> 20);
                progressed = true;
            }
        };
    events_opts.progress = progress;
    if (a.events.empty()) return usage_error(a.command, "--events is required");
    // Loads one file (each part of an archive); an exit code, or -1 to go on.
    auto load_one = [&](LoadKind kind, const std::string& f, const LoadOptions& o, LoadReport* total) -> int {
        current = f;
        auto parts = cli::load_file(engine, kind, f, o, progress);
        if (progressed) std::fprintf(stderr, "\r\033[K");
        progressed = false;
        for (auto& part : parts) {
            const std::string name = part.name == "-" ? std::string("standard input") : part.name;
            if (!part.report) {
                if (part.report.error().code == "io") return fail(part.report.error().message);
                return fail(name + ": " + part.report.error().describe());
            }
            report_skips(part.name, *part.report);
            if (total) total->merge(*part.report);
            if (!part.archive_error.empty()) {
                // As a bad row: said, and the rows before it kept (unless strict).
                if (a.strict) return fail(name + ": " + part.archive_error);
                std::fprintf(stderr, "pql: %s: %s; the %lld rows read before it are kept\n", name.c_str(),
                             part.archive_error.c_str(), static_cast<long long>(part.report->loaded));
            }
        }
        return -1;
    };
    LoadReport events_total;
    for (auto& f : a.events)
        if (int rc = load_one(LoadKind::Events, f, events_opts, &events_total); rc >= 0) return rc;
    if (engine.events_loaded() == 0) {
        // Nothing to score: one summary, not a ranking of nothing at 1970.
        std::string files;
        for (auto& f : a.events) files += (files.empty() ? "" : ", ") + (f == "-" ? std::string("standard input") : f);
        std::string why;
        if (events_total.read == 0) why = "the input is empty";
        else if (!events_total.notes.empty() && events_total.loaded == 0) why = events_total.notes.front();
        else if (!events_total.errors.empty())
            why = std::to_string(events_total.skipped) + " of " + std::to_string(events_total.read) +
                  " rows skipped, first: line " + std::to_string(events_total.errors[0].line) + ": " +
                  events_total.errors[0].message;
        else
            why =
                std::to_string(events_total.read) + " records read, none of them an event (only traits or duplicates)";
        return fail("no events could be read from " + files + ": " + why);
    }
    if (!a.accounts.empty())
        if (int rc = load_one(LoadKind::Accounts, a.accounts, accounts_opts, nullptr); rc >= 0) return rc;
    if (!a.users.empty())
        if (int rc = load_one(LoadKind::Users, a.users, users_opts, nullptr); rc >= 0) return rc;
    if (!a.outcomes.empty())
        if (int rc = load_one(LoadKind::Outcomes, a.outcomes, opts, nullptr); rc >= 0) return rc;
    return -1;
}

int cmd_score(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json" && format != "csv")
        return usage_error("score", "--format must be table, json or csv (got '" + format + "')");
    if ((!a.csv.empty() || !a.traits.empty()) && format != "csv")
        return usage_error("score", "--csv and --trait apply to --format csv");
    if (format == "json") {
        auto st = cli::write_stdout(engine.score_json(0, a.top.value_or(SIZE_MAX)) + "\n");
        return st ? 0 : fail(st.error().message);
    }
    if (format == "csv") {
        CsvOptions o;
        o.limit = a.top.value_or(SIZE_MAX);
        if (a.csv == "crm") o.preset = CsvPreset::Crm;
        else if (!a.csv.empty() && a.csv != "spec")
            return usage_error("score", "--csv must be spec or crm (got '" + a.csv + "')");
        for (auto& list : a.traits)
            for (size_t at = 0; at <= list.size();) {
                const size_t comma = std::min(list.find(',', at), list.size());
                if (comma > at) o.traits.push_back(list.substr(at, comma - at));
                at = comma + 1;
            }
        auto st = cli::write_stdout(engine.score_csv(o));
        return st ? 0 : fail(st.error().message);
    }
    auto st = cli::write_stdout(cli::score_table(engine.ranking(a.top.value_or(50))));
    return st ? 0 : fail(st.error().message);
}

int cmd_explain(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "text" : a.format;
    if (format != "text" && format != "json") return usage_error("explain", "--format must be text or json");
    if (a.id.empty()) return usage_error("explain", "--id is required");
    auto ex = engine.explain(a.id);
    if (!ex) return fail(ex.error().message);
    auto st = cli::write_stdout(format == "json" ? explanation_json(*ex) + "\n" : cli::explain_text(*ex));
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

int cmd_backtest(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json") return usage_error("backtest", "--format must be table or json");
    BacktestOptions o;
    if (a.horizon_days) o.horizon_days = static_cast<int64_t>(*a.horizon_days);
    auto b = engine.backtest(o);
    if (!b) return fail(b.error().describe());
    auto st = cli::write_stdout(format == "json" ? backtest_json(*b) + "\n" : cli::backtest_text(*b));
    return st ? 0 : fail(st.error().message);
}

int cmd_suggest(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json") return usage_error("suggest", "--format must be table or json");
    SuggestOptions o;
    if (a.horizon_days) o.horizon_days = static_cast<int64_t>(*a.horizon_days);
    if (a.capacity) o.capacity_per_week = static_cast<int64_t>(*a.capacity);
    auto s = engine.suggest(o);
    if (!s) return fail(s.error().describe());
    auto st = cli::write_stdout(format == "json" ? suggestions_json(*s) + "\n" : cli::suggest_text(*s));
    return st ? 0 : fail(st.error().message);
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
        auto t = time_flag("--as-of-b", *a.as_of_b);
        if (!t) return usage_error("compare", t.error().message);
        auto b = parse_model(b_text);  // valid: checked above, or the engine's own model
        if (!b) return fail(b.error().describe());
        b->as_of = *t;
        b_text = model_to_json(*b);
    }
    CompareOptions o;
    if (a.movers) o.movers = *a.movers;
    if (a.horizon_days) o.horizon_days = static_cast<int64_t>(*a.horizon_days);
    auto c = engine.compare(b_text, o);
    if (!c) return fail(c.error().describe());
    auto st = cli::write_stdout(format == "json" ? comparison_json(*c) + "\n" : cli::compare_text(*c));
    return st ? 0 : fail(st.error().message);
}

// pql funnel: signup cohorts (SPEC §7.8).
int cmd_funnel(Engine& engine, const Args& a) {
    const std::string format = a.format.empty() ? "table" : a.format;
    if (format != "table" && format != "json" && format != "csv")
        return usage_error("funnel", "--format must be table, json or csv (got '" + format + "')");
    FunnelOptions o;
    if (a.cohort == "month") o.cohort = CohortBy::Month;
    else if (!a.cohort.empty() && a.cohort != "week")
        return usage_error("funnel", "--cohort must be week or month (got '" + a.cohort + "')");
    auto r = engine.funnel(o);
    if (!r) return fail(r.error().describe());
    const std::string out = format == "json"  ? funnel_to_json(*r) + "\n"
                            : format == "csv" ? funnel_to_csv(*r)
                                              : cli::funnel_text(*r);
    auto st = cli::write_stdout(out);
    return st ? 0 : fail(st.error().message);
}

// pql sql: the model as one SELECT over the contract tables of docs/sql.md.
int cmd_sql(const Args& a) {
    if (a.dialect.empty())
        return usage_error("sql", "--dialect is required (duckdb, postgres, spark, bigquery or snowflake)");
    SqlOptions o;
    auto d = parse_sql_dialect(a.dialect);
    if (!d)
        return usage_error(
            "sql", "--dialect must be duckdb, postgres, spark, bigquery or snowflake (got '" + a.dialect + "')");
    o.dialect = *d;
    if (!a.events_table.empty()) o.events_table = a.events_table;
    if (!a.accounts_table.empty()) o.accounts_table = a.accounts_table == "-" ? "" : a.accounts_table;
    if (!a.users_table.empty()) o.users_table = a.users_table == "-" ? "" : a.users_table;
    for (auto& c : a.columns) {
        const size_t eq = c.find('=');
        if (eq == std::string::npos) return usage_error("sql", "--column takes KEY=NAME (got '" + c + "')");
        if (auto st = set_sql_column(o, c.substr(0, eq), c.substr(eq + 1)); !st)
            return usage_error("sql", "--column: " + st.error().message);
    }
    if (a.as_of) {
        auto t = time_flag("--as-of", *a.as_of);
        if (!t) return usage_error("sql", t.error().message);
        o.as_of = *t;
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

// pql schema: the model vocabulary and the default model, from the core's tables.
int cmd_schema(const Args& a) {
    if (!a.format.empty() && a.format != "json") return usage_error("schema", "--format must be json");
    auto st = cli::write_stdout(Engine::schema_json() + "\n");
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
    auto st = cli::write_stdout(engine.export_contract_csv(t));
    return st ? 0 : fail(st.error().message);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(cli::usage().c_str(), stderr);
        return 2;
    }
    const std::string first = argv[1];
    if (first == "--help" || first == "-h" || first == "help") {
        std::fputs(cli::usage().c_str(), stdout);
        return 0;
    }
    if (first == "--version") {
        std::puts(cli::version_line().c_str());
        return 0;
    }
    Args a;
    if (auto err = cli::parse_args(argc, argv, a)) return usage_error(a.command, *err);
    if (a.help) {
        std::fputs(cli::help_for(*cli::find_command(a.command)).c_str(), stdout);
        return 0;
    }
    try {
        if (a.command == "validate") return cmd_validate(a);
        if (a.command == "sql") return cmd_sql(a);
        if (a.command == "schema") return cmd_schema(a);
        Engine engine;
        if (int rc = load(engine, a); rc >= 0) return rc;
        if (a.command == "score") return cmd_score(engine, a);
        if (a.command == "backtest") return cmd_backtest(engine, a);
        if (a.command == "suggest") return cmd_suggest(engine, a);
        if (a.command == "compare") return cmd_compare(engine, a);
        if (a.command == "funnel") return cmd_funnel(engine, a);
        if (a.command == "export-events") return cmd_export(engine, a);
        return cmd_explain(engine, a);
    } catch (const std::bad_alloc&) { return fail("out of memory"); } catch (const std::exception& e) {
        return fail(std::string("internal error: ") + e.what());
    }
}
