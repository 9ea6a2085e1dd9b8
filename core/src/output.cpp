#include "pql/output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "pql/time.hpp"
#include "value_json.hpp"

namespace pql {

using oj = nlohmann::ordered_json;

namespace {

std::string dump(const oj& j) {
    // Invalid UTF-8 cannot reach here (loaders reject it), but never abort on it.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

oj rule_trace(const RunView& v, const EntityScore& s, const RuleNode& n, const std::string& path,
              std::vector<std::string>& failed) {
    oj j;
    const bool result = v.scorer.evaluate(v.model, s, n);
    switch (n.kind) {
        case RuleNode::All:
        case RuleNode::Any: {
            const char* key = n.kind == RuleNode::All ? "all" : "any";
            oj a = oj::array();
            for (size_t i = 0; i < n.children.size(); ++i)
                a.push_back(rule_trace(v, s, n.children[i], path + "." + key + "[" + std::to_string(i) + "]", failed));
            j[key] = a;
            break;
        }
        case RuleNode::Not: j["not"] = rule_trace(v, s, n.children[0], path + ".not", failed); break;
        case RuleNode::Leaf: {
            j["metric"] = n.metric;
            j["op"] = n.op_name;
            if (n.metric_kind == MetricKind::Trait) {
                const Value* t = v.scorer.trait(s, n.arg);
                if (n.trait_test.op != TraitOp::Exists && n.trait_test.op != TraitOp::Missing) {
                    if (n.trait_test.values.size() == 1 && n.trait_test.op != TraitOp::In && n.trait_test.op != TraitOp::NotIn)
                        j["value"] = value_json(n.trait_test.values[0]);
                    else {
                        oj a = oj::array();
                        for (auto& x : n.trait_test.values) a.push_back(value_json(x));
                        j["value"] = a;
                    }
                }
                j["actual"] = t ? value_json(*t) : oj(nullptr);
            } else {
                j["value"] = n.number;
                auto m = v.scorer.metric(v.model, s, n);
                j["actual"] = m ? oj(*m) : oj(nullptr);
            }
            if (!result) failed.push_back(path);
        }
    }
    j["result"] = result;
    return j;
}

}  // namespace

std::string grade_of(const Model& model, const EntityScore& s) {
    if (s.fit_band < 0 || s.engagement_band < 0) return {};
    return model.fit_grades[s.fit_band].label + model.engagement_grades[s.engagement_band].label;
}

namespace {

// The scoring run's JSON written straight into one string, byte for byte what dump() makes of
// the same ordered_json (a page is asked for on every slider move: no DOM per row). Numbers go
// through nlohmann's own formatters; a string with anything but plain printable ASCII is
// escaped by nlohmann itself.
class Writer {
public:
    std::string out;
    void raw(std::string_view s) { out.append(s.data(), s.size()); }
    void key(std::string_view k) {
        if (!first_) out.push_back(',');
        first_ = false;
        out.push_back('"');
        raw(k);
        raw("\":");
    }
    void open(char c) {
        out.push_back(c);
        first_ = true;
    }
    void close(char c) {
        out.push_back(c);
        first_ = false;
    }
    void item() {  // before an array element
        if (!first_) out.push_back(',');
        first_ = false;
    }
    void str(std::string_view s) {
        bool plain = true;
        for (unsigned char c : s)
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') {
                plain = false;
                break;
            }
        if (plain) {
            out.push_back('"');
            raw(s);
            out.push_back('"');
        } else {
            raw(dump(oj(std::string(s))));
        }
    }
    void null() { raw("null"); }
    void boolean(bool b) { raw(b ? "true" : "false"); }
    void integer(int64_t i) {
        char buf[24];
        char* p = buf + sizeof buf;
        uint64_t u = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        do {
            *--p = static_cast<char>('0' + u % 10);
            u /= 10;
        } while (u);
        if (i < 0) *--p = '-';
        out.append(p, static_cast<size_t>(buf + sizeof buf - p));
    }
    void number(double d) {
        if (!std::isfinite(d)) return null();
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
        out.append(buf, static_cast<size_t>(end - buf));
    }
    void time(int64_t ms) { str(format_iso(ms)); }

private:
    bool first_ = true;
};

// The same calls as Writer, building an ordered_json object: the explanation starts from the
// row's fields without printing and re-parsing them. Rows are flat objects.
class ObjectSink {
public:
    oj obj = oj::object();
    void key(std::string_view k) { key_ = std::string(k); }
    void open(char) {}
    void close(char) {}
    void str(std::string_view s) { obj[key_] = std::string(s); }
    void null() { obj[key_] = nullptr; }
    void boolean(bool b) { obj[key_] = b; }
    void integer(int64_t i) { obj[key_] = i; }
    void number(double d) { obj[key_] = std::isfinite(d) ? oj(d) : oj(nullptr); }
    void time(int64_t ms) { obj[key_] = format_iso(ms); }

private:
    std::string key_;
};

// One ranked row: the fields of SPEC's result object, in its order. `W` is Writer (the run's
// text) or ObjectSink (the explanation's object).
template <class W>
void write_row(W& w, const RunView& v, const EntityScore& s, size_t position) {
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    w.open('{');
    w.key("rank");
    w.integer(static_cast<int64_t>(position + 1));
    w.key("id");
    w.str(ix.id_of(v.store, ent));
    w.key("name");
    if (ent.name) w.str(*ent.name);
    else w.null();
    w.key("score");
    w.number(s.score);
    w.key("activation");
    w.number(s.activation);
    w.key("engagement");
    w.number(s.engagement);
    w.key("fit");
    w.number(s.fit);
    w.key("engagement_points");
    w.number(s.engagement_points);
    w.key("steps_completed");
    w.integer(s.steps_completed);
    w.key("activated");
    w.boolean(s.activated);
    w.key("activated_at");
    if (s.activated_at) w.time(*s.activated_at);
    else w.null();
    w.key("qualified");
    w.boolean(s.qualified);
    w.key("tier");
    if (s.tier >= 0) w.str(v.model.tiers[s.tier].name);
    else w.null();
    w.key("grade");
    const std::string grade = grade_of(v.model, s);
    if (grade.empty()) w.null();
    else w.str(grade);
    w.key("active_users");
    w.integer(s.active_users);
    w.key("users");
    w.integer(s.users);
    w.key("events");
    w.integer(s.events);
    w.key("velocity");
    w.number(s.velocity);
    w.key("days_since_last_seen");
    w.integer(s.days_since_last_seen);
    w.key("first_seen");
    w.time(ent.first_ts);
    w.key("last_seen");
    w.time(ent.last_ts);
    w.close('}');
}

}  // namespace

std::string score_run_json(const RunView& v, const LoadReport& d, size_t offset, size_t limit) {
    Writer w;
    const size_t n = v.run.results.size();
    const size_t begin = std::min(offset, n);
    const size_t end = limit >= n - begin ? n : begin + limit;
    w.out.reserve(512 + (end - begin) * 560);
    w.open('{');
    w.key("as_of");
    w.time(v.run.as_of);
    w.key("entities");
    w.integer(static_cast<int64_t>(n));
    w.key("qualified");
    w.integer(v.run.qualified);
    w.key("diagnostics");
    w.open('{');
    w.key("read");
    w.integer(d.read);
    w.key("loaded");
    w.integer(d.loaded);
    w.key("skipped");
    w.integer(d.skipped);
    w.key("duplicates");
    w.integer(d.duplicates);
    w.key("unassigned");
    w.integer(v.run.unassigned);
    w.key("errors");
    w.open('[');
    for (auto& e : d.errors) {
        w.item();
        w.open('{');
        w.key("line");
        w.integer(e.line);
        w.key("message");
        w.str(e.message);
        w.close('}');
    }
    w.close(']');
    w.close('}');
    w.key("results");
    w.open('[');
    for (size_t i = begin; i < end; ++i) {
        w.item();
        write_row(w, v, v.run.results[i], i);
    }
    w.close(']');
    w.close('}');
    return std::move(w.out);
}

std::string explanation_json(const RunView& v, size_t position) {
    const EntityScore& s = v.run.results.at(position);
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    const Model& m = v.model;
    // The row as score_run_json writes it, then the explanation's own fields.
    ObjectSink row;
    write_row(row, v, s, position);
    oj j = std::move(row.obj);
    j["as_of"] = format_iso(v.run.as_of);
    j["weights"] = {{"activation", m.w_activation}, {"engagement", m.w_engagement}, {"fit", m.w_fit}};

    // Per event type, by name.
    std::vector<std::pair<std::string, uint32_t>> types;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        types.emplace_back(v.store.event_names.name(ix.types[t].type), t);
    std::sort(types.begin(), types.end());
    oj events = oj::array();
    for (auto& [name, t] : types) {
        const TypeFigures& f = v.scorer.figures()[t];
        const double w = m.weight_of(name);
        auto it = m.events.find(name);
        oj e;
        e["event"] = name;
        e["count"] = f.in_window;
        e["decayed"] = f.decayed;
        e["capped"] = f.capped;
        e["cap"] = it != m.events.end() && it->second.cap ? oj(*it->second.cap) : oj(nullptr);
        e["weight"] = w;
        e["points"] = w * f.capped;
        e["half_life_days"] = m.decay == Decay::Exponential ? oj(m.half_life_of(name)) : oj(nullptr);
        e["users"] = f.users_in_window;
        e["all_time"] = ix.types[t].total;
        events.push_back(e);
    }
    j["events_breakdown"] = events;

    auto type_stat = [&](const std::string& event) -> const Index::TypeStat* {
        auto k = v.store.event_names.find(event);
        if (!k) return nullptr;
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
            if (ix.types[t].type == *k) return &ix.types[t];
        return nullptr;
    };
    oj steps = oj::array();
    for (auto& st : m.steps) {
        int64_t count, users;
        if (st.event == "*") {
            count = ent.total;
            users = ent.users_end - ent.users_begin;
        } else {
            const Index::TypeStat* ts = type_stat(st.event);
            count = ts ? ts->total : 0;
            users = ts ? ts->users_end - ts->users_begin : 0;
        }
        steps.push_back({{"name", st.name}, {"event", st.event}, {"met", count >= st.min_count && users >= st.min_users},
                         {"count", count}, {"min_count", st.min_count}, {"users", users},
                         {"min_users", st.min_users}, {"weight", st.weight}});
    }
    j["steps"] = steps;
    j["required"] = m.required;

    oj rules = oj::array();
    for (auto& r : m.rules) {
        auto it = ent.traits.find(r.trait);
        const Value* t = it == ent.traits.end() ? nullptr : &it->second;
        oj o = {{"trait", r.trait}, {"op", r.op_name}};
        if (r.test.op == TraitOp::In || r.test.op == TraitOp::NotIn || r.test.op == TraitOp::Between) {
            oj a = oj::array();
            for (auto& x : r.test.values) a.push_back(value_json(x));
            o["value"] = a;
        } else if (!r.test.values.empty()) {
            o["value"] = value_json(r.test.values[0]);
        }
        o["points"] = r.points;
        o["matched"] = r.test.matches(t);
        o["actual"] = t ? value_json(*t) : oj(nullptr);
        rules.push_back(o);
    }
    j["fit_rules"] = rules;
    oj traits = oj::object();
    for (auto& [k, val] : ent.traits) traits[k] = value_json(val);
    j["traits"] = traits;

    oj limits = oj::array();
    for (auto& [name, lim] : m.limits) {
        const Index::TypeStat* ts = type_stat(lim.event);
        const double count = ts ? ts->total : 0;
        limits.push_back({{"name", name}, {"event", lim.event}, {"count", count}, {"limit", lim.limit},
                          {"usage", count / lim.limit}});
    }
    j["limits"] = limits;

    oj metrics;
    for (const char* k : {"score", "activation", "engagement", "fit", "engagement_points", "steps_completed", "events",
                          "users", "active_users", "days_since_last_seen", "velocity"})
        metrics[k] = j[k];
    for (auto& [name, t] : types) {
        metrics["count." + name] = v.scorer.figures()[t].in_window;
        metrics["users." + name] = v.scorer.figures()[t].users_in_window;
    }
    for (auto& l : limits) metrics["limit." + l["name"].get<std::string>()] = l["usage"];
    for (auto& [k, val] : ent.traits) metrics["trait." + k] = value_json(val);
    j["metrics"] = metrics;

    std::vector<std::string> failed;
    j["rule"] = m.rule ? rule_trace(v, s, *m.rule, "pql.rule", failed) : oj(nullptr);
    oj q;
    q["min_score"] = m.min_score;
    q["score_ok"] = s.score >= m.min_score;
    q["require_activation"] = m.require_activation;
    q["activated"] = s.activated;
    q["rule_ok"] = m.rule ? oj(v.scorer.evaluate(m, s, *m.rule)) : oj(nullptr);
    q["failed_leaves"] = failed;
    q["qualified"] = s.qualified;
    j["qualification"] = q;
    return dump(j);
}

}  // namespace pql
