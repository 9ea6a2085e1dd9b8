// The CLI's commands and flags: one table per command that both parses argv and prints --help.
// Adding a flag is a field in Args plus one line in that command's table (args.cpp).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pql::cli {

struct Args {
    std::string command;
    std::vector<std::string> events;
    std::string accounts, model, format, input_format = "auto", id, outcomes, model_b;
    std::optional<std::string> as_of, as_of_b;
    std::optional<size_t> top, horizon_days, capacity, movers;
    std::string dialect, events_table, accounts_table, users_table, table;  // sql, export-events
    std::string cohort;                                                     // funnel
    std::vector<std::string> columns;
    std::string csv;                  // score --format csv: spec (default) or crm
    std::vector<std::string> traits;  // score --format csv: extra trait.<name> columns (--trait, repeatable)
    // Loading your own data (SPEC §6): --users, --account-key, --time-unit, --map,
    // --accounts-map, --users-map (FIELD=NAME, repeatable).
    std::string users, account_key, time_unit;
    std::vector<std::string> maps, accounts_maps, users_maps;
    bool strict = false, help = false;
};

// Where a flag's value goes; the member's type decides how it is parsed: a bool is a switch,
// a vector is repeatable, a size_t must be a whole number.
using Target = std::variant<bool Args::*, std::string Args::*, std::optional<std::string> Args::*,
                            std::vector<std::string> Args::*, std::optional<size_t> Args::*>;

struct Flag {
    const char* name;   // "--events"
    const char* value;  // "F" in the help, "" for a switch
    const char* help;   // lines after the first are indented to the help column; "" hides the flag
    Target target;
};

struct Command {
    const char* name;
    const char* summary;      // one line in `pql --help`
    const char* synopsis;     // "usage: ..." line(s) and description of `pql <command> --help`
    std::vector<Flag> flags;  // in --help order
};

// Every command, in `pql --help` order.
const std::vector<Command>& commands();
// nullptr when there is no such command.
const Command* find_command(const std::string& name);

// Parses "--flag value" and "--flag=value" forms against the flags the command accepts; the
// error message (with a "did you mean") is for usage_error. Sets a.command only when it exists.
std::optional<std::string> parse_args(int argc, char** argv, Args& a);

// `pql --help` and `pql <command> --help`.
std::string usage();
std::string help_for(const Command& command);
// "pql 0.1.0", from CMake's PROJECT_VERSION.
std::string version_line();

}  // namespace pql::cli
