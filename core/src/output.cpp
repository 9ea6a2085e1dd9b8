#include "output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "people.hpp"
#include "reasons.hpp"
#include "pql/time.hpp"
#include "value_json.hpp"
#include "view.hpp"

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
            if (n.window_days) j["window_days"] = *n.window_days;
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
    void key_text(std::string_view k) {  // a key from the model: escaped as any string
        if (!first_) out.push_back(',');
        first_ = false;
        str(k);
        out.push_back(':');
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
    void value(oj v) { obj[key_] = std::move(v); }

private:
    std::string key_;
};

void write_segments(Writer& w, const Model& m, const EntityScore& s) {
    w.open('[');
    for (size_t i = 0; i < m.segments.size(); ++i)
        if (s.segments >> i & 1) {
            w.item();
            w.str(m.segments[i].first);
        }
    w.close(']');
}

void write_segments(ObjectSink& w, const Model& m, const EntityScore& s) {
    oj a = oj::array();
    for (size_t i = 0; i < m.segments.size(); ++i)
        if (s.segments >> i & 1) a.push_back(m.segments[i].first);
    w.value(std::move(a));
}

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
    // v2 (SPEC §7.5-§7.7), after the v1 fields.
    w.key("converted");
    w.boolean(s.customer());
    w.key("converted_at");
    if (s.customer()) w.time(s.converted_at);
    else w.null();
    w.key("segments");
    write_segments(w, v.model, s);
    const Since& since = v.scorer.since(v.model, s.entity);
    w.key("qualified_at");
    if (since.qualified_at) w.time(*since.qualified_at);
    else w.null();
    w.key("first_qualified_at");
    if (since.first_qualified_at) w.time(*since.first_qualified_at);
    else w.null();
    w.key("days_qualified");
    if (since.qualified_at) w.integer(day_of(v.run.as_of) - day_of(*since.qualified_at));
    else w.null();
    w.close('}');
}

}  // namespace

namespace {

// What a scoring run and a view both begin with: as_of, the counts, the segments, the
// diagnostics; the object is left open.
void write_run_head(Writer& w, const RunView& v, const LoadReport& d) {
    w.open('{');
    w.key("as_of");
    w.time(v.run.as_of);
    w.key("entities");
    w.integer(static_cast<int64_t>(v.run.results.size()));
    w.key("qualified");
    w.integer(v.run.qualified);
    w.key("customers");
    w.integer(v.run.customers);
    w.key("segments");
    w.open('{');
    for (size_t i = 0; i < v.model.segments.size(); ++i) {
        w.key_text(v.model.segments[i].first);
        w.integer(i < v.run.segment_counts.size() ? v.run.segment_counts[i] : 0);
    }
    w.close('}');
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
}

}  // namespace

std::string score_run_json(const RunView& v, const LoadReport& d, size_t offset, size_t limit) {
    Writer w;
    const size_t n = v.run.results.size();
    const size_t begin = std::min(offset, n);
    const size_t end = limit >= n - begin ? n : begin + limit;
    w.out.reserve(512 + (end - begin) * 560);
    write_run_head(w, v, d);
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

std::string view_json(const RunView& v, const LoadReport& d, const ViewSelection& s, const ViewOptions& o,
                      const std::vector<uint32_t>& previous_rank) {
    Writer w;
    const size_t n = s.rows.size();
    const size_t begin = std::min(o.offset, n);
    const size_t end = o.limit >= n - begin ? n : begin + o.limit;
    w.out.reserve(2048 + (end - begin) * 600);
    write_run_head(w, v, d);
    const Model& m = v.model;
    const ViewPopulation& p = s.population;
    w.key("population");
    w.open('{');
    w.key("entities");
    w.integer(p.entities);
    w.key("qualified");
    w.integer(p.qualified);
    w.key("customers_hidden");
    w.integer(p.customers_hidden);
    w.key("histogram");
    w.open('[');
    for (int b = 0; b < kViewHistogramBins; ++b) {
        w.item();
        w.open('{');
        w.key("from");
        w.integer(b * (100 / kViewHistogramBins));
        w.key("entities");
        w.integer(p.bins[b]);
        w.key("qualified");
        w.integer(p.bins_qualified[b]);
        w.close('}');
    }
    w.close(']');
    w.key("grades");
    w.open('{');
    const size_t ne = m.engagement_grades.size();
    for (size_t f = 0; f < m.fit_grades.size(); ++f)
        for (size_t e = 0; e < ne; ++e) {
            w.key_text(m.fit_grades[f].label + m.engagement_grades[e].label);
            w.integer(p.grades[f * ne + e]);
        }
    w.close('}');
    w.key("no_grade");
    w.integer(p.no_grade);
    w.key("tiers");
    w.open('{');
    for (size_t t = 0; t < m.tiers.size(); ++t) {
        w.key_text(m.tiers[t].name);
        w.integer(p.tiers[t]);
    }
    w.close('}');
    w.key("no_tier");
    w.integer(p.no_tier);
    w.key("segments");
    w.open('{');
    for (size_t i = 0; i < m.segments.size(); ++i) {
        w.key_text(m.segments[i].first);
        w.integer(p.segments[i]);
    }
    w.close('}');
    w.close('}');
    w.key("shown");
    w.integer(static_cast<int64_t>(n));
    w.key("offset");
    w.integer(static_cast<int64_t>(begin));
    w.key("selected");
    if (s.selected) w.integer(static_cast<int64_t>(*s.selected));
    else w.null();
    w.key("results");
    w.open('[');
    for (size_t i = begin; i < end; ++i) {
        const uint32_t pos = s.rows[i];
        const EntityScore& row = v.run.results[pos];
        w.item();
        write_row(w, v, row, pos);
        // One more field after the row's own: the rank before the last change (null: none).
        w.out.pop_back();
        w.key("previous_rank");
        const uint32_t before = row.entity < previous_rank.size() ? previous_rank[row.entity] : 0;
        if (before) w.integer(before);
        else w.null();
        w.close('}');
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
    // Per event type and signal (§7.1), by name; a signal's row says so.
    std::vector<std::pair<std::string, uint32_t>> types;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        types.emplace_back(v.store.event_names.name(ix.types[t].type), t);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) types.emplace_back(v.scorer.type_name(m, ix.types[t].type), t);
    std::sort(types.begin(), types.end());
    oj events = oj::array();
    for (auto& [name, t] : types) {
        const TypeFigures& f = v.scorer.figures()[t];
        const double w = v.scorer.weight(ix.types[t].type);
        auto it = m.events.find(name);
        oj e;
        e["event"] = name;
        if (v.scorer.is_signal(ix.types[t].type)) e["signal"] = true;
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
        auto k = v.scorer.type_id(m, event);
        return k ? ix.stat_of(ent, *k) : nullptr;
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
        if (!r.persona.empty()) {  // §7.4: the persona's count against the rule
            size_t pi = 0;
            while (m.personas[pi].name != r.persona) ++pi;
            const double n = static_cast<double>(v.scorer.persona_count(s.entity, pi, INT64_MAX));
            const Value nv = n;
            oj o = {{"persona", r.persona}, {"op", r.op_name}, {"value", value_json(r.test.values.at(0))}};
            if (r.test.op == TraitOp::Between) o["value"] = {value_json(r.test.values[0]), value_json(r.test.values[1])};
            o["points"] = r.points;
            o["matched"] = r.test.matches(&nv);
            o["actual"] = n;
            rules.push_back(o);
            continue;
        }
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
    // v2 metrics: active_days, every persona, and each sum.* a rule or segment reads.
    {
        RuleNode leaf;
        leaf.metric_kind = MetricKind::ActiveDays;
        metrics["active_days"] = *v.scorer.metric(m, s, leaf);
        for (auto& pe : m.personas)
            metrics["persona." + pe.name] = v.scorer.persona_count(s.entity, static_cast<size_t>(&pe - m.personas.data()), INT64_MAX);
        std::vector<const RuleNode*> stack;
        if (m.rule) stack.push_back(&*m.rule);
        for (auto& seg : m.segments) stack.push_back(&seg.second);
        while (!stack.empty()) {
            const RuleNode* n = stack.back();
            stack.pop_back();
            for (auto& c : n->children) stack.push_back(&c);
            if (n->kind == RuleNode::Leaf && (n->metric_kind == MetricKind::Sum || n->window_days)) {
                auto x = v.scorer.metric(m, s, *n);
                const std::string name = n->window_days ? n->metric + "@" + std::to_string(*n->window_days) + "d" : n->metric;
                metrics[name] = x ? oj(*x) : oj(nullptr);
            }
        }
    }
    j["metrics"] = metrics;

    // §7.4: the entity's users matching each persona.
    oj personas = oj::object();
    for (size_t pi = 0; pi < m.personas.size(); ++pi) {
        oj users = oj::array();
        for (uint32_t u = ent.users_begin; u < ent.users_end; ++u)
            if (v.scorer.user_matches_persona(ix.entity_users[u].user, pi))
                users.push_back(v.store.user_ids.name(ix.entity_users[u].user));
        personas[m.personas[pi].name] = users;
    }
    j["personas"] = personas;
    // Call-ready parts (people.hpp): who does the work and what they did last.
    j["people"] = people_json(v, s, 20);
    j["recent_events"] = recent_events_json(v, s, 10);
    j["reasons"] = reasons_of(v, s, 3);
    // §7.5 and §7.6: the customer flag's reason and each segment's rule, traced.
    j["customer"] = {{"converted", s.customer()},
                     {"converted_at", s.customer() ? oj(format_iso(s.converted_at)) : oj(nullptr)},
                     {"conversion_event", m.conversion_event ? oj(*m.conversion_event) : oj(nullptr)},
                     {"include_customers", m.include_customers}};
    oj segs = oj::array();
    for (auto& [name, rule] : m.segments) {
        std::vector<std::string> seg_failed;
        segs.push_back({{"name", name}, {"holds", v.scorer.evaluate(m, s, rule)},
                        {"listed", s.qualified && v.scorer.evaluate(m, s, rule)},
                        {"rule", rule_trace(v, s, rule, "segments." + name, seg_failed)}});
    }
    j["segments_breakdown"] = segs;

    std::vector<std::string> failed;
    j["rule"] = m.rule ? rule_trace(v, s, *m.rule, "pql.rule", failed) : oj(nullptr);
    oj q;
    q["min_score"] = m.min_score;
    q["score_ok"] = s.score >= m.min_score;
    q["require_activation"] = m.require_activation;
    q["customer_ok"] = !s.customer() || m.include_customers;
    q["activated"] = s.activated;
    q["rule_ok"] = m.rule ? oj(v.scorer.evaluate(m, s, *m.rule)) : oj(nullptr);
    q["failed_leaves"] = failed;
    q["qualified"] = s.qualified;
    j["qualification"] = q;
    return dump(j);
}

}  // namespace pql
