// The rule evaluator (SPEC §3 "Rule"): the metrics a rule leaf reads and all/any/not over them.
// pql.rule uses it per entity during score(); explanations trace it leaf by leaf.
#include "pql/score.hpp"

namespace pql {

void Scorer::resolve_leaves(const Model& model, const RuleNode& node) {
    if (node.kind != RuleNode::Leaf) {
        for (auto& c : node.children) resolve_leaves(model, c);
        return;
    }
    const std::string* event = nullptr;
    if (node.metric_kind == MetricKind::Count || node.metric_kind == MetricKind::UsersOf) event = &node.arg;
    else if (node.metric_kind == MetricKind::Limit) event = &model.limits.at(node.arg).event;
    if (!event) return;
    auto k = store_.event_names.find(*event);
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
        if (!resolved) k = store_.event_names.find(event);
        if (!k) return -1;
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
            if (ix.types[t].type == *k) return t;
        return -1;
    };
    switch (leaf.metric_kind) {
        case MetricKind::Score: return s.score;
        case MetricKind::Activation: return s.activation;
        case MetricKind::Engagement: return s.engagement;
        case MetricKind::Fit: return s.fit;
        case MetricKind::EngagementPoints: return s.engagement_points;
        case MetricKind::StepsCompleted: return static_cast<double>(s.steps_completed);
        case MetricKind::Events: return static_cast<double>(s.events);
        case MetricKind::Users: return static_cast<double>(s.users);
        case MetricKind::ActiveUsers: return static_cast<double>(s.active_users);
        case MetricKind::DaysSinceLastSeen: return static_cast<double>(s.days_since_last_seen);
        case MetricKind::Velocity: return s.velocity;
        case MetricKind::Count: {
            const int64_t t = type_slot(leaf.arg);
            return t < 0 ? 0.0 : static_cast<double>(figures_[t].in_window);
        }
        case MetricKind::UsersOf: {
            const int64_t t = type_slot(leaf.arg);
            return t < 0 ? 0.0 : static_cast<double>(figures_[t].users_in_window);
        }
        case MetricKind::Limit: {
            const Limit& lim = model.limits.at(leaf.arg);
            const int64_t t = type_slot(lim.event);
            return (t < 0 ? 0.0 : static_cast<double>(ix.types[t].total)) / lim.limit;
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
