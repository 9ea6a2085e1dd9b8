// The rule evaluator (SPEC §3 "Rule"): the metrics a rule leaf reads and all/any/not over them.
// pql.rule uses it per entity during score(); explanations trace it leaf by leaf.
#include <algorithm>

#include "pql/time.hpp"
#include "score.hpp"

namespace pql {

namespace {

// Ages [lo, lo + window), clipped to what a uint32 age can be.
uint32_t window_end(uint32_t lo, int64_t window) {
    return static_cast<uint32_t>(std::min<int64_t>(static_cast<int64_t>(lo) + window, UINT32_MAX));
}

}  // namespace

std::vector<const Index::TypeStat*> Scorer::real_stats(const Index::EntityAgg& ent) const {
    std::vector<const Index::TypeStat*> out;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) out.push_back(&index_->types[t]);
    return out;
}

// §7.3: the stats of the active events (event types or signals); every event type by default.
std::vector<const Index::TypeStat*> Scorer::active_stats(const Index::EntityAgg& ent) const {
    if (active_type_.empty()) return real_stats(ent);
    std::vector<const Index::TypeStat*> out;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        if (index_->types[t].type < active_type_.size() && active_type_[index_->types[t].type])
            out.push_back(&index_->types[t]);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t)
        if (index_->types[t].type < active_type_.size() && active_type_[index_->types[t].type])
            out.push_back(&index_->types[t]);
    return out;
}

// Distinct users with an event of `stats` aged in [lo, hi).
int64_t Scorer::users_in(const std::vector<const Index::TypeStat*>& stats, uint32_t lo, uint32_t hi) const {
    const Index& ix = *index_;
    if (user_mark_.size() < store_.user_ids.size()) user_mark_.resize(store_.user_ids.size(), 0);
    if (++user_epoch_ == 0) {  // wrapped: clear the marks
        std::fill(user_mark_.begin(), user_mark_.end(), 0);
        user_epoch_ = 1;
    }
    int64_t n = 0;
    const int64_t dayT = day_of(ix.as_of);
    for (auto* ts : stats) {
        if (lo == 0) {  // a user's latest event is enough
            for (uint32_t u = ts->users_begin; u < ts->users_end; ++u) {
                const Index::UserStat& us = ix.type_users[u];
                if (us.min_age < hi && user_mark_[us.user] != user_epoch_) {
                    user_mark_[us.user] = user_epoch_;
                    ++n;
                }
            }
            continue;
        }
        for (uint32_t p = ts->order_begin; p < ts->order_begin + ts->total; ++p) {
            const uint32_t ev = ix.order[p];
            const int64_t age = dayT - day_of(store_.ts[ev]);
            const uint32_t u = store_.user[ev];
            if (age >= lo && age < hi && user_mark_[u] != user_epoch_) {
                user_mark_[u] = user_epoch_;
                ++n;
            }
        }
    }
    return n;
}

// Distinct UTC days with an event of `stats` aged in [lo, hi) (§7.3 active_days).
int64_t Scorer::days_in(const std::vector<const Index::TypeStat*>& stats, uint32_t lo, uint32_t hi) const {
    const Index& ix = *index_;
    day_scratch_.clear();
    for (auto* ts : stats)
        for (uint32_t i = ts->cells_begin; i < ts->cells_end; ++i) {
            const uint32_t age = ix.cells[i].age;
            if (age >= hi) break;
            if (age >= lo) day_scratch_.push_back(age);
        }
    std::sort(day_scratch_.begin(), day_scratch_.end());
    return std::unique(day_scratch_.begin(), day_scratch_.end()) - day_scratch_.begin();
}

// §7.1 sum.<name>.<property>: numbers and JSON-number strings add their value, the rest 0.
double Scorer::sum_in(const Index::TypeStat& ts, const std::string& property, uint32_t lo, uint32_t hi) const {
    const auto key = store_.property_key(property);
    if (!key) return 0;
    const Index& ix = *index_;
    const int64_t dayT = day_of(ix.as_of);
    double sum = 0;
    for (uint32_t p = ts.order_begin; p < ts.order_begin + ts.total; ++p) {
        const uint32_t ev = ix.order[p];
        const int64_t age = dayT - day_of(store_.ts[ev]);
        if (age < lo || age >= hi) continue;
        const auto v = store_.property(ev, *key);
        if (!v) continue;
        if (v->kind == PropertyView::Number) sum += v->number;
        else if (v->kind == PropertyView::String)
            if (auto d = json_number_string(v->text)) sum += *d;
    }
    return sum;
}

void Scorer::resolve_leaves(const Model& model, const RuleNode& node) {
    if (node.kind != RuleNode::Leaf) {
        for (auto& c : node.children) resolve_leaves(model, c);
        return;
    }
    const std::string* event = nullptr;
    if (node.metric_kind == MetricKind::Count || node.metric_kind == MetricKind::UsersOf ||
        node.metric_kind == MetricKind::Sum)
        event = &node.arg;
    else if (node.metric_kind == MetricKind::Limit) event = &model.limits.at(node.arg).event;
    if (!event) return;
    auto k = type_id(model, *event);
    leaf_types_.emplace_back(&node, k ? *k : kNone);
}

const Value* Scorer::trait(const EntityScore& s, const std::string& name) const {
    const auto& traits = index_->entities[s.entity].traits;
    auto it = traits.find(name);
    return it == traits.end() ? nullptr : &it->second;
}

std::optional<double> Scorer::metric(const Model& model, const EntityScore& s, const RuleNode& leaf) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[s.entity];
    auto type_slot = [&](const std::string& event) -> int64_t {
        std::optional<uint32_t> k;
        bool resolved = false;  // during score(): the leaf's type was looked up once
        for (auto& [node, type] : leaf_types_)
            if (node == &leaf) {
                resolved = true;
                if (type != kNone) k = type;
                break;
            }
        if (!resolved) k = type_id(model, event);
        if (!k) return -1;
        const Index::TypeStat* ts = ix.stat_of(ent, *k);
        return ts ? ts - ix.types.data() : -1;
    };
    // §7.2 / §7.7: a leaf window, or a day before as_of, leaves the cached figures.
    const bool cached = s.shift == 0 && !leaf.window_days;
    const uint32_t lo = s.shift;
    const uint32_t hi = window_end(lo, leaf.window_days ? *leaf.window_days : model.window_days);
    auto count_in = [&](const Index::TypeStat& ts, uint32_t from, uint32_t to) {
        int64_t n = 0;
        for (uint32_t i = ts.cells_begin; i < ts.cells_end; ++i) {
            const Index::Cell& c = ix.cells[i];
            if (c.age >= to) break;
            if (c.age >= from) n += c.count;
        }
        return static_cast<double>(n);
    };
    switch (leaf.metric_kind) {
        case MetricKind::Score: return s.score;
        case MetricKind::Activation: return s.activation;
        case MetricKind::Engagement: return s.engagement;
        case MetricKind::Fit: return s.fit;
        case MetricKind::EngagementPoints: return s.engagement_points;
        case MetricKind::StepsCompleted: return static_cast<double>(s.steps_completed);
        // events, users and active_users of a score at an earlier day were taken at that day.
        case MetricKind::Events: {
            if (!leaf.window_days) return static_cast<double>(s.events);
            double n = 0;
            for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) n += count_in(ix.types[t], lo, hi);
            return n;
        }
        case MetricKind::Users:
            return !leaf.window_days ? static_cast<double>(s.users)
                                     : static_cast<double>(users_in(real_stats(ent), lo, hi));
        case MetricKind::ActiveUsers:
            if (!leaf.window_days) return static_cast<double>(s.active_users);
            return static_cast<double>(users_in(
                active_stats(ent), lo, window_end(lo, leaf.window_days ? *leaf.window_days : model.active_days)));
        case MetricKind::ActiveDays: return static_cast<double>(days_in(active_stats(ent), lo, hi));
        case MetricKind::Sum: {
            const int64_t t = type_slot(leaf.arg);
            return t < 0 ? 0.0 : sum_in(ix.types[t], leaf.property, lo, hi);
        }
        case MetricKind::Persona: {
            size_t pi = 0;
            while (pi < model.personas.size() && model.personas[pi].name != leaf.arg) ++pi;
            if (pi == model.personas.size()) return 0.0;
            if (s.shift == 0) return static_cast<double>(persona_count_[s.entity * model.personas.size() + pi]);
            return static_cast<double>(persona_count(s.entity, pi, day_end(s.shift)));
        }
        case MetricKind::DaysSinceLastSeen: return static_cast<double>(s.days_since_last_seen);
        case MetricKind::Velocity: return s.velocity;
        case MetricKind::Count: {
            const int64_t t = type_slot(leaf.arg);
            if (t < 0) return 0.0;
            return cached ? static_cast<double>(figures_[t].in_window) : count_in(ix.types[t], lo, hi);
        }
        case MetricKind::UsersOf: {
            const int64_t t = type_slot(leaf.arg);
            if (t < 0) return 0.0;
            if (cached) return static_cast<double>(figures_[t].users_in_window);
            return static_cast<double>(users_in({&ix.types[t]}, lo, hi));
        }
        case MetricKind::Limit: {
            const Limit& lim = model.limits.at(leaf.arg);
            const int64_t t = type_slot(lim.event);
            if (t < 0) return 0.0;
            const double n = s.shift == 0 ? ix.types[t].total : count_in(ix.types[t], lo, UINT32_MAX);
            return n / lim.limit;
        }
        case MetricKind::Trait: {
            const Value* v = trait(s, leaf.arg);
            if (!v) return std::nullopt;
            auto n = numeric_value(*v);
            return n;
        }
    }
    return std::nullopt;
}

bool Scorer::evaluate(const Model& model, const EntityScore& s, const RuleNode& node) const {
    switch (node.kind) {
        case RuleNode::All:
            for (auto& c : node.children)
                if (!evaluate(model, s, c)) return false;
            return true;
        case RuleNode::Any:
            for (auto& c : node.children)
                if (evaluate(model, s, c)) return true;
            return false;
        case RuleNode::Not: return !evaluate(model, s, node.children[0]);
        case RuleNode::Leaf: break;
    }
    if (node.metric_kind == MetricKind::Trait) return node.trait_test.matches(trait(s, node.arg));
    const auto v = metric(model, s, node);
    if (!v) return false;
    switch (node.cmp) {
        case CmpOp::Ge: return *v >= node.number;
        case CmpOp::Gt: return *v > node.number;
        case CmpOp::Le: return *v <= node.number;
        case CmpOp::Lt: return *v < node.number;
        case CmpOp::Eq: return *v == node.number;
        case CmpOp::Ne: return *v != node.number;
    }
    return false;
}

}  // namespace pql
