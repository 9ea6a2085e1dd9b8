// Scoring (SPEC §3): an Index of per-entity, per-event-type, per-day aggregates built once per
// (data, as_of, entity kind), and a Scorer that re-scores from it with layered caches so that a
// weight-only change does not revisit the day aggregates.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pql/event_store.hpp"
#include "pql/model.hpp"

namespace pql {

// Aggregates of the events at or before T, grouped by entity.
struct Index {
    struct Cell {          // events of one type on one day (age = day(T) - day(ts))
        uint32_t type;
        uint32_t age;
        uint32_t count;
    };
    struct TypeStat {      // one event type within one entity, all time up to T
        uint32_t type;
        uint32_t cells_begin, cells_end;   // this type's cells, ascending age
        uint32_t users_begin, users_end;   // into type_users
        uint32_t order_begin;              // this type's events in `order`, ascending time
        uint32_t total;
    };
    struct UserStat {      // a user within an entity (or within one event type of it)
        uint32_t user;
        uint32_t min_age;  // age of the user's latest event
        int64_t first_ts;  // timestamp of the user's first event
    };
    struct EntityAgg {
        uint32_t key;      // account id or user id (interned in the store)
        int64_t first_ts, last_ts, total;
        uint32_t types_begin, types_end;
        uint32_t users_begin, users_end;   // into entity_users
        uint32_t order_begin, order_end;   // into order
        std::optional<std::string> name;
        Traits traits;
    };

    uint64_t store_version = 0;
    int64_t as_of = 0;
    ::pql::Entity kind = ::pql::Entity::Account;
    std::vector<EntityAgg> entities;
    std::vector<uint32_t> id_rank;         // entity -> position in byte order of ids
    std::vector<TypeStat> types;
    std::vector<Cell> cells;
    std::vector<UserStat> type_users, entity_users;
    std::vector<uint32_t> order;           // event indices, per entity by (type, time)
    int64_t unassigned = 0;

    static std::unique_ptr<Index> build(const EventStore& store, ::pql::Entity kind, int64_t as_of);
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
};

struct ScoreRun {
    int64_t as_of = 0;
    std::vector<EntityScore> results;  // rank order (rank = position + 1)
    int64_t qualified = 0;
    int64_t unassigned = 0;
};

// Per (entity, event type) figures that depend on decay, window and caps but not on weights.
struct TypeFigures {
    double decayed = 0, capped = 0;
    uint32_t in_window = 0, recent = 0, previous = 0;  // ages < window, 0-6, 7-13
    uint32_t users_in_window = 0;
};

class Scorer {
public:
    explicit Scorer(const EventStore& store) : store_(store) {}

    // Scores every entity under the model; the result stays valid until the next call.
    const ScoreRun& score(const Model& model);
    const Index& index() const { return *index_; }
    const std::vector<TypeFigures>& figures() const { return figures_; }
    // The metric a rule leaf reads, for one entity; nullopt for a trait the entity lacks.
    std::optional<double> metric(const Model& model, const EntityScore& s, const RuleNode& leaf) const;
    bool evaluate(const Model& model, const EntityScore& s, const RuleNode& node) const;
    const Value* trait(const EntityScore& s, const std::string& name) const;
    int64_t as_of_for(const Model& model) const;

    // Counters for benchmarks and tests: how many times each layer was recomputed.
    struct Stats { uint64_t index_builds = 0, decay_passes = 0, score_passes = 0; } stats;

private:
    void ensure_index(const Model& model);
    void ensure_figures(const Model& model);
    void ensure_steps(const Model& model);
    void compute_steps(const Model& model, uint32_t entity);
    void ensure_fit(const Model& model);
    const EventStore& store_;
    std::unique_ptr<Index> index_;
    std::vector<TypeFigures> figures_;  // aligned with index_->types
    std::string figures_key_;
    // Activation layer: per entity x step, when the step became met (INT64_MAX: not met).
    struct StepType { uint32_t type; bool any; };
    std::vector<StepType> step_types_;
    std::vector<int64_t> step_done_;
    std::vector<int64_t> scratch_times_;
    std::string steps_key_;
    // Fit layer: per entity x rule, 1 when the rule matches.
    std::vector<uint8_t> rule_match_;
    std::string fit_key_;
    ScoreRun run_;
};

// 2^x computed with + and * only, so native and WASM builds agree to the last bit.
double exp2_portable(double x);

}  // namespace pql
