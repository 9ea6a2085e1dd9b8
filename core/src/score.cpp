// Re-scoring from the Index. Three layers, each recomputed only when its inputs change:
// the index (data, as_of, entity kind), the decayed figures (decay, half-lives, window, caps),
// and the scores (weights, steps, fit, rule, tiers, grades).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "pql/score.hpp"
#include "pql/time.hpp"

namespace pql {

double exp2_portable(double x) {
    if (!(x == x)) return x;
    if (x < -1100) return 0.0;
    if (x > 1100) return HUGE_VAL;
    const double n = std::floor(x);
    const double y = (x - n) * 0.6931471805599453;  // in [0, ln 2)
    // e^y by its Taylor series: exact IEEE + and * only, evaluated in a fixed order.
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 22; ++k) {
        term = term * y / k;
        sum = sum + term;
    }
    return std::ldexp(sum, static_cast<int>(n));
}

int64_t Scorer::as_of_for(const Model& model) const {
    if (model.as_of) return *model.as_of;
    return store_.max_ts ? *store_.max_ts : 0;
}

void Scorer::ensure_index(const Model& model) {
    const int64_t T = as_of_for(model);
    if (index_ && index_->store_version == store_.version && index_->as_of == T && index_->kind == model.entity)
        return;
    index_ = Index::build(store_, model.entity, T);
    figures_key_.clear();
    ++stats.index_builds;
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
    if (key == figures_key_ && figures_.size() == index_->types.size()) return;
    ++stats.decay_passes;
    const Index& ix = *index_;
    const uint32_t window = static_cast<uint32_t>(std::min<int64_t>(model.window_days, UINT32_MAX));

    // Per event type: decay table over ages in the window, and the cap.
    const size_t ntypes = store_.event_names.size();
    std::vector<int> table_of(ntypes, 0);
    std::vector<double> cap_of(ntypes, HUGE_VAL);
    std::vector<std::vector<double>> tables;
    std::unordered_map<double, int> table_for_half_life;
    auto make_table = [&](double h) {
        std::vector<double> t(window);
        for (uint32_t a = 0; a < window; ++a) {
            if (model.decay == Decay::Exponential) t[a] = exp2_portable(-static_cast<double>(a) / h);
            else if (model.decay == Decay::Linear) t[a] = 1.0 - static_cast<double>(a) / static_cast<double>(model.window_days);
            else t[a] = 1.0;
        }
        tables.push_back(std::move(t));
        return static_cast<int>(tables.size() - 1);
    };
    table_for_half_life[model.half_life_days] = make_table(model.half_life_days);
    for (size_t k = 0; k < ntypes; ++k) {
        auto it = model.events.find(store_.event_names.name(static_cast<uint32_t>(k)));
        if (it == model.events.end()) continue;
        if (it->second.cap) cap_of[k] = *it->second.cap;
        if (it->second.half_life_days && model.decay == Decay::Exponential) {
            const double h = *it->second.half_life_days;
            auto t = table_for_half_life.find(h);
            table_of[k] = t != table_for_half_life.end() ? t->second : (table_for_half_life[h] = make_table(h));
        }
    }

    figures_.assign(ix.types.size(), TypeFigures{});
    for (size_t t = 0; t < ix.types.size(); ++t) {
        const Index::TypeStat& ts = ix.types[t];
        const std::vector<double>& f = tables[table_of[ts.type]];
        TypeFigures& out = figures_[t];
        double c = 0;
        for (uint32_t i = ts.cells_begin; i < ts.cells_end; ++i) {
            const Index::Cell& cell = ix.cells[i];
            if (cell.age >= window) break;  // cells ascend in age
            c += cell.count * f[cell.age];
            out.in_window += cell.count;
            if (cell.age < 7) out.recent += cell.count;
            else if (cell.age < 14) out.previous += cell.count;
        }
        out.decayed = c;
        out.capped = std::min(c, cap_of[ts.type]);
        for (uint32_t u = ts.users_begin; u < ts.users_end; ++u)
            if (ix.type_users[u].min_age < window) ++out.users_in_window;
    }
    figures_key_ = std::move(key);
}

const ScoreRun& Scorer::score(const Model& model) {
    ensure_index(model);
    ensure_figures(model);
    ++stats.score_passes;
    const Index& ix = *index_;
    const int64_t dayT = day_of(ix.as_of);

    // Weights per interned event type.
    const size_t ntypes = store_.event_names.size();
    std::vector<double> weight(ntypes, model.default_weight);
    for (auto& [name, s] : model.events)
        if (s.weight)
            if (auto k = store_.event_names.find(name)) weight[*k] = *s.weight;
    // Steps and limits resolved to interned types (kNone: never seen; "*" handled apart).
    struct StepRef { uint32_t type; bool any; };
    std::vector<StepRef> steps;
    double step_weight_total = 0;
    for (auto& st : model.steps) {
        auto k = store_.event_names.find(st.event);
        steps.push_back({k ? *k : kNone, st.event == "*"});
        step_weight_total += st.weight;
    }
    double positive_points = 0;
    for (auto& r : model.rules)
        if (r.points > 0) positive_points += r.points;
    const double wsum = model.w_activation + model.w_engagement + model.w_fit;

    run_ = ScoreRun{};
    run_.as_of = ix.as_of;
    run_.unassigned = ix.unassigned;
    run_.results.resize(ix.entities.size());
    std::vector<int64_t> step_done;  // per step: the time it became met (or INT64_MAX)
    for (uint32_t e = 0; e < ix.entities.size(); ++e) {
        const Index::EntityAgg& ent = ix.entities[e];
        EntityScore& r = run_.results[e];
        r.entity = e;
        // Engagement and velocity.
        double E = 0, R = 0, P = 0;
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
            const double w = weight[ix.types[t].type];
            const TypeFigures& f = figures_[t];
            E += w * f.capped;
            R += w * f.recent;
            P += w * f.previous;
            r.events += f.in_window;
        }
        r.engagement_points = E;
        r.engagement = E <= 0 ? 0.0 : 100.0 * E / (E + model.saturation);
        r.velocity = (R - P) / std::max(std::fabs(P), 1.0);
        for (uint32_t u = ent.users_begin; u < ent.users_end; ++u) {
            const uint32_t age = ix.entity_users[u].min_age;
            if (age < static_cast<uint64_t>(model.window_days)) ++r.users;
            if (age < static_cast<uint64_t>(model.active_days)) ++r.active_users;
        }
        r.days_since_last_seen = dayT - day_of(ent.last_ts);

        // Activation: each step's completion time, then the required-th earliest.
        step_done.assign(steps.size(), INT64_MAX);
        double met_weight = 0;
        for (size_t si = 0; si < steps.size(); ++si) {
            const Step& st = model.steps[si];
            std::vector<int64_t> times;  // event times (for min_count) and first-use times (for min_users)
            int64_t count_time = INT64_MIN, users_time = INT64_MIN;
            if (steps[si].any) {
                if (st.min_count > 0) {
                    if (ent.total < st.min_count) continue;
                    times.clear();
                    for (uint32_t p = ent.order_begin; p < ent.order_end; ++p) times.push_back(store_.ts[ix.order[p]]);
                    std::nth_element(times.begin(), times.begin() + (st.min_count - 1), times.end());
                    count_time = times[st.min_count - 1];
                }
                if (st.min_users > 0) {
                    if (ent.users_end - ent.users_begin < st.min_users) continue;
                    times.clear();
                    for (uint32_t u = ent.users_begin; u < ent.users_end; ++u) times.push_back(ix.entity_users[u].first_ts);
                    std::nth_element(times.begin(), times.begin() + (st.min_users - 1), times.end());
                    users_time = times[st.min_users - 1];
                }
            } else {
                const Index::TypeStat* ts = nullptr;
                if (steps[si].type != kNone)
                    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
                        if (ix.types[t].type == steps[si].type) ts = &ix.types[t];
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
            met_weight += st.weight;
            ++r.steps_completed;
        }
        r.activation = steps.empty() || step_weight_total <= 0 ? 100.0 : 100.0 * met_weight / step_weight_total;
        r.activated = r.steps_completed >= model.required;
        if (r.activated) {
            if (model.required == 0) {
                r.activated_at = ent.first_ts;
            } else {
                std::vector<int64_t> done;
                for (int64_t t : step_done)
                    if (t != INT64_MAX) done.push_back(t);
                std::nth_element(done.begin(), done.begin() + (model.required - 1), done.end());
                r.activated_at = done[model.required - 1];
            }
        }

        // Fit.
        double matched = 0;
        for (auto& rule : model.rules) {
            auto it = ent.traits.find(rule.trait);
            if (rule.test.matches(it == ent.traits.end() ? nullptr : &it->second)) matched += rule.points;
        }
        r.fit = positive_points <= 0 ? 100.0 : std::clamp(100.0 * matched / positive_points, 0.0, 100.0);

        r.score = (model.w_activation * r.activation + model.w_engagement * r.engagement + model.w_fit * r.fit) / wsum;

        r.qualified = r.score >= model.min_score && (r.activated || !model.require_activation) &&
                      (!model.rule || evaluate(model, r, *model.rule));
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

    // Rank: score descending, then id in byte order.
    std::sort(run_.results.begin(), run_.results.end(), [&](const EntityScore& a, const EntityScore& b) {
        if (a.score != b.score) return a.score > b.score;
        return ix.id_rank[a.entity] < ix.id_rank[b.entity];
    });
    return run_;
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
        auto k = store_.event_names.find(event);
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
