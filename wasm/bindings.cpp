// The one Embind translation unit: a thin, exception-proof shim over pql::Engine.
//
// The ABI is deliberately small so the JavaScript wrapper (js/index.js) owns the public API:
//  - input text arrives as (pointer, length) into the WASM heap, which the wrapper fills with
//    HEAPU8.set / TextEncoder.encodeInto (no extra copy through an Embind std::string);
//  - every fallible call returns true/false and leaves UTF-8 JSON in one output buffer: the
//    result on success, {code, message, detail, path, line} on failure. The wrapper views it
//    with output() and decodes it with TextDecoder, then release()s it;
//  - no C++ exception ever crosses into JavaScript: each call runs inside guard().
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pql/backtest.hpp"
#include "pql/engine.hpp"
#include "pql/load.hpp"
#include "pql/result.hpp"
#include "pql/sql.hpp"
#include "pql/time.hpp"

namespace {

using Json = nlohmann::ordered_json;

// Core messages may quote input bytes; never let invalid UTF-8 make dump() throw.
std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string error_json(const pql::Error& e) {
    Json j = {{"code", e.code}, {"message", e.describe()}, {"detail", e.message}};
    if (!e.path.empty()) j["path"] = e.path;
    if (e.line > 0) j["line"] = e.line;
    return dump(j);
}

std::string report_json(const pql::LoadReport& r) {
    Json errors = Json::array();
    for (const auto& e : r.errors) errors.push_back({{"line", e.line}, {"message", e.message}});
    Json j = {{"read", r.read},
              {"loaded", r.loaded},
              {"skipped", r.skipped},
              {"duplicates", r.duplicates},
              {"errors", std::move(errors)}};
    // v2 additions, present only when there is something to say (the v1 shape stays as it was).
    if (!r.notes.empty()) j["notes"] = r.notes;
    if (!r.shapes.empty()) j["shapes"] = r.shapes;
    return dump(j);
}

// Load options as the wrapper sends them (JSON text): {"format", "strict", "first_line",
// "account_key", "columns", "time_unit"}; absent keys keep the core's defaults.
std::optional<pql::Error> load_options(const std::string& text, pql::LoadOptions& o) {
    const Json j = Json::parse(text);
    const std::string format = j.value("format", std::string("auto"));
    if (!pql::parse_format(format, o.format))
        return pql::Error{"invalid_argument", "unknown format \"" + format + "\" (auto, jsonl, json, csv)", "format",
                          0};
    o.strict = j.value("strict", false);
    const double first_line = j.value("first_line", 1.0);
    if (first_line >= 1 && first_line < 9e15) o.first_line = static_cast<int64_t>(first_line);
    o.account_key = j.value("account_key", std::string());
    if (j.contains("columns") && j["columns"].is_object())
        for (auto it = j["columns"].begin(); it != j["columns"].end(); ++it)
            o.columns[it.key()] = it.value().get<std::string>();
    const std::string unit = j.value("time_unit", std::string("ms"));
    if (!pql::parse_time_unit(unit, o.time_unit))
        return pql::Error{"invalid_argument", "unknown time_unit \"" + unit + "\" (ms, s)", "time_unit", 0};
    return std::nullopt;
}

// "events", "accounts", "users", "outcomes".
std::optional<pql::LoadKind> load_kind(const std::string& name) {
    if (name == "events") return pql::LoadKind::Events;
    if (name == "accounts") return pql::LoadKind::Accounts;
    if (name == "users") return pql::LoadKind::Users;
    if (name == "outcomes") return pql::LoadKind::Outcomes;
    return std::nullopt;
}

// A JS number (double) to a size_t page bound; negative or huge means "no bound".
size_t to_size(double v) {
    if (!(v >= 0) || v >= static_cast<double>(SIZE_MAX)) return SIZE_MAX;
    return static_cast<size_t>(v);
}

class EngineBinding {
public:
    // ---- loading: whole texts, or a file in pieces (beginLoad, feed..., endLoad) ----
    bool loadEvents(uintptr_t data, size_t size, const std::string& options) {
        return load(data, size, options, &pql::Engine::load_events);
    }
    bool loadAccounts(uintptr_t data, size_t size, const std::string& options) {
        return load(data, size, options, &pql::Engine::load_accounts);
    }
    bool loadOutcomes(uintptr_t data, size_t size, const std::string& options) {
        return load(data, size, options, &pql::Engine::load_outcomes);
    }
    bool loadUsers(uintptr_t data, size_t size, const std::string& options) {
        return load(data, size, options, &pql::Engine::load_users);
    }
    bool beginLoad(const std::string& kind, const std::string& options) {
        return guard([&] {
            const auto k = load_kind(kind);
            if (!k)
                return fail(
                    {"invalid_argument", "unknown kind \"" + kind + "\" (events, accounts, users, outcomes)", "", 0});
            pql::LoadOptions o;
            if (auto e = load_options(options, o)) return fail(*e);
            auto status = engine_.begin_load(*k, o);
            if (!status) return fail(status.error());
            return succeed("null");
        });
    }
    bool feed(uintptr_t data, size_t size) {
        return guard([&] {
            auto status = engine_.feed(std::string_view(reinterpret_cast<const char*>(data), size));
            if (!status) return fail(status.error());
            return succeed("null");
        });
    }
    bool endLoad() {
        return guard([&] {
            auto report = engine_.end_load();
            if (!report) return fail(report.error());
            return succeed(report_json(*report));
        });
    }

    bool setModel(const std::string& json) {
        return guard([&] {
            auto status = engine_.set_model_json(json);
            if (!status) return fail(status.error());
            return succeed("null");
        });
    }
    // One numeric setting of the model (the patch path: no re-parse of the whole model).
    bool setModelNumber(const std::string& path, double value) {
        return guard([&] {
            auto status = engine_.set_model_number(path, value);
            if (!status) return fail(status.error());
            return succeed("null");
        });
    }
    bool model() {
        return guard([&] { return succeed(engine_.model_json()); });
    }
    // as_of as the CLI's --as-of takes it (ISO 8601 or epoch-ms text); "" restores "the latest event".
    bool setAsOf(const std::string& text) {
        return guard([&] {
            if (text.empty()) {
                engine_.set_as_of(std::nullopt);
                return succeed("null");
            }
            const char* why = "not a date";
            auto ms = pql::parse_timestamp(text, &why);
            if (!ms) return fail({"invalid_argument", std::string("as_of: ") + why + " (\"" + text + "\")", "", 0});
            engine_.set_as_of(ms);
            return succeed("null");
        });
    }
    bool score(double offset, double limit) {
        return guard([&] { return succeed(engine_.score_json(to_size(offset), to_size(limit))); });
    }
    // Options as JSON text: {"offset", "limit", "header", "traits", "preset"} (pql/csv.hpp).
    bool scoreCsv(const std::string& options) {
        return guard([&] {
            pql::CsvOptions o;
            const Json j = Json::parse(options);
            int64_t offset = 0, limit = -1;
            if (auto e = whole(j, "offset", offset)) return fail(*e);
            if (auto e = whole(j, "limit", limit)) return fail(*e);
            o.offset = offset < 0 ? 0 : static_cast<size_t>(offset);
            o.limit = limit < 0 ? SIZE_MAX : static_cast<size_t>(limit);
            o.header = j.value("header", true);
            if (j.contains("traits")) o.traits = j["traits"].get<std::vector<std::string>>();
            const std::string preset = j.value("preset", std::string("spec"));
            if (preset == "crm") o.preset = pql::CsvPreset::Crm;
            else if (preset != "spec")
                return fail({"invalid_argument", "preset must be \"spec\" or \"crm\" (got \"" + preset + "\")", "", 0});
            return succeed(engine_.score_csv(o));
        });
    }
    // Options as JSON text (pql/view.hpp): {"offset", "limit", "customers", "qualified_only",
    // "tier", "grade", "segment", "query", "sort", "descending", "select"}.
    bool view(const std::string& options) {
        return guard([&] {
            pql::ViewOptions o;
            const Json j = Json::parse(options);
            int64_t offset = 0, limit = 50;
            if (auto e = whole(j, "offset", offset)) return fail(*e);
            if (auto e = whole(j, "limit", limit)) return fail(*e);
            if (offset < 0) return fail({"invalid_argument", "offset must be 0 or more", "offset", 0});
            if (limit < 0) return fail({"invalid_argument", "limit must be 0 or more", "limit", 0});
            o.offset = static_cast<size_t>(offset);
            o.limit = static_cast<size_t>(limit);
            for (const char* key : {"customers", "qualified_only", "descending"}) {
                if (!j.contains(key) || j[key].is_null()) continue;
                if (!j[key].is_boolean())
                    return fail({"invalid_argument", std::string(key) + " must be true or false", key, 0});
                const bool b = j[key].get<bool>();
                if (std::string_view(key) == "customers") o.customers = b;
                else if (std::string_view(key) == "qualified_only") o.qualified_only = b;
                else o.descending = b;
            }
            for (const char* key : {"tier", "grade", "segment", "query", "sort", "select"}) {
                if (!j.contains(key) || j[key].is_null()) continue;
                if (!j[key].is_string())
                    return fail({"invalid_argument", std::string(key) + " must be a string", key, 0});
                std::string text = j[key].get<std::string>();
                const std::string_view k(key);
                if (k == "tier") o.tier = std::move(text);
                else if (k == "grade") o.grade = std::move(text);
                else if (k == "segment") o.segment = std::move(text);
                else if (k == "query") o.query = std::move(text);
                else if (k == "select") o.select = std::move(text);
                else if (auto sort = pql::view_sort_named(text)) o.sort = *sort;
                else
                    return fail({"invalid_argument", "unknown sort \"" + text + "\" (" + pql::view_sort_names() + ")",
                                 "sort", 0});
            }
            return succeed(engine_.view_json(o));
        });
    }
    bool explain(const std::string& id) {
        return guard([&] {
            auto result = engine_.explain_json(id);
            if (!result) return fail(result.error());
            return succeed(std::move(*result));
        });
    }
    // Scores land in their own buffer; scoresView() then exposes them as a Float64Array.
    bool scores() {
        return guard([&] {
            scores_ = engine_.scores();
            return succeed("null");
        });
    }
    bool clear() {
        return run([&] { engine_.clear(); });
    }
    // Replace by kind: drop one kind, keep the others and the model.
    bool clearEvents() {
        return run([&] { engine_.clear_events(); });
    }
    bool clearAccounts() {
        return run([&] { engine_.clear_accounts(); });
    }
    bool clearUsers() {
        return run([&] { engine_.clear_users(); });
    }
    bool clearOutcomes() {
        return run([&] { engine_.clear_outcomes(); });
    }
    bool schema() {
        return guard([&] { return succeed(pql::Engine::schema_json()); });
    }
    bool catalog() {
        return guard([&] { return succeed(engine_.catalog_json()); });
    }
    // Options arrive as JSON text: {"horizon_days", "as_of", "capacity_per_week", "movers", ...}.
    bool backtest(const std::string& options) {
        return guard([&] {
            pql::BacktestOptions o;
            const Json j = Json::parse(options);
            if (auto e = whole(j, "horizon_days", o.horizon_days)) return fail(*e);
            if (auto e = as_of_option(j, o.as_of)) return fail(*e);
            return result(engine_.backtest_json(o));
        });
    }
    bool suggest(const std::string& options) {
        return guard([&] {
            pql::SuggestOptions o;
            const Json j = Json::parse(options);
            if (auto e = whole(j, "horizon_days", o.horizon_days)) return fail(*e);
            if (auto e = whole(j, "capacity_per_week", o.capacity_per_week)) return fail(*e);
            if (auto e = as_of_option(j, o.as_of)) return fail(*e);
            return result(engine_.suggest_json(o));
        });
    }
    bool compare(const std::string& model_b, const std::string& options) {
        return guard([&] {
            pql::CompareOptions o;
            int64_t movers = static_cast<int64_t>(o.movers);
            if (auto e = whole(Json::parse(options), "movers", movers)) return fail(*e);
            o.movers = static_cast<size_t>(std::max<int64_t>(0, movers));
            const Json j = Json::parse(options);
            if (auto e = whole(j, "horizon_days", o.horizon_days)) return fail(*e);
            if (auto e = as_of_option(j, o.as_of)) return fail(*e);
            return result(engine_.compare_json(model_b, o));
        });
    }
    // {"cohort": "week" | "month", "as_of"}: SPEC §7.8.
    bool funnel(const std::string& options) {
        return guard([&] {
            pql::FunnelOptions o;
            const Json j = Json::parse(options);
            if (j.contains("cohort")) {
                const Json& c = j["cohort"];
                if (c == "month") o.cohort = pql::CohortBy::Month;
                else if (c != "week")
                    return fail({"invalid_argument", "cohort must be \"week\" or \"month\"", "cohort", 0});
            }
            if (auto e = as_of_option(j, o.as_of)) return fail(*e);
            return result(engine_.funnel_json(o));
        });
    }
    bool toSql(const std::string& dialect, const std::string& options) {
        return guard([&] {
            pql::SqlOptions o;
            const auto d = pql::parse_sql_dialect(dialect);
            if (!d)
                return fail({"invalid_argument",
                             "unknown dialect \"" + dialect + "\" (duckdb, postgres, spark, bigquery, snowflake)",
                             "dialect", 0});
            o.dialect = *d;
            const Json j = Json::parse(options);
            o.events_table = j.value("events_table", o.events_table);
            o.accounts_table = j.value("accounts_table", o.accounts_table);
            o.users_table = j.value("users_table", o.users_table);
            if (j.contains("columns") && j["columns"].is_object())
                for (auto it = j["columns"].begin(); it != j["columns"].end(); ++it) {
                    auto st = pql::set_sql_column(o, it.key(), it.value().get<std::string>());
                    if (!st) return fail(st.error());
                }
            if (auto e = as_of_option(j, o.as_of)) return fail(*e);
            return result(pql::compile_sql(engine_.model(), o));
        });
    }

    // A view of the last call's output (valid until the next call into this engine).
    emscripten::val output() const {
        return emscripten::val(
            emscripten::typed_memory_view(out_.size(), reinterpret_cast<const uint8_t*>(out_.data())));
    }
    emscripten::val scoresView() const {
        return emscripten::val(emscripten::typed_memory_view(scores_.size(), scores_.data()));
    }
    // Gives the output buffers' memory back once the wrapper has copied them out.
    void release() {
        std::string().swap(out_);
        std::vector<double>().swap(scores_);
    }

private:
    template <class Fn>
    bool guard(Fn&& fn) noexcept {
        try {
            return fn();
        } catch (const std::bad_alloc&) {
            return fail_noexcept("out_of_memory", "out of memory");
        } catch (const nlohmann::json::exception& e) {
            // Only options objects are parsed here: a wrong type there is the caller's error.
            return fail_noexcept("invalid_argument", e.what());
        } catch (const std::exception& e) { return fail_noexcept("internal", e.what()); } catch (...) {
            return fail_noexcept("internal", "unknown C++ exception");
        }
    }

    bool load(uintptr_t data, size_t size, const std::string& options_json,
              pql::Result<pql::LoadReport> (pql::Engine::*method)(std::string_view, const pql::LoadOptions&)) {
        return guard([&] {
            pql::LoadOptions options;
            if (auto e = load_options(options_json, options)) return fail(*e);
            std::string_view text(reinterpret_cast<const char*>(data), size);
            auto report = (engine_.*method)(text, options);
            if (!report) return fail(report.error());
            return succeed(report_json(*report));
        });
    }

    // A call that returns nothing and reports nothing but failure of the guard itself.
    template <class Fn>
    bool run(Fn&& fn) {
        return guard([&] {
            fn();
            return succeed("null");
        });
    }

    bool result(pql::Result<std::string> r) {
        if (!r) return fail(r.error());
        return succeed(std::move(*r));
    }
    // A whole-number option; absent or null keeps the default. Checked here because a JS number
    // may be 1e300 or 2.5, which must not reach an int64 unchecked.
    static std::optional<pql::Error> whole(const Json& j, const char* key, int64_t& out) {
        if (!j.contains(key) || j[key].is_null()) return std::nullopt;
        const Json& v = j[key];
        const double d = v.is_number() ? v.get<double>() : NAN;
        if (!(d == std::floor(d)) || std::fabs(d) > 9e15)
            return pql::Error{"invalid_argument", std::string(key) + " must be a whole number", key, 0};
        out = static_cast<int64_t>(d);
        return std::nullopt;
    }

    // "as_of": ISO text or epoch ms; absent or null keeps the default.
    static std::optional<pql::Error> as_of_option(const Json& j, std::optional<int64_t>& out) {
        if (!j.contains("as_of") || j["as_of"].is_null()) return std::nullopt;
        const char* why = "not a date";
        std::optional<int64_t> t;
        if (j["as_of"].is_string()) t = pql::parse_timestamp(j["as_of"].get<std::string>(), &why);
        else if (j["as_of"].is_number()) t = pql::timestamp_from_number(j["as_of"].get<double>(), &why);
        if (!t) return pql::Error{"invalid_argument", std::string("as_of: ") + why, "as_of", 0};
        out = t;
        return std::nullopt;
    }

    bool succeed(std::string json) {
        out_ = std::move(json);
        return true;
    }
    bool fail(const pql::Error& e) {
        out_ = error_json(e);
        return false;
    }
    // Used inside catch handlers: drop the old buffers first so the error text fits even
    // after a bad_alloc, and fall back to a fixed code if even that cannot be allocated.
    bool fail_noexcept(const char* code, const char* message) noexcept {
        release();
        try {
            out_ = error_json({code, message, "", 0});
        } catch (...) {
            out_.clear();  // an empty output makes the wrapper report out_of_memory
        }
        return false;
    }

    pql::Engine engine_;
    std::string out_;
    std::vector<double> scores_;
};

// Bytes handed out by malloc and not yet freed: the heap-stability test and memoryUsage().
double heapInUse() { return static_cast<double>(mallinfo().uordblks); }

}  // namespace

EMSCRIPTEN_BINDINGS(pql) {
    using emscripten::class_;
    class_<EngineBinding>("Engine")
        .constructor<>()
        .function("loadEvents", &EngineBinding::loadEvents)
        .function("loadAccounts", &EngineBinding::loadAccounts)
        .function("loadUsers", &EngineBinding::loadUsers)
        .function("setModel", &EngineBinding::setModel)
        .function("setModelNumber", &EngineBinding::setModelNumber)
        .function("model", &EngineBinding::model)
        .function("setAsOf", &EngineBinding::setAsOf)
        .function("score", &EngineBinding::score)
        .function("view", &EngineBinding::view)
        .function("scoreCsv", &EngineBinding::scoreCsv)
        .function("beginLoad", &EngineBinding::beginLoad)
        .function("feed", &EngineBinding::feed)
        .function("endLoad", &EngineBinding::endLoad)
        .function("explain", &EngineBinding::explain)
        .function("scores", &EngineBinding::scores)
        .function("clear", &EngineBinding::clear)
        .function("clearEvents", &EngineBinding::clearEvents)
        .function("clearAccounts", &EngineBinding::clearAccounts)
        .function("clearUsers", &EngineBinding::clearUsers)
        .function("clearOutcomes", &EngineBinding::clearOutcomes)
        .function("loadOutcomes", &EngineBinding::loadOutcomes)
        .function("catalog", &EngineBinding::catalog)
        .function("schema", &EngineBinding::schema)
        .function("backtest", &EngineBinding::backtest)
        .function("suggest", &EngineBinding::suggest)
        .function("compare", &EngineBinding::compare)
        .function("funnel", &EngineBinding::funnel)
        .function("toSql", &EngineBinding::toSql)
        .function("output", &EngineBinding::output)
        .function("scoresView", &EngineBinding::scoresView)
        .function("release", &EngineBinding::release);
    emscripten::function("heapInUse", &heapInUse);
}
