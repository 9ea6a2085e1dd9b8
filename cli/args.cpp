#include "args.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "pql/model.hpp"

#ifndef PQL_VERSION
#error "PQL_VERSION comes from CMake's PROJECT_VERSION (cli/CMakeLists.txt)"
#endif

namespace pql::cli {

namespace {

// Flags shared by the commands that load data.
const Flag kEvents{"--events", "F",
                   "events file: JSON Lines, JSON array or CSV; flat rows, Segment calls or\n"
                   "batches, Mixpanel, Amplitude or PostHog exports; gzip or zip read as is\n"
                   "(repeat to load several files; '-' reads standard input)",
                   &Args::events};
const Flag kUsers{"--users", "F", "users file (user_id, traits; or Mixpanel profiles): user traits", &Args::users};
const Flag kAccountKey{"--account-key", "NAME",
                       "the group key naming the account in Mixpanel, Amplitude and PostHog\n"
                       "exports (e.g. company_id)",
                       &Args::account_key};
const Flag kMap{"--map", "FIELD=NAME",
                "the events file's column for timestamp, user_id, event, account_id or id\n"
                "(repeatable), e.g. --map timestamp=Time --map user_id=\"User ID\"",
                &Args::maps};
const Flag kAccountsMap{"--accounts-map", "FIELD=NAME",
                        "the accounts file's column for account_id or name (repeatable)", &Args::accounts_maps};
const Flag kUsersMap{"--users-map", "FIELD=NAME", "the users file's column for user_id", &Args::users_maps};
const Flag kTimeUnit{"--time-unit", "U", "numeric timestamps of flat rows and CSV: ms (default) or s",
                     &Args::time_unit};
const Flag kAccounts{"--accounts", "F", "accounts file (account_id, name, traits)", &Args::accounts};
const Flag kModel{"--model", "F", "model JSON (default: the built-in default model)", &Args::model};
const Flag kAsOf{"--as-of", "ISO", "score as of this time (default: the model's as_of, else the latest event)",
                 &Args::as_of};
const Flag kInputFormat{"--input-format", "F", "auto (default), jsonl, json or csv", &Args::input_format};
const Flag kStrict{"--strict", "", "fail on the first bad row instead of skipping it", &Args::strict};
const Flag kOutcomes{"--outcomes", "F", "conversions file: account_id (or user_id), converted_at", &Args::outcomes};

std::vector<Flag> with_input(std::vector<Flag> extra) {
    std::vector<Flag> flags = {kEvents, kAccounts,   kUsers, kModel,       kAsOf,     kInputFormat,
                               kStrict, kAccountKey, kMap,   kAccountsMap, kUsersMap, kTimeUnit};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
}

const std::vector<Command> kCommands = {
    {"score", "rank accounts (or users) by PQL score",
     "usage: pql score --events F [options]\n\nRank entities by PQL score.\n",
     with_input({
         {"--top", "N", "only the first N entities (table default: 50)", &Args::top},
         {"--format", "F", "table (default), json (SPEC machine output) or csv (CRM import)", &Args::format},
         {"--csv", "P",
          "csv columns: spec (default, SPEC section 4 fields) or crm (HubSpot/Salesforce\n"
          "import: the accounts file's columns, rounded scores, reasons; docs/model.md)",
          &Args::csv},
         {"--trait", "NAME", "csv: add a trait.NAME column (repeatable, or a,b,c)", &Args::traits},
     })},
    {"explain", "show why one entity has its score",
     "usage: pql explain --events F --id ID [options]\n\nExplain one entity's score.\n",
     with_input({
         {"--id", "ID", "the account (or user) id", &Args::id},
         {"--format", "F", "text (default) or json", &Args::format},
     })},
    {"validate",
     "check a model file and print every error",
     "usage: pql validate --model F [--format text|json]\n\nCheck a model and print every error with its JSON path.\n",
     {
         {"--model", "F", "", &Args::model},
         {"--format", "F", "", &Args::format},
     }},
    {"backtest", "check a model against real conversions (lift, precision, recall, AUC)",
     "usage: pql backtest --events F [options]\n\n"
     "Score at --as-of with only the events up to then, and measure who converted within the horizon\n"
     "(conversions: the model's conversion_event and/or --outcomes).\n",
     with_input({
         kOutcomes,
         {"--horizon-days", "N",
          "days after as_of in which a conversion counts (default 30);\n"
          "as_of defaults to the latest event minus the horizon",
          &Args::horizon_days},
         {"--format", "F", "table (default) or json (SPEC section 5 machine output)", &Args::format},
     })},
    {"suggest", "suggest activation steps, event weights and the threshold for sales capacity",
     "usage: pql suggest --events F [options]\n\n"
     "Suggest activation steps, event weights (logistic regression with a time-split holdout)\n"
     "and the min_score that matches sales capacity.\n",
     with_input({
         kOutcomes,
         {"--horizon-days", "N", "conversion horizon in days (default 30)", &Args::horizon_days},
         {"--capacity", "N", "leads sales can take per week (default 20)", &Args::capacity},
         {"--format", "F", "table (default) or json", &Args::format},
     })},
    {"compare", "compare two models (or two dates): tier migration and biggest movers",
     "usage: pql compare --events F --model A (--model-b B | --as-of-b ISO) [options]\n\n"
     "Compare model A with model B (or with A at another date) on the same data.\n",
     with_input({
         {"--model-b", "F", "the second model (default: model A)", &Args::model_b},
         {"--as-of-b", "ISO", "score B as of this time", &Args::as_of_b},
         {"--movers", "N", "biggest movers listed each way (default 10)", &Args::movers},
         kOutcomes,
         {"--horizon-days", "N", "quality: both models backtested at A's as_of with this horizon\n(default 30)",
          &Args::horizon_days},
         {"--format", "F", "table (default) or json", &Args::format},
     })},
    {"funnel", "signup cohorts: activation, PQL and conversion rates, median days to each",
     "usage: pql funnel --events F [--cohort week|month] [options]\n\n"
     "Group entities by the UTC week (Monday) or month of their first event and report, per cohort\n"
     "and for all, how many activated, became PQLs and converted, and the median days to each\n"
     "(SPEC section 7.8; conversions: the model's conversion_event and/or --outcomes).\n",
     with_input({
         kOutcomes,
         {"--cohort", "C", "week (default) or month", &Args::cohort},
         {"--format", "F", "table (default), json (SPEC section 7.8 machine output) or csv", &Args::format},
     })},
    {"sql",
     "compile a model to one SQL query for DuckDB, PostgreSQL, Spark, BigQuery or Snowflake",
     "usage: pql sql --dialect D [--model F] [options]\n\n"
     "Print the model as ONE SQL SELECT that returns the scoring run's per-entity columns in rank\n"
     "order, computed where the events live. Tables and trait encoding: docs/sql.md.\n",
     {
         {"--dialect", "D", "duckdb, postgres, spark, bigquery or snowflake", &Args::dialect},
         kModel,
         {"--events-table", "T", "events(timestamp_ms, account_id, user_id, event) (default: events)",
          &Args::events_table},
         {"--accounts-table", "A", "accounts(account_id, name, <trait columns>) (default: accounts; '-': none)",
          &Args::accounts_table},
         {"--users-table", "U", "users(user_id, name, <trait columns>), entity \"user\" (default: users; '-': none)",
          &Args::users_table},
         {"--column", "KEY=NAME",
          "rename a column: timestamp_ms, account_id, user_id, event, name or\n"
          "trait.<trait> (repeat)",
          &Args::columns},
         kAsOf,
     }},
    {"export-events", "write loaded events and accounts as the SQL contract tables (CSV)",
     "usage: pql export-events --events F [options]\n\n"
     "Write loaded data as one of the SQL contract tables (docs/sql.md), CSV with a header, as the\n"
     "engine sees it at as_of: events at or before as_of with the account each is scored under\n"
     "(empty: unassigned), or the accounts (users) with their name and tagged trait columns.\n",
     with_input({
         {"--table", "T", "events (default), accounts or users", &Args::table},
         {"--format", "F", "csv (the only format)", &Args::format},
     })},
    {"schema",
     "print what a model may say: ops, metric forms, decay shapes, the default model",
     "usage: pql schema [--format json]\n\n"
     "Print the model vocabulary (trait ops, comparison ops, metric forms, decay shapes, entity kinds,\n"
     "input formats, result fields) and the full default model, as JSON, for editors and scripts.\n",
     {
         {"--format", "F", "json (the only format)", &Args::format},
     }},
};

constexpr size_t kHelpColumn = 22;  // where a flag's help text starts

// "unknown option '--evnts'; did you mean '--events'?"
std::string unknown(const std::string& what, const std::string& word, const std::vector<std::string>& candidates) {
    std::string msg = (what == "argument" ? "unexpected argument '" : "unknown " + what + " '") + word + "'";
    const std::string near = nearest(word, candidates);
    if (!near.empty()) msg += "; did you mean '" + near + "'?";
    return msg;
}

// Stores one flag's value; an error message for usage_error, or nullopt.
std::optional<std::string> assign(Args& a, const Flag& f, const std::string& value) {
    struct Visit {
        Args& a;
        const Flag& f;
        const std::string& value;
        std::optional<std::string> operator()(bool Args::*m) const { return a.*m = true, std::nullopt; }
        std::optional<std::string> operator()(std::string Args::*m) const { return a.*m = value, std::nullopt; }
        std::optional<std::string> operator()(std::optional<std::string> Args::*m) const {
            return a.*m = value, std::nullopt;
        }
        std::optional<std::string> operator()(std::vector<std::string> Args::*m) const {
            return (a.*m).push_back(value), std::nullopt;
        }
        std::optional<std::string> operator()(std::optional<size_t> Args::*m) const {
            char* end = nullptr;
            errno = 0;
            const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end || errno || value[0] == '-')
                return std::string(f.name) + " must be a whole number (got '" + value + "')";
            a.*m = static_cast<size_t>(n);
            return std::nullopt;
        }
    };
    return std::visit(Visit{a, f, value}, f.target);
}

}  // namespace

const std::vector<Command>& commands() { return kCommands; }

const Command* find_command(const std::string& name) {
    for (const auto& c : kCommands)
        if (name == c.name) return &c;
    return nullptr;
}

std::optional<std::string> parse_args(int argc, char** argv, Args& a) {
    const Command* command = find_command(argv[1]);
    if (!command) {
        std::vector<std::string> names;
        for (const auto& c : kCommands) names.push_back(c.name);
        std::sort(names.begin(), names.end());  // suggestions do not depend on listing order
        return unknown("command", argv[1], names);
    }
    a.command = command->name;
    std::vector<std::string> accepted;
    for (const auto& f : command->flags) accepted.push_back(f.name);
    accepted.push_back("--help");
    for (int i = 2; i < argc; ++i) {
        std::string flag = argv[i], value;
        bool has_value = false;
        if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_value = true;
        }
        if (flag == "-h") flag = "--help";
        if (flag == "--help") {
            a.help = true;
            continue;
        }
        auto f =
            std::find_if(command->flags.begin(), command->flags.end(), [&](const Flag& x) { return flag == x.name; });
        if (f == command->flags.end()) return unknown(flag.rfind("-", 0) == 0 ? "option" : "argument", flag, accepted);
        const bool is_switch = std::holds_alternative<bool Args::*>(f->target);
        if (!is_switch && !has_value) {
            if (i + 1 >= argc) return "option '" + flag + "' needs a value";
            value = argv[++i];
        }
        if (auto err = assign(a, *f, value)) return err;
    }
    return std::nullopt;
}

std::string usage() {
    std::string out =
        "pql - find product-qualified leads in product usage events\n\nusage: pql <command> [options]\n\ncommands:\n";
    for (const auto& c : kCommands) {
        const std::string name = c.name;
        out += "  " + name + std::string(std::max<size_t>(2, 11 - std::min<size_t>(11, name.size())), ' ') + c.summary +
               "\n";
    }
    return out + "\nRun 'pql <command> --help' for the options of a command.\n";
}

std::string help_for(const Command& c) {
    std::string options;
    for (const auto& f : c.flags) {
        if (!*f.help) continue;
        std::string left = "  " + std::string(f.name) + (*f.value ? " " + std::string(f.value) : "");
        left.resize(std::max(left.size() + 2, kHelpColumn), ' ');
        std::string help = f.help;
        for (size_t nl = help.find('\n'); nl != std::string::npos; nl = help.find('\n', nl + 1))
            help.insert(nl + 1, std::string(kHelpColumn, ' '));
        options += left + help + "\n";
    }
    return std::string(c.synopsis) + (options.empty() ? "" : "\noptions:\n" + options);
}

std::string version_line() { return std::string("pql ") + PQL_VERSION; }

}  // namespace pql::cli
