// PQL since (SPEC §7.7): when an entity's current qualified streak began and when it first
// qualified. An entity is evaluated at the end of an earlier day from the index built for as_of:
// an event on or before day d has age >= day(T) - d, so the day's figures are the cells from that
// age on, re-aged; steps became met at known times (the activation layer). Only the entity asked
// about is evaluated, one day at a time, stopping as soon as the answer is known; a slider move
// costs nothing until a row is shown.
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "pql/backtest.hpp"
#include "pql/time.hpp"
#include "score.hpp"

namespace pql {

// How far back PQL since looks (docs/model.md): ten years, beyond any product-usage export.
constexpr int64_t kSinceLookbackDays = 3660;
// Day figures kept at most (each ~ types x 24 bytes): a funnel over every entity clears it.
constexpr size_t kDayCacheLimit = 40000;

int64_t Scorer::day_end(uint32_t shift) const {
    if (shift == 0) return index_->as_of;
    return (day_of(index_->as_of) - static_cast<int64_t>(shift) + 1) * kDayMs - 1;
}

// Fit as of `until`: trait matches as of as_of (documented), persona counts of the users seen
// by then.
double Scorer::fit_at(const Model& model, uint32_t e, int64_t until) const {
    const bool personas = has_persona_rules(model);
    if (!personas || until >= index_->as_of) return fit_[e];
    const size_t nrules = model.rules.size();
    double matched = 0, positive = 0;
    for (size_t ri = 0; ri < nrules; ++ri) {
        const FitRule& r = model.rules[ri];
        if (r.points > 0) positive += r.points;
        bool match = rule_match_[static_cast<size_t>(e) * nrules + ri];
        if (!r.persona.empty()) {
            size_t pi = 0;
            while (model.personas[pi].name != r.persona) ++pi;
            const Value n = static_cast<double>(persona_count(e, pi, until));
            match = r.test.matches(&n);
        }
        if (match) matched += r.points;
    }
    return positive <= 0 ? 100.0 : std::clamp(100.0 * matched / positive, 0.0, 100.0);
}

// Per type (event types, then signals): suffix sums over its cells (ascending age) of the count
// and of the decay numerator, so that a day's in-window figures are two look-ups; per user the
// distinct ages of their events (all, and active ones), so that a day's users are a cursor step
// each. Built once per entity into one reused set of flat arrays (a half-life change rebuilds
// the sweeps of the rows shown: no allocation per row), then each day costs O(types + users).
struct Scorer::DaySweep {
    struct Type {
        const Index::TypeStat* ts;
        bool real;
        bool direct;                               // exponential decay too steep for 2^(-age/h) terms: sum directly
        double h = 0;                              // half-life (exponential)
        const std::vector<double>* pow = nullptr;  // 2^(-age/h) by age (exponential, not direct)
        uint32_t cells = 0, n = 0;                 // its cell ages: ages[cells, cells + n)
        uint32_t sums = 0;                         // its suffix sums: count / weighted[sums, sums + n + 1)
        // Where the last day's window edges fell among its n ages (lo, hi, recent, previous):
        // since walks the days one after the other, each edge moves by about a cell, not a search.
        mutable size_t edge[4] = {0, 0, 0, 0};
    };
    std::vector<Type> types;
    std::vector<uint32_t> ages;    // cell ages, ascending within each type
    std::vector<double> count;     // suffix sums of counts
    std::vector<double> weighted;  // exponential: c * 2^(-age/h); linear: c * age
    DayNeeds needs;
    const UserDays* users = nullptr;  // null: users, active users and days since last seen not needed
    // Per user, where the last day's first age >= lo fell in UserDays' all and active ages.
    mutable std::vector<uint32_t> user_pos;
};

namespace {

// The first position in ages[0, n) whose age is >= `age`, walked from where the last day left
// `pos` (a day next to the last one moves it by a cell or two; any other day is still found,
// just slower).
template <class Pos>
inline Pos seek(const uint32_t* ages, Pos n, Pos& pos, uint32_t age) {
    if (pos > n) pos = n;
    while (pos > 0 && ages[pos - 1] >= age) --pos;
    while (pos < n && ages[pos] < age) ++pos;
    return pos;
}

// Which of a day's figures the rule reads beyond engagement (leaves with their own window count
// from the index instead): each user's event days are the day sweep's costliest part and its
// whole set-up; events need every event type swept, weighted or not; velocity two more edges.
void add_needs(const RuleNode& n, DayNeeds& needs) {
    if (n.kind != RuleNode::Leaf) {
        for (auto& c : n.children) add_needs(c, needs);
        return;
    }
    switch (n.metric_kind) {
        case MetricKind::DaysSinceLastSeen: needs.users = true; break;
        case MetricKind::Users:
        case MetricKind::ActiveUsers: needs.users = needs.users || !n.window_days; break;
        case MetricKind::Events: needs.events = needs.events || !n.window_days; break;
        case MetricKind::Velocity: needs.velocity = true; break;
        default: break;
    }
}

}  // namespace

// Per user (slot), distinct ages ascending: ages[begin[u], begin[u + 1]). Depends on the index
// and the active events only, so it is kept across re-scores (a slider move reuses it).
struct Scorer::UserDays {
    struct Ages {
        std::vector<uint32_t> begin, ages;
    } all, active;
};

Scorer::Scorer(const EventStore& store) : store_(store) {}
Scorer::~Scorer() = default;

bool Scorer::swept(uint32_t t, bool real, const DayNeeds& needs) const {
    return weighted_[index_->types[t].type] || (real && needs.events);
}

void Scorer::make_sweep(const Model& model, uint32_t e, const DayNeeds& needs, DaySweep& sw) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    sw.needs = needs;
    sw.types.clear();
    sw.ages.clear();
    sw.count.clear();
    sw.weighted.clear();
    auto add = [&](uint32_t t, bool real) {
        const Index::TypeStat& ts = ix.types[t];
        DaySweep::Type ty;
        ty.ts = &ts;
        ty.real = real;
        ty.h = model.half_life_of(type_name(model, ts.type));
        const uint32_t n = ts.cells_end - ts.cells_begin;
        const uint32_t oldest = n ? ix.cells[ts.cells_end - 1].age : 0;
        ty.direct = model.decay == Decay::Exponential && static_cast<double>(oldest) / ty.h > 900;
        if (model.decay == Decay::Exponential && !ty.direct) {
            // One table per half-life, grown to the oldest age a sweep reads: this type's oldest
            // cell (a day's lo is at most that age when the type has cells in its window). Not
            // to the index's oldest age: one stray old event elsewhere made that millions of
            // exp2 calls per scorer (the fuzz targets' fresh scorers paid it on every input).
            auto& table = pow_tables_[ty.h];
            if (table.size() <= oldest)
                for (uint32_t a = static_cast<uint32_t>(table.size()); a <= oldest; ++a)
                    table.push_back(exp2_portable(-static_cast<double>(a) / ty.h));
            ty.pow = &table;
        }
        ty.n = n;
        ty.cells = static_cast<uint32_t>(sw.ages.size());
        ty.sums = static_cast<uint32_t>(sw.count.size());
        sw.ages.resize(sw.ages.size() + n);
        sw.count.resize(sw.count.size() + n + 1);
        sw.weighted.resize(sw.weighted.size() + n + 1);
        uint32_t* ages = sw.ages.data() + ty.cells;
        double* count = sw.count.data() + ty.sums;
        double* weighted = sw.weighted.data() + ty.sums;
        count[n] = weighted[n] = 0;
        for (uint32_t i = n; i-- > 0;) {
            const Index::Cell& c = ix.cells[ts.cells_begin + i];
            ages[i] = c.age;
            count[i] = count[i + 1] + c.count;
            const double w = model.decay == Decay::Exponential ? (ty.direct ? 0 : c.count * (*ty.pow)[c.age])
                                                               : static_cast<double>(c.count) * c.age;
            weighted[i] = weighted[i + 1] + w;
        }
        sw.types.push_back(ty);
    };
    // Only what the day's score and rule read: the weighted types (a weight of 0 adds nothing),
    // and every event type when the rule counts events.
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        if (swept(t, true, needs)) add(t, true);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t)
        if (swept(t, false, needs)) add(t, false);
    sw.users = needs.users ? &user_days(model, e) : nullptr;
    sw.user_pos.clear();
    if (sw.users) {
        const size_t nu = sw.users->all.begin.size() - 1;
        sw.user_pos.resize(2 * nu);
        for (size_t u = 0; u < nu; ++u) {
            sw.user_pos[2 * u] = sw.users->all.begin[u];
            sw.user_pos[2 * u + 1] = sw.users->active.begin[u];
        }
    }
}

const Scorer::UserDays& Scorer::user_days(const Model& model, uint32_t e) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    std::string key = std::to_string(stats.index_builds) + "/" + std::to_string(stats.index_appends) + "/" +
                      std::to_string(stats.signal_builds) + "/" + std::to_string(store_.version) + "/";
    if (model.active_events)
        for (auto& name : *model.active_events) key += name + '\0';
    if (key != user_days_key_ || user_days_.size() != ix.entities.size()) {
        user_days_.clear();
        user_days_.resize(ix.entities.size());
        user_days_key_ = std::move(key);
    }
    if (user_days_[e]) return *user_days_[e];
    user_days_[e] = std::make_unique<UserDays>();
    UserDays& ud = *user_days_[e];
    // Users: each one's distinct event ages, all events and active ones. Within a type's run
    // (ascending time) a user's ages only decrease, so a repeat of the last one is skipped before
    // sorting: the sort sees (user, type, day) triples, not events.
    const uint32_t nu = ent.users_end - ent.users_begin;
    if (user_slot_.size() < store_.user_ids.size()) user_slot_.resize(store_.user_ids.size(), 0);
    for (uint32_t u = 0; u < nu; ++u)
        user_slot_[ix.entity_users[ent.users_begin + u].user] = u;  // only this entity's are read
    const int64_t dayT = day_of(ix.as_of);
    std::vector<uint32_t> last(nu);
    std::vector<uint64_t> keys;
    auto build = [&](const std::vector<const Index::TypeStat*>& stats, UserDays::Ages& out) {
        keys.clear();
        for (auto* ts : stats) {
            std::fill(last.begin(), last.end(), UINT32_MAX);
            for (uint32_t p = ts->order_begin; p < ts->order_begin + ts->total; ++p) {
                const uint32_t ev = ix.order[p];
                const uint32_t slot = user_slot_[store_.user[ev]];
                const uint32_t age = static_cast<uint32_t>(dayT - day_of(store_.ts[ev]));
                if (last[slot] == age) continue;
                last[slot] = age;
                keys.push_back(static_cast<uint64_t>(slot) << 32 | age);
            }
        }
        std::sort(keys.begin(), keys.end());
        keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
        out.begin.assign(nu + 1, 0);
        out.ages.resize(keys.size());
        for (size_t i = 0; i < keys.size(); ++i) {
            out.ages[i] = static_cast<uint32_t>(keys[i]);
            ++out.begin[(keys[i] >> 32) + 1];
        }
        for (uint32_t u = 0; u < nu; ++u) out.begin[u + 1] += out.begin[u];
    };
    build(real_stats(ent), ud.all);
    build(active_stats(ent), ud.active);
    return ud;
}

// A day's figures that no weight, threshold, rule, step or fit setting changes: per type its
// capped decayed count and its counts of the last two weeks, and the day's users. Kept per
// (entity, day) while the decay, windows, caps and data stay (DayCache), so that a weight or
// threshold change re-evaluates a row's days by dot products instead of sweeping its cells.
struct Scorer::DayFigures {
    // Where its per-type figures begin in the pool they were written to: per type of the entity
    // (its event types, then its signals, in the index's order) the capped decayed count, the
    // count of the last 7 days and the count of the 7 before; one block of three per type.
    size_t per_type = 0;
    int64_t events = 0, users = 0, active_users = 0, days_since_last_seen = 0;
};

struct Scorer::DayCache {
    std::string key;                                // figures_key() of the model and the data they were worked out for
    std::unordered_map<uint64_t, DayFigures> days;  // (entity << 32 | shift)
    std::vector<double> pool;                       // the days' per-type figures, one block after another
    void clear() {
        days.clear();
        pool.clear();
    }
};

namespace {

// The model with every setting the day figures do not depend on set to a fixed value: two
// models with the same key give the same figures (an omission here only costs cache hits).
std::string figures_key(const Model& model) {
    Model m = model;
    for (auto& [name, ev] : m.events) ev.weight.reset();
    m.default_weight = 0;
    m.w_activation = m.w_engagement = m.w_fit = 1;
    m.saturation = 1;
    m.min_score = 0;
    m.require_activation = false;
    m.include_customers = false;
    m.rule.reset();
    m.segments.clear();
    m.tiers.clear();
    m.fit_grades.clear();
    m.engagement_grades.clear();
    m.steps.clear();
    m.required = 0;
    m.rules.clear();
    m.personas.clear();
    m.limits.clear();
    m.conversion_event.reset();
    return model_to_json(m);
}

}  // namespace

Scorer::DayFigures Scorer::day_figures(const Model& model, uint32_t e, uint32_t shift, const DaySweep& sw,
                                       std::vector<double>& pool) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    const int64_t dayT = day_of(ix.as_of);
    DayFigures f;
    const uint32_t lo = shift;
    const uint32_t hi =
        static_cast<uint32_t>(std::min<int64_t>(static_cast<int64_t>(lo) + model.window_days, UINT32_MAX));
    const uint32_t recent_end = std::min<uint32_t>(hi, lo + 7), previous_end = std::min<uint32_t>(hi, lo + 14);
    f.per_type = pool.size();
    pool.resize(pool.size() + 3 * sw.types.size());
    double* out = pool.data() + f.per_type;
    for (auto& ty : sw.types) {
        const uint32_t* ages = sw.ages.data() + ty.cells;
        const double* count = sw.count.data() + ty.sums;
        const double* weighted = sw.weighted.data() + ty.sums;
        const size_t n_cells = ty.n;
        const size_t i0 = seek(ages, n_cells, ty.edge[0], lo), i1 = seek(ages, n_cells, ty.edge[1], hi);
        const double n = count[i0] - count[i1];
        if (ty.real && sw.needs.events) f.events += static_cast<int64_t>(n);
        double c;
        if (model.decay == Decay::None) {
            c = n;
        } else if (model.decay == Decay::Linear) {
            c = n * (1.0 + static_cast<double>(lo) / model.window_days) -
                (weighted[i0] - weighted[i1]) / model.window_days;
        } else if (i0 == i1) {
            c = 0;
        } else if (!ty.direct) {  // this type has a cell aged lo or more: 2^(-lo/h) > 2^-900
            c = (weighted[i0] - weighted[i1]) / (*ty.pow)[lo];
        } else {
            c = 0;
            for (size_t i = i0; i < i1; ++i)
                c += (count[i] - count[i + 1]) * exp2_portable(-static_cast<double>(ages[i] - lo) / ty.h);
        }
        out[0] = std::min(c, cap_of_[ty.ts->type]);
        if (sw.needs.velocity) {
            const size_t r1 = seek(ages, n_cells, ty.edge[2], recent_end);
            const size_t p1 = seek(ages, n_cells, ty.edge[3], previous_end);
            out[1] = count[i0] - count[r1];
            out[2] = count[r1] - count[p1];
        } else {
            out[1] = out[2] = 0;
        }
        out += 3;
    }
    if (!sw.users) return f;
    const uint32_t active_hi =
        static_cast<uint32_t>(std::min<int64_t>(static_cast<int64_t>(lo) + model.active_days, UINT32_MAX));
    uint32_t last = UINT32_MAX;
    const UserDays& ud = *sw.users;
    const size_t nu = ud.all.begin.size() - 1;
    for (size_t u = 0; u < nu; ++u) {
        // Each user's first age >= lo, walked from the last day's like the types' edges.
        const uint32_t a0 = ud.all.begin[u], na = ud.all.begin[u + 1] - a0;
        uint32_t ia = sw.user_pos[2 * u] - a0;
        seek(ud.all.ages.data() + a0, na, ia, lo);
        sw.user_pos[2 * u] = a0 + ia;
        if (ia != na && ud.all.ages[a0 + ia] < hi) ++f.users;
        const uint32_t b0 = ud.active.begin[u], nb = ud.active.begin[u + 1] - b0;
        uint32_t ib = sw.user_pos[2 * u + 1] - b0;
        seek(ud.active.ages.data() + b0, nb, ib, lo);
        sw.user_pos[2 * u + 1] = b0 + ib;
        if (ib != nb) {
            const uint32_t age = ud.active.ages[b0 + ib];
            if (age < active_hi) ++f.active_users;
            last = std::min(last, age - lo);
        }
    }
    f.days_since_last_seen = last != UINT32_MAX ? last : dayT - lo - day_of(ent.first_ts);
    return f;
}

EntityScore Scorer::score_from(const Model& model, uint32_t e, uint32_t shift, const DayNeeds& needs,
                               const DayFigures& f, const double* per_type) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    const int64_t until = day_end(shift);
    EntityScore r;
    r.entity = e;
    r.shift = shift;
    double E = 0, R = 0, P = 0;
    const double* x = per_type;
    auto add = [&](uint32_t t) {  // the same types in the same order as make_sweep's
        const double w = weight_[ix.types[t].type];
        E += w * x[0];
        R += w * x[1];
        P += w * x[2];
        x += 3;
    };
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        if (swept(t, true, needs)) add(t);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t)
        if (swept(t, false, needs)) add(t);
    r.engagement_points = E;
    r.engagement = E <= 0 ? 0.0 : 100.0 * E / (E + model.saturation);
    r.velocity = (R - P) / std::max(std::fabs(P), 1.0);
    r.events = f.events;
    r.users = f.users;
    r.active_users = f.active_users;
    r.days_since_last_seen = f.days_since_last_seen;

    // Activation: the steps met by `until`.
    const size_t nsteps = model.steps.size();
    const int64_t* step_done = step_done_.data() + static_cast<size_t>(e) * nsteps;
    double met = 0, total = 0;
    std::vector<int64_t>& done = done_buffer_;  // kept: one allocation, not one per day
    done.clear();
    for (size_t si = 0; si < nsteps; ++si) {
        total += model.steps[si].weight;
        if (step_done[si] <= until) {
            met += model.steps[si].weight;
            done.push_back(step_done[si]);
        }
    }
    r.steps_completed = static_cast<int64_t>(done.size());
    r.activation = nsteps == 0 || total <= 0 ? 100.0 : 100.0 * met / total;
    r.activated = r.steps_completed >= model.required;
    if (r.activated) {
        if (model.required == 0) {
            r.activated_at = ent.first_ts;
        } else {
            std::nth_element(done.begin(), done.begin() + (model.required - 1), done.end());
            r.activated_at = done[model.required - 1];
        }
    }
    r.fit = fit_at(model, e, until);
    const double wsum = model.w_activation + model.w_engagement + model.w_fit;
    r.score = (model.w_activation * r.activation + model.w_engagement * r.engagement + model.w_fit * r.fit) / wsum;
    r.converted_at = conv_[e] <= until ? conv_[e] : INT64_MAX;
    r.qualified = ent.first_ts <= until && qualifies(model, r);
    return r;
}

const Since& Scorer::since(const Model& model, uint32_t e) const {
    const Index& ix = *index_;
    const size_t m = ix.entities.size();
    if (since_pass_ != stats.score_passes || since_.size() != m) {
        // A re-score with the same model and data (a page turn, a repeated call) keeps what was
        // worked out; anything else starts over.
        std::string key = model_to_json(model) + '\0' + std::to_string(stats.index_builds) + "/" +
                          std::to_string(stats.index_appends) + "/" + std::to_string(stats.signal_builds) + "/" +
                          std::to_string(store_.version) + "/" + std::to_string(ix.as_of) + "/" +
                          std::to_string(outcomes_ ? outcomes_->rows.size() : 0);
        if (key != since_key_ || since_.size() != m) {
            since_.assign(m, Since{});
            since_done_.assign(m, 0);
            since_key_ = std::move(key);
        }
        row_of_.assign(m, 0);
        for (uint32_t i = 0; i < run_.results.size(); ++i) row_of_[run_.results[i].entity] = i;
        since_pass_ = stats.score_passes;
        // The day figures also depend on which types are weighted (only those are swept; a
        // weight's value does not matter, a weight of 0 does) and on what the rule reads.
        needs_ = DayNeeds{};
        if (model.rule) add_needs(*model.rule, needs_);
        std::string fkey = figures_key(model) + '\0' + std::to_string(stats.index_builds) + "/" +
                           std::to_string(stats.index_appends) + "/" + std::to_string(stats.signal_builds) + "/" +
                           std::to_string(store_.version) + "/" + std::to_string(ix.as_of) + "/" +
                           char('0' + needs_.users) + char('0' + needs_.events) + char('0' + needs_.velocity) + "/";
        for (uint8_t w : weighted_) fkey.push_back(static_cast<char>('0' + w));
        if (!day_cache_) day_cache_ = std::make_unique<DayCache>();
        if (fkey != day_cache_->key) {
            day_cache_->clear();
            day_cache_->key = std::move(fkey);
        }
    }
    if (since_done_[e]) return since_[e];
    since_done_[e] = 1;
    Since& out = since_[e];
    const EntityScore& now = run_.results[row_of_[e]];
    const Index::EntityAgg& ent = ix.entities[e];
    const int64_t dayT = day_of(ix.as_of), first_day = day_of(ent.first_ts);
    bool sweep_made = false;  // on the first earlier day asked about
    if (!sweep_) sweep_ = std::make_unique<DaySweep>();
    auto qualified_on = [&](uint32_t shift) {
        if (shift == 0) return now.qualified;
        ++stats.days_evaluated;
        // The day's figures from the cache (a weight or threshold change keeps them), else swept.
        DayCache& cache = *day_cache_;
        const uint64_t k = static_cast<uint64_t>(e) << 32 | shift;
        auto it = cache.days.find(k);
        if (it == cache.days.end()) {
            if (!sweep_made) make_sweep(model, e, needs_, *sweep_);
            sweep_made = true;
            if (cache.days.size() >= kDayCacheLimit) {  // bounded: ~70 rows x 120 days fit many times
                cache.clear();
            }
            const DayFigures f = day_figures(model, e, shift, *sweep_, cache.pool);
            it = cache.days.insert_or_assign(k, f).first;
        }
        return score_from(model, e, shift, needs_, it->second, cache.pool.data() + it->second.per_type).qualified;
    };

    // The current streak, at most window_days days back (and not before the first event).
    if (now.qualified) {
        const int64_t back = std::min<int64_t>({model.window_days, dayT - first_day, kSinceLookbackDays});
        int64_t k = 0;
        while (k < back && qualified_on(static_cast<uint32_t>(k + 1))) ++k;
        out.qualified_at = day_end(static_cast<uint32_t>(k));
    }
    // The first qualified day: not before activation when it is required, not after becoming a
    // customer (unless customers qualify), and at the latest the current streak's first day.
    if (model.require_activation && !now.activated) return out;
    // No earlier day can score more than this bound; when it is below min_score no day can
    // qualify (and a span of years costs nothing). Activation only grows, so it is at most that
    // of as_of. Fit is that of as_of too, unless persona rules count the users seen so far. A
    // day's decayed, capped count of a type is at most its count (every decay factor is <= 1),
    // so engagement is at most that of every positively weighted event counted (a negative
    // weight only lowers it).
    const bool personas = has_persona_rules(model);
    double e_max = 0;
    auto add_max = [&](uint32_t t) {
        const Index::TypeStat& ts = ix.types[t];
        const double w = weight_[ts.type];
        if (w <= 0) return;
        e_max += w * std::min(static_cast<double>(ts.total), cap_of_[ts.type]);  // total: its cells' counts
    };
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) add_max(t);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) add_max(t);
    const double engagement_max = e_max <= 0 ? 0.0 : 100.0 * e_max / (e_max + model.saturation);
    const double wsum = model.w_activation + model.w_engagement + model.w_fit;
    const double score_max = (model.w_activation * now.activation + model.w_engagement * engagement_max +
                              model.w_fit * (personas ? 100.0 : now.fit)) /
                             wsum;
    if (score_max * (1 + 1e-9) + 1e-9 < model.min_score) return out;  // (a margin for rounding in a day's sums)
    // Searched over the last kSinceLookbackDays at most: a span of centuries (a stray 1970 or 9999
    // timestamp) would otherwise cost one evaluation per day (found by the fuzz targets).
    int64_t from = std::max(first_day, dayT - kSinceLookbackDays), to = dayT;
    if (model.require_activation) from = std::max(from, day_of(*now.activated_at));
    if (now.customer() && !model.include_customers) to = std::min(to, day_of(now.converted_at) - 1);
    if (out.qualified_at) to = std::min(to, day_of(*out.qualified_at));
    for (int64_t d = from; d <= to; ++d)
        if (qualified_on(static_cast<uint32_t>(dayT - d))) {
            out.first_qualified_at = day_end(static_cast<uint32_t>(dayT - d));
            break;
        }
    return out;
}

std::vector<std::optional<int64_t>> Scorer::first_qualified_at(const Model& model) {
    score(model);
    std::vector<std::optional<int64_t>> out(index_->entities.size());
    for (uint32_t e = 0; e < out.size(); ++e) out[e] = since(model, e).first_qualified_at;
    return out;
}

}  // namespace pql
