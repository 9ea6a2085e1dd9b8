// Scoring (SPEC §3): an Index of per-entity, per-event-type, per-day aggregates built once per
// (data, as_of, entity kind), and a Scorer that re-scores from it with layered caches so that a
// weight-only change does not revisit the day aggregates.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event_store.hpp"
#include "pql/model.hpp"

namespace pql {

struct Outcomes;

// §7.1: a signal resolved against the store (its event type and property keys interned).
struct SignalFilter {
    uint32_t type = kNone;  // the event type filtered (kNone: "*", or a type not in the data)
    bool any = false;       // "*"
    std::vector<std::pair<std::optional<uint32_t>, const TraitTest*>> where;  // key (nullopt: no event has it)
    bool matches(const EventStore& store, uint32_t event) const;
};

// Aggregates of the events at or before T, grouped by entity.
struct Index {
    struct Cell {  // events of one type on one day (age = day(T) - day(ts)); its type stat says which type
        uint32_t age;
        uint32_t count;
    };
    struct TypeStat {  // one event type within one entity, all time up to T
        uint32_t type;
        uint32_t cells_begin, cells_end;  // this type's cells, ascending age
        uint32_t users_begin, users_end;  // into type_users
        uint32_t order_begin;             // this type's events in `order`, ascending time
        uint32_t total;
        uint32_t order_cap;  // room for this type's events in `order` (>= total)
    };
    struct UserStat {  // a user within an entity (or within one event type of it)
        uint32_t user;
        uint32_t min_age;  // age of the user's latest event
        int64_t first_ts;  // timestamp of the user's first event
    };
    struct EntityAgg {
        uint32_t key;  // account id or user id (interned in the store)
        int64_t first_ts, last_ts, total;
        uint32_t types_begin, types_end;
        uint32_t users_begin, users_end;  // into entity_users
        uint32_t order_begin, order_end;  // into order, as built (appends move type runs)
        uint32_t sig_begin, sig_end;      // the signals' type stats (§7.1), after the event types
        std::optional<std::string> name;
        Traits traits;
    };

    uint64_t store_version = 0;
    int64_t as_of = 0;
    ::pql::Entity kind = ::pql::Entity::Account;
    std::vector<EntityAgg> entities;
    std::vector<uint32_t> id_rank;  // entity -> position in byte order of ids
    std::vector<TypeStat> types;
    std::vector<Cell> cells;
    std::vector<UserStat> type_users, entity_users;
    std::vector<uint32_t> order;  // event indices, per entity by (type, time)
    int64_t unassigned = 0;
    uint32_t max_age = 0;  // the oldest cell's age (decay tables need no more)
    // Signals (§7.1) are derived event types: signal s has type id sig_base + s and its own type
    // stats, cells, users and order run, appended after everything built for the event types
    // (the marks), so that a change of signals drops and rebuilds just that part.
    uint32_t sig_base = 0, nsignals = 0;
    std::string signals_key;  // the model signals the part was built for
    size_t mark_types = 0, mark_cells = 0, mark_type_users = 0, mark_order = 0;

    // What the index has seen of the store, so that appended rows can be added in place.
    // An entity's ranges may then point past the segments of other entities: every reader goes
    // through an entity's own ranges, never through the arrays as a whole.
    size_t events_seen = 0, groups_seen = 0, identifies_seen = 0;
    uint64_t rewrite_version = 0;
    bool covers_all = false;     // every event seen is at or before as_of
    int64_t newest = INT64_MIN;  // the latest event in the index
    size_t events_in = 0;        // events in the index
    // Entries of runs that appends moved to the end of their array (reclaimed by a build).
    size_t dead_order = 0, dead_cells = 0, dead_types = 0, dead_users = 0;
    std::vector<uint32_t> slot;          // entity key -> entity (kNone)
    std::vector<uint32_t> user_account;  // account entities: a user's group-call account at as_of
    std::vector<uint32_t> by_id;         // entities in byte order of ids

    static std::unique_ptr<Index> build(const EventStore& store, ::pql::Entity kind, int64_t as_of);
    // What an append changed: the entities it touched (new ones last), the type stats whose
    // figures must be computed, and those that only moved (old position, new position).
    struct Delta {
        std::vector<uint32_t> entities, types;
        std::vector<std::pair<uint32_t, uint32_t>> moved;
    };
    // Adds the store's rows appended since the build (or the last append) when nothing else
    // changed and as_of stays on the same day. False: a full build is needed.
    bool append(const EventStore& store, int64_t as_of, Delta& delta);
    void build_signals(const EventStore& store, const std::vector<SignalFilter>& signals);
    void drop_signals();
    // The entity's stat of an event type or signal id, or nullptr.
    const TypeStat* stat_of(const EntityAgg& e, uint32_t type) const {
        for (uint32_t t = e.types_begin; t < e.types_end; ++t)
            if (types[t].type == type) return &types[t];
        for (uint32_t t = e.sig_begin; t < e.sig_end; ++t)
            if (types[t].type == type) return &types[t];
        return nullptr;
    }
    const std::string& id_of(const EventStore& store, const EntityAgg& e) const {
        return kind == ::pql::Entity::User ? store.user_ids.name(e.key) : store.account_ids.name(e.key);
    }
};

struct EntityScore {
    uint32_t entity = 0;  // into Index::entities
    double score = 0, activation = 0, engagement = 0, fit = 0, engagement_points = 0, velocity = 0;
    int64_t steps_completed = 0;
    bool activated = false, qualified = false;
    std::optional<int64_t> activated_at;
    int tier = -1, fit_band = -1, engagement_band = -1;  // -1: none
    int64_t active_users = 0, users = 0, events = 0, days_since_last_seen = 0;
    int64_t converted_at = INT64_MAX;  // §7.5: the entity's conversion (INT64_MAX: none)
    uint64_t segments = 0;             // §7.6: bit i = segment i holds (qualified entities only)
    uint32_t shift = 0;                // days before as_of this score is taken at (§7.7; 0: at as_of)
    bool customer() const { return converted_at != INT64_MAX; }
};

struct ScoreRun {
    int64_t as_of = 0;
    // Rank order (rank = position + 1); when score() was asked for only the first k, just
    // results[0, ranked) are in rank order and the rest follow in no particular order.
    std::vector<EntityScore> results;
    size_t ranked = 0;
    int64_t qualified = 0;
    int64_t unassigned = 0;
    int64_t customers = 0;                // §7.5
    std::vector<int64_t> segment_counts;  // §7.6, per model segment: qualified entities in it
};

// §7.7 PQL since, for one entity.
struct Since {
    std::optional<int64_t> qualified_at, first_qualified_at;
};

// Per (entity, event type) figures that depend on decay, window and caps but not on weights.
struct TypeFigures {
    double decayed = 0, capped = 0;
    uint32_t in_window = 0, recent = 0, previous = 0;  // ages < window, 0-6, 7-13
    uint32_t users_in_window = 0;
    uint32_t window_cells = 0;  // the type stat's first cells that are in the window (ages < window)
};

// §7.7: what a day's qualification reads besides the weighted types' decayed counts (the
// rule's leaves without a window of their own), so that PQL since sweeps only that.
struct DayNeeds {
    bool users = false, events = false, velocity = false;
};

// Whether a fit rule counts a persona's users (§7.4): fit then changes as users are first seen,
// so it moves with each load and from day to day.
inline bool has_persona_rules(const Model& model) {
    for (auto& r : model.rules)
        if (!r.persona.empty()) return true;
    return false;
}

class Scorer {
public:
    explicit Scorer(const EventStore& store);
    ~Scorer();  // (both in since.cpp: the PQL-since caches hold types defined there)
    // Conversions besides conversion_event (§7.5 customers); the Engine's outcomes file.
    void set_outcomes(const Outcomes* outcomes) { outcomes_ = outcomes; }

    // Scores every entity under the model; the result stays valid until the next call.
    // `ranked` limits the rank ordering to the first `ranked` results (a page needs no more).
    const ScoreRun& score(const Model& model, size_t ranked = SIZE_MAX);
    const Index& index() const { return *index_; }
    // Every type stat's figures (the decayed sums of unweighted types are completed first), or
    // one type stat's (completing only that one).
    const std::vector<TypeFigures>& figures() const;
    const TypeFigures& figure(uint32_t type_stat) const;
    // The metric a rule leaf reads, for one entity; nullopt for a trait the entity lacks.
    std::optional<double> metric(const Model& model, const EntityScore& s, const RuleNode& leaf) const;
    bool evaluate(const Model& model, const EntityScore& s, const RuleNode& node) const;
    const Value* trait(const EntityScore& s, const std::string& name) const;
    int64_t as_of_for(const Model& model) const;
    // An event type or signal by name, as the model means it (a signal shadows a same-named type).
    std::optional<uint32_t> type_id(const Model& model, const std::string& name) const;
    std::string type_name(const Model& model, uint32_t type) const;
    double weight(uint32_t type) const { return type < weight_.size() ? weight_[type] : 0; }
    // The decay factor of an event of `type` at `age` days under the last score()'s model (0 past
    // the decay tables): what the event adds to its type's decayed count (explanation's people).
    double decay_factor(uint32_t type, uint32_t age) const {
        if (tables_.empty()) return 0;
        const std::vector<double>& t = tables_[type < table_of_.size() ? table_of_[type] : 0];
        return age < t.size() ? t[age] : 0;
    }
    bool is_signal(uint32_t type) const { return index_->nsignals && type >= index_->sig_base; }
    // Persona p's matching users of an entity with an event at or before `until` (§7.4).
    int64_t persona_count(uint32_t entity, size_t persona, int64_t until) const;
    bool user_matches_persona(uint32_t user, size_t persona) const;

    // §7.7, of an entity of the last score() run (index order), computed on first use (only the
    // rows shown need it) and kept until the next score(). The days are evaluated one entity at a
    // time from the index's cells and the activation layer's step times: no day re-scores the
    // other entities.
    const Since& since(const Model& model, uint32_t entity) const;
    // first_qualified_at of every entity, index order (the lifecycle funnel, §7.8): score(model)
    // first, then this. nullopt: never qualified.
    std::vector<std::optional<int64_t>> first_qualified_at(const Model& model);

    // Counters for benchmarks and tests: how many times each layer was recomputed.
    // index_appends: appended rows added to the index in place instead of a build.
    struct Stats {
        uint64_t index_builds = 0, decay_passes = 0, score_passes = 0, index_appends = 0;
        uint64_t signal_builds = 0;
        mutable uint64_t days_evaluated = 0;  // since(): earlier days whose qualification was worked out
    } stats;

private:
    void ensure_index(const Model& model);
    void ensure_signals(const Model& model);
    void clear_layers();
    void ensure_personas(const Model& model);
    void ensure_customers(const Model& model);
    size_t ntypes() const;
    // Window arithmetic over the index for one entity, ages in [lo, hi) (§7.2, §7.3, §7.7).
    std::vector<const Index::TypeStat*> active_stats(const Index::EntityAgg& ent) const;
    int64_t users_in(const std::vector<const Index::TypeStat*>& stats, uint32_t lo, uint32_t hi) const;
    int64_t days_in(const std::vector<const Index::TypeStat*>& stats, uint32_t lo, uint32_t hi) const;
    double sum_in(const Index::TypeStat& ts, const std::string& property, uint32_t lo, uint32_t hi) const;
    std::vector<const Index::TypeStat*> real_stats(const Index::EntityAgg& ent) const;
    double fit_at(const Model& model, uint32_t entity, int64_t until) const;
    bool qualifies(const Model& model, const EntityScore& r) const;
    int64_t day_end(uint32_t shift) const;
    // §7.7: one entity's figures prepared for evaluating many days (since.cpp).
    struct DaySweep;
    struct UserDays;
    const UserDays& user_days(const Model& model, uint32_t entity) const;
    mutable std::vector<std::unique_ptr<UserDays>> user_days_;
    mutable std::string user_days_key_;
    mutable DayNeeds needs_;  // of the model since() was last set up for
    // Whether type stat t is in a day sweep: weighted, or an event type when events are read.
    // Without needs.users a day's users, active_users and days_since_last_seen are 0.
    bool swept(uint32_t t, bool real, const DayNeeds& needs) const;
    void make_sweep(const Model& model, uint32_t entity, const DayNeeds& needs, DaySweep& out) const;
    mutable std::unique_ptr<DaySweep> sweep_;  // since()'s, reused from row to row
    struct DayFigures;
    struct DayCache;
    // The day's figures; its per-type blocks are appended to `pool`.
    DayFigures day_figures(const Model& model, uint32_t entity, uint32_t shift, const DaySweep& sweep,
                           std::vector<double>& pool) const;
    EntityScore score_from(const Model& model, uint32_t entity, uint32_t shift, const DayNeeds& needs,
                           const DayFigures& figures, const double* per_type) const;
    mutable std::unique_ptr<DayCache> day_cache_;
    mutable std::vector<int64_t> done_buffer_;  // score_from's steps met
    void ensure_figures(const Model& model);
    void compute_figures(const Model& model, uint32_t type_stat);
    void ensure_steps(const Model& model);
    void compute_steps(const Model& model, uint32_t entity);
    void ensure_fit(const Model& model);
    void compute_fit(const Model& model, uint32_t entity);
    const EventStore& store_;
    std::unique_ptr<Index> index_;
    // After an in-place append (appended_): the entities it touched (new ones last) and where
    // the new entities begin; each layer then updates just those.
    bool appended_ = false;
    Index::Delta delta_;
    uint32_t first_new_entity_ = 0;
    mutable std::vector<TypeFigures> figures_;  // aligned with index_->types
    std::string figures_key_;
    // After a half-life or cap change only the weighted types' decayed sums are redone (a weight
    // of 0 adds nothing to a score, and the unweighted types, page views and logins, hold most
    // cells); the others are marked here and summed when read (figures(), figure(), a weight).
    mutable std::vector<uint8_t> decay_pending_;  // per type stat
    mutable bool decay_pending_any_ = false;
    std::vector<uint8_t> decay_weighted_;                             // weighted_ when the pending marks were made
    void complete_decay(const std::vector<uint8_t>* weighted) const;  // null: every pending one
    // Decay layer inputs per interned event type, and the hot loop's view of the figures.
    std::vector<std::vector<double>> tables_;
    std::vector<int> table_of_;
    std::vector<double> cap_of_;
    uint32_t table_ages_ = 0;
    struct Hot {
        double capped, recent, previous;
        uint32_t type, in_window;
    };                              // what score() reads per type
    mutable std::vector<Hot> hot_;  // aligned with index_->types
    // The window figures_' counts were made for; none after an index build. (Not a sentinel:
    // every window from UINT32_MAX days up is clipped to that value.)
    std::optional<uint32_t> counts_window_;
    void compute_decay(uint32_t t) const;
    // Activation per entity (steps layer, step weights, required).
    struct Act {
        double activation = 0;
        int64_t steps_completed = 0, activated_at = 0;
        bool activated = false, has_at = false;
    };
    std::vector<Act> act_;
    std::string act_key_;
    void ensure_activation(const Model& model);
    // Events, users and active users in the window, per entity (figures layer, active_days).
    struct Counts {
        int64_t events = 0, users = 0, active_users = 0, days_since_last_seen = 0;
    };
    std::vector<Counts> counts_;
    std::string counts_key_;
    void ensure_counts(const Model& model);
    template <class T, class Compute>
    void refresh_layer(std::vector<T>& layer, std::string& layer_key, std::string key, bool stale, Compute&& compute);
    // The rule's count./users./limit. leaves resolved to event types, during score() only.
    std::vector<std::pair<const RuleNode*, uint32_t>> leaf_types_;
    void resolve_leaves(const Model& model, const RuleNode& node);
    // Orders run_.results (rank.cpp); only the first `want_ranked` when asked for a page.
    void rank(size_t want_ranked);
    // Ranking scratch.
    struct RankKey {
        double score;
        uint32_t id_rank, entity;
    };
    std::vector<RankKey> keys_;
    std::vector<uint32_t> pos_;
    std::vector<EntityScore> ranked_;
    // Activation layer: per entity x step, when the step became met (INT64_MAX: not met).
    struct StepType {
        uint32_t type;
        bool any;
    };
    std::vector<StepType> step_types_;
    std::vector<int64_t> step_done_;
    std::vector<int64_t> scratch_times_;
    std::string steps_key_;
    // Fit layer: per entity x rule, 1 when the rule matches.
    std::vector<uint8_t> rule_match_;
    std::string fit_key_;
    std::vector<double> fit_;  // fit per entity (matches and the rules' points)
    std::string fit_points_key_;
    ScoreRun run_;
    // v2 layers.
    const Outcomes* outcomes_ = nullptr;
    std::vector<int64_t> conv_;  // per entity: conversion time (INT64_MAX: none)
    std::string conv_key_;
    std::vector<uint8_t> user_persona_;    // per store user x persona: the user's traits match
    std::vector<uint32_t> persona_count_;  // per entity x persona, at as_of
    std::string persona_key_;
    std::vector<double> weight_;        // per type id, of the last score()
    std::vector<uint8_t> weighted_;     // per type id: weight_ is not 0 (what the decay and since layers skip on)
    std::vector<uint8_t> shadowed_;     // per event type: a signal of the same name replaces it
    std::vector<uint8_t> active_type_;  // per type id: in active.events (empty: every event type)
    mutable std::vector<uint32_t> user_mark_;
    mutable uint32_t user_epoch_ = 0;
    mutable std::vector<uint32_t> user_slot_;
    mutable std::map<double, std::vector<double>>
        pow_tables_;  // since: 2^(-age/h) per half-life  // make_sweep: a user's place among the entity's users
    mutable std::vector<uint32_t> day_scratch_;
    mutable std::vector<Since> since_;
    mutable std::vector<uint8_t> since_done_;
    mutable std::vector<uint32_t> row_of_;
    mutable uint64_t since_pass_ = UINT64_MAX;
    mutable std::string since_key_;  // the model and data since_ was worked out for
};

// 2^x computed with + and * only, so native and WASM builds agree to the last bit.
double exp2_portable(double x);

}  // namespace pql
