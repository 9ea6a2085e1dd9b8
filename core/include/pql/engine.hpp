// The one facade the CLI and the WASM binding use: load once, set models, score many times.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pql/backtest.hpp"
#include "pql/comparison.hpp"
#include "pql/csv.hpp"
#include "pql/explanation.hpp"
#include "pql/funnel.hpp"
#include "pql/load.hpp"
#include "pql/ranking.hpp"
#include "pql/result.hpp"
#include "pql/sql.hpp"
#include "pql/suggestions.hpp"
#include "pql/view.hpp"

namespace pql {

class EventStore;
struct Model;
class Scorer;
class StreamLoad;

enum class LoadKind { Events, Accounts, Users, Outcomes };

class Engine {
public:
    Engine();
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Appends events; on a strict failure nothing of this text is kept.
    Result<LoadReport> load_events(std::string_view text, const LoadOptions& options = {});
    Result<LoadReport> load_accounts(std::string_view text, const LoadOptions& options = {});
    // User traits (SPEC §6.3): {"user_id", "traits"} or Mixpanel profiles; merged over traits
    // from events (the file wins).
    Result<LoadReport> load_users(std::string_view text, const LoadOptions& options = {});
    // A load in pieces of any size (SPEC §6.1: a file decompressed or read as it streams):
    // begin, feed bytes as they come (a partial row is kept for the next piece; events are loaded
    // every ~4 MiB, so the text is never held whole), end. Errors name lines of the whole file.
    // An error from feed ends the load; end_load then returns it. Another begin_load, or any
    // other load, while one is open: code "busy".
    Status begin_load(LoadKind kind, const LoadOptions& options = {});
    Status feed(std::string_view bytes);
    Result<LoadReport> end_load();
    bool loading() const { return stream_ != nullptr; }
    // Drops events and accounts, keeps the model.
    void clear();
    // Replace by kind: drop one kind of loaded data, keep the rest and the model; then the next
    // load of that kind replaces it. The engine is then as if only the rest had been loaded.
    // A streamed load in progress (begin_load) is abandoned by the first three.
    void clear_events();    // events with their properties, group/identify calls, diagnostics
    void clear_accounts();  // what load_accounts loaded
    void clear_users();     // what load_users loaded
    void clear_outcomes();  // what load_outcomes loaded

    // Parses and validates; on error the previous model stays (code "invalid_model").
    Status set_model_json(std::string_view json);
    // One numeric setting changed in place (a slider: "engagement.events.x.weight",
    // "pql.min_score", ...; see model_patch.hpp), validated like set_model_json; on error the
    // model stays.
    Status set_model_number(std::string_view path, double value);
    // The current model as canonical JSON (every default filled in).
    std::string model_json() const;
    const Model& model() const;
    // Replaces the model's as_of (epoch ms), or restores "latest event" with nullopt.
    void set_as_of(std::optional<int64_t> as_of_ms);

    // SPEC §4 machine output, results paged [offset, offset+limit).
    std::string score_json(size_t offset = 0, size_t limit = SIZE_MAX);
    // The same ranking as CSV for CRM/spreadsheet import (pql/csv.hpp: columns, quoting, the
    // formula guard); the CLI's --format csv and the JS scoreCsv() both write these bytes.
    std::string score_csv(const CsvOptions& options = {});
    // A page of the ranking as a list view shows it (pql/view.hpp): filtered and sorted, with
    // the population's histogram, grade matrix, tier and segment counts, and each row's rank
    // before the last change of model, as_of or data (`previous_rank`). The JSON is
    // score_json's head and rows plus "population", "shown", "offset", "selected".
    std::string view_json(const ViewOptions& options);
    // The explanation of one entity (code "not_found" when it is not ranked), as structs and as
    // SPEC §4 JSON (explanation_json of the same struct).
    Result<Explanation> explain(std::string_view id);
    Result<std::string> explain_json(std::string_view id);
    // Every ranked entity's score, in rank order.
    std::vector<double> scores();

    // Conversions for backtests, besides the model's conversion_event (appends).
    Result<LoadReport> load_outcomes(std::string_view text, const LoadOptions& options = {});
    // SPEC §5 machine output, at options.as_of (or the model's as_of, or the latest event minus
    // the horizon).
    Result<Backtest> backtest(const BacktestOptions& options);
    Result<std::string> backtest_json(const BacktestOptions& options);  // backtest() as SPEC §5 JSON
    // Activation steps, weights, capacity threshold and fit rules learnt from the conversions
    // (pql/suggestions.hpp), as structs and as JSON (suggestions_json of the same struct).
    Result<Suggestions> suggest(const SuggestOptions& options);
    Result<std::string> suggest_json(const SuggestOptions& options);
    // SPEC §7.8 lifecycle report at options.as_of (or the model's as_of, or the latest event).
    Result<FunnelReport> funnel(const FunnelOptions& options);
    Result<std::string> funnel_json(const FunnelOptions& options);
    // The current model (A) against model B (JSON text; code "invalid_model" when it is not one)
    // on the same data (pql/comparison.hpp), as structs and as JSON (comparison_json).
    Result<Comparison> compare(std::string_view model_b_json, const CompareOptions& options = {});
    Result<std::string> compare_json(std::string_view model_b_json, const CompareOptions& options = {});

    // What the loaded data holds, for pickers: event types with counts, traits with sample
    // values, the time range and the number of accounts and users.
    std::string catalog_json() const;
    // What a model may say (pql/schema.hpp): ops, metric forms, decay shapes, the default model.
    static std::string schema_json();

    // Diagnostics of all event loads since the last clear().
    const LoadReport& events_report() const { return events_report_; }
    // Events held (0: nothing to score).
    size_t events_loaded() const;

    // The first `limit` rows of the ranking as structs, each with its `top_events` strongest
    // event types (pql/ranking.hpp), for renderers that draw their own table.
    Ranking ranking(size_t limit = SIZE_MAX, size_t top_events = 3);
    // Loaded data as one SQL contract table (pql/sql.hpp), at the model's as_of.
    std::string export_contract_csv(ContractTable table);

private:
    // Tests, benchmarks and fuzz targets reach the store and the scorer through this
    // (core/src/engine_internals.hpp); the public API never hands them out.
    friend struct EngineInternals;

    std::unique_ptr<EventStore> store_;
    std::unique_ptr<Model> model_;
    std::unique_ptr<Scorer> scorer_;
    Outcomes outcomes_;
    LoadReport events_report_;
    std::unique_ptr<StreamLoad> stream_;
    // Rank movement for view_json: ranks by entity at the last view (`shown_`) and before the
    // change that preceded it (`previous_`), valid while the index holds the same entities.
    uint64_t revision_ = 0;  // bumped by every change of model, as_of or data
    struct RankSnapshot {
        uint64_t revision = UINT64_MAX, store_version = 0;
        size_t outcomes = 0;  // outcome rows: a new outcomes file can make customers
        int64_t as_of = 0;
        size_t entities = 0;
        std::vector<uint32_t> rank;  // by entity, 1-based
    } shown_, previous_;
};

}  // namespace pql
