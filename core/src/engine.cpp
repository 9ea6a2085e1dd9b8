#include "pql/engine.hpp"

#include <new>

#include "pql/event_store.hpp"
#include "pql/model.hpp"
#include "pql/output.hpp"
#include "pql/score.hpp"

namespace pql {

Engine::Engine()
    : store_(std::make_unique<EventStore>()), model_(std::make_unique<Model>()),
      scorer_(std::make_unique<Scorer>(*store_)) {}

Engine::~Engine() = default;

namespace {

// The core's only catch-all: running out of memory (natively or at the WASM heap's maximum)
// becomes an error value, and the engine keeps what it had.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const std::bad_alloc&) {
        return Error{"out_of_memory", "out of memory", "", 0};
    } catch (const std::exception& e) {
        return Error{"internal", e.what(), "", 0};
    }
}

}  // namespace

Result<LoadReport> Engine::load_events(std::string_view text, const LoadOptions& options) {
    auto r = guarded([&]() -> Result<LoadReport> { return store_->load_events(text, options); });
    if (r.ok()) events_report_.merge(*r);
    return r;
}

Result<LoadReport> Engine::load_accounts(std::string_view text, const LoadOptions& options) {
    return guarded([&]() -> Result<LoadReport> { return store_->load_accounts(text, options); });
}

void Engine::clear() {
    store_->clear();
    outcomes_.clear();
    events_report_ = LoadReport{};
    scorer_ = std::make_unique<Scorer>(*store_);
}

Status Engine::set_model_json(std::string_view json) {
    return guarded([&]() -> Status {
        auto m = parse_model(json);
        if (!m.ok()) return m.error();
        *model_ = std::move(*m);
        return Ok{};
    });
}

std::string Engine::model_json() const { return model_to_json(*model_); }
const Model& Engine::model() const { return *model_; }
void Engine::set_as_of(std::optional<int64_t> as_of_ms) { model_->as_of = as_of_ms; }
Scorer& Engine::scorer() { return *scorer_; }

std::string Engine::score_json(size_t offset, size_t limit) {
    const ScoreRun& run = scorer_->score(*model_);
    return score_run_json({*store_, *model_, *scorer_, run}, events_report_, offset, limit);
}

Result<std::string> Engine::explain_json(std::string_view id) {
    const ScoreRun& run = scorer_->score(*model_);
    const Index& ix = scorer_->index();
    for (size_t i = 0; i < run.results.size(); ++i)
        if (ix.id_of(*store_, ix.entities[run.results[i].entity]) == id)
            return explanation_json({*store_, *model_, *scorer_, run}, i);
    return Error{"not_found", "no ranked entity with id \"" + std::string(id) + "\"", "", 0};
}

Result<LoadReport> Engine::load_outcomes(std::string_view text, const LoadOptions& options) {
    return guarded([&]() -> Result<LoadReport> { return outcomes_.load(text, options); });
}

Result<std::string> Engine::backtest_json(const BacktestOptions& options) {
    return guarded([&]() -> Result<std::string> { return pql::backtest_json(*store_, *model_, outcomes_, options); });
}

Result<std::string> Engine::suggest_json(const SuggestOptions& options) {
    return guarded([&]() -> Result<std::string> { return pql::suggest_json(*store_, *model_, outcomes_, options); });
}

Result<std::string> Engine::compare_json(std::string_view model_b_json, const CompareOptions& options) {
    return guarded([&]() -> Result<std::string> {
        auto b = parse_model(model_b_json);
        if (!b.ok()) return b.error();
        return pql::compare_json(*store_, *model_, *b, options);
    });
}

std::vector<double> Engine::scores() {
    const ScoreRun& run = scorer_->score(*model_);
    std::vector<double> out;
    out.reserve(run.results.size());
    for (auto& r : run.results) out.push_back(r.score);
    return out;
}

}  // namespace pql
