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

// "report_created +12.0, error_shown -3.0"
std::string top_events(const std::vector<EventPoints>& events) {
    std::string out;
    for (auto& e : events) {
        if (!out.empty()) out += ", ";
        out += e.event + (e.points > 0 ? " +" : " ") + fixed(e.points, 1);
    }
    return out;
}

std::string pct(const nlohmann::ordered_json& v) { return v.is_number() ? fixed(100 * v.get<double>(), 1) + "%" : "-"; }
std::string num2(const nlohmann::ordered_json& v) { return v.is_number() ? fixed(v.get<double>(), 2) : "-"; }

}  // namespace

std::string score_table(const Ranking& run) {
    const size_t n = run.rows.size();
    std::string out;
    {
        std::vector<std::vector<std::string>> rows = {{"rank", "id", "name", "score", "tier", "grade", "PQL", "top events"}};
        for (const RankedEntity& r : run.rows)
            rows.push_back({std::to_string(r.rank), clip(r.id, 24), clip(r.name.value_or(""), 24), fixed(r.score, 1),
                            r.tier ? clip(*r.tier, 10) : "-", r.grade.empty() ? "-" : r.grade,
                            r.qualified ? "yes" : "", top_events(r.top_events)});
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

std::string explain_text(const nlohmann::ordered_json& j) {
    auto str = [](const nlohmann::ordered_json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
    auto num = [](const nlohmann::ordered_json& v, int d) { return v.is_number() ? fixed(v.get<double>(), d) : std::string("-"); };
    std::string o;
    o += str(j["id"]) + (j["name"].is_null() ? "" : " (" + str(j["name"]) + ")") + "\n";
    o += "  rank " + str(j["rank"]) + ", score " + num(j["score"], 2) + ", tier " + str(j["tier"]) + ", grade " +
         str(j["grade"]) + ", " + (j["qualified"].get<bool>() ? "PQL" : "not a PQL") + ", as of " + str(j["as_of"]) + "\n";
    o += "  score = (" + num(j["weights"]["activation"], 0) + " x activation " + num(j["activation"], 1) + " + " +
         num(j["weights"]["engagement"], 0) + " x engagement " + num(j["engagement"], 1) + " + " +
         num(j["weights"]["fit"], 0) + " x fit " + num(j["fit"], 1) + ") / " +
         fixed(j["weights"]["activation"].get<double>() + j["weights"]["engagement"].get<double>() +
                   j["weights"]["fit"].get<double>(), 0) + "\n\n";
    // The call-ready part first (docs/model.md): reasons, the top people, the last key events.
    if (j.contains("reasons") && !j["reasons"].empty()) {
        o += "Why call:\n";
        for (auto& r : j["reasons"]) o += "  - " + str(r) + "\n";
        o += "\n";
    }
    if (j.contains("people") && !j["people"].empty()) {
        o += "People (by engagement points):\n";
        size_t k = 0;
        for (auto& p : j["people"]) {
            if (k++ == 5) break;
            std::string line = "  " + str(p["user"]);
            if (p["traits"].contains("title")) line += " (" + str(p["traits"]["title"]) + ")";
            for (auto& n : p["personas"]) line += " [" + str(n) + "]";
            line += ": " + num(p["points"], 1) + " points, " + str(p["events"]) + " events, last seen " + str(p["last_seen"]);
            std::string top;
            for (auto& a : p["top_actions"]) top += (top.empty() ? "" : ", ") + str(a["event"]) + " x" + str(a["count"]);
            o += line + (top.empty() ? "" : "; " + top) + "\n";
        }
        o += "\n";
    }
    if (j.contains("recent_events") && !j["recent_events"].empty()) {
        o += "Last key events:\n";
        for (auto& e : j["recent_events"]) o += "  " + str(e["at"]) + "  " + str(e["event"]) + "  " + str(e["user"]) + "\n";
        o += "\n";
    }
    o += "Engagement: " + num(j["engagement_points"], 2) + " points in the window\n";
    for (auto& e : j["events_breakdown"])
        o += "  " + str(e["event"]) + (e.contains("signal") ? " (signal)" : "") + ": " + str(e["count"]) + " events, decayed " + num(e["decayed"], 2) +
             (e["cap"].is_null() ? "" : ", capped at " + num(e["cap"], 2)) + " x weight " + num(e["weight"], 2) +
             " = " + num(e["points"], 2) + "\n";
    o += "\nActivation: " + str(j["steps_completed"]) + " of " + std::to_string(j["steps"].size()) + " steps (" +
         str(j["required"]) + " required), " + (j["activated"].get<bool>() ? "activated at " + str(j["activated_at"]) : "not activated") + "\n";
    for (auto& s : j["steps"])
        o += std::string("  [") + (s["met"].get<bool>() ? "x" : " ") + "] " + str(s["name"]) + ": " + str(s["count"]) +
             "/" + str(s["min_count"]) + " events, " + str(s["users"]) + "/" + str(s["min_users"]) + " users\n";
    o += "\nFit: " + num(j["fit"], 1) + "\n";
    for (auto& r : j["fit_rules"])
        o += std::string("  [") + (r["matched"].get<bool>() ? "x" : " ") + "] " +
             (r.contains("persona") ? "persona " + str(r["persona"]) : str(r["trait"])) + " " + str(r["op"]) +
             (r.contains("value") ? " " + r["value"].dump() : "") + " (" + num(r["points"], 0) + " points); value: " +
             r["actual"].dump() + "\n";
    o += "\nQualification: score " + num(j["score"], 2) + (j["qualification"]["score_ok"].get<bool>() ? " >= " : " < ") +
         num(j["qualification"]["min_score"], 2);
    if (j["qualification"]["require_activation"].get<bool>())
        o += std::string(", activation ") + (j["activated"].get<bool>() ? "met" : "not met");
    if (!j["rule"].is_null()) {
        o += std::string(", rule ") + (j["qualification"]["rule_ok"].get<bool>() ? "holds" : "fails");
        for (auto& f : j["qualification"]["failed_leaves"]) o += "\n  failed: " + str(f);
    }
    // SPEC §7: customer, PQL since, segments, personas.
    if (j.contains("customer") && j["customer"]["converted"].get<bool>())
        o += "\n\nCustomer since " + str(j["customer"]["converted_at"]) +
             (j["customer"]["include_customers"].get<bool>() ? " (customers may qualify)" : " (so not a lead)");
    if (j.contains("qualified_at") && !j["qualified_at"].is_null())
        o += "\n\nPQL since " + str(j["qualified_at"]) + " (" + str(j["days_qualified"]) + " days); first qualified " +
             str(j["first_qualified_at"]);
    else if (j.contains("first_qualified_at") && !j["first_qualified_at"].is_null())
        o += "\n\nFirst qualified " + str(j["first_qualified_at"]) + ", not qualified now";
    if (j.contains("segments_breakdown") && !j["segments_breakdown"].empty()) {
        o += "\n\nSegments:";
        for (auto& sg : j["segments_breakdown"])
            o += std::string("\n  [") + (sg["listed"].get<bool>() ? "x" : " ") + "] " + str(sg["name"]) +
                 (sg["holds"].get<bool>() && !sg["listed"].get<bool>() ? " (holds, but not a PQL)" : "");
    }
    if (j.contains("personas") && !j["personas"].empty()) {
        o += "\n\nPersonas:";
        for (auto it = j["personas"].begin(); it != j["personas"].end(); ++it) {
            o += "\n  " + it.key() + ": " + std::to_string(it.value().size()) + " user(s)";
            size_t k = 0;
            for (auto& u : it.value()) {
                if (k++ == 10) {
                    o += ", ...";
                    break;
                }
                o += (k == 1 ? " " : ", ") + str(u);
            }
        }
    }
    o += "\n\nMetrics:\n";
    for (auto it = j["metrics"].begin(); it != j["metrics"].end(); ++it) o += "  " + it.key() + " = " + it.value().dump() + "\n";
    return o;
}

std::string backtest_text(const nlohmann::ordered_json& j) {
    std::string out = "Backtest at " + j["as_of"].get<std::string>() + ", horizon " + std::to_string(j["horizon_days"].get<int64_t>()) +
                      " days\n  population " + j["population"].dump() + ", conversions " + j["conversions"].dump() +
                      ", base rate " + pct(j["base_rate"]) + ", ROC AUC " + num2(j["auc"]) + "\n\n";
    out += "  PQL flag: precision " + pct(j["pql"]["precision"]) + ", recall " + pct(j["pql"]["recall"]) +
           ", false-positive rate " + pct(j["pql"]["fpr"]) + "\n";
    for (const char* g : {"qualified", "not_qualified"}) {
        const auto& x = j["pql"][g];
        out += std::string("    ") + g + ": " + x["count"].dump() + " entities, " + x["conversions"].dump() +
               " converted (" + pct(x["rate"]) + ", lift " + num2(x["lift"]) + ")\n";
    }
    out += "\n  By tier:\n";
    for (auto& t : j["tiers"])
        out += "    " + t["name"].get<std::string>() + ": " + t["count"].dump() + " entities, " + t["conversions"].dump() +
               " converted (" + pct(t["rate"]) + ", lift " + num2(t["lift"]) + ")\n";
    out += "\n  Top of the ranking:";
    for (auto it = j["precision_at"].begin(); it != j["precision_at"].end(); ++it)
        out += " @" + it.key() + " precision " + pct(it.value()["precision"]) + " recall " + pct(it.value()["recall"]) + ";";
    out += "\n\n  Threshold sweep (min_score: PQLs, precision, recall):\n";
    for (auto& s : j["sweep"])
        out += "    " + s["min_score"].dump() + ": " + s["qualified"].dump() + ", " + pct(s["precision"]) + ", " + pct(s["recall"]) + "\n";
    out += "\n  Signals (event: did, conversion rate if done vs not, lift):\n";
    for (auto& s : j["signals"])
        out += "    " + s["event"].get<std::string>() + ": " + s["did"].dump() + ", " + pct(s["did_rate"]) + " vs " +
               pct(s["not_rate"]) + ", lift " + num2(s["lift"]) + "\n";
    return out + backtest_lifecycle_text(j);
}

std::string suggest_text(const nlohmann::ordered_json& j) {
    std::string out = "Suggestions at " + j["as_of"].get<std::string>() + " (" + j["population"].dump() + " entities, " +
                      j["conversions"].dump() + " conversions in " + j["horizon_days"].dump() + " days)\n\nActivation steps:\n";
    for (auto& s : j["activation_steps"])
        out += "  " + s["event"].get<std::string>() + " >= " + s["min_count"].dump() + ": converts " + pct(s["did_rate"]) +
               " vs " + pct(s["not_rate"]) + " (coverage " + pct(s["coverage"]) + ")\n";
    const auto& w = j["weights"];
    out += "\nWeights (logistic regression trained at " + w["train_as_of"].get<std::string>() + "; holdout AUC " +
           num2(w["holdout_auc"]) + ", your model " + num2(w["current_auc"]) + ", your model with these weights " +
           num2(w["suggested_model_auc"]) + "):\n";
    for (auto it = w["weights"].begin(); it != w["weights"].end(); ++it) out += "  " + it.key() + ": " + it.value().dump() + "\n";
    const auto& c = j["capacity"];
    out += "\nCapacity: " + c["per_week"].dump() + " leads a week -> min_score " + c["min_score"].dump() + " (" +
           c["qualified"].dump() + " PQLs, precision " + pct(c["precision"]) + ", recall " + pct(c["recall"]) + ")\n";
    return out + suggest_lifecycle_text(j);
}

std::string compare_text(const nlohmann::ordered_json& j) {
    std::string out = "A: " + j["a"]["entities"].dump() + " entities, " + j["a"]["qualified"].dump() + " PQLs (as of " +
                      j["a"]["as_of"].get<std::string>() + ")\nB: " + j["b"]["entities"].dump() + " entities, " +
                      j["b"]["qualified"].dump() + " PQLs (as of " + j["b"]["as_of"].get<std::string>() + ")\n" +
                      j["moved"].dump() + " changed tier; " + j["qualified_gained"].dump() + " became PQLs, " +
                      j["qualified_lost"].dump() + " stopped being PQLs\n\nTier migration:\n";
    for (auto& m : j["migration"])
        if (m["from"] != m["to"])
            out += "  " + m["count"].dump() + " " + m["from"].get<std::string>() + " -> " + m["to"].get<std::string>() + "\n";
    for (const char* way : {"up", "down"}) {
        out += std::string("\nBiggest movers ") + way + ":\n";
        for (auto& m : j["movers"][way]) {
            out += "  " + m["id"].get<std::string>() + ": " + num2(m["score_a"]) + " -> " + num2(m["score_b"]) + " (" +
                   (m["delta"].get<double>() > 0 ? "+" : "") + num2(m["delta"]) + ")";
            std::string parts;
            for (auto& e : m["events"]) {
                if (parts.size() > 60) break;
                parts += (parts.empty() ? "" : ", ") + std::string(e["delta"].get<double>() > 0 ? "+" : "") +
                         num2(e["delta"]) + " points from " + e["event"].get<std::string>();
            }
            out += parts.empty() ? "\n" : "; " + parts + "\n";
        }
    }
    return out + compare_quality_text(j);
}

}  // namespace pql::cli
