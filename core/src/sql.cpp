// A model compiled to one SQL SELECT (docs/sql.md). One compiler; everything that differs between
// dialects is in the kDialects table below.
#include "pql/sql.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>

#include "event_store.hpp"
#include "pql/time.hpp"
#include "score.hpp"

#include "contract_columns.hpp"
#include "names.hpp"

namespace pql {

namespace {

// ---------------------------------------------------------------------------------------------
// The per-dialect differences. In the templates, $1 and $2 are the arguments.
struct Dialect {
    const char* name;
    char quote_open, quote_close;  // identifier quotes
    bool bare_simple_names;        // leave lower-case names bare (Snowflake upper-cases bare names)
    bool backslash_strings;        // string literals escape with backslashes (else '' only)
    const char* double_type;
    const char* int_type;
    const char* string_type;
    const char* double_literal;  // $1 = a number written with an exponent ("0.8e0")
    const char* day;             // $1 = epoch ms (BIGINT) -> whole UTC days since 1970-01-01
    const char* number_pattern;  // a whole string that is a JSON number, for regex_match
    const char* regex_match;     // $1 = text, $2 = the pattern literal
    const char* to_double;       // $1 = text matching number_pattern -> double or +-inf/NULL, never an error
    const char* position;        // $1 = haystack, $2 = needle -> 1-based position, 0 when absent
    const char* iso;             // $1 = epoch ms -> '2026-11-01T00:00:00.000Z'
    const char* id_order;        // $1 = an id -> the ORDER BY key that sorts in byte order
};

// A JSON number (RFC 8259), no spaces: the only strings that compare as numbers (SPEC §3).
#define PQL_JSON_NUMBER "-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?[0-9]+)?"

const Dialect kDialects[] = {
    {"duckdb", '"', '"', false, false, "DOUBLE", "BIGINT", "VARCHAR", "$1", "($1 // 86400000)", PQL_JSON_NUMBER,
     "regexp_full_match($1, $2)", "TRY_CAST($1 AS DOUBLE)", "strpos($1, $2)",
     "strftime(epoch_ms($1), '%Y-%m-%dT%H:%M:%S.%gZ')", "$1"},
    // PostgreSQL has no TRY_CAST and float8in rejects overflow and underflow, so the text goes
    // through NUMERIC with the rounding limits of a double written out (2^1024 - 2^970 overflows,
    // at most 2^-1075 underflows to 0). The length and exponent caps keep NUMERIC in range.
    {"postgres", '"', '"', false, false, "DOUBLE PRECISION", "BIGINT", "VARCHAR", "$1::float8", "($1 / 86400000)",
     "^-?(0|[1-9][0-9]*)([.][0-9]+)?([eE][+-]?0*[0-9]{1,4})?$", "(length($1) <= 1000 AND $1 ~ $2)",
     "CASE WHEN abs($1::numeric) >= power(2::numeric, 1024) - power(2::numeric, 970) THEN NULL "
     "WHEN abs($1::numeric) * power(2::numeric, 1075) <= 1 THEN 0::float8 ELSE $1::numeric::float8 END",
     "strpos($1, $2)",
     "to_char(TIMESTAMP '1970-01-01 00:00:00' + $1 * INTERVAL '1 millisecond', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
     "$1 COLLATE \"C\""},
    // Java's $ also matches before a final line break: \z is the true end.
    {"spark", '`', '`', false, true, "DOUBLE", "BIGINT", "STRING", "$1", "FLOOR($1 / 86400000)",
     "^" PQL_JSON_NUMBER "\\z", "($1 RLIKE $2)", "CAST($1 AS DOUBLE)", "instr($1, $2)",
     "date_format(timestamp_millis($1), 'yyyy-MM-dd\\'T\\'HH:mm:ss.SSS\\'Z\\'')", "$1"},
    {"bigquery", '`', '`', false, true, "FLOAT64", "INT64", "STRING", "$1", "DIV($1, 86400000)",
     "^" PQL_JSON_NUMBER "$", "REGEXP_CONTAINS($1, $2)", "SAFE_CAST($1 AS FLOAT64)", "STRPOS($1, $2)",
     "FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', TIMESTAMP_MILLIS($1), 'UTC')", "$1"},
    // Snowflake's division keeps a fixed scale (and rounds), so whole days come from MOD.
    {"snowflake", '"', '"', true, true, "DOUBLE", "BIGINT", "VARCHAR", "$1",
     "CAST(($1 - MOD($1, 86400000)) / 86400000 AS BIGINT)", PQL_JSON_NUMBER, "REGEXP_LIKE($1, $2)", "TRY_TO_DOUBLE($1)",
     "POSITION($2, $1)", "TO_VARCHAR(TO_TIMESTAMP_NTZ($1, 3), 'YYYY-MM-DD\"T\"HH24:MI:SS.FF3\"Z\"')", "$1"},
};

// Snowflake's reserved words: such a name is quoted even in lower case.
const std::set<std::string> kSnowflakeReserved = {"account",
                                                  "all",
                                                  "alter",
                                                  "and",
                                                  "any",
                                                  "as",
                                                  "between",
                                                  "by",
                                                  "case",
                                                  "cast",
                                                  "check",
                                                  "column",
                                                  "connect",
                                                  "connection",
                                                  "constraint",
                                                  "create",
                                                  "cross",
                                                  "current",
                                                  "current_date",
                                                  "current_time",
                                                  "current_timestamp",
                                                  "current_user",
                                                  "database",
                                                  "delete",
                                                  "distinct",
                                                  "drop",
                                                  "else",
                                                  "exists",
                                                  "false",
                                                  "following",
                                                  "for",
                                                  "from",
                                                  "full",
                                                  "grant",
                                                  "group",
                                                  "gscluster",
                                                  "having",
                                                  "ilike",
                                                  "in",
                                                  "increment",
                                                  "inner",
                                                  "insert",
                                                  "intersect",
                                                  "into",
                                                  "is",
                                                  "issue",
                                                  "join",
                                                  "lateral",
                                                  "left",
                                                  "like",
                                                  "localtime",
                                                  "localtimestamp",
                                                  "minus",
                                                  "natural",
                                                  "not",
                                                  "null",
                                                  "of",
                                                  "on",
                                                  "or",
                                                  "order",
                                                  "organization",
                                                  "qualify",
                                                  "regexp",
                                                  "revoke",
                                                  "right",
                                                  "rlike",
                                                  "row",
                                                  "rows",
                                                  "sample",
                                                  "schema",
                                                  "select",
                                                  "set",
                                                  "some",
                                                  "start",
                                                  "table",
                                                  "tablesample",
                                                  "then",
                                                  "to",
                                                  "trigger",
                                                  "true",
                                                  "try_cast",
                                                  "union",
                                                  "unique",
                                                  "update",
                                                  "using",
                                                  "values",
                                                  "view",
                                                  "when",
                                                  "whenever",
                                                  "where",
                                                  "with"};

// Replaces $1, $2 in a template in one pass (an argument's own "$1" stays as it is).
std::string fill(const char* tmpl, std::initializer_list<std::string> args) {
    std::string out;
    const std::string* a = args.begin();
    for (const char* p = tmpl; *p; ++p) {
        if (p[0] == '$' && (p[1] == '1' || p[1] == '2') && static_cast<size_t>(p[1] - '1') < args.size()) {
            out += a[p[1] - '1'];
            ++p;
        } else {
            out += *p;
        }
    }
    return out;
}

std::string ascii_lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool simple_name(const std::string& s) {
    if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

// The shortest text that reads back as the same double.
std::string shortest(double x) { return nlohmann::json(x).dump(); }

// A name from the model for a -- comment: JSON-quoted, ASCII only, so never a line break.
std::string label(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

// "t1 = \"employees\", t2 = ..." for a comment.
std::string legend(const std::string& prefix, const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i)
        out += (i ? ", " : "") + prefix + std::to_string(i + 1) + " = " + label(names[i]);
    return out;
}

class Compiler {
public:
    Compiler(const Model& m, const SqlOptions& o) : m_(m), o_(o), d_(kDialects[static_cast<int>(o.dialect)]) {}

    Result<std::string> run();

private:
    const Model& m_;
    const SqlOptions& o_;
    const Dialect& d_;
    std::optional<Error> error_;

    // --- quoting -------------------------------------------------------------------------
    bool check_nul(std::string_view s, const char* what) {
        if (s.find('\0') == std::string_view::npos) return true;
        if (!error_)
            error_ = Error{"invalid_argument",
                           std::string(what) + " contains a NUL character, which SQL text cannot hold", "", 0};
        return false;
    }

    std::string str(std::string_view s) {
        check_nul(s, "a string in the model");
        std::string out = "'";
        for (unsigned char c : s) {
            if (c == '\'') out += d_.backslash_strings ? "\\'" : "''";
            else if (c == '\\' && d_.backslash_strings) out += "\\\\";
            else if ((c < 0x20 || c == 0x7f) && d_.backslash_strings) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\%03o", c);  // octal: Spark, BigQuery and Snowflake all read \ooo
                out += buf;
            } else {
                out += static_cast<char>(c);
            }
        }
        return out + "'";
    }

    std::string ident(std::string_view s) {
        check_nul(s, "a table or column name");
        const std::string name(s);
        if (d_.bare_simple_names && simple_name(name) && !kSnowflakeReserved.count(name)) return name;
        // BigQuery reads escapes inside backquotes; elsewhere the quote is doubled.
        const bool bigquery = o_.dialect == SqlDialect::BigQuery;
        std::string out(1, d_.quote_open);
        for (char c : s) {
            if (c == d_.quote_close) out += bigquery ? std::string("\\") + c : std::string(2, c);
            else if (c == '\\' && bigquery) out += "\\\\";
            else out += c;
        }
        return out + d_.quote_close;
    }

    // "analytics.events" -> "analytics"."events"
    std::string table(const std::string& name) {
        std::string out;
        size_t start = 0;
        while (true) {
            const size_t dot = name.find('.', start);
            out += ident(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (dot == std::string::npos) break;
            out += ".";
            start = dot + 1;
        }
        return out;
    }

    // A double literal: "0.8e0" is a DOUBLE in DuckDB, Spark, BigQuery and Snowflake;
    // PostgreSQL casts its exact NUMERIC literal.
    std::string num(double x) {
        std::string s = shortest(x);
        if (o_.dialect == SqlDialect::Postgres) {
            if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
        } else if (s.find_first_of("eE") == std::string::npos) {
            if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
            s += "e0";
        }
        s = fill(d_.double_literal, {s});
        return x < 0 || (x == 0 && std::signbit(x)) ? "(" + s + ")" : s;
    }
    static std::string integer(int64_t n) { return std::to_string(n); }
    std::string dbl(const std::string& e) { return "CAST(" + e + " AS " + d_.double_type + ")"; }
    std::string day(const std::string& ms) { return fill(d_.day, {ms}); }

    // --- names the query uses ------------------------------------------------------------
    bool by_user() const { return m_.entity == Entity::User; }
    std::string entity_column() { return ident(by_user() ? o_.user_id_column : o_.account_id_column); }
    std::string trait_column(const std::string& trait) {
        auto it = o_.trait_columns.find(trait);
        if (it != o_.trait_columns.end()) return ident(it->second);
        return ident(default_trait_column(trait, by_user() ? o_.user_id_column : o_.account_id_column, o_.name_column));
    }

    // Traits, events and limits the model refers to, numbered in order of first use.
    std::vector<std::string> traits_, count_events_, users_events_, limit_names_;
    static size_t index_of(std::vector<std::string>& v, const std::string& s) {
        auto it = std::find(v.begin(), v.end(), s);
        if (it != v.end()) return static_cast<size_t>(it - v.begin()) + 1;
        v.push_back(s);
        return v.size();
    }
    void collect(const RuleNode& n) {
        for (auto& c : n.children) collect(c);
        if (n.kind != RuleNode::Leaf) return;
        if (n.metric_kind == MetricKind::Trait) index_of(traits_, n.arg);
        if (n.metric_kind == MetricKind::Count) index_of(count_events_, n.arg);
        if (n.metric_kind == MetricKind::UsersOf) index_of(users_events_, n.arg);
        if (n.metric_kind == MetricKind::Limit) index_of(limit_names_, n.arg);
    }

    // --- trait comparisons (SPEC §3, TraitTest::matches) ------------------------------------
    // Per trait i the query has t<i>_type ('s:', 'n:', 'b:' or NULL when absent), t<i>_text (a
    // string, ASCII lower-cased), t<i>_bool and t<i>_num (a number, or a string that is a JSON number).
    std::string equals(const std::string& t, const Value& v) {
        std::vector<std::string> any;
        if (auto s = std::get_if<std::string>(&v)) {
            any.push_back(t + "_text = " + str(ascii_lower(*s)));
            if (auto x = json_number_string(*s))
                any.push_back("(" + t + "_type = 'n:' AND " + t + "_num = " + num(*x) + ")");
            if (ascii_iequals(*s, "true")) any.push_back(t + "_bool = TRUE");
            if (ascii_iequals(*s, "false")) any.push_back(t + "_bool = FALSE");
        } else if (auto x = std::get_if<double>(&v)) {
            any.push_back(t + "_num = " + num(*x));
        } else {
            const bool b = std::get<bool>(v);
            any.push_back(t + "_bool = " + (b ? "TRUE" : "FALSE"));
            any.push_back(t + "_text = " + (b ? "'true'" : "'false'"));
        }
        std::string out;
        for (auto& a : any) out += (out.empty() ? "" : " OR ") + a;
        return any.size() == 1 ? out : "(" + out + ")";
    }

    std::string trait_test(const std::string& trait, const TraitTest& test) {
        const std::string t = "t" + std::to_string(index_of(traits_, trait));
        const std::string present = t + "_type IS NOT NULL";
        auto known = [](const std::string& e) { return "COALESCE(" + e + ", FALSE)"; };
        auto any_of = [&](const std::vector<Value>& values) {
            std::string out;
            for (auto& v : values) out += (out.empty() ? "" : " OR ") + equals(t, v);
            return out.empty() ? std::string("FALSE") : known(values.size() == 1 ? out : "(" + out + ")");
        };
        switch (test.op) {
            case TraitOp::Exists: return "(" + present + ")";
            case TraitOp::Missing: return "(" + t + "_type IS NULL)";
            case TraitOp::Eq: return any_of(test.values);
            case TraitOp::In: return any_of(test.values);
            case TraitOp::Ne:
            case TraitOp::NotIn: return "(" + present + " AND NOT " + any_of(test.values) + ")";
            case TraitOp::Contains: {
                const std::string& needle = std::get<std::string>(test.values[0]);
                if (needle.empty()) return "COALESCE(" + t + "_type = 's:', FALSE)";
                return known(fill(d_.position, {t + "_text", str(ascii_lower(needle))}) + " > 0");
            }
            case TraitOp::Lt: return known(t + "_num < " + num(std::get<double>(test.values[0])));
            case TraitOp::Lte: return known(t + "_num <= " + num(std::get<double>(test.values[0])));
            case TraitOp::Gt: return known(t + "_num > " + num(std::get<double>(test.values[0])));
            case TraitOp::Gte: return known(t + "_num >= " + num(std::get<double>(test.values[0])));
            case TraitOp::Between:
                return known("(" + t + "_num >= " + num(std::get<double>(test.values[0])) + " AND " + t +
                             "_num <= " + num(std::get<double>(test.values[1])) + ")");
        }
        return "FALSE";
    }

    // --- the PQL rule ------------------------------------------------------------------------
    std::string rule(const RuleNode& n) {
        if (n.kind == RuleNode::All || n.kind == RuleNode::Any) {
            if (n.children.empty()) return n.kind == RuleNode::All ? "TRUE" : "FALSE";
            std::string out;
            for (auto& c : n.children) out += (out.empty() ? "" : n.kind == RuleNode::All ? " AND " : " OR ") + rule(c);
            return "(" + out + ")";
        }
        if (n.kind == RuleNode::Not) return "(NOT " + rule(n.children[0]) + ")";
        if (n.metric_kind == MetricKind::Trait) return trait_test(n.arg, n.trait_test);
        std::string metric = name_of(kPlainMetrics, n.metric_kind);  // the plain metrics are CTE columns
        switch (n.metric_kind) {
            case MetricKind::Count: metric = "count_" + std::to_string(index_of(count_events_, n.arg)); break;
            case MetricKind::UsersOf: metric = "users_" + std::to_string(index_of(users_events_, n.arg)); break;
            case MetricKind::Limit:
                metric = dbl("limit_" + std::to_string(index_of(limit_names_, n.arg))) + " / " +
                         num(m_.limits.at(n.arg).limit);
                break;
            case MetricKind::Score:
            case MetricKind::Activation:
            case MetricKind::Engagement:
            case MetricKind::Fit:
            case MetricKind::EngagementPoints:
            case MetricKind::StepsCompleted:
            case MetricKind::Events:
            case MetricKind::Users:
            case MetricKind::ActiveUsers:
            case MetricKind::DaysSinceLastSeen:
            case MetricKind::Velocity:
            case MetricKind::Trait: break;
            // Not compiled: compile_sql rejects models using them before this runs.
            case MetricKind::ActiveDays:
            case MetricKind::Sum:
            case MetricKind::Persona: break;
        }
        static const char* ops[] = {">=", ">", "<=", "<", "=", "<>"};
        return "(" + metric + " " + ops[static_cast<int>(n.cmp)] + " " + num(n.number) + ")";
    }

    // CASE <event> WHEN 'a' THEN x ... ELSE fallback END, or just the fallback.
    std::string per_event(const std::vector<std::pair<std::string, std::string>>& cases, const std::string& fallback) {
        if (cases.empty()) return fallback;
        std::string out = "CASE event";
        for (auto& [e, v] : cases) out += " WHEN " + str(e) + " THEN " + v;
        return out + " ELSE " + fallback + " END";
    }

    // --- the query, one CTE family per step (run() calls them in this order) ------------------
    std::vector<std::string> ctes_;  // "name AS (  -- comment\nbody\n)", in query order
    bool activation_times_ = false;  // the activation_times CTE exists
    void cte(const std::string& name, const std::string& comment, const std::string& body) {
        ctes_.push_back(name + " AS (  -- " + comment + "\n" + body + "\n)");
    }
    std::string window() { return integer(m_.window_days); }
    std::string entity_table() const { return by_user() ? o_.users_table : o_.accounts_table; }
    bool has_entity_table() const { return !entity_table().empty(); }
    std::string traits_cte() const { return traits_.empty() ? "trait_values" : "traits"; }

    void collect_names();
    void params();
    void scored_events();
    std::string decay();
    void engagement();
    void audience();
    void activation();
    std::vector<std::vector<size_t>> thresholds();
    void steps(const std::vector<std::vector<size_t>>& step_marks);
    void activation_times();
    void trait_columns();
    std::string activation_score(std::string& steps_completed);
    std::string fit_score();
    std::string carried_columns();
    void scores();
    void scored();
    void graded();
    std::string final_select();
};

Result<std::string> Compiler::run() {
    collect_names();
    params();
    scored_events();
    engagement();
    audience();
    activation();
    trait_columns();
    scores();
    scored();
    graded();
    if (error_) return *error_;
    return final_select();
}

// Names used by fit rules first, then by the rule.
void Compiler::collect_names() {
    for (auto& r : m_.rules) index_of(traits_, r.trait);
    if (m_.rule) collect(*m_.rule);
}

// as_of: the option, the model's, or the latest event.
void Compiler::params() {
    std::optional<int64_t> T = o_.as_of ? o_.as_of : m_.as_of;
    if (T) {
        cte("params", "as_of (epoch ms) and its UTC day",
            "  SELECT " + integer(*T) + " AS as_of_ms, " + integer(day_of(*T)) + " AS as_of_day");
    } else {
        const std::string TS = ident(o_.timestamp_column);
        cte("params", "as_of = the latest event (epoch ms), and its UTC day",
            "  SELECT as_of_ms, " + day("as_of_ms") + " AS as_of_day\n  FROM (SELECT COALESCE(MAX(" + TS +
                "), 0) AS as_of_ms FROM " + table(o_.events_table) + ") latest");
    }
}

void Compiler::scored_events() {
    const std::string TS = ident(o_.timestamp_column), EV = ident(o_.event_column), USER = ident(o_.user_id_column);
    const std::string ENTITY = entity_column();
    cte("scored_events", "events at or before as_of, with their entity and age in whole UTC days",
        "  SELECT e." + ENTITY + " AS entity_id, e." + USER + " AS user_id, e." + EV + " AS event, e." + TS +
            " AS ts,\n         p.as_of_day - " + day("e." + TS) + " AS age\n  FROM " + table(o_.events_table) +
            " e CROSS JOIN params p\n  WHERE e." + TS + " <= p.as_of_ms AND e." + ENTITY + " IS NOT NULL AND e." +
            ENTITY + " <> ''");
}

// Decay f(age) per event type (SPEC §3).
std::string Compiler::decay() {
    const Model& m = m_;
    if (m.decay == Decay::Exponential) {
        std::vector<std::pair<std::string, std::string>> hl;
        for (auto& [name, s] : m.events)
            if (s.half_life_days) hl.emplace_back(name, num(*s.half_life_days));
        return "POWER(" + num(2) + ", -" + dbl("age") + " / " + per_event(hl, num(m.half_life_days)) + ")";
    }
    if (m.decay == Decay::Linear) return num(1) + " - " + dbl("age") + " / " + num(static_cast<double>(m.window_days));
    return num(1);
}

// Engagement: per (entity, event type) counts and decayed counts, weights and caps, then per
// entity the points, velocity parts and the count/limit rule metrics.
void Compiler::engagement() {
    const Model& m = m_;
    const std::string W = window();
    const int64_t recent_end = std::min<int64_t>(7, m.window_days), previous_end = std::min<int64_t>(14, m.window_days);
    cte("type_stats", "per entity and event type: counts (all time, in the window, days 0-6 and 7-13), decayed count",
        "  SELECT entity_id, event,\n"
        "    COUNT(*) AS total,\n"
        "    SUM(CASE WHEN age < " +
            W +
            " THEN 1 ELSE 0 END) AS in_window,\n"
            "    SUM(CASE WHEN age < " +
            integer(recent_end) + " THEN 1 ELSE 0 END) AS recent,\n" +
            (previous_end > 7 ? "    SUM(CASE WHEN age >= 7 AND age < " + integer(previous_end) +
                                    " THEN 1 ELSE 0 END) AS previous,\n"
                              : std::string("    0 AS previous,\n")) +
            "    SUM(CASE WHEN age < " + W + " THEN " + decay() + " ELSE " + num(0) +
            " END) AS decayed,\n"
            "    MIN(ts) AS first_ts, MAX(ts) AS last_ts\n"
            "  FROM scored_events\n  GROUP BY entity_id, event");

    // Weights and caps per event type.
    std::vector<std::pair<std::string, std::string>> weights, caps;
    for (auto& [name, s] : m.events) {
        if (s.weight) weights.emplace_back(name, num(*s.weight));
        if (s.cap) caps.emplace_back(name, "LEAST(decayed, " + num(*s.cap) + ")");
    }
    const std::string weight = per_event(weights, num(m.default_weight));
    std::string metrics;
    // SPEC §7.5: the earliest conversion_event at or before as_of makes a customer.
    if (m.conversion_event)
        metrics += ",\n    MIN(CASE WHEN event = " + str(*m.conversion_event) + " THEN first_ts END) AS converted_at";
    for (size_t i = 0; i < count_events_.size(); ++i)
        metrics += ",\n    SUM(CASE WHEN event = " + str(count_events_[i]) + " THEN in_window ELSE 0 END) AS count_" +
                   std::to_string(i + 1);
    for (size_t i = 0; i < limit_names_.size(); ++i)
        metrics += ",\n    SUM(CASE WHEN event = " + str(m.limits.at(limit_names_[i]).event) +
                   " THEN total ELSE 0 END) AS limit_" + std::to_string(i + 1);
    cte("type_points", "each event type's weight, and its decayed count capped",
        "  SELECT t.*,\n    " + weight + " AS weight,\n    " + per_event(caps, "decayed") +
            " AS capped\n  FROM type_stats t");
    std::string metric_legend;
    for (auto& [prefix, names] :
         {std::pair<std::string, const std::vector<std::string>*>{"count_", &count_events_}, {"limit_", &limit_names_}})
        if (!names->empty()) metric_legend += "\n  -- " + legend(prefix, *names);
    cte("entities",
        "per entity: engagement points E, velocity parts (no decay, no cap), activity, rule metrics" + metric_legend,
        "  SELECT entity_id,\n"
        "    SUM(weight * capped) AS engagement_points,\n"
        "    SUM(weight * recent) AS recent_points,\n"
        "    SUM(weight * previous) AS previous_points,\n"
        "    SUM(in_window) AS events,\n"
        "    MIN(first_ts) AS first_ts, MAX(last_ts) AS last_ts" +
            metrics +
            "\n"
            "  FROM type_points\n  GROUP BY entity_id");
}

// Users: per entity and user, then users in the window, active users and users.<event>.
void Compiler::audience() {
    const std::string W = window();
    cte("entity_users", "per entity and user: first event, age of the latest event",
        "  SELECT entity_id, user_id, MIN(ts) AS first_ts, MIN(age) AS min_age\n  FROM scored_events\n"
        "  WHERE user_id IS NOT NULL\n  GROUP BY entity_id, user_id");
    cte("audience", "users in the window, active users",
        "  SELECT entity_id,\n    SUM(CASE WHEN min_age < " + W +
            " THEN 1 ELSE 0 END) AS users,\n"
            "    SUM(CASE WHEN min_age < " +
            integer(m_.active_days) +
            " THEN 1 ELSE 0 END) AS active_users\n"
            "  FROM entity_users\n  GROUP BY entity_id");
    if (users_events_.empty()) return;
    std::string cols, events;
    for (size_t i = 0; i < users_events_.size(); ++i) {
        cols += std::string(i ? "," : "") + "\n    SUM(CASE WHEN event = " + str(users_events_[i]) + " AND min_age < " +
                W + " THEN 1 ELSE 0 END) AS users_" + std::to_string(i + 1);
        events += (i ? ", " : "") + str(users_events_[i]);
    }
    cte("type_audience",
        "users.<event> metrics: distinct users of the event in the window\n  -- " + legend("users_", users_events_),
        "  SELECT entity_id," + cols +
            "\n"
            "  FROM (SELECT entity_id, event, user_id, MIN(age) AS min_age FROM scored_events\n"
            "        WHERE event IN (" +
            events +
            ") AND user_id IS NOT NULL\n"
            "        GROUP BY entity_id, event, user_id) type_users\n"
            "  GROUP BY entity_id");
}

// Activation (SPEC §3; Scorer::score): a step is met at max(the time of its min_count-th event,
// the time its min_users-th distinct user first did it, the entity's first event). Each
// threshold that needs a look-up is a "mark": the time it was reached, absent when it was not.
void Compiler::activation() {
    const std::vector<std::vector<size_t>> step_marks = thresholds();
    steps(step_marks);
    activation_times();
}

// The marks of every step's thresholds, with the rank CTEs they read, step_marks and
// step_times; per step, the numbers (1-based) of its marks.
std::vector<std::vector<size_t>> Compiler::thresholds() {
    const Model& m = m_;
    std::vector<std::string> marks;  // SELECT entity_id, k, ts rows of step_marks
    std::vector<std::string> event_rank_events, user_rank_events;
    bool any_event_ranks = false, any_user_ranks = false;
    std::vector<std::vector<size_t>> step_marks;  // per step: its marks (1-based)
    auto add_once = [](std::vector<std::string>& v, const std::string& e) {
        if (std::find(v.begin(), v.end(), e) == v.end()) v.push_back(e);
    };
    for (auto& st : m.steps) {
        std::vector<size_t> mine;
        const bool any = st.event == "*";
        for (int which = 0; which < 2; ++which) {  // 0: min_count, 1: min_users
            const int64_t n = which == 0 ? st.min_count : st.min_users;
            // n = 0: no threshold; "*" with n = 1: the entity's first event, in every step time anyway.
            if (n <= 0 || (any && n == 1)) continue;
            const std::string k = std::to_string(marks.size() + 1), nth = integer(n);
            if (any && which == 0) {
                any_event_ranks = true;
                marks.push_back("SELECT entity_id, " + k + " AS k, ts FROM any_event_ranks WHERE nth = " + nth);
            } else if (any) {
                any_user_ranks = true;
                marks.push_back("SELECT entity_id, " + k +
                                " AS k, first_ts AS ts FROM any_user_ranks WHERE nth = " + nth);
            } else if (n == 1) {  // the first event of the type is also its first user's first use
                marks.push_back("SELECT entity_id, " + k +
                                " AS k, first_ts AS ts FROM type_stats WHERE event = " + str(st.event));
            } else if (which == 0) {
                add_once(event_rank_events, st.event);
                marks.push_back("SELECT entity_id, " + k + " AS k, ts FROM event_ranks WHERE event = " + str(st.event) +
                                " AND nth = " + nth);
            } else {
                add_once(user_rank_events, st.event);
                marks.push_back("SELECT entity_id, " + k + " AS k, first_ts AS ts FROM type_user_ranks WHERE event = " +
                                str(st.event) + " AND nth = " + nth);
            }
            mine.push_back(marks.size());
        }
        step_marks.push_back(mine);
    }
    auto in_list = [&](const std::vector<std::string>& events) {
        std::string out;
        for (auto& e : events) out += (out.empty() ? "" : ", ") + str(e);
        return "(" + out + ")";
    };
    if (!event_rank_events.empty())
        cte("event_ranks", "the n-th event of each step's type, for min_count",
            "  SELECT entity_id, event, ts, ROW_NUMBER() OVER (PARTITION BY entity_id, event ORDER BY ts) AS nth\n"
            "  FROM scored_events\n  WHERE event IN " +
                in_list(event_rank_events));
    if (any_event_ranks)
        cte("any_event_ranks", "the n-th event of any type, for min_count of \"*\" steps",
            "  SELECT entity_id, ts, ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY ts) AS nth\n  FROM "
            "scored_events");
    if (!user_rank_events.empty())
        cte("type_user_ranks", "the n-th distinct user of each step's type (by first use), for min_users",
            "  SELECT entity_id, event, first_ts, ROW_NUMBER() OVER (PARTITION BY entity_id, event ORDER BY first_ts) "
            "AS nth\n"
            "  FROM (SELECT entity_id, event, user_id, MIN(ts) AS first_ts FROM scored_events\n"
            "        WHERE event IN " +
                in_list(user_rank_events) +
                " AND user_id IS NOT NULL\n"
                "        GROUP BY entity_id, event, user_id) type_users");
    if (any_user_ranks)
        cte("any_user_ranks", "the n-th distinct user (by first event), for min_users of \"*\" steps",
            "  SELECT entity_id, first_ts, ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY first_ts) AS nth\n  FROM "
            "entity_users");
    if (!marks.empty()) {
        std::string body;
        for (size_t i = 0; i < marks.size(); ++i) body += (i ? "\n  UNION ALL " : "  ") + marks[i];
        cte("step_marks", "when each step threshold was reached (k numbers the threshold)", body);
        std::string cols;
        for (size_t i = 0; i < marks.size(); ++i)
            cols +=
                ",\n    MIN(CASE WHEN k = " + std::to_string(i + 1) + " THEN ts END) AS mark_" + std::to_string(i + 1);
        cte("step_times", "one row per entity, one column per threshold",
            "  SELECT entity_id" + cols + "\n  FROM step_marks\n  GROUP BY entity_id");
    }
    return step_marks;
}

// When each step was met: the latest of its marks and the entity's first event.
void Compiler::steps(const std::vector<std::vector<size_t>>& step_marks) {
    const Model& m = m_;
    if (m.steps.empty()) return;
    bool any_marks = false;
    for (auto& mine : step_marks) any_marks = any_marks || !mine.empty();
    std::string cols;
    for (size_t i = 0; i < m.steps.size(); ++i) {
        std::string cond, args;
        for (size_t k : step_marks[i]) {
            const std::string mark = "t.mark_" + std::to_string(k);
            cond += (cond.empty() ? "" : " AND ") + mark + " IS NOT NULL";
            args += mark + ", ";
        }
        const std::string when = args.empty() ? "e.first_ts" : "GREATEST(" + args + "e.first_ts)";
        cols += ",\n    " + (cond.empty() ? when : "CASE WHEN " + cond + " THEN " + when + " END") + " AS step_" +
                std::to_string(i + 1);
    }
    std::vector<std::string> step_names;
    for (auto& st : m.steps) step_names.push_back(st.name);
    cte("steps", "when each activation step was met (NULL: not met)\n  -- " + legend("step_", step_names),
        "  SELECT e.entity_id" + cols + "\n  FROM entities e" +
            (any_marks ? " LEFT JOIN step_times t ON t.entity_id = e.entity_id" : ""));
}

// activated_at: when the required-th step was met.
void Compiler::activation_times() {
    const Model& m = m_;
    activation_times_ = !m.steps.empty() && m.required > 0;
    if (activation_times_) {
        std::string rows;
        for (size_t i = 0; i < m.steps.size(); ++i) {
            const std::string s = "step_" + std::to_string(i + 1);
            rows += (i ? "\n  UNION ALL " : "  ") + std::string("SELECT entity_id, ") + s +
                    " AS done FROM steps WHERE " + s + " IS NOT NULL";
        }
        cte("step_done", "met steps, one row each", rows);
        cte("activation_times", "activated_at: when the required-th step was met",
            "  SELECT entity_id, done AS activated_at\n"
            "  FROM (SELECT entity_id, done, ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY done) AS nth FROM "
            "step_done) ranked_steps\n"
            "  WHERE nth = " +
                integer(m.required));
    }
}

// Traits: the tagged TEXT columns of docs/sql.md, split into type, text, boolean and number.
void Compiler::trait_columns() {
    if (!has_entity_table()) return;
    std::string cols;
    for (size_t i = 0; i < traits_.size(); ++i) {
        const std::string c = trait_column(traits_[i]), t = "t" + std::to_string(i + 1);
        cols += ",\n    SUBSTR(" + c + ", 1, 2) AS " + t + "_type, SUBSTR(" + c + ", 3) AS " + t + "_value";
    }
    cte("trait_values",
        std::string(by_user() ? "users" : "accounts") + ": name, and each trait's type tag and value text" +
            (traits_.empty() ? "" : "\n  -- " + legend("t", traits_)),
        "  SELECT " + entity_column() + " AS entity_id, " + ident(o_.name_column) + " AS name" + cols + "\n  FROM " +
            table(entity_table()));
    if (traits_.empty()) return;
    std::string inner, outer;
    for (size_t i = 0; i < traits_.size(); ++i) {
        const std::string t = "t" + std::to_string(i + 1), v = t + "_value";
        inner += ",\n      " + t + "_type,\n      CASE WHEN " + t + "_type = 's:' THEN TRANSLATE(" + v +
                 ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END AS " + t + "_text,\n" +
                 "      CASE WHEN " + t + "_type = 'b:' AND " + v + " = 'true' THEN TRUE WHEN " + t +
                 "_type = 'b:' AND " + v + " = 'false' THEN FALSE END AS " + t + "_bool,\n" + "      CASE WHEN " + t +
                 "_type IN ('s:', 'n:') AND " + fill(d_.regex_match, {v, str(d_.number_pattern)}) + " THEN " +
                 fill(d_.to_double, {v}) + " END AS " + t + "_double";
        outer += ", " + t + "_type, " + t + "_text, " + t + "_bool,\n    CASE WHEN ABS(" + t +
                 "_double) <= " + num(1.7976931348623157e308) + " THEN " + t + "_double END AS " + t + "_num";
    }
    cte("traits",
        "strings lower-cased (ASCII) for eq/in/contains; numbers, and strings that are JSON numbers, as finite doubles",
        "  SELECT entity_id, name" + outer + "\n  FROM (\n    SELECT entity_id, name" + inner +
            "\n    FROM trait_values) typed");
}

// Activation (SPEC §3) from the steps CTE: 100 x met step weight / all step weight. Also sets
// `steps_completed`, the count of met steps.
std::string Compiler::activation_score(std::string& steps_completed) {
    const Model& m = m_;
    steps_completed = "0";
    std::string met_weight;
    double step_weight_total = 0;
    for (size_t i = 0; i < m.steps.size(); ++i) {
        const std::string s = "s.step_" + std::to_string(i + 1);
        steps_completed =
            (i ? steps_completed + " + " : std::string()) + "CASE WHEN " + s + " IS NOT NULL THEN 1 ELSE 0 END";
        met_weight += (i ? " + " : "") + std::string("CASE WHEN ") + s + " IS NOT NULL THEN " + num(m.steps[i].weight) +
                      " ELSE " + num(0) + " END";
        step_weight_total += m.steps[i].weight;
    }
    return m.steps.empty() || step_weight_total <= 0 ? num(100)
                                                     : num(100) + " * (" + met_weight + ") / " + num(step_weight_total);
}

// Fit (SPEC §3): matched fit points over the positive points, clamped to [0, 100].
std::string Compiler::fit_score() {
    double positive_points = 0;
    std::string matched;
    for (auto& r : m_.rules) {
        if (r.points > 0) positive_points += r.points;
        matched += (matched.empty() ? "" : "\n      + ") + std::string("CASE WHEN ") + trait_test(r.trait, r.test) +
                   " THEN " + num(r.points) + " ELSE " + num(0) + " END";
    }
    return positive_points <= 0 ? num(100)
                                : "GREATEST(" + num(0) + ", LEAST(" + num(100) + ", " + num(100) + " * (" + matched +
                                      ") / " + num(positive_points) + "))";
}

// The columns later CTEs read besides the components: conversion, rule metrics, trait parts.
std::string Compiler::carried_columns() {
    std::string carried;
    if (m_.conversion_event) carried += ", e.converted_at";
    for (size_t i = 0; i < count_events_.size(); ++i) carried += ", e.count_" + std::to_string(i + 1);
    for (size_t i = 0; i < users_events_.size(); ++i)
        carried += ", COALESCE(ua.users_" + std::to_string(i + 1) + ", 0) AS users_" + std::to_string(i + 1);
    for (size_t i = 0; i < limit_names_.size(); ++i) carried += ", e.limit_" + std::to_string(i + 1);
    for (size_t i = 0; i < traits_.size(); ++i) {
        const std::string t = "tr.t" + std::to_string(i + 1);
        carried += ", " + t + "_type, " + t + "_text, " + t + "_bool, " + t + "_num";
    }
    return carried;
}

// The components (SPEC §3), in the engine's order of operations.
void Compiler::scores() {
    const Model& m = m_;
    std::string steps_completed;
    const std::string activation = activation_score(steps_completed);
    const std::string fit = fit_score();
    const std::string carried = carried_columns();
    const bool has_entity_table = this->has_entity_table();
    cte("scores", "activation, engagement and fit per entity",
        "  SELECT e.entity_id, " +
            std::string(has_entity_table ? "tr.name" : "CAST(NULL AS " + std::string(d_.string_type) + ")") +
            " AS name, e.first_ts, e.last_ts, e.engagement_points, e.events,\n"
            "    COALESCE(a.users, 0) AS users, COALESCE(a.active_users, 0) AS active_users,\n"
            "    " +
            steps_completed +
            " AS steps_completed,\n"
            "    (e.recent_points - e.previous_points) / GREATEST(ABS(e.previous_points), " +
            num(1) +
            ") AS velocity,\n"
            "    p.as_of_day - " +
            day("e.last_ts") +
            " AS days_since_last_seen,\n"
            "    CASE WHEN e.engagement_points <= 0 THEN " +
            num(0) + " ELSE " + num(100) + " * e.engagement_points / (e.engagement_points + " + num(m.saturation) +
            ") END AS engagement,\n"
            "    " +
            activation +
            " AS activation,\n"
            "    " +
            (m.steps.empty() ? std::string(m.required <= 0 ? "TRUE" : "FALSE")
                             : "(" + steps_completed + ") >= " + integer(m.required)) +
            " AS activated,\n"
            "    " +
            (activation_times_ ? std::string("act.activated_at")
             : m.required == 0 ? std::string("e.first_ts")
                               : std::string("NULL")) +
            " AS activated_at,\n"
            "    " +
            fit + " AS fit" + carried +
            "\n"
            "  FROM entities e\n  CROSS JOIN params p\n  LEFT JOIN audience a ON a.entity_id = e.entity_id" +
            (users_events_.empty() ? "" : "\n  LEFT JOIN type_audience ua ON ua.entity_id = e.entity_id") +
            (m.steps.empty() ? "" : "\n  LEFT JOIN steps s ON s.entity_id = e.entity_id") +
            (activation_times_ ? "\n  LEFT JOIN activation_times act ON act.entity_id = e.entity_id" : "") +
            (has_entity_table ? "\n  LEFT JOIN " + traits_cte() + " tr ON tr.entity_id = e.entity_id" : ""));
}

void Compiler::scored() {
    const Model& m = m_;
    const double wsum = m.w_activation + m.w_engagement + m.w_fit;
    cte("scored", "score = weighted mean of the three components",
        "  SELECT s.*, (" + num(m.w_activation) + " * s.activation + " + num(m.w_engagement) + " * s.engagement + " +
            num(m.w_fit) + " * s.fit) / " + num(wsum) + " AS score\n  FROM scores s");
}

// The PQL flag (with the rule), the tier and the grade bands.
void Compiler::graded() {
    const Model& m = m_;
    std::string qualified = "score >= " + num(m.min_score);
    if (m.require_activation) qualified += " AND activated";
    if (m.conversion_event && !m.include_customers) qualified += " AND converted_at IS NULL";  // §7.5
    if (m.rule) qualified += "\n      AND " + rule(*m.rule);
    std::string tier = "NULL";
    if (!m.tiers.empty()) {
        tier = "CASE";
        for (auto& t : m.tiers) tier += " WHEN score >= " + num(t.min_score) + " THEN " + str(t.name);
        tier += " END";
    }
    auto band = [&](const std::vector<Band>& bands, const std::string& column) {
        if (bands.empty()) return std::string("NULL");
        std::string out = "CASE";
        for (auto& b : bands) out += " WHEN " + column + " >= " + num(b.threshold) + " THEN " + str(b.label);
        return out + " END";
    };
    cte("graded", "PQL flag, tier and grade",
        "  SELECT s.*,\n    (" + qualified + ") AS qualified,\n    " + tier + " AS tier,\n    NULLIF(" +
            band(m.fit_grades, "fit") + "\n      || " + band(m.engagement_grades, "engagement") +
            ", '') AS grade\n  FROM scored s");
}

// The header comment, the CTEs and the SELECT of SPEC §4's columns in rank order.
std::string Compiler::final_select() {
    std::string sql = "-- pql model compiled to SQL (" + std::string(d_.name) + "): one row per " +
                      (by_user() ? "user" : "account") + ", in rank order. Tables: docs/sql.md\nWITH\n";
    for (size_t i = 0; i < ctes_.size(); ++i) sql += ctes_[i] + (i + 1 < ctes_.size() ? ",\n" : "\n");
    const std::string I = d_.int_type;
    sql +=
        "SELECT\n"
        "  ROW_NUMBER() OVER (ORDER BY score DESC, " +
        fill(d_.id_order, {"entity_id"}) +
        ") AS rank,\n"
        "  entity_id AS id, name, score, activation, engagement, fit, engagement_points,\n"
        "  CAST(steps_completed AS " +
        I + ") AS steps_completed, activated, " + fill(d_.iso, {"activated_at"}) +
        " AS activated_at,\n"
        "  qualified, tier, grade,\n"
        "  CAST(active_users AS " +
        I + ") AS active_users, CAST(users AS " + I + ") AS users, CAST(events AS " + I +
        ") AS events,\n"
        "  velocity, CAST(days_since_last_seen AS " +
        I +
        ") AS days_since_last_seen,\n"
        "  " +
        fill(d_.iso, {"first_ts"}) + " AS first_seen, " + fill(d_.iso, {"last_ts"}) +
        " AS last_seen\n"
        "FROM graded\nORDER BY rank\n";
    return sql;
}

}  // namespace

std::optional<SqlDialect> parse_sql_dialect(std::string_view name) {
    if (name == "duckdb") return SqlDialect::DuckDB;
    if (name == "postgres" || name == "postgresql") return SqlDialect::Postgres;
    if (name == "spark") return SqlDialect::Spark;
    if (name == "bigquery") return SqlDialect::BigQuery;
    if (name == "snowflake") return SqlDialect::Snowflake;
    return std::nullopt;
}

const char* sql_dialect_name(SqlDialect d) { return kDialects[static_cast<int>(d)].name; }

Status set_sql_column(SqlOptions& o, std::string_view key, std::string_view column) {
    if (column.empty()) return Error{"invalid_argument", "column name for '" + std::string(key) + "' is empty", "", 0};
    const std::string c(column);
    if (key == "timestamp_ms") o.timestamp_column = c;
    else if (key == "account_id") o.account_id_column = c;
    else if (key == "user_id") o.user_id_column = c;
    else if (key == "event") o.event_column = c;
    else if (key == "name") o.name_column = c;
    else if (key.size() > 6 && key.substr(0, 6) == "trait.") o.trait_columns[std::string(key.substr(6))] = c;
    else
        return Error{"invalid_argument",
                     "unknown column '" + std::string(key) +
                         "' (expected timestamp_ms, account_id, user_id, event, name or trait.<name>)",
                     "", 0};
    return Ok{};
}

namespace {

bool leaf_uses_v2(const RuleNode& n, std::string& what) {
    if (n.kind != RuleNode::Leaf) {
        for (auto& c : n.children)
            if (leaf_uses_v2(c, what)) return true;
        return false;
    }
    if (n.window_days) what = "window_days (on \"" + n.metric + "\")";
    else if (n.metric_kind == MetricKind::ActiveDays || n.metric_kind == MetricKind::Sum ||
             n.metric_kind == MetricKind::Persona)
        what = "metric \"" + n.metric + "\"";
    return !what.empty();
}

}  // namespace

// The one place that says which v2 keys (SPEC §7) the compiler cannot compile: signals need event
// properties and personas user traits, neither of which the contract tables carry; the others are
// not compiled yet. Customers (conversion_event) and pql.include_customers are.
std::optional<Error> sql_unsupported(const Model& m) {
    auto err = [](const std::string& path, const std::string& what) {
        return Error{"unsupported",
                     "the SQL compiler cannot compile " + what + " (SPEC §7); score this model with the engine", path,
                     0};
    };
    if (!m.signals.empty()) return err("signals", "signals (event properties)");
    if (!m.personas.empty()) return err("personas", "personas (user traits)");
    if (m.active_events) return err("active", "active.events");
    if (!m.segments.empty()) return err("segments", "segments");
    std::string what;
    if (m.rule && leaf_uses_v2(*m.rule, what)) return err("pql.rule", what);
    return std::nullopt;
}

Result<std::string> compile_sql(const Model& model, const SqlOptions& options) {
    if (auto e = sql_unsupported(model)) return *e;
    if (options.events_table.empty()) return Error{"invalid_argument", "the events table name is empty", "", 0};
    for (const std::string* c : {&options.timestamp_column, &options.account_id_column, &options.user_id_column,
                                 &options.event_column, &options.name_column})
        if (c->empty()) return Error{"invalid_argument", "a column name is empty", "", 0};
    return Compiler(model, options).run();
}

}  // namespace pql
