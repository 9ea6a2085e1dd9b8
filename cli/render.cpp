// Text renderers for the terminal: tables and reports built from the engine's results.
#include "render.hpp"
#include "render_lifecycle.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pql/engine.hpp"
#include "pql/model.hpp"
#include "pql/time.hpp"

namespace pql::cli {

namespace {

// Display width in code points, for aligned tables of UTF-8 text.
size_t width(const std::string& s) {
    size_t w = 0;
    for (unsigned char c : s) w += (c & 0xC0) != 0x80;
    return w;
}

std::string clip(const std::string& s, size_t max) {
    if (width(s) <= max) return s;
    std::string out;
    size_t w = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = s[i];
        if ((c & 0xC0) != 0x80 && ++w > max - 1) break;
        out += s[i];
    }
    return out + "…";
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// A missing figure (or one the JSON would write as null: not finite) is "-".
std::string pct(const std::optional<double>& v) { return v && std::isfinite(*v) ? fixed(100 * *v, 1) + "%" : "-"; }
std::string num2(const std::optional<double>& v) { return v && std::isfinite(*v) ? fixed(*v, 2) : "-"; }

// "report_created +12.0, error_shown -3.0"
std::string top_events(const std::vector<EventPoints>& events) {
    std::string out;
    for (auto& e : events) {
        if (!out.empty()) out += ", ";
        out += e.event + (e.points > 0 ? " +" : " ") + fixed(e.points, 1);
    }
    return out;
}

}  // namespace

std::string score_table(const Ranking& run) {
    const size_t n = run.rows.size();
    std::string out;
    {
        std::vector<std::vector<std::string>> rows = {
            {"rank", "id", "name", "score", "tier", "grade", "PQL", "top events"}};
        for (const RankedEntity& r : run.rows)
            rows.push_back({std::to_string(r.rank), clip(r.id, 24), clip(r.name.value_or(""), 24), fixed(r.score, 1),
                            r.tier ? clip(*r.tier, 10) : "-", r.grade.empty() ? "-" : r.grade, r.qualified ? "yes" : "",
                            top_events(r.top_events)});
        std::vector<size_t> w(rows[0].size(), 0);
        for (auto& r : rows)
            for (size_t c = 0; c < r.size(); ++c) w[c] = std::max(w[c], width(r[c]));
        for (auto& r : rows) {
            std::string line;
            for (size_t c = 0; c < r.size(); ++c) {
                const bool right = c == 0 || c == 3;
                const std::string pad(w[c] - width(r[c]), ' ');
                line += right ? pad + r[c] : r[c] + (c + 1 < r.size() ? pad : "");
                if (c + 1 < r.size()) line += "  ";
            }
            out += line + "\n";
        }
        out += "\n" + std::to_string(run.entities) + " entities, " + std::to_string(run.qualified) +
               " qualified (PQL), as of " + format_iso(run.as_of);
        if (run.unassigned) out += ", " + std::to_string(run.unassigned) + " events without an account";
        if (n < run.entities) out += "; showing the top " + std::to_string(n) + " (--top N)";
        out += "\n";
    }
    return out;
}

std::string explain_text(const Explanation& x) {
    const EntityRow& r = x.row;
    // A number as the JSON had it, or "-" where the JSON says null (not finite).
    auto num = [](double v, int d) { return std::isfinite(v) ? fixed(v, d) : std::string("-"); };
    auto opt_iso = [](const std::optional<int64_t>& t) { return t ? format_iso(*t) : std::string("null"); };
    std::string o;
    o += r.id + (r.name ? " (" + *r.name + ")" : "") + "\n";
    o += "  rank " + std::to_string(r.rank) + ", score " + num(r.score, 2) + ", tier " + r.tier.value_or("null") +
         ", grade " + r.grade.value_or("null") + ", " + (r.qualified ? "PQL" : "not a PQL") + ", as of " +
         format_iso(x.as_of) + "\n";
    o += "  score = (" + num(x.w_activation, 0) + " x activation " + num(r.activation, 1) + " + " +
         num(x.w_engagement, 0) + " x engagement " + num(r.engagement, 1) + " + " + num(x.w_fit, 0) + " x fit " +
         num(r.fit, 1) + ") / " + fixed(x.w_activation + x.w_engagement + x.w_fit, 0) + "\n\n";
    // The call-ready part first (docs/model.md): reasons, the top people, the last key events.
    if (!x.reasons.empty()) {
        o += "Why call:\n";
        for (auto& why : x.reasons) o += "  - " + why + "\n";
        o += "\n";
    }
    if (!x.people.empty()) {
        o += "People (by engagement points):\n";
        for (size_t k = 0; k < x.people.size() && k < 5; ++k) {
            const ExplainedPerson& p = x.people[k];
            std::string line = "  " + p.user;
            for (auto& [name, val] : p.traits)
                if (name == "title")
                    line += " (" +
                            (std::holds_alternative<std::string>(val) ? std::get<std::string>(val) : json_text(val)) +
                            ")";
            for (auto& n : p.personas) line += " [" + n + "]";
            line += ": " + num(p.points, 1) + " points, " + std::to_string(p.events) + " events, last seen " +
                    opt_iso(p.last_seen);
            std::string top;
            for (auto& a : p.top_actions) top += (top.empty() ? "" : ", ") + a.event + " x" + std::to_string(a.count);
            o += line + (top.empty() ? "" : "; " + top) + "\n";
        }
        o += "\n";
    }
    if (!x.recent_events.empty()) {
        o += "Last key events:\n";
        for (auto& e : x.recent_events) o += "  " + format_iso(e.at) + "  " + e.event + "  " + e.user + "\n";
        o += "\n";
    }
    o += "Engagement: " + num(r.engagement_points, 2) + " points in the window\n";
    for (auto& e : x.events)
        o += "  " + e.event + (e.signal ? " (signal)" : "") + ": " + std::to_string(e.count) + " events, decayed " +
             num(e.decayed, 2) + (e.cap ? ", capped at " + num(*e.cap, 2) : "") + " x weight " + num(e.weight, 2) +
             " = " + num(e.points, 2) + "\n";
    o += "\nActivation: " + std::to_string(r.steps_completed) + " of " + std::to_string(x.steps.size()) + " steps (" +
         std::to_string(x.required) + " required), " +
         (r.activated ? "activated at " + opt_iso(r.activated_at) : "not activated") + "\n";
    for (auto& s : x.steps)
        o += std::string("  [") + (s.met ? "x" : " ") + "] " + s.name + ": " + std::to_string(s.count) + "/" +
             std::to_string(s.min_count) + " events, " + std::to_string(s.users) + "/" + std::to_string(s.min_users) +
             " users\n";
    o += "\nFit: " + num(r.fit, 1) + "\n";
    for (auto& f : x.fit_rules) {
        std::string value;
        if (f.value.shape == TestValue::One) value = " " + json_text(f.value.values.at(0));
        else if (f.value.shape == TestValue::List) {
            value = " [";
            for (size_t i = 0; i < f.value.values.size(); ++i) value += (i ? "," : "") + json_text(f.value.values[i]);
            value += "]";
        }
        o += std::string("  [") + (f.matched ? "x" : " ") + "] " +
             (f.persona ? "persona " + *f.persona : f.trait.value_or("")) + " " + f.op + value + " (" +
             num(f.points, 0) + " points); value: " + json_text(f.actual) + "\n";
    }
    const auto& q = x.qualification;
    o += "\nQualification: score " + num(r.score, 2) + (q.score_ok ? " >= " : " < ") + num(q.min_score, 2);
    if (q.require_activation) o += std::string(", activation ") + (r.activated ? "met" : "not met");
    if (x.rule) {
        o += std::string(", rule ") + (q.rule_ok.value_or(false) ? "holds" : "fails");
        for (auto& f : q.failed_leaves) o += "\n  failed: " + f;
    }
    // SPEC §7: customer, PQL since, segments, personas.
    if (x.customer.converted)
        o += "\n\nCustomer since " + opt_iso(x.customer.converted_at) +
             (x.customer.include_customers ? " (customers may qualify)" : " (so not a lead)");
    if (r.qualified_at)
        o += "\n\nPQL since " + format_iso(*r.qualified_at) + " (" +
             (r.days_qualified ? std::to_string(*r.days_qualified) : "null") + " days); first qualified " +
             opt_iso(r.first_qualified_at);
    else if (r.first_qualified_at)
        o += "\n\nFirst qualified " + format_iso(*r.first_qualified_at) + ", not qualified now";
    if (!x.segments.empty()) {
        o += "\n\nSegments:";
        for (auto& sg : x.segments)
            o += std::string("\n  [") + (sg.listed ? "x" : " ") + "] " + sg.name +
                 (sg.holds && !sg.listed ? " (holds, but not a PQL)" : "");
    }
    if (!x.personas.empty()) {
        o += "\n\nPersonas:";
        for (auto& [name, users] : x.personas) {
            o += "\n  " + name + ": " + std::to_string(users.size()) + " user(s)";
            size_t k = 0;
            for (auto& u : users) {
                if (k++ == 10) {
                    o += ", ...";
                    break;
                }
                o += (k == 1 ? " " : ", ") + u;
            }
        }
    }
    o += "\n\nMetrics:\n";
    for (auto& [k, val] : x.metrics) o += "  " + k + " = " + json_text(val) + "\n";
    return o;
}

std::string backtest_text(const Backtest& b) {
    std::string out = "Backtest at " + format_iso(b.as_of) + ", horizon " + std::to_string(b.horizon_days) +
                      " days\n  population " + std::to_string(b.population) + ", conversions " +
                      std::to_string(b.conversions) + ", base rate " + pct(b.base_rate) + ", ROC AUC " + num2(b.auc) +
                      "\n\n";
    out += "  PQL flag: precision " + pct(b.pql.precision) + ", recall " + pct(b.pql.recall) +
           ", false-positive rate " + pct(b.pql.fpr) + "\n";
    auto group = [](const OutcomeGroup& x) {
        return std::to_string(x.count) + " entities, " + std::to_string(x.conversions) + " converted (" + pct(x.rate) +
               ", lift " + num2(x.lift) + ")\n";
    };
    out += "    qualified: " + group(b.pql.qualified);
    out += "    not_qualified: " + group(b.pql.not_qualified);
    out += "\n  By tier:\n";
    for (auto& t : b.tiers) out += "    " + t.name + ": " + group(t.group);
    out += "\n  Top of the ranking:";
    for (auto& p : b.precision_at)
        out += " @" + std::to_string(p.k) + " precision " + pct(p.precision) + " recall " + pct(p.recall) + ";";
    out += "\n\n  Threshold sweep (min_score: PQLs, precision, recall):\n";
    for (auto& s : b.sweep)
        out += "    " + std::to_string(s.min_score) + ": " + std::to_string(s.qualified) + ", " + pct(s.precision) +
               ", " + pct(s.recall) + "\n";
    out += "\n  Signals (event: did, conversion rate if done vs not, lift):\n";
    for (auto& s : b.signals)
        out += "    " + s.event + ": " + std::to_string(s.did) + ", " + pct(s.did_rate) + " vs " + pct(s.not_rate) +
               ", lift " + num2(s.lift) + "\n";
    return out + backtest_lifecycle_text(b);
}

std::string suggest_text(const Suggestions& s) {
    std::string out = "Suggestions at " + format_iso(s.as_of) + " (" + std::to_string(s.population) + " entities, " +
                      std::to_string(s.conversions) + " conversions in " + std::to_string(s.horizon_days) +
                      " days)\n\nActivation steps:\n";
    for (const SuggestedStep& step : s.activation_steps)
        out += "  " + step.event + " >= " + std::to_string(step.min_count) + ": converts " + pct(step.did_rate) +
               " vs " + pct(step.not_rate) + " (coverage " + pct(step.coverage) + ")\n";
    const SuggestedWeights& w = s.weights;
    out += "\nWeights (logistic regression trained at " + format_iso(w.train_as_of) + "; holdout AUC " +
           num2(w.fit.holdout_auc) + ", your model " + num2(w.current_auc) + ", your model with these weights " +
           num2(w.fit.suggested_model_auc) + "):\n";
    for (auto& [event, weight] : w.fit.weights) out += "  " + event + ": " + json_text(Value(weight)) + "\n";
    const CapacitySuggestion& c = s.capacity;
    out += "\nCapacity: " + std::to_string(c.per_week) + " leads a week -> min_score " + json_text(Value(c.min_score)) +
           " (" + std::to_string(c.qualified) + " PQLs, precision " + pct(c.precision) + ", recall " + pct(c.recall) +
           ")\n";
    return out + suggest_lifecycle_text(s);
}

std::string compare_text(const Comparison& c) {
    auto run = [](const char* side, const ComparedRun& r) {
        return std::string(side) + ": " + std::to_string(r.entities) + " entities, " + std::to_string(r.qualified) +
               " PQLs (as of " + format_iso(r.as_of) + ")\n";
    };
    std::string out = run("A", c.a) + run("B", c.b) + std::to_string(c.moved) + " changed tier; " +
                      std::to_string(c.qualified_gained) + " became PQLs, " + std::to_string(c.qualified_lost) +
                      " stopped being PQLs\n\nTier migration:\n";
    for (const TierMove& m : c.migration)
        if (m.from != m.to) out += "  " + std::to_string(m.count) + " " + m.from + " -> " + m.to + "\n";
    for (const char* way : {"up", "down"}) {
        out += std::string("\nBiggest movers ") + way + ":\n";
        for (const Mover& m : way[0] == 'u' ? c.movers_up : c.movers_down) {
            out += "  " + m.id + ": " + num2(m.score_a) + " -> " + num2(m.score_b) + " (" + (m.delta > 0 ? "+" : "") +
                   num2(m.delta) + ")";
            std::string parts;
            for (const MoverEvent& e : m.events) {
                if (parts.size() > 60) break;
                parts += (parts.empty() ? "" : ", ") + std::string(e.delta > 0 ? "+" : "") + num2(e.delta) +
                         " points from " + e.event;
            }
            out += parts.empty() ? "\n" : "; " + parts + "\n";
        }
    }
    return out + compare_quality_text(c);
}

}  // namespace pql::cli
