// A model compiled to one SQL SELECT that scores where the events already live (docs/sql.md):
// the same figures as the engine (SPEC §3-§4) over the contract tables
//   events(timestamp_ms, account_id, user_id, event)
//   accounts(account_id, name, <one TEXT column per trait>)   -- or users(user_id, ...) for entity "user"
// with every trait value a tagged TEXT: 's:<text>', 'n:<JSON number>', 'b:true' / 'b:false'; NULL = absent.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pql/model.hpp"
#include "pql/result.hpp"

namespace pql {

enum class SqlDialect { DuckDB, Postgres, Spark, BigQuery, Snowflake };

// "duckdb", "postgres" (or "postgresql"), "spark", "bigquery", "snowflake".
std::optional<SqlDialect> parse_sql_dialect(std::string_view name);
const char* sql_dialect_name(SqlDialect d);

struct SqlOptions {
    SqlDialect dialect = SqlDialect::DuckDB;
    // Tables; a dotted name ("analytics.events", "project.dataset.events") is quoted part by part.
    // An empty accounts/users table means none: names are NULL and every trait is absent.
    std::string events_table = "events";
    std::string accounts_table = "accounts";  // entity "account"
    std::string users_table = "users";        // entity "user"
    // Columns (the same names in the events and the accounts/users tables).
    std::string timestamp_column = "timestamp_ms";
    std::string account_id_column = "account_id";
    std::string user_id_column = "user_id";
    std::string event_column = "event";
    std::string name_column = "name";
    std::map<std::string, std::string> trait_columns;  // trait -> column; default: the trait's name
    // Epoch ms; overrides the model's as_of. Neither: MAX(timestamp) over the events table.
    std::optional<int64_t> as_of;
};

// Sets one column option from "key=value" keys: timestamp_ms, account_id, user_id, event, name,
// trait.<name> (the CLI's --column flag).
Status set_sql_column(SqlOptions& options, std::string_view key, std::string_view column);

// One SELECT returning SPEC §4's per-entity columns in rank order. Every name and string from the
// model is quoted or escaped for the dialect; a string holding a NUL character is an error.
Result<std::string> compile_sql(const Model& model, const SqlOptions& options = {});
// The first SPEC §7 key the compiler cannot compile (signals, personas, active.events, segments,
// per-leaf windows, active_days / sum.* / persona.* metrics), as an error naming it; compile_sql
// returns it. Customers (conversion_event, pql.include_customers) are compiled.
std::optional<Error> sql_unsupported(const Model& model);

// The SQL contract tables (docs/sql.md) that loaded data can be exported as
// (Engine::export_contract_csv): CSV with a header row, RFC 4180, an empty cell is NULL.
enum class ContractTable { Events, Accounts, Users };

// The traits a model reads (fit rules, then trait.<name> rule leaves), each once.
std::vector<std::string> model_traits(const Model& model);

// The tagged text of one trait value: "s:..." / "n:..." / "b:true" / "b:false".
std::string encode_trait(const Value& v);

}  // namespace pql
