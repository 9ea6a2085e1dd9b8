// Fit suggestions: which traits converters share. Per trait, the conversion lift of each value
// (categorical traits) or quartile band (numeric traits), and fit rules for the clear ones.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>

#include "suggest_parts.hpp"

namespace pql {

namespace {

constexpr size_t kMaxValues = 12;          // values listed per categorical trait (the rest: other)
constexpr size_t kMaxDistinct = 50;        // more distinct text values: an id or a name, not a segment
constexpr size_t kMinNumericDistinct = 5;  // fewer distinct numbers read as categories
constexpr size_t kMaxRules = 10;
constexpr double kNumericShare = 0.8;  // of the present values, to read a trait as numeric

// A group of entities by their value (or band) of one trait, and the fit rule that matches
// exactly this group (none for the groups "(not a number)" and "(other)").
struct Group {
    std::variant<Value, TraitBand> label;
    std::optional<std::pair<std::string, TestValue>> rule;  // op, value
    double count = 0, conversions = 0;
};

// Values grouped as §3's eq compares them: strings case-insensitively, numbers numerically.
std::string key_of(const Value& v) {
    if (auto* s = std::get_if<std::string>(&v)) {
        std::string k = "s";
        for (char c : *s) k += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        return k;
    }
    if (std::holds_alternative<double>(v)) return "n" + json_text(v);
    return std::get<bool>(v) ? "btrue" : "bfalse";
}

TraitGroup group_of(const Group& g, const std::optional<double>& base, double population) {
    TraitGroup t;
    t.value = g.label;
    t.count = static_cast<int64_t>(g.count);
    t.conversions = static_cast<int64_t>(g.conversions);
    t.rate = share(g.conversions, g.count);
    t.lift = lift_of(t.rate, base);
    t.coverage = share(g.count, population);
    return t;
}

TestValue one(const Value& v) { return {TestValue::One, {v}}; }

}  // namespace

Suggestions::Fit suggest_fit(const Evaluation& ev) {
    const Index& ix = ev.scorer.index();
    const double population = static_cast<double>(ev.pop.size());
    const double base_rate = population > 0 ? ev.conversions / population : 0;
    const std::optional<double> base = share(static_cast<double>(ev.conversions), population);
    std::set<std::string> names;
    for (auto* s : ev.pop)
        for (auto& [k, v] : ix.entities[s->entity].traits) names.insert(k);

    Suggestions::Fit fit;
    struct RuleCandidate {
        double strength;  // |log2 lift|
        std::string trait;
        std::pair<std::string, TestValue> rule;
        double lift, count;
    };
    std::vector<RuleCandidate> candidates;
    const double min_count = std::max(5.0, 0.02 * population);
    for (const std::string& name : names) {
        std::vector<std::pair<const Value*, bool>> present;  // value, converted
        Group missing{Value(std::string("(missing)")), std::make_pair(std::string("missing"), TestValue{}), 0, 0};
        for (size_t i = 0; i < ev.pop.size(); ++i) {
            const Value* v = ev.scorer.trait(*ev.pop[i], name);
            if (v) present.emplace_back(v, ev.positive[i]);
            else {
                ++missing.count;
                missing.conversions += ev.positive[i];
            }
        }
        // Numeric when most values are numbers (a few "n/a" or "1,200" in an export are common):
        // the rest are reported as one group of their own.
        std::set<double> distinct_numbers;
        size_t numbers = 0;
        for (auto& [v, pos] : present)
            if (auto d = numeric_value(*v); d && !std::holds_alternative<bool>(*v)) {
                ++numbers;
                distinct_numbers.insert(*d);
            }
        const bool numeric =
            numbers > 0 && numbers >= kNumericShare * present.size() && distinct_numbers.size() >= kMinNumericDistinct;
        std::vector<Group> groups;
        TraitSuggestion t;
        t.trait = name;
        t.numeric = numeric;
        if (numeric) {
            // Quartile bands by rank, ties kept together: each band is [lo, hi] of the values in it.
            std::vector<std::pair<double, bool>> vals;
            Group text{Value(std::string("(not a number)")), std::nullopt, 0, 0};
            for (auto& [v, pos] : present) {
                if (auto d = numeric_value(*v); d && !std::holds_alternative<bool>(*v)) vals.emplace_back(*d, pos);
                else {
                    ++text.count;
                    text.conversions += pos;
                }
            }
            std::sort(vals.begin(), vals.end());
            const size_t m = vals.size();
            size_t begin = 0;
            for (int q = 1; q <= 4 && begin < m; ++q) {
                size_t end = q == 4 ? m : std::max(begin + 1, m * q / 4);
                while (end < m && vals[end].first == vals[end - 1].first) ++end;
                Group g;
                const double lo = vals[begin].first, hi = vals[end - 1].first;
                g.label = TraitBand{lo, hi};
                // The first band reaches down and the last up, so unseen extremes fall in them.
                if (begin == 0 && end == m) g.rule = {"exists", TestValue{}};
                else if (begin == 0) g.rule = {"lte", one(hi)};
                else if (end == m) g.rule = {"gte", one(lo)};
                else g.rule = {"between", TestValue{TestValue::List, {lo, hi}}};
                for (size_t i = begin; i < end; ++i) {
                    ++g.count;
                    g.conversions += vals[i].second;
                }
                groups.push_back(g);
                begin = end;
            }
            if (text.count > 0) groups.push_back(text);
        } else {
            std::map<std::string, Group> by_key;
            for (auto& [v, pos] : present) {
                Group& g = by_key[key_of(*v)];
                if (g.count == 0) {
                    g.label = *v;
                    g.rule = {"eq", one(*v)};
                }
                ++g.count;
                g.conversions += pos;
            }
            if (by_key.size() > kMaxDistinct) continue;  // an identifier or free text
            for (auto& [k, g] : by_key) groups.push_back(g);
            // Ties by the value's JSON text (a value label is never a band here).
            std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) {
                return a.count != b.count ? a.count > b.count
                                          : json_text(std::get<Value>(a.label)) < json_text(std::get<Value>(b.label));
            });
            if (groups.size() > kMaxValues) {
                Group other{Value(std::string("(other)")), std::nullopt, 0, 0};
                for (size_t i = kMaxValues; i < groups.size(); ++i) {
                    other.count += groups[i].count;
                    other.conversions += groups[i].conversions;
                }
                groups.resize(kMaxValues);
                groups.push_back(other);
            }
        }
        if (missing.count > 0) groups.push_back(missing);
        t.coverage = share(static_cast<double>(present.size()), population);
        for (const Group& g : groups) {
            t.values.push_back(group_of(g, base, population));
            // A rule needs enough entities and, to be trusted, enough conversions (or, for a
            // penalty, enough expected conversions that are missing).
            if (!g.rule || g.count < min_count || base_rate <= 0 || groups.size() < 2) continue;
            const double l = g.conversions / g.count / base_rate;
            if (l >= 1.5 && g.conversions >= 3) candidates.push_back({std::log2(l), name, *g.rule, l, g.count});
            else if (l <= 0.5 && g.count * base_rate >= 3)
                candidates.push_back({l > 0 ? -std::log2(l) : 4.0, name, *g.rule, l, g.count});
        }
        fit.traits.push_back(std::move(t));
    }

    // Points in proportion to log2 lift: 2x lift = 20 points, capped at +-50; penalties negative.
    std::sort(candidates.begin(), candidates.end(), [](const RuleCandidate& a, const RuleCandidate& b) {
        return a.strength != b.strength ? a.strength > b.strength : a.trait < b.trait;
    });
    for (size_t i = 0; i < candidates.size() && i < kMaxRules; ++i) {
        const RuleCandidate& c = candidates[i];
        const double magnitude = std::min(50.0, std::max(5.0, std::round(20 * c.strength)));
        SuggestedFitRule r;
        r.trait = c.trait;
        r.op = c.rule.first;
        r.value = c.rule.second;
        r.points = c.lift >= 1 ? magnitude : -magnitude;
        r.lift = c.lift;
        r.count = static_cast<int64_t>(c.count);
        fit.rules.push_back(std::move(r));
    }
    return fit;
}

}  // namespace pql
