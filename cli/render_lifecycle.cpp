#include "render_lifecycle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "pql/explanation.hpp"  // json_text
#include "pql/time.hpp"

namespace pql::cli {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
// A missing figure (or one the JSON would write as null: not finite) is "-".
std::string pct(const std::optional<double>& v) { return v && std::isfinite(*v) ? fixed(100 * *v, 1) + "%" : "-"; }
std::string num(const std::optional<double>& v, int decimals = 2) {
    return v && std::isfinite(*v) ? fixed(*v, decimals) : "-";
}
std::string count(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }
// A trait value as it reads: a string as it is, a number or boolean as JSON writes it.
std::string text(const Value& v) {
    return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : json_text(v);
}

// Columns padded to their widest cell; the first left-aligned, the rest right-aligned.
std::string table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> w;
    for (auto& r : rows)
        for (size_t c = 0; c < r.size(); ++c) {
            if (w.size() <= c) w.push_back(0);
            w[c] = std::max(w[c], r[c].size());
        }
    std::string out;
    for (auto& r : rows) {
        std::string line;
        for (size_t c = 0; c < r.size(); ++c) {
            const std::string pad(w[c] - r[c].size(), ' ');
            line += (c ? "  " : "") + (c == 0 ? r[c] + pad : pad + r[c]);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace

std::string funnel_text(const FunnelReport& f) {
    std::vector<std::vector<std::string>> rows = {
        {"cohort", "signups", "activated", "days", "PQL", "days", "customer", "after PQL", "PQL->paid", "days"}};
    auto row = [&](const std::string& name, const FunnelRow& r) {
        rows.push_back({name, count(r.entities), count(r.activated) + " " + pct(r.activation_rate),
                        num(r.median_days_to_activate, 1), count(r.became_pql) + " " + pct(r.pql_rate),
                        num(r.median_days_to_pql, 1),
                        r.converted ? count(r.converted) + " " + pct(r.conversion_rate) : "-",
                        count(r.converted_after_pql), pct(r.pql_to_customer_rate), num(r.median_days_pql_to_paid, 1)});
    };
    for (const FunnelRow& c : f.cohorts) row(c.cohort, c);
    row("all", f.all);
    std::string out = "Funnel by signup " + std::string(f.cohort == CohortBy::Week ? "week" : "month") +
                      " (first event), as of " + format_iso(f.as_of) + "; days are medians\n\n" + table(rows);
    if (!f.all.converted) out += "\nNo conversions: set \"conversion_event\" in the model or give --outcomes.\n";
    return out;
}

std::string backtest_lifecycle_text(const Backtest& b) {
    std::string out = "\n  PQLs that did not convert: " + pct(b.pql.false_positive_share) + " of PQLs";
    const auto& lost = b.lost_pqls;
    if (!lost.empty()) {
        out += "; to review (rank order):";
        for (size_t i = 0; i < lost.size() && i < 20; ++i) out += (i ? ", " : " ") + lost[i];
        if (lost.size() > 20) out += ", ... (" + std::to_string(lost.size()) + " listed in --format json)";
    }
    out += "\n\n  Calibration (score decile, 1 = top: entities, converted, rate, lift, scores):\n";
    for (auto& c : b.calibration)
        out += "    D" + std::to_string(c.decile) + ": " + std::to_string(c.count) + ", " +
               std::to_string(c.conversions) + ", " + pct(c.rate) + ", lift " + num(c.lift, 2) + ", " +
               num(c.min_score, 1) + "-" + num(c.max_score, 1) + "\n";
    return out;
}

std::string suggest_lifecycle_text(const Suggestions& s) {
    std::string out = "  " + s.capacity.note + "\n";
    const SuggestedWeights& w = s.weights;
    if (!w.explanations.empty()) {
        out += "\nNegative weights:\n";
        for (const NegativeWeight& e : w.explanations)
            out += "  " + e.event + " (" + num(e.weight, 1) + "): " + e.note + "\n";
    }
    if (w.non_negative) {
        const WeightFit& nn = *w.non_negative;
        out += "\nNon-negative weights (holdout AUC " + num(nn.holdout_auc) + ", your model with these weights " +
               num(nn.suggested_model_auc) + "):\n";
        for (auto& [event, weight] : nn.weights)
            if (weight != 0) out += "  " + event + ": " + json_text(Value(weight)) + "\n";
    }
    out += "\nTraits (value or band: entities, conversion rate, lift):\n";
    for (const TraitSuggestion& t : s.fit.traits) {
        out += "  " + t.trait + " (" + (t.numeric ? "numeric" : "categorical") + "):";
        for (const TraitGroup& g : t.values) {
            const auto* band = std::get_if<TraitBand>(&g.value);
            out += " " + (band ? num(band->lo, 0) + "-" + num(band->hi, 0) : text(std::get<Value>(g.value))) + " " +
                   std::to_string(g.count) + "/" + pct(g.rate) + "/" + num(g.lift, 1) + "x;";
        }
        out += "\n";
    }
    out += "\nSuggested fit rules:\n";
    if (s.fit.rules.empty()) out += "  (none: no trait value separates converters clearly)\n";
    // Each rule as the model's JSON would have it, ready to paste.
    for (const SuggestedFitRule& r : s.fit.rules) {
        std::string value;
        if (r.value.shape == TestValue::One) value = json_text(r.value.values.at(0));
        else if (r.value.shape == TestValue::List) {
            value = "[";
            for (size_t i = 0; i < r.value.values.size(); ++i) value += (i ? "," : "") + json_text(r.value.values[i]);
            value += "]";
        }
        out += "  {\"trait\": " + json_text(Value(r.trait)) + ", \"op\": " + json_text(Value(r.op)) +
               (value.empty() ? std::string() : ", \"value\": " + value) + ", \"points\": " + num(r.points, 0) +
               "}  (lift " + num(r.lift, 2) + ", " + std::to_string(r.count) + " entities)\n";
    }
    return out;
}

std::string compare_quality_text(const Comparison& c) {
    if (!c.quality) return "\nQuality: no conversions to judge by (set \"conversion_event\" or give --outcomes).\n";
    const CompareQuality& q = *c.quality;
    std::vector<std::vector<std::string>> rows = {{"figure", "A", "B", "better"}};
    for (const QualityFigure& m : q.metrics) {
        const bool share = m.metric != "auc" && m.metric != "pql_lift";
        rows.push_back(
            {m.metric, share ? pct(m.a) : num(m.a, 3), share ? pct(m.b) : num(m.b, 3), m.better.value_or("-")});
    }
    std::string out = "\nQuality at " + format_iso(q.as_of) + ", horizon " + std::to_string(q.horizon_days) +
                      " days (" + std::to_string(q.population) + " entities, " + std::to_string(q.conversions) +
                      " conversions):\n" + table(rows);
    out += "A is better on " + std::to_string(q.better_a) + ", B on " + std::to_string(q.better_b) + "\n";
    return out;
}

}  // namespace pql::cli
