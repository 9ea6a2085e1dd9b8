#include "reasons.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "value_json.hpp"

namespace pql {

namespace {

// "sso_settings_viewed" -> "sso settings viewed": the reader hears words, not identifiers.
std::string words(const std::string& name) {
    std::string out = name;
    for (char& c : out)
        if (c == '_' || c == '.' || c == '-') c = ' ';
    return out;
}

// An integer with thousands separators ("2,400"); otherwise one decimal ("3.5").
std::string num(double x) {
    if (!std::isfinite(x)) return "?";
    char buf[64];
    const double r = std::round(x);
    if (std::fabs(x - r) < 1e-9 && std::fabs(r) < 1e15) {
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::fabs(r)));
        std::string digits = buf, out;
        for (size_t i = 0; i < digits.size(); ++i) {
            if (i && (digits.size() - i) % 3 == 0) out += ',';
            out += digits[i];
        }
        return (r < 0 ? "-" : "") + out;
    }
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return buf;
}

std::string days(int64_t n) {
    return n == 1 ? "in the last day" : "in the last " + num(static_cast<double>(n)) + " days";
}

std::string value_text(const Value& v) {
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto d = std::get_if<double>(&v)) return num(*d);
    return std::get<bool>(v) ? "true" : "false";
}

struct Reasons {
    std::vector<std::string> out;
    std::set<std::string> said;  // what a reason already covers (an event type, limit, persona)
    size_t n;
    bool add(const std::string& topic, std::string text) {
        if (out.size() >= n || !said.insert(topic).second) return false;
        out.push_back(std::move(text));
        return true;
    }
};

// The text of a rule leaf that holds, or "" for a leaf that says nothing to a reader.
std::string leaf_text(const RunView& v, const EntityScore& s, const RuleNode& n, std::string& topic) {
    const Model& m = v.model;
    const std::optional<double> x = v.scorer.metric(m, s, n);
    if (n.metric_kind == MetricKind::Trait) {
        const Value* t = v.scorer.trait(s, n.arg);
        topic = "trait." + n.arg;
        return t ? words(n.arg) + " is " + value_text(*t) : "";
    }
    if (!x) return "";
    const int64_t w = n.window_days ? *n.window_days : m.window_days;
    switch (n.metric_kind) {
        case MetricKind::Count: topic = "event." + n.arg; return num(*x) + " × " + words(n.arg) + " " + days(w);
        case MetricKind::UsersOf:
            topic = "event." + n.arg;
            return num(*x) + " users did " + words(n.arg) + " " + days(w);
        case MetricKind::Sum:
            topic = "sum." + n.arg + "." + n.property;
            return num(*x) + " " + words(n.property) + " on " + words(n.arg) + " " + days(w);
        case MetricKind::ActiveUsers:
            topic = "active_users";
            return num(*x) + " active users " + days(n.window_days ? *n.window_days : m.active_days);
        case MetricKind::ActiveDays: topic = "active_days"; return "active on " + num(*x) + " days " + days(w);
        case MetricKind::Events: topic = "events"; return num(*x) + " events " + days(w);
        case MetricKind::Users: topic = "users"; return num(*x) + " users " + days(w);
        case MetricKind::Persona:
            topic = "persona." + n.arg;
            return num(*x) + (*x == 1 ? " user matches" : " users match") + " the " + words(n.arg) + " persona";
        case MetricKind::Limit: {
            auto it = m.limits.find(n.arg);
            if (it == m.limits.end()) return "";
            topic = "limit." + n.arg;
            return num(*x * it->second.limit) + " " + words(n.arg) + " against a limit of " + num(it->second.limit);
        }
        default: return "";  // score, components, recency: no fact a rep can say
    }
}

// The leaves that make a rule hold: every child of an all, the holding children of an any;
// nothing under a not (an absence is no reason to call).
void rule_reasons(const RunView& v, const EntityScore& s, const RuleNode& n, Reasons& r) {
    if (n.kind == RuleNode::Not) return;
    if (n.kind != RuleNode::Leaf) {
        for (auto& c : n.children)
            if (v.scorer.evaluate(v.model, s, c)) rule_reasons(v, s, c, r);
        return;
    }
    if (n.cmp != CmpOp::Ge && n.cmp != CmpOp::Gt && n.cmp != CmpOp::Eq && n.metric_kind != MetricKind::Trait) return;
    if (!v.scorer.evaluate(v.model, s, n)) return;
    std::string topic;
    std::string text = leaf_text(v, s, n, topic);
    if (!text.empty()) r.add(topic, std::move(text));
}

}  // namespace

std::vector<std::string> reasons_of(const RunView& v, const EntityScore& s, size_t n) {
    const Model& m = v.model;
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    Reasons r{{}, {}, n};
    // 1. Plan limits reached or within 20% (the strongest buying signal), fullest first.
    std::vector<std::tuple<double, std::string, double, double>> limits;  // usage, name, count, limit
    for (auto& [name, lim] : m.limits) {
        auto k = v.scorer.type_id(m, lim.event);
        const Index::TypeStat* ts = k ? ix.stat_of(ent, *k) : nullptr;
        const double count = ts ? ts->total : 0;
        if (lim.limit > 0 && count / lim.limit >= 0.8) limits.emplace_back(count / lim.limit, name, count, lim.limit);
    }
    std::stable_sort(limits.begin(), limits.end(), [](auto& a, auto& b) { return std::get<0>(a) > std::get<0>(b); });
    for (auto& [usage, name, count, limit] : limits) {
        const std::string text = usage >= 1 ? num(count) + " " + words(name) + " against a limit of " + num(limit)
                                            : num(count) + " " + words(name) + ", " + num(std::floor(usage * 100)) +
                                                  "% of the limit of " + num(limit);
        r.add("limit." + name, text);
    }
    // 2. Personas present in the account (who to ask for on the call).
    for (size_t pi = 0; pi < m.personas.size(); ++pi) {
        const int64_t c = v.scorer.persona_count(s.entity, pi, INT64_MAX);
        if (c > 0)
            r.add("persona." + m.personas[pi].name, num(static_cast<double>(c)) +
                                                        (c == 1 ? " user matches" : " users match") + " the " +
                                                        words(m.personas[pi].name) + " persona");
    }
    // 3. What makes the PQL rule hold, in rule order.
    if (m.rule) rule_reasons(v, s, *m.rule, r);
    // 4. The event types (and signals) that bring the most engagement points.
    struct Top {
        double points;
        std::string name;
        uint32_t count;
    };
    std::vector<Top> top;
    double total = 0;
    auto take = [&](uint32_t t) {
        const double p = v.scorer.weight(ix.types[t].type) * v.scorer.figure(t).capped;
        if (p > 0) total += p;
        if (p > 0) top.push_back({p, v.scorer.type_name(m, ix.types[t].type), v.scorer.figure(t).in_window});
    };
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) take(t);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) take(t);
    std::stable_sort(top.begin(), top.end(), [](const Top& a, const Top& b) { return a.points > b.points; });
    for (auto& t : top) {
        if (r.out.size() >= n) break;
        const double share = total > 0 ? t.points / total : 0;
        if (share < 0.1) break;
        r.add("event." + t.name, num(t.count) + " × " + words(t.name) + " " + days(m.window_days) + " (" +
                                     num(std::round(share * 100)) + "% of engagement)");
    }
    // 5. Matched fit rules, most points first.
    std::vector<const FitRule*> fits;
    for (auto& fr : m.rules)
        if (fr.points > 0 && fr.persona.empty()) fits.push_back(&fr);
    std::stable_sort(fits.begin(), fits.end(),
                     [](const FitRule* a, const FitRule* b) { return a->points > b->points; });
    for (const FitRule* fr : fits) {
        const Value* t = v.scorer.trait(s, fr->trait);
        if (!t || !fr->test.matches(t)) continue;
        r.add("trait." + fr->trait, words(fr->trait) + " is " + value_text(*t));
    }
    // 6. Activation, when nothing stronger filled the list.
    if (s.activated && !m.steps.empty())
        r.add("activation", "activated: " + num(static_cast<double>(s.steps_completed)) + " of " +
                                num(static_cast<double>(m.steps.size())) + " steps done");
    return r.out;
}

}  // namespace pql
