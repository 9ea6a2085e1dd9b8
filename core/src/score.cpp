// Re-scoring from the Index. Three layers, each recomputed only when its inputs change:
// the index (data, as_of, entity kind), the decayed figures (decay, half-lives, window, caps),
// and the scores (weights, steps, fit, rule, tiers, grades).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "conversions.hpp"
#include "portable_math.hpp"
#include "pql/time.hpp"
#include "score.hpp"

namespace pql {

int64_t Scorer::as_of_for(const Model& model) const {
    if (model.as_of) return *model.as_of;
    return store_.max_ts ? *store_.max_ts : 0;
}

void Scorer::ensure_index(const Model& model) {
    const int64_t T = as_of_for(model);
    appended_ = false;
    if (index_ && index_->kind == model.entity) {
        if (index_->store_version == store_.version && index_->as_of == T) return;
        const uint32_t ents0 = static_cast<uint32_t>(index_->entities.size());
        if (index_->append(store_, T, delta_)) {
            appended_ = true;
            first_new_entity_ = ents0;
            ++stats.index_appends;
            return;
        }
    }
    index_.reset();  // the old index's memory goes before the new one is built
    index_ = Index::build(store_, model.entity, T);
    clear_layers();
    ++stats.index_builds;
}

// Every layer computed from the index's type stats is redone on the next run.
void Scorer::clear_layers() {
    figures_key_.clear();
    counts_window_.reset();
    steps_key_.clear();
    fit_key_.clear();
    act_key_.clear();
    counts_key_.clear();
    conv_key_.clear();
    persona_key_.clear();
    figures_.clear();
}

namespace {

void put_bytes(std::string& k, const void* p, size_t n) { k.append(static_cast<const char*>(p), n); }

void put_test(std::string& k, const TraitTest& t) {
    put_bytes(k, &t.op, sizeof t.op);
    const size_t n = t.values.size();
    put_bytes(k, &n, sizeof n);
    for (auto& v : t.values) {
        const size_t which = v.index();
        put_bytes(k, &which, sizeof which);
        if (auto str = std::get_if<std::string>(&v)) {
            const size_t len = str->size();
            put_bytes(k, &len, sizeof len);
            k += *str;
        } else if (auto d = std::get_if<double>(&v)) {
            put_bytes(k, d, sizeof *d);
        } else {
            k.push_back(std::get<bool>(v) ? 1 : 0);
        }
    }
}

void put_string(std::string& k, const std::string& s) {
    const size_t len = s.size();
    put_bytes(k, &len, sizeof len);
    k += s;
}

void put_conditions(std::string& k, const std::vector<Condition>& cs) {
    const size_t n = cs.size();
    put_bytes(k, &n, sizeof n);
    for (auto& c : cs) {
        put_string(k, c.key);
        put_test(k, c.test);
    }
}

}  // namespace

// The signals' part of the index (§7.1): rebuilt when the model's signals change, without
// rebuilding the event types' part; every layer above it is then redone.
void Scorer::ensure_signals(const Model& model) {
    std::string key;
    for (auto& sig : model.signals) {
        put_string(key, sig.name);
        put_string(key, sig.event);
        put_conditions(key, sig.where);
    }
    Index& ix = *index_;
    shadowed_.assign(store_.event_names.size(), 0);
    for (auto& sig : model.signals)
        if (auto k = store_.event_names.find(sig.name)) shadowed_[*k] = 1;
    if (key == ix.signals_key) return;
    std::vector<SignalFilter> filters;
    for (auto& sig : model.signals) {
        SignalFilter f;
        f.any = sig.event == "*";
        if (!f.any)
            if (auto k = store_.event_names.find(sig.event)) f.type = *k;
        for (auto& c : sig.where) f.where.emplace_back(store_.property_key(c.key), &c.test);
        filters.push_back(std::move(f));
    }
    if (filters.empty()) ix.drop_signals();
    else ix.build_signals(store_, filters);
    ix.signals_key = std::move(key);
    clear_layers();
    ++stats.signal_builds;
}

size_t Scorer::ntypes() const {
    return index_->nsignals ? index_->sig_base + index_->nsignals : store_.event_names.size();
}

std::optional<uint32_t> Scorer::type_id(const Model& model, const std::string& name) const {
    if (index_->nsignals)
        for (size_t i = 0; i < model.signals.size() && i < index_->nsignals; ++i)
            if (model.signals[i].name == name) return index_->sig_base + static_cast<uint32_t>(i);
    return store_.event_names.find(name);
}

std::string Scorer::type_name(const Model& model, uint32_t type) const {
    if (is_signal(type)) return model.signals.at(type - index_->sig_base).name;
    return store_.event_names.name(type);
}

namespace {

// Everything the decay layer depends on, as one comparable key.
std::string figures_key(const Model& m) {
    std::string k;
    auto put = [&](const void* p, size_t n) { k.append(static_cast<const char*>(p), n); };
    put(&m.decay, sizeof m.decay);
    put(&m.half_life_days, sizeof m.half_life_days);
    put(&m.window_days, sizeof m.window_days);
    for (auto& [name, s] : m.events) {
        if (!s.cap && !s.half_life_days) continue;
        k += name;
        k.push_back('\0');
        const double cap = s.cap ? *s.cap : -1, hl = s.half_life_days ? *s.half_life_days : -1;
        put(&cap, sizeof cap);
        put(&hl, sizeof hl);
    }
    return k;
}

}  // namespace

void Scorer::ensure_figures(const Model& model) {
    std::string key = figures_key(model);
    const Index& ix = *index_;
    const uint32_t window = static_cast<uint32_t>(std::min<int64_t>(model.window_days, UINT32_MAX));
    // The tables cover the ages that occur, not the whole window (which may be 10^12 days).
    const uint32_t ages = ix.cells.empty() ? 0 : std::min(window, ix.max_age + 1);
    // Event types first seen in appended rows keep the defaults unless the model sets their cap
    // or half-life (then the tables are redone).
    bool new_type_set = false;
    for (size_t k = table_of_.size(); k < store_.event_names.size() && !new_type_set; ++k) {
        auto it = model.events.find(store_.event_names.name(static_cast<uint32_t>(k)));
        new_type_set = it != model.events.end() && (it->second.cap || it->second.half_life_days);
    }
    if (key == figures_key_ && ages <= table_ages_ && !new_type_set) {
        if (appended_) {  // only the type stats of entities the appended rows touched
            figures_.resize(ix.types.size());
            hot_.resize(ix.types.size());
            decay_pending_.resize(ix.types.size(), 0);
            for (auto [from, to] : delta_.moved) {
                figures_[to] = figures_[from];
                hot_[to] = hot_[from];
                decay_pending_[to] = decay_pending_[from];
            }
            for (uint32_t t : delta_.types) {
                compute_figures(model, t);
                decay_pending_[t] = 0;
            }
        }
        if (figures_.size() == ix.types.size()) {
            complete_decay(&weighted_);  // a type given a weight since its sum was left out
            return;
        }
    }
    ++stats.decay_passes;

    // Per event type: decay table over the ages in the window, and the cap.
    table_ages_ = ages;
    tables_.clear();
    table_of_.clear();
    cap_of_.clear();
    std::unordered_map<double, int> table_for_half_life;
    auto make_table = [&](double h) {
        std::vector<double> t(ages);
        for (uint32_t a = 0; a < ages; ++a) {
            if (model.decay == Decay::Exponential) t[a] = exp2_portable(-static_cast<double>(a) / h);
            else if (model.decay == Decay::Linear)
                t[a] = 1.0 - static_cast<double>(a) / static_cast<double>(model.window_days);
            else t[a] = 1.0;
        }
        tables_.push_back(std::move(t));
        return static_cast<int>(tables_.size() - 1);
    };
    table_for_half_life[model.half_life_days] = make_table(model.half_life_days);
    const size_t ntypes = this->ntypes();
    table_of_.assign(ntypes, 0);
    cap_of_.assign(ntypes, HUGE_VAL);
    for (auto& [name, setting] : model.events) {
        if (!setting.cap && !setting.half_life_days) continue;
        auto k = type_id(model, name);
        if (!k) continue;
        if (setting.cap) cap_of_[*k] = *setting.cap;
        if (setting.half_life_days && model.decay == Decay::Exponential) {
            const double h = *setting.half_life_days;
            auto t = table_for_half_life.find(h);
            table_of_[*k] = t != table_for_half_life.end() ? t->second : (table_for_half_life[h] = make_table(h));
        }
    }

    // The counts (in the window, recent, previous, users) depend on the window alone: a change of
    // half-life, decay or cap redoes only the decayed sums.
    decay_pending_.assign(ix.types.size(), 0);
    decay_pending_any_ = false;
    if (counts_window_ == window && !appended_ && figures_.size() == ix.types.size()) {
        decay_weighted_ = weighted_;
        for (uint32_t t = 0; t < ix.types.size(); ++t) {
            const uint32_t k = ix.types[t].type;
#if defined(__GNUC__) || defined(__clang__)
            // The weighted types' cells are read in runs with gaps (the unweighted ones between),
            // which the hardware prefetcher follows badly: ask for the cells a few stats ahead.
            if (t + 4 < ix.types.size()) __builtin_prefetch(ix.cells.data() + ix.types[t + 4].cells_begin);
#endif
            if (!weighted_[k]) {
                decay_pending_[t] = 1;
                decay_pending_any_ = true;
            } else {
                compute_decay(t);
            }
        }
    } else {
        figures_.assign(ix.types.size(), TypeFigures{});
        hot_.resize(ix.types.size());
        for (uint32_t t = 0; t < ix.types.size(); ++t) compute_figures(model, t);
        counts_window_ = window;
    }
    figures_key_ = std::move(key);
}

namespace {

// The decayed sum of cells [b, e): two accumulators, one for the even and one for the odd
// positions, so that each addition does not wait for the one before (the half-life re-rank is
// mostly this loop). compute_figures and compute_decay both sum through it: the same bits.
inline double decayed_sum(const Index::Cell* b, const Index::Cell* e, const double* f) {
    double c0 = 0, c1 = 0;
    for (; e - b >= 2; b += 2) {
        c0 += b[0].count * f[b[0].age];
        c1 += b[1].count * f[b[1].age];
    }
    if (b < e) c0 += b->count * f[b->age];
    return c0 + c1;
}

}  // namespace

// The decayed sum as compute_figures makes it, counts untouched: over the cells compute_figures
// found in the window (the window has not changed when this runs).
void Scorer::compute_decay(uint32_t t) const {
    const Index& ix = *index_;
    const Index::TypeStat& ts = ix.types[t];
    const Index::Cell* cells = ix.cells.data() + ts.cells_begin;
    const double c = decayed_sum(cells, cells + figures_[t].window_cells, tables_[table_of_[ts.type]].data());
    figures_[t].decayed = c;
    figures_[t].capped = hot_[t].capped = std::min(c, cap_of_[ts.type]);
}

// The pending decayed sums of the type stats whose type is now weighted (`weighted`), or all.
void Scorer::complete_decay(const std::vector<uint8_t>* weighted) const {
    if (!decay_pending_any_) return;
    // Nothing to do while the weighted set is the one the marks were made for.
    if (weighted && *weighted == decay_weighted_) return;
    const Index& ix = *index_;
    bool left = false;
    for (uint32_t t = 0; t < ix.types.size(); ++t) {
        if (!decay_pending_[t]) continue;
        if (!weighted || (*weighted)[ix.types[t].type]) {
            compute_decay(t);
            decay_pending_[t] = 0;
        } else {
            left = true;
        }
    }
    decay_pending_any_ = left;
}

const std::vector<TypeFigures>& Scorer::figures() const {
    complete_decay(nullptr);
    return figures_;
}

const TypeFigures& Scorer::figure(uint32_t t) const {
    if (decay_pending_any_ && decay_pending_[t]) {
        compute_decay(t);
        decay_pending_[t] = 0;
    }
    return figures_[t];
}

void Scorer::compute_figures(const Model& model, uint32_t t) {
    const Index& ix = *index_;
    const uint32_t window = static_cast<uint32_t>(std::min<int64_t>(model.window_days, UINT32_MAX));
    const Index::TypeStat& ts = ix.types[t];
    if (ts.type >= table_of_.size()) {  // interned after the tables were made: defaults
        table_of_.resize(ts.type + 1, 0);
        cap_of_.resize(ts.type + 1, HUGE_VAL);
    }
    const std::vector<double>& f = tables_[table_of_[ts.type]];
    TypeFigures& out = figures_[t];
    out = TypeFigures{};
    uint32_t in_window = 0, recent = 0, previous = 0;  // locals: no aliasing with the cells
    uint32_t i = ts.cells_begin;
    for (; i < ts.cells_end; ++i) {
        const Index::Cell& cell = ix.cells[i];
        if (cell.age >= window) break;  // cells ascend in age
        in_window += cell.count;
        // Branch-free: the ages of a type's cells follow no pattern a predictor could learn.
        recent += cell.age < 7 ? cell.count : 0;
        previous += cell.age - 7u < 7u ? cell.count : 0;
    }
    out.window_cells = i - ts.cells_begin;
    const double c = decayed_sum(ix.cells.data() + ts.cells_begin, ix.cells.data() + i, f.data());
    out.in_window = in_window;
    out.recent = recent;
    out.previous = previous;
    out.decayed = c;
    out.capped = std::min(c, cap_of_[ts.type]);
    for (uint32_t u = ts.users_begin; u < ts.users_end; ++u)
        if (ix.type_users[u].min_age < window) ++out.users_in_window;
    hot_[t] = {out.capped, static_cast<double>(recent), static_cast<double>(previous), ts.type, in_window};
}

namespace {

// Everything the activation layer depends on: each step's event and thresholds.
std::string steps_key(const Model& m) {
    std::string k;
    for (auto& st : m.steps) {
        k += st.event;
        k.push_back('\0');
        put_bytes(k, &st.min_count, sizeof st.min_count);
        put_bytes(k, &st.min_users, sizeof st.min_users);
    }
    return k;
}

// Everything the fit layer depends on: each rule's trait and test (not its points).
std::string fit_key(const Model& m) {
    std::string k;
    for (auto& r : m.rules) {
        k += r.trait;
        k.push_back('\0');
        put_test(k, r.test);
        if (!r.persona.empty()) {  // the persona's definition too (its counts: ensure_personas)
            put_string(k, r.persona);
            if (auto* pe = m.persona(r.persona)) put_conditions(k, pe->conditions);
        }
    }
    return k;
}

// The time of an entity's k-th event (1-based) over all its types: the first event's time is
// kept in the aggregate; otherwise a k-step merge of the per-type runs (each ascending in time)
// instead of gathering and selecting over every event of the entity.
int64_t kth_event_time(const EventStore& store, const Index& ix, const Index::EntityAgg& ent, int64_t k) {
    if (k <= 1) return ent.first_ts;
    auto ts = [&](uint32_t pos) { return store.ts[ix.order[pos]]; };
    struct Head {
        int64_t t;
        uint32_t pos, end;
    };
    std::vector<Head> heap;
    heap.reserve(ent.types_end - ent.types_begin);
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
        const Index::TypeStat& st = ix.types[t];
        heap.push_back({ts(st.order_begin), st.order_begin, st.order_begin + st.total});
    }
    auto later = [](const Head& a, const Head& b) { return a.t > b.t; };
    std::make_heap(heap.begin(), heap.end(), later);
    for (int64_t i = 1; i < k; ++i) {
        std::pop_heap(heap.begin(), heap.end(), later);
        Head& h = heap.back();
        if (++h.pos < h.end) {
            h.t = ts(h.pos);
            std::push_heap(heap.begin(), heap.end(), later);
        } else {
            heap.pop_back();
        }
    }
    return heap.front().t;
}

}  // namespace

// When each step became met, per entity (INT64_MAX: not met). Depends on the steps' events and
// thresholds only, so weight, decay and fit changes reuse it.
void Scorer::compute_steps(const Model& model, uint32_t e) {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    const size_t nsteps = model.steps.size();
    int64_t* step_done = step_done_.data() + static_cast<size_t>(e) * nsteps;
    std::vector<int64_t>& times = scratch_times_;  // first-use times (for min_users)
    for (size_t si = 0; si < nsteps; ++si) {
        const Step& st = model.steps[si];
        step_done[si] = INT64_MAX;
        int64_t count_time = INT64_MIN, users_time = INT64_MIN;
        if (step_types_[si].any) {
            if (st.min_count > 0) {
                if (ent.total < st.min_count) continue;
                count_time = kth_event_time(store_, ix, ent, st.min_count);
            }
            if (st.min_users > 0) {
                if (ent.users_end - ent.users_begin < st.min_users) continue;
                times.clear();
                for (uint32_t u = ent.users_begin; u < ent.users_end; ++u) times.push_back(ix.entity_users[u].first_ts);
                std::nth_element(times.begin(), times.begin() + (st.min_users - 1), times.end());
                users_time = times[st.min_users - 1];
            }
        } else {
            const Index::TypeStat* ts = step_types_[si].type != kNone ? ix.stat_of(ent, step_types_[si].type) : nullptr;
            const int64_t total = ts ? ts->total : 0;
            const int64_t nusers = ts ? ts->users_end - ts->users_begin : 0;
            if (total < st.min_count || nusers < st.min_users) continue;
            if (st.min_count > 0) count_time = store_.ts[ix.order[ts->order_begin + st.min_count - 1]];
            if (st.min_users > 0) {
                times.clear();
                for (uint32_t u = ts->users_begin; u < ts->users_end; ++u) times.push_back(ix.type_users[u].first_ts);
                std::nth_element(times.begin(), times.begin() + (st.min_users - 1), times.end());
                users_time = times[st.min_users - 1];
            }
        }
        // A step with no thresholds is met from the entity's first event.
        step_done[si] = std::max({count_time, users_time, ent.first_ts});
    }
}

void Scorer::ensure_steps(const Model& model) {
    std::string key = steps_key(model);
    const size_t m = index_->entities.size();
    if (key == steps_key_ && appended_) {
        // A step event first seen in the appended rows can only be met by entities they touched.
        for (size_t si = 0; si < model.steps.size(); ++si)
            if (!step_types_[si].any && step_types_[si].type == kNone)
                if (auto k = type_id(model, model.steps[si].event)) step_types_[si].type = *k;
        step_done_.resize(m * model.steps.size(), INT64_MAX);
        for (uint32_t e : delta_.entities) compute_steps(model, e);
    }
    if (key == steps_key_ && step_done_.size() == m * model.steps.size()) return;
    step_types_.clear();
    for (auto& st : model.steps) {
        auto k = type_id(model, st.event);
        step_types_.push_back({k ? *k : kNone, st.event == "*"});
    }
    step_done_.assign(m * model.steps.size(), INT64_MAX);
    for (uint32_t e = 0; e < m; ++e) compute_steps(model, e);
    steps_key_ = std::move(key);
}

// Which fit rules match, per entity. Depends on the rules' traits and tests, not their points.
void Scorer::compute_fit(const Model& model, uint32_t e) {
    const size_t nrules = model.rules.size();
    const Traits& traits = index_->entities[e].traits;
    for (size_t ri = 0; ri < nrules; ++ri) {
        const FitRule& rule = model.rules[ri];
        if (!rule.persona.empty()) {  // §7.4: the count of matching users, compared as a number
            size_t pi = 0;
            while (model.personas[pi].name != rule.persona) ++pi;
            const Value n = static_cast<double>(persona_count_[static_cast<size_t>(e) * model.personas.size() + pi]);
            rule_match_[e * nrules + ri] = rule.test.matches(&n);
            continue;
        }
        auto it = traits.find(rule.trait);
        rule_match_[e * nrules + ri] = rule.test.matches(it == traits.end() ? nullptr : &it->second);
    }
}

// Brings a per-entity layer up to date for `key`. With the key it was made for and after an
// in-place append, only the entities the append touched (new ones included) are redone; with
// another key, or when `stale`, every entity. score() calls every layer on each run, so a
// layer is always as long as the index's entities were before an append.
template <class T, class Compute>
void Scorer::refresh_layer(std::vector<T>& layer, std::string& layer_key, std::string key, bool stale,
                           Compute&& compute) {
    const size_t m = index_->entities.size();
    const bool same = !stale && key == layer_key;
    if (same && appended_ && layer.size() <= m) {
        layer.resize(m);
        for (uint32_t e : delta_.entities) compute(e);
    }
    if (same && layer.size() == m) return;
    layer.resize(m);
    for (uint32_t e = 0; e < m; ++e) compute(e);
    layer_key = std::move(key);
}

void Scorer::ensure_fit(const Model& model) {
    std::string key = fit_key(model);
    // Persona counts move with every load; trait matches only with an index build.
    const bool personas = has_persona_rules(model);
    if (personas) put_bytes(key, &store_.version, sizeof store_.version);
    const size_t m = index_->entities.size(), nrules = model.rules.size();
    if (key == fit_key_ && appended_) {  // appends change no traits: only new entities
        rule_match_.resize(m * nrules, 0);
        for (uint32_t e = first_new_entity_; e < m; ++e) compute_fit(model, e);
    }
    bool redo = false;  // the matches changed: every entity's fit with them
    if (key != fit_key_ || rule_match_.size() != m * nrules) {
        rule_match_.assign(m * nrules, 0);
        for (uint32_t e = 0; e < m; ++e) compute_fit(model, e);
        fit_key_ = std::move(key);
        redo = true;
    }

    // Fit per entity: the points of the rules it matches over the positive points.
    std::string points_key;
    double positive = 0;
    for (auto& r : model.rules) {
        put_bytes(points_key, &r.points, sizeof r.points);
        if (r.points > 0) positive += r.points;
    }
    auto fit_of = [&](uint32_t e) {
        const uint8_t* match = rule_match_.data() + static_cast<size_t>(e) * nrules;
        double matched = 0;
        for (size_t ri = 0; ri < nrules; ++ri)
            if (match[ri]) matched += model.rules[ri].points;
        fit_[e] = positive <= 0 ? 100.0 : std::clamp(100.0 * matched / positive, 0.0, 100.0);
    };
    refresh_layer(fit_, fit_points_key_, std::move(points_key), redo, fit_of);
}

// Activation per entity from the step times: depends on the steps, their weights and `required`.
void Scorer::ensure_activation(const Model& model) {
    std::string key = steps_key_;
    for (auto& st : model.steps) put_bytes(key, &st.weight, sizeof st.weight);
    put_bytes(key, &model.required, sizeof model.required);
    const size_t nsteps = model.steps.size();
    double total = 0;
    for (auto& st : model.steps) total += st.weight;
    std::vector<int64_t> done;
    auto compute = [&](uint32_t e) {
        const int64_t* step_done = step_done_.data() + static_cast<size_t>(e) * nsteps;
        Act& a = act_[e];
        a = Act{};
        double met_weight = 0;
        for (size_t si = 0; si < nsteps; ++si)
            if (step_done[si] != INT64_MAX) {
                met_weight += model.steps[si].weight;
                ++a.steps_completed;
            }
        a.activation = nsteps == 0 || total <= 0 ? 100.0 : 100.0 * met_weight / total;
        a.activated = a.steps_completed >= model.required;
        if (a.activated) {
            a.has_at = true;
            if (model.required == 0) {
                a.activated_at = index_->entities[e].first_ts;
            } else {
                done.clear();
                for (size_t si = 0; si < nsteps; ++si)
                    if (step_done[si] != INT64_MAX) done.push_back(step_done[si]);
                std::nth_element(done.begin(), done.begin() + (model.required - 1), done.end());
                a.activated_at = done[model.required - 1];
            }
        }
    };
    refresh_layer(act_, act_key_, std::move(key), false, compute);
}

// Events, users and active users in the window, per entity.
void Scorer::ensure_counts(const Model& model) {
    std::string key;  // (the index: a rebuild clears counts_key_)
    put_bytes(key, &model.window_days, sizeof model.window_days);
    put_bytes(key, &model.active_days, sizeof model.active_days);
    const Index& ix = *index_;
    const int64_t dayT = day_of(ix.as_of);
    put_bytes(key, &dayT, sizeof dayT);
    // §7.3: with active.events, active users and the last active day come from those types only.
    active_type_.clear();
    if (model.active_events) {
        active_type_.assign(ntypes(), 0);
        for (auto& name : *model.active_events)
            if (auto k = type_id(model, name)) active_type_[*k] = 1;
    }
    if (model.active_events)
        for (auto& name : *model.active_events) {
            key += name;
            key.push_back('\0');
        }
    const uint32_t active_window = static_cast<uint32_t>(std::min<int64_t>(model.active_days, UINT32_MAX));
    auto compute = [&](uint32_t e) {
        const Index::EntityAgg& ent = ix.entities[e];
        Counts& c = counts_[e];
        c = Counts{};
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) c.events += hot_[t].in_window;
        for (uint32_t u = ent.users_begin; u < ent.users_end; ++u) {
            const uint32_t age = ix.entity_users[u].min_age;
            if (age < static_cast<uint64_t>(model.window_days)) ++c.users;
            if (!model.active_events && age < static_cast<uint64_t>(model.active_days)) ++c.active_users;
        }
        c.days_since_last_seen = dayT - day_of(ent.last_ts);
        if (model.active_events) {
            const auto stats = active_stats(ent);
            c.active_users = users_in(stats, 0, active_window);
            uint32_t last = UINT32_MAX;  // the youngest active cell
            for (auto* ts : stats)
                if (ts->cells_end > ts->cells_begin) last = std::min(last, ix.cells[ts->cells_begin].age);
            c.days_since_last_seen = last != UINT32_MAX ? last : dayT - day_of(ent.first_ts);
        }
    };
    refresh_layer(counts_, counts_key_, std::move(key), false, compute);
}

// §7.4: which users match each persona (user traits as of T), and per entity how many do.
void Scorer::ensure_personas(const Model& model) {
    std::string key;
    for (auto& pe : model.personas) {
        put_string(key, pe.name);
        put_conditions(key, pe.conditions);
    }
    put_bytes(key, &store_.version, sizeof store_.version);
    const Index& ix = *index_;
    const size_t np = model.personas.size(), m = ix.entities.size();
    if (key == persona_key_ && persona_count_.size() == m * np) return;
    persona_key_ = std::move(key);
    user_persona_.clear();
    persona_count_.assign(m * np, 0);
    if (!np) return;
    const std::vector<Traits> traits = store_.user_traits_all(ix.as_of);
    user_persona_.assign(store_.user_ids.size() * np, 0);
    for (size_t u = 0; u < store_.user_ids.size(); ++u)
        for (size_t p = 0; p < np; ++p) {
            bool all = true;
            for (auto& c : model.personas[p].conditions) {
                const Value* v = nullptr;
                if (u < traits.size()) {
                    auto it = traits[u].find(c.key);
                    if (it != traits[u].end()) v = &it->second;
                }
                if (!c.test.matches(v)) {
                    all = false;
                    break;
                }
            }
            user_persona_[u * np + p] = all;
        }
    for (uint32_t e = 0; e < m; ++e)
        for (size_t p = 0; p < np; ++p)
            persona_count_[e * np + p] = static_cast<uint32_t>(persona_count(e, p, INT64_MAX));
}

bool Scorer::user_matches_persona(uint32_t user, size_t persona) const {
    const size_t np =
        persona_count_.empty() || index_->entities.empty() ? 0 : persona_count_.size() / index_->entities.size();
    const size_t i = static_cast<size_t>(user) * np + persona;
    return np && i < user_persona_.size() && user_persona_[i];
}

int64_t Scorer::persona_count(uint32_t e, size_t persona, int64_t until) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    int64_t n = 0;
    for (uint32_t u = ent.users_begin; u < ent.users_end; ++u)
        if (ix.entity_users[u].first_ts <= until && user_matches_persona(ix.entity_users[u].user, persona)) ++n;
    return n;
}

// §7.5: each entity's conversion (conversion_event or the outcomes file), earliest first.
void Scorer::ensure_customers(const Model& model) {
    std::string key;
    const size_t rows = outcomes_ ? outcomes_->rows.size() : 0;
    const size_t m = index_->entities.size();
    if (model.conversion_event || rows) {
        key = model.conversion_event ? "e" + *model.conversion_event : "-";
        put_bytes(key, &rows, sizeof rows);
        put_bytes(key, &store_.version, sizeof store_.version);
    }
    if (key == conv_key_ && conv_.size() == m) return;
    conv_key_ = key;
    if (key.empty()) {
        conv_.assign(m, INT64_MAX);
        return;
    }
    static const Outcomes none;
    conv_ = conversion_times(store_, model, outcomes_ ? *outcomes_ : none, *index_);
}

const ScoreRun& Scorer::score(const Model& model, size_t want_ranked) {
    ensure_index(model);
    ensure_signals(model);
    ensure_personas(model);
    ensure_customers(model);
    // Weights per event type and signal (§7.1: default_weight never applies to a signal, and an
    // event type a signal shadows counts only through it); the figures layer sums the decay of
    // the weighted types first.
    const size_t ntypes = this->ntypes();
    std::vector<double>& weight = weight_;
    weight.assign(ntypes, model.default_weight);
    for (size_t k = store_.event_names.size(); k < ntypes; ++k) weight[k] = 0;
    for (size_t k = 0; k < shadowed_.size() && k < ntypes; ++k)
        if (shadowed_[k]) weight[k] = 0;
    for (auto& [name, s] : model.events)
        if (auto k = type_id(model, name)) weight[*k] = s.weight ? *s.weight : model.default_weight;
    weighted_.resize(ntypes);
    for (size_t k = 0; k < ntypes; ++k) weighted_[k] = weight[k] != 0;
    ensure_figures(model);
    ensure_steps(model);
    ensure_fit(model);
    ensure_activation(model);
    ensure_counts(model);
    ++stats.score_passes;
    const Index& ix = *index_;
    const size_t m = ix.entities.size();

    const double wsum = model.w_activation + model.w_engagement + model.w_fit;
    // The rules' event types resolved once.
    leaf_types_.clear();
    if (model.rule) resolve_leaves(model, *model.rule);
    for (auto& [name, rule] : model.segments) resolve_leaves(model, rule);

    run_.as_of = ix.as_of;
    run_.unassigned = ix.unassigned;
    run_.qualified = 0;
    run_.customers = 0;
    run_.segment_counts.assign(model.segments.size(), 0);
    run_.results.resize(m);  // keeps the buffer between runs
    for (uint32_t e = 0; e < m; ++e) {
        const Index::EntityAgg& ent = ix.entities[e];
        EntityScore& r = run_.results[e];  // every field is set below (no clearing pass)
        r.entity = e;
        // Engagement and velocity: the only part a weight change reaches.
        double E = 0, R = 0, P = 0;
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
            const Hot& f = hot_[t];
            const double w = weight[f.type];
            E += w * f.capped;
            R += w * f.recent;
            P += w * f.previous;
        }
        for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) {  // signals (§7.1)
            const Hot& f = hot_[t];
            const double w = weight[f.type];
            E += w * f.capped;
            R += w * f.recent;
            P += w * f.previous;
        }
        r.engagement_points = E;
        r.engagement = E <= 0 ? 0.0 : 100.0 * E / (E + model.saturation);
        r.velocity = (R - P) / std::max(std::fabs(P), 1.0);
        const Counts& c = counts_[e];
        r.events = c.events;
        r.users = c.users;
        r.active_users = c.active_users;
        r.days_since_last_seen = c.days_since_last_seen;

        const Act& a = act_[e];
        r.activation = a.activation;
        r.steps_completed = a.steps_completed;
        r.activated = a.activated;
        r.activated_at = a.has_at ? std::optional<int64_t>(a.activated_at) : std::nullopt;
        r.fit = fit_[e];

        r.score = (model.w_activation * r.activation + model.w_engagement * r.engagement + model.w_fit * r.fit) / wsum;

        r.shift = 0;
        r.converted_at = conv_[e] <= ix.as_of ? conv_[e] : INT64_MAX;
        if (r.customer()) ++run_.customers;
        r.qualified = qualifies(model, r);
        r.segments = 0;
        if (r.qualified)
            for (size_t i = 0; i < model.segments.size(); ++i)
                if (evaluate(model, r, model.segments[i].second)) {
                    r.segments |= uint64_t{1} << i;
                    ++run_.segment_counts[i];
                }
        r.tier = -1;
        for (size_t t = 0; t < model.tiers.size(); ++t)
            if (r.score >= model.tiers[t].min_score) {
                r.tier = static_cast<int>(t);
                break;
            }
        r.fit_band = r.engagement_band = -1;
        for (size_t b = 0; b < model.fit_grades.size(); ++b)
            if (r.fit >= model.fit_grades[b].threshold) {
                r.fit_band = static_cast<int>(b);
                break;
            }
        for (size_t b = 0; b < model.engagement_grades.size(); ++b)
            if (r.engagement >= model.engagement_grades[b].threshold) {
                r.engagement_band = static_cast<int>(b);
                break;
            }
        if (r.qualified) ++run_.qualified;
    }
    leaf_types_.clear();  // valid for this model only

    rank(want_ranked);
    return run_;
}

// SPEC §3 "Qualified" with §7.5: a customer qualifies only with pql.include_customers.
bool Scorer::qualifies(const Model& model, const EntityScore& r) const {
    return r.score >= model.min_score && (r.activated || !model.require_activation) &&
           (!r.customer() || model.include_customers) && (!model.rule || evaluate(model, r, *model.rule));
}

}  // namespace pql
