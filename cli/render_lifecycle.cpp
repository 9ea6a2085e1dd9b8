#include "render_lifecycle.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace pql::cli {

namespace {

using oj = nlohmann::ordered_json;

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}
std::string pct(const oj& v) { return v.is_number() ? fixed(100 * v.get<double>(), 1) + "%" : "-"; }
std::string num(const oj& v, int decimals = 2) { return v.is_number() ? fixed(v.get<double>(), decimals) : "-"; }
std::string count(const oj& v) { return v.is_number() ? v.dump() : "-"; }
std::string text(const oj& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

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

std::string funnel_text(const oj& j) {
    std::vector<std::vector<std::string>> rows = {
        {"cohort", "signups", "activated", "days", "PQL", "days", "customer", "after PQL", "PQL->paid", "days"}};
    auto row = [&](const std::string& name, const oj& r) {
        rows.push_back({name, count(r["entities"]), count(r["activated"]) + " " + pct(r["activation_rate"]),
                        num(r["median_days_to_activate"], 1), count(r["became_pql"]) + " " + pct(r["pql_rate"]),
                        num(r["median_days_to_pql"], 1),
                        r["converted"].is_null() ? "-" : count(r["converted"]) + " " + pct(r["conversion_rate"]),
                        count(r["converted_after_pql"]), pct(r["pql_to_customer_rate"]),
                        num(r["median_days_pql_to_paid"], 1)});
    };
    for (auto& c : j["cohorts"]) row(c["cohort"].get<std::string>(), c);
    row("all", j["all"]);
    std::string out = "Funnel by signup " + j["cohort"].get<std::string>() + " (first event), as of " +
                      j["as_of"].get<std::string>() + "; days are medians\n\n" + table(rows);
    if (j["all"]["converted"].is_null())
        out += "\nNo conversions: set \"conversion_event\" in the model or give --outcomes.\n";
    return out;
}

std::string backtest_lifecycle_text(const Backtest& b) {
    auto pct = [](const std::optional<double>& v) { return v ? cli::pct(oj(*v)) : std::string("-"); };
    auto num = [](const std::optional<double>& v, int decimals) {
        return v ? cli::num(oj(*v), decimals) : std::string("-");
    };
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

std::string suggest_lifecycle_text(const oj& j) {
    std::string out;
    if (j["capacity"].contains("note")) out += "  " + text(j["capacity"]["note"]) + "\n";
    const auto& w = j["weights"];
    if (w.contains("explanations") && !w["explanations"].empty()) {
        out += "\nNegative weights:\n";
        for (auto& e : w["explanations"])
            out += "  " + text(e["event"]) + " (" + num(e["weight"], 1) + "): " + text(e["note"]) + "\n";
    }
    if (w.contains("non_negative") && w["non_negative"].is_object()) {
        const auto& nn = w["non_negative"];
        out += "\nNon-negative weights (holdout AUC " + num(nn["holdout_auc"]) + ", your model with these weights " +
               num(nn["suggested_model_auc"]) + "):\n";
        for (auto it = nn["weights"].begin(); it != nn["weights"].end(); ++it)
            if (it.value().get<double>() != 0) out += "  " + it.key() + ": " + it.value().dump() + "\n";
    }
    if (j.contains("fit")) {
        out += "\nTraits (value or band: entities, conversion rate, lift):\n";
        for (auto& t : j["fit"]["traits"]) {
            out += "  " + text(t["trait"]) + " (" + text(t["kind"]) + "):";
            for (auto& v : t["values"])
                out +=
                    " " +
                    (v["value"].is_array() ? num(v["value"][0], 0) + "-" + num(v["value"][1], 0) : text(v["value"])) +
                    " " + v["count"].dump() + "/" + pct(v["rate"]) + "/" + num(v["lift"], 1) + "x;";
            out += "\n";
        }
        out += "\nSuggested fit rules:\n";
        if (j["fit"]["rules"].empty()) out += "  (none: no trait value separates converters clearly)\n";
        for (auto& r : j["fit"]["rules"])
            out += "  {\"trait\": " + r["trait"].dump() + ", \"op\": " + r["op"].dump() +
                   (r.contains("value") ? ", \"value\": " + r["value"].dump() : std::string()) +
                   ", \"points\": " + num(r["points"], 0) + "}  (lift " + num(r["lift"], 2) + ", " + r["count"].dump() +
                   " entities)\n";
    }
    return out;
}

std::string compare_quality_text(const oj& j) {
    const auto& q = j["quality"];
    if (!q.is_object()) return "\nQuality: no conversions to judge by (set \"conversion_event\" or give --outcomes).\n";
    std::vector<std::vector<std::string>> rows = {{"figure", "A", "B", "better"}};
    for (auto& m : q["metrics"]) {
        const bool share = m["metric"] != "auc" && m["metric"] != "pql_lift";
        rows.push_back({text(m["metric"]), share ? pct(m["a"]) : num(m["a"], 3), share ? pct(m["b"]) : num(m["b"], 3),
                        m["better"].is_null() ? "-" : text(m["better"])});
    }
    std::string out = "\nQuality at " + text(q["as_of"]) + ", horizon " + q["horizon_days"].dump() + " days (" +
                      q["population"].dump() + " entities, " + q["conversions"].dump() + " conversions):\n" +
                      table(rows);
    out += "A is better on " + q["better"]["a"].dump() + ", B on " + q["better"]["b"].dump() + "\n";
    return out;
}

}  // namespace pql::cli
