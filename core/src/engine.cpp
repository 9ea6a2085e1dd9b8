#include "pql/engine.hpp"

#include <algorithm>
#include <map>
#include <new>

#include <nlohmann/json.hpp>

#include "pql/time.hpp"

#include "contract_csv.hpp"
#include "evaluation.hpp"
#include "event_store.hpp"
#include "output.hpp"
#include "pql/model.hpp"
#include "pql/model_patch.hpp"
#include "pql/schema.hpp"
#include "ranking_of.hpp"
#include "score.hpp"
#include "score_csv.hpp"
#include "stream_load.hpp"
#include "view.hpp"

namespace pql {

Engine::Engine()
    : store_(std::make_unique<EventStore>()),
      model_(std::make_unique<Model>()),
      scorer_(std::make_unique<Scorer>(*store_)) {
    scorer_->set_outcomes(&outcomes_);
}

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
    } catch (const std::exception& e) { return Error{"internal", e.what(), "", 0}; }
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

Result<LoadReport> Engine::load_users(std::string_view text, const LoadOptions& options) {
    return guarded([&]() -> Result<LoadReport> { return store_->load_users(text, options); });
}

Status Engine::begin_load(LoadKind kind, const LoadOptions& options) {
    if (stream_) return Error{"busy", "a load is already in progress (end_load first)", "", 0};
    const char* what = kind == LoadKind::Events ? "events" : kind == LoadKind::Accounts ? "accounts" : "users";
    if (kind != LoadKind::Outcomes)
        if (std::string bad = check_columns(options.columns, what); !bad.empty())
            return Error{"invalid_option", bad, "", 0};
    return guarded([&]() -> Status {
        stream_ = std::make_unique<StreamLoad>(*store_, kind, options);
        return Ok{};
    });
}

Status Engine::feed(std::string_view bytes) {
    if (!stream_) return Error{"no_load", "no load in progress (begin_load first)", "", 0};
    return guarded([&]() -> Status { return stream_->feed(bytes); });
}

Result<LoadReport> Engine::end_load() {
    if (!stream_) return Error{"no_load", "no load in progress (begin_load first)", "", 0};
    std::unique_ptr<StreamLoad> s = std::move(stream_);
    std::string whole;
    auto r = guarded([&]() -> Result<LoadReport> { return s->finish(whole); });
    if (!r.ok()) return r;
    switch (s->kind()) {
        case LoadKind::Events: events_report_.merge(*r); return r;
        case LoadKind::Accounts: return load_accounts(whole, s->options());
        case LoadKind::Users: return load_users(whole, s->options());
        default: return load_outcomes(whole, s->options());
    }
}

void Engine::clear() {
    stream_.reset();
    store_->clear();
    outcomes_.clear();
    events_report_ = LoadReport{};
    scorer_ = std::make_unique<Scorer>(*store_);
    scorer_->set_outcomes(&outcomes_);
}

void Engine::clear_events() {
    stream_.reset();
    store_->clear_events();
    events_report_ = LoadReport{};
    scorer_ = std::make_unique<Scorer>(*store_);
}

void Engine::clear_accounts() {
    stream_.reset();
    store_->clear_accounts();
    scorer_ = std::make_unique<Scorer>(*store_);
}

void Engine::clear_users() {
    stream_.reset();
    store_->clear_users();
    scorer_ = std::make_unique<Scorer>(*store_);
}

void Engine::clear_outcomes() { outcomes_.clear(); }

Status Engine::set_model_json(std::string_view json) {
    return guarded([&]() -> Status {
        auto m = parse_model(json);
        if (!m.ok()) return m.error();
        *model_ = std::move(*m);
        ++revision_;
        return Ok{};
    });
}

Status Engine::set_model_number(std::string_view path, double value) {
    ++revision_;
    return guarded([&]() -> Status { return pql::set_model_number(*model_, path, value); });
}

std::string Engine::model_json() const { return model_to_json(*model_); }
const Model& Engine::model() const { return *model_; }
void Engine::set_as_of(std::optional<int64_t> as_of_ms) {
    model_->as_of = as_of_ms;
    ++revision_;
}
size_t Engine::events_loaded() const { return store_->size(); }

Ranking Engine::ranking(size_t limit, size_t top_events) {
    const ScoreRun& run = scorer_->score(*model_, limit);
    return ranking_of({*store_, *model_, *scorer_, run}, limit, top_events);
}

std::string Engine::export_contract_csv(ContractTable table) {
    // The scorer's index, brought up to date by a scoring pass (no ranking): the same one the
    // scores come from, and no second build when the model's entity is the table's.
    scorer_->score(*model_, 0);
    const Entity kind = table == ContractTable::Users ? Entity::User : Entity::Account;
    const std::vector<std::string> traits = model_traits(*model_);
    if (scorer_->index().kind == kind) return pql::export_contract_csv(*store_, scorer_->index(), table, traits);
    // A user model's index has no account assignment (events, accounts tables), an account
    // model's no users: that table needs an index by the other entity, at the same as_of.
    const auto other = Index::build(*store_, kind, scorer_->index().as_of);
    return pql::export_contract_csv(*store_, *other, table, traits);
}

std::string Engine::score_json(size_t offset, size_t limit) {
    // Only the page needs ranking order: a partial sort up to its end.
    const size_t page_end = limit >= SIZE_MAX - offset ? SIZE_MAX : offset + limit;
    const ScoreRun& run = scorer_->score(*model_, page_end);
    return score_run_json({*store_, *model_, *scorer_, run}, events_report_, offset, limit);
}

std::string Engine::score_csv(const CsvOptions& options) {
    const size_t page_end = options.limit >= SIZE_MAX - options.offset ? SIZE_MAX : options.offset + options.limit;
    const ScoreRun& run = scorer_->score(*model_, page_end);
    return score_run_csv({*store_, *model_, *scorer_, run}, options);
}

std::string Engine::view_json(const ViewOptions& options) {
    const ScoreRun& run = scorer_->score(*model_);  // filters and sorts need the whole order
    const Index& ix = scorer_->index();
    const RunView v{*store_, *model_, *scorer_, run};
    // Rank movement: a new snapshot when the model, as_of or data changed since the last view
    // and a rank moved; the one before is kept as `previous_` if it ranked the same entities.
    RankSnapshot now;
    now.revision = revision_;
    now.outcomes = outcomes_.rows.size();
    now.store_version = store_->version;
    now.as_of = ix.as_of;
    now.entities = run.results.size();
    if (now.revision != shown_.revision || now.outcomes != shown_.outcomes ||
        now.store_version != shown_.store_version || now.as_of != shown_.as_of) {
        now.rank.assign(now.entities, 0);
        for (size_t i = 0; i < run.results.size(); ++i) now.rank[run.results[i].entity] = static_cast<uint32_t>(i + 1);
        const bool same_entities =
            shown_.store_version == now.store_version && shown_.as_of == now.as_of && shown_.entities == now.entities;
        if (!same_entities) previous_ = RankSnapshot{};
        else if (shown_.rank != now.rank) previous_ = std::move(shown_);
        shown_ = std::move(now);
    }
    const ViewSelection selection = select_view(v, options);
    return pql::view_json(v, events_report_, selection, options, previous_.rank);
}

Result<Explanation> Engine::explain(std::string_view id) {
    const ScoreRun& run = scorer_->score(*model_);
    const Index& ix = scorer_->index();
    for (size_t i = 0; i < run.results.size(); ++i)
        if (ix.id_of(*store_, ix.entities[run.results[i].entity]) == id)
            return explanation_of({*store_, *model_, *scorer_, run}, i);
    return Error{"not_found", "no ranked entity with id \"" + std::string(id) + "\"", "", 0};
}

Result<std::string> Engine::explain_json(std::string_view id) {
    auto x = explain(id);
    if (!x) return x.error();
    return explanation_json(*x);
}

Result<LoadReport> Engine::load_outcomes(std::string_view text, const LoadOptions& options) {
    return guarded([&]() -> Result<LoadReport> { return outcomes_.load(text, options); });
}

Result<Backtest> Engine::backtest(const BacktestOptions& options) {
    return guarded([&]() -> Result<Backtest> { return pql::backtest(*store_, *model_, outcomes_, options); });
}

Result<std::string> Engine::backtest_json(const BacktestOptions& options) {
    return guarded([&]() -> Result<std::string> { return pql::backtest_json(*store_, *model_, outcomes_, options); });
}

Result<Suggestions> Engine::suggest(const SuggestOptions& options) {
    return guarded([&]() -> Result<Suggestions> { return pql::suggest(*store_, *model_, outcomes_, options); });
}

Result<std::string> Engine::suggest_json(const SuggestOptions& options) {
    return guarded([&]() -> Result<std::string> { return pql::suggest_json(*store_, *model_, outcomes_, options); });
}

Result<FunnelReport> Engine::funnel(const FunnelOptions& options) {
    return guarded([&]() -> Result<FunnelReport> { return pql::funnel(*store_, *model_, outcomes_, options); });
}

Result<std::string> Engine::funnel_json(const FunnelOptions& options) {
    return guarded([&]() -> Result<std::string> { return pql::funnel_json(*store_, *model_, outcomes_, options); });
}

Result<Comparison> Engine::compare(std::string_view model_b_json, const CompareOptions& options) {
    return guarded([&]() -> Result<Comparison> {
        auto b = parse_model(model_b_json);
        if (!b.ok()) return b.error();
        return pql::compare(*scorer_, *store_, *model_, *b, outcomes_, options);  // A is ranked already
    });
}

Result<std::string> Engine::compare_json(std::string_view model_b_json, const CompareOptions& options) {
    return guarded([&]() -> Result<std::string> {
        auto c = compare(model_b_json, options);
        if (!c) return c.error();
        return comparison_json(*c);
    });
}

std::string Engine::catalog_json() const {
    using oj = nlohmann::ordered_json;
    const EventStore& s = *store_;
    std::vector<int64_t> counts(s.event_names.size(), 0);
    for (uint32_t k : s.type) ++counts[k];
    std::vector<std::pair<std::string, int64_t>> events;
    for (uint32_t k = 0; k < counts.size(); ++k) events.emplace_back(s.event_names.name(k), counts[k]);
    std::sort(events.begin(), events.end());
    oj j;
    j["events"] = oj::array();
    for (auto& [name, n] : events) j["events"].push_back({{"event", name}, {"count", n}});
    // Traits from every source, with up to 20 distinct example values each.
    std::map<std::string, std::vector<oj>> traits;
    auto note = [&](const Traits& t) {
        for (auto& [k, v] : t) {
            auto& vals = traits[k];
            oj x = std::visit([](auto&& a) { return oj(a); }, v);
            if (vals.size() < 20 && std::find(vals.begin(), vals.end(), x) == vals.end()) vals.push_back(x);
        }
    };
    for (auto& a : s.accounts) note(a.traits);
    for (auto& g : s.groups) note(g.traits);
    for (auto& i : s.identifies) note(i.traits);
    for (auto& u : s.users) note(u.traits);
    j["traits"] = oj::array();
    for (auto& [k, vals] : traits) j["traits"].push_back({{"trait", k}, {"examples", vals}});
    // Event properties (SPEC §6.4, v2 addition): each key with the events that have it and up to
    // 10 distinct example values (from the first million pairs).
    std::vector<int64_t> with(s.property_keys.size(), 0);
    std::vector<std::vector<oj>> examples(s.property_keys.size());
    for (size_t p = 0; p < s.prop_key.size(); ++p) {
        const uint32_t key = s.prop_key[p] & EventStore::kPropKeyMask;
        ++with[key];
        if (p >= 1000000 || examples[key].size() >= 10) continue;
        const PropertyView v = s.view(static_cast<uint32_t>(p));
        oj x = v.kind == PropertyView::Number ? oj(v.number)
               : v.kind == PropertyView::Bool ? oj(v.boolean)
                                              : oj(std::string(v.text));
        if (std::find(examples[key].begin(), examples[key].end(), x) == examples[key].end())
            examples[key].push_back(std::move(x));
    }
    // Per key, the event types that carry it (the signal editor offers a type's own properties).
    std::vector<std::vector<uint32_t>> key_types(s.property_keys.size());
    if (!s.prop_begin.empty())
        for (size_t ev = 0; ev + 1 < s.prop_begin.size() && ev < s.type.size(); ++ev)
            for (uint32_t p = s.prop_begin[ev]; p < s.prop_begin[ev + 1]; ++p) {
                std::vector<uint32_t>& t = key_types[s.prop_key[p] & EventStore::kPropKeyMask];
                if (std::find(t.begin(), t.end(), s.type[ev]) == t.end()) t.push_back(s.type[ev]);
            }
    std::vector<uint32_t> keys(s.property_keys.size());
    for (uint32_t k = 0; k < keys.size(); ++k) keys[k] = k;
    std::sort(keys.begin(), keys.end(),
              [&](uint32_t a, uint32_t b) { return s.property_keys.name(a) < s.property_keys.name(b); });
    j["properties"] = oj::array();
    for (uint32_t k : keys) {
        std::vector<std::string> types;
        for (uint32_t t : key_types[k]) types.push_back(s.event_names.name(t));
        std::sort(types.begin(), types.end());
        j["properties"].push_back({{"property", s.property_keys.name(k)},
                                   {"events", with[k]},
                                   {"examples", examples[k]},
                                   {"event_types", types}});
    }
    j["first_event"] = s.size() ? oj(format_iso(*std::min_element(s.ts.begin(), s.ts.end()))) : oj(nullptr);
    j["last_event"] = s.max_ts ? oj(format_iso(*s.max_ts)) : oj(nullptr);
    j["events_loaded"] = s.size();
    j["accounts"] = s.account_ids.size();
    j["users"] = s.user_ids.size();
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

std::string Engine::schema_json() { return pql::schema_json(); }

std::vector<double> Engine::scores() {
    const ScoreRun& run = scorer_->score(*model_);
    std::vector<double> out;
    out.reserve(run.results.size());
    for (auto& r : run.results) out.push_back(r.score);
    return out;
}

}  // namespace pql
