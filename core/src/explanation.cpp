// The explanation of one entity (pql/explanation.hpp): built from the scorer's figures, written
// as SPEC §4 JSON with JsonWriter (the same bytes an ordered_json document would dump to).
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <unordered_map>

#include "json_writer.hpp"
#include "output.hpp"
#include "people.hpp"
#include "pql/explanation.hpp"
#include "pql/time.hpp"
#include "reasons.hpp"

namespace pql {

JsonScalar json_scalar_of(const Value& v) {
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto d = std::get_if<double>(&v)) return *d;
    return std::get<bool>(v);
}

namespace {

void write(JsonWriter& w, const JsonScalar& s) {
    switch (s.index()) {
        case 0: return w.null();
        case 1: return w.boolean(std::get<bool>(s));
        case 2: return w.integer(std::get<int64_t>(s));
        case 3: return w.number(std::get<double>(s));
        default: return w.str(std::get<std::string>(s));
    }
}

void write(JsonWriter& w, const Value& v) { w.value(v); }
void write(JsonWriter& w, const TestValue& t) { w.value(t); }

// A JSON object's keys as ordered_json keeps them: first insertion fixes the place, a later
// one replaces the value (a signal named like an event type gives "count.<name>" twice).
template <class V>
class OrderedKeys {
public:
    explicit OrderedKeys(std::vector<std::pair<std::string, V>>& items) : items_(items) {}
    void set(std::string key, V value) {
        auto [it, fresh] = at_.emplace(key, items_.size());
        if (fresh) items_.emplace_back(std::move(key), std::move(value));
        else items_[it->second].second = std::move(value);
    }

private:
    std::vector<std::pair<std::string, V>>& items_;
    std::unordered_map<std::string, size_t> at_;
};

RuleTrace rule_trace(const RunView& v, const EntityScore& s, const RuleNode& n, const std::string& path,
                     std::vector<std::string>& failed) {
    RuleTrace t;
    t.result = v.scorer.evaluate(v.model, s, n);
    switch (n.kind) {
        case RuleNode::All:
        case RuleNode::Any: {
            t.kind = n.kind == RuleNode::All ? RuleTrace::All : RuleTrace::Any;
            const char* key = n.kind == RuleNode::All ? "all" : "any";
            for (size_t i = 0; i < n.children.size(); ++i)
                t.children.push_back(
                    rule_trace(v, s, n.children[i], path + "." + key + "[" + std::to_string(i) + "]", failed));
            break;
        }
        case RuleNode::Not:
            t.kind = RuleTrace::Not;
            t.children.push_back(rule_trace(v, s, n.children[0], path + ".not", failed));
            break;
        case RuleNode::Leaf: {
            t.kind = RuleTrace::Leaf;
            t.metric = n.metric;
            t.op = n.op_name;
            t.window_days = n.window_days;
            if (n.metric_kind == MetricKind::Trait) {
                const Value* tv = v.scorer.trait(s, n.arg);
                if (n.trait_test.op != TraitOp::Exists && n.trait_test.op != TraitOp::Missing) {
                    const bool one = n.trait_test.values.size() == 1 && n.trait_test.op != TraitOp::In &&
                                     n.trait_test.op != TraitOp::NotIn;
                    t.trait_value = {one ? TestValue::One : TestValue::List, n.trait_test.values};
                }
                if (tv) t.actual = json_scalar_of(*tv);
            } else {
                t.number = n.number;
                if (auto m = v.scorer.metric(v.model, s, n)) t.actual = *m;
            }
            if (!t.result) failed.push_back(path);
        }
    }
    return t;
}

void write(JsonWriter& w, const RuleTrace& t) {
    w.open('{');
    switch (t.kind) {
        case RuleTrace::All:
        case RuleTrace::Any:
            w.key(t.kind == RuleTrace::All ? "all" : "any");
            w.open('[');
            for (auto& c : t.children) {
                w.item();
                write(w, c);
            }
            w.close(']');
            break;
        case RuleTrace::Not:
            w.key("not");
            write(w, t.children.at(0));
            break;
        case RuleTrace::Leaf:
            w.field("metric", t.metric);
            w.field("op", t.op);
            if (t.window_days) { w.field("window_days", *t.window_days); }
            if (t.number) {
                w.field("value", *t.number);
            } else if (t.trait_value.shape != TestValue::None) {
                w.key("value");
                write(w, t.trait_value);
            }
            w.key("actual");
            write(w, t.actual);
    }
    w.field("result", t.result);
    w.close('}');
}

// The row's value of a plain metric, as the row's JSON has it (a non-finite number is null).
JsonScalar row_metric(const EntityRow& r, const char* k) {
    auto num = [](double d) { return std::isfinite(d) ? JsonScalar(d) : JsonScalar(); };
    const std::string_view key(k);
    if (key == "score") return num(r.score);
    if (key == "activation") return num(r.activation);
    if (key == "engagement") return num(r.engagement);
    if (key == "fit") return num(r.fit);
    if (key == "engagement_points") return num(r.engagement_points);
    if (key == "steps_completed") return r.steps_completed;
    if (key == "events") return r.events;
    if (key == "users") return r.users;
    if (key == "active_users") return r.active_users;
    if (key == "days_since_last_seen") return r.days_since_last_seen;
    return num(r.velocity);  // "velocity"
}

}  // namespace

std::string json_text(const JsonScalar& s) {
    JsonWriter w;
    write(w, s);
    return std::move(w.out);
}

std::string json_text(const Value& v) {
    JsonWriter w;
    write(w, v);
    return std::move(w.out);
}

Explanation explanation_of(const RunView& v, size_t position) {
    const EntityScore& s = v.run.results.at(position);
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    const Model& m = v.model;
    Explanation x;
    row_of(v, s, position, x.row);
    x.as_of = v.run.as_of;
    x.w_activation = m.w_activation;
    x.w_engagement = m.w_engagement;
    x.w_fit = m.w_fit;

    // Per event type and signal (§7.1), by name; a signal's row says so.
    std::vector<std::pair<std::string, uint32_t>> types;
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
        types.emplace_back(v.store.event_names.name(ix.types[t].type), t);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t)
        types.emplace_back(v.scorer.type_name(m, ix.types[t].type), t);
    std::sort(types.begin(), types.end());
    for (auto& [name, t] : types) {
        const TypeFigures& f = v.scorer.figure(t);
        const double w = v.scorer.weight(ix.types[t].type);
        auto it = m.events.find(name);
        ExplainedEvent e;
        e.event = name;
        e.signal = v.scorer.is_signal(ix.types[t].type);
        e.count = f.in_window;
        e.decayed = f.decayed;
        e.capped = f.capped;
        if (it != m.events.end() && it->second.cap) e.cap = *it->second.cap;
        e.weight = w;
        e.points = w * f.capped;
        if (m.decay == Decay::Exponential) e.half_life_days = m.half_life_of(name);
        e.users = f.users_in_window;
        e.all_time = ix.types[t].total;
        x.events.push_back(std::move(e));
    }

    auto type_stat = [&](const std::string& event) -> const Index::TypeStat* {
        auto k = v.scorer.type_id(m, event);
        return k ? ix.stat_of(ent, *k) : nullptr;
    };
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
        x.steps.push_back({st.name, st.event, count >= st.min_count && users >= st.min_users, count, st.min_count,
                           users, st.min_users, st.weight});
    }
    x.required = m.required;

    for (auto& r : m.rules) {
        ExplainedFitRule o;
        o.op = r.op_name;
        o.points = r.points;
        if (!r.persona.empty()) {  // §7.4: the persona's count against the rule
            size_t pi = 0;
            while (m.personas[pi].name != r.persona) ++pi;
            const double n = static_cast<double>(v.scorer.persona_count(s.entity, pi, INT64_MAX));
            const Value nv = n;
            o.persona = r.persona;
            if (r.test.op == TraitOp::Between) o.value = {TestValue::List, {r.test.values.at(0), r.test.values.at(1)}};
            else o.value = {TestValue::One, {r.test.values.at(0)}};
            o.matched = r.test.matches(&nv);
            o.actual = n;
        } else {
            auto it = ent.traits.find(r.trait);
            const Value* t = it == ent.traits.end() ? nullptr : &it->second;
            o.trait = r.trait;
            if (r.test.op == TraitOp::In || r.test.op == TraitOp::NotIn || r.test.op == TraitOp::Between)
                o.value = {TestValue::List, r.test.values};
            else if (!r.test.values.empty()) o.value = {TestValue::One, {r.test.values[0]}};
            o.matched = r.test.matches(t);
            if (t) o.actual = json_scalar_of(*t);
        }
        x.fit_rules.push_back(std::move(o));
    }
    for (auto& [k, val] : ent.traits) x.traits.emplace_back(k, val);

    for (auto& [name, lim] : m.limits) {
        const Index::TypeStat* ts = type_stat(lim.event);
        const double count = ts ? ts->total : 0;
        x.limits.push_back({name, lim.event, count, lim.limit, count / lim.limit});
    }

    OrderedKeys<JsonScalar> metrics(x.metrics);
    for (const char* k : {"score", "activation", "engagement", "fit", "engagement_points", "steps_completed", "events",
                          "users", "active_users", "days_since_last_seen", "velocity"})
        metrics.set(k, row_metric(x.row, k));
    for (auto& [name, t] : types) {
        metrics.set("count." + name, int64_t{v.scorer.figure(t).in_window});
        metrics.set("users." + name, int64_t{v.scorer.figure(t).users_in_window});
    }
    for (auto& l : x.limits)
        metrics.set("limit." + l.name, std::isfinite(l.usage) ? JsonScalar(l.usage) : JsonScalar());
    for (auto& [k, val] : ent.traits) metrics.set("trait." + k, json_scalar_of(val));
    // v2 metrics: active_days, every persona, and each sum.* a rule or segment reads.
    {
        RuleNode leaf;
        leaf.metric_kind = MetricKind::ActiveDays;
        metrics.set("active_days", *v.scorer.metric(m, s, leaf));
        for (auto& pe : m.personas)
            metrics.set("persona." + pe.name,
                        v.scorer.persona_count(s.entity, static_cast<size_t>(&pe - m.personas.data()), INT64_MAX));
        std::vector<const RuleNode*> stack;
        if (m.rule) stack.push_back(&*m.rule);
        for (auto& seg : m.segments) stack.push_back(&seg.second);
        while (!stack.empty()) {
            const RuleNode* n = stack.back();
            stack.pop_back();
            for (auto& c : n->children) stack.push_back(&c);
            if (n->kind == RuleNode::Leaf && (n->metric_kind == MetricKind::Sum || n->window_days)) {
                auto val = v.scorer.metric(m, s, *n);
                const std::string name =
                    n->window_days ? n->metric + "@" + std::to_string(*n->window_days) + "d" : n->metric;
                metrics.set(name, val ? JsonScalar(*val) : JsonScalar());
            }
        }
    }

    // §7.4: the entity's users matching each persona.
    OrderedKeys<std::vector<std::string>> personas(x.personas);
    for (size_t pi = 0; pi < m.personas.size(); ++pi) {
        std::vector<std::string> users;
        for (uint32_t u = ent.users_begin; u < ent.users_end; ++u)
            if (v.scorer.user_matches_persona(ix.entity_users[u].user, pi))
                users.push_back(v.store.user_ids.name(ix.entity_users[u].user));
        personas.set(m.personas[pi].name, std::move(users));
    }
    // Call-ready parts (people.hpp, reasons.hpp): who does the work, what they did last, why call.
    x.people = people_of(v, s, 20);
    x.recent_events = recent_events_of(v, s, 10);
    x.reasons = reasons_of(v, s, 3);
    // §7.5 and §7.6: the customer flag's reason and each segment's rule, traced.
    x.customer.converted = s.customer();
    if (s.customer()) x.customer.converted_at = s.converted_at;
    x.customer.conversion_event = m.conversion_event;
    x.customer.include_customers = m.include_customers;
    for (auto& [name, rule] : m.segments) {
        std::vector<std::string> seg_failed;
        const bool holds = v.scorer.evaluate(m, s, rule);
        x.segments.push_back(
            {name, holds, s.qualified && holds, rule_trace(v, s, rule, "segments." + name, seg_failed)});
    }

    auto& q = x.qualification;
    if (m.rule) x.rule = rule_trace(v, s, *m.rule, "pql.rule", q.failed_leaves);
    q.min_score = m.min_score;
    q.score_ok = s.score >= m.min_score;
    q.require_activation = m.require_activation;
    q.customer_ok = !s.customer() || m.include_customers;
    q.activated = s.activated;
    if (m.rule) q.rule_ok = v.scorer.evaluate(m, s, *m.rule);
    q.qualified = s.qualified;
    return x;
}

std::string explanation_json(const Explanation& x) {
    JsonWriter w;
    w.out.reserve(4096);
    w.open('{');
    write_row_fields(w, x.row);
    w.time_field("as_of", x.as_of);
    w.key("weights");
    w.open('{');
    w.field("activation", x.w_activation);
    w.field("engagement", x.w_engagement);
    w.field("fit", x.w_fit);
    w.close('}');

    w.key("events_breakdown");
    w.open('[');
    for (auto& e : x.events) {
        w.item();
        w.open('{');
        w.field("event", e.event);
        if (e.signal) { w.field("signal", true); }
        w.field("count", e.count);
        w.field("decayed", e.decayed);
        w.field("capped", e.capped);
        w.field("cap", e.cap);
        w.field("weight", e.weight);
        w.field("points", e.points);
        w.field("half_life_days", e.half_life_days);
        w.field("users", e.users);
        w.field("all_time", e.all_time);
        w.close('}');
    }
    w.close(']');

    w.key("steps");
    w.open('[');
    for (auto& st : x.steps) {
        w.item();
        w.open('{');
        w.field("name", st.name);
        w.field("event", st.event);
        w.field("met", st.met);
        w.field("count", st.count);
        w.field("min_count", st.min_count);
        w.field("users", st.users);
        w.field("min_users", st.min_users);
        w.field("weight", st.weight);
        w.close('}');
    }
    w.close(']');
    w.field("required", x.required);

    w.key("fit_rules");
    w.open('[');
    for (auto& r : x.fit_rules) {
        w.item();
        w.open('{');
        if (r.persona) {
            w.field("persona", *r.persona);
        } else {
            w.field("trait", r.trait.value_or(""));
        }
        w.field("op", r.op);
        if (r.value.shape != TestValue::None) {
            w.key("value");
            write(w, r.value);
        }
        w.field("points", r.points);
        w.field("matched", r.matched);
        w.key("actual");
        write(w, r.actual);
        w.close('}');
    }
    w.close(']');
    w.key("traits");
    w.open('{');
    for (auto& [k, val] : x.traits) {
        w.key_text(k);
        write(w, val);
    }
    w.close('}');

    w.key("limits");
    w.open('[');
    for (auto& l : x.limits) {
        w.item();
        w.open('{');
        w.field("name", l.name);
        w.field("event", l.event);
        w.field("count", l.count);
        w.field("limit", l.limit);
        w.field("usage", l.usage);
        w.close('}');
    }
    w.close(']');

    w.key("metrics");
    w.open('{');
    for (auto& [k, val] : x.metrics) {
        w.key_text(k);
        write(w, val);
    }
    w.close('}');

    w.key("personas");
    w.open('{');
    for (auto& [name, users] : x.personas) {
        w.key_text(name);
        w.open('[');
        for (auto& u : users) {
            w.item();
            w.str(u);
        }
        w.close(']');
    }
    w.close('}');

    w.key("people");
    w.open('[');
    for (auto& p : x.people) {
        w.item();
        w.open('{');
        w.field("user", p.user);
        w.field("points", p.points);
        w.field("events", p.events);
        w.time_field("last_seen", p.last_seen);
        w.key("personas");
        w.open('[');
        for (auto& n : p.personas) {
            w.item();
            w.str(n);
        }
        w.close(']');
        w.key("traits");
        w.open('{');
        for (auto& [k, val] : p.traits) {
            w.key_text(k);
            write(w, val);
        }
        w.close('}');
        w.key("top_actions");
        w.open('[');
        for (auto& a : p.top_actions) {
            w.item();
            w.open('{');
            w.field("event", a.event);
            w.field("count", a.count);
            w.field("points", a.points);
            w.close('}');
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
    w.key("recent_events");
    w.open('[');
    for (auto& e : x.recent_events) {
        w.item();
        w.open('{');
        w.field("event", e.event);
        w.time_field("at", e.at);
        w.field("user", e.user);
        w.key("signals");
        w.open('[');
        for (auto& n : e.signals) {
            w.item();
            w.str(n);
        }
        w.close(']');
        w.close('}');
    }
    w.close(']');
    w.key("reasons");
    w.open('[');
    for (auto& r : x.reasons) {
        w.item();
        w.str(r);
    }
    w.close(']');

    w.key("customer");
    w.open('{');
    w.field("converted", x.customer.converted);
    w.time_field("converted_at", x.customer.converted_at);
    w.field("conversion_event", x.customer.conversion_event);
    w.field("include_customers", x.customer.include_customers);
    w.close('}');

    w.key("segments_breakdown");
    w.open('[');
    for (auto& sg : x.segments) {
        w.item();
        w.open('{');
        w.field("name", sg.name);
        w.field("holds", sg.holds);
        w.field("listed", sg.listed);
        w.key("rule");
        write(w, sg.rule);
        w.close('}');
    }
    w.close(']');

    w.key("rule");
    if (x.rule) write(w, *x.rule);
    else w.null();
    const auto& q = x.qualification;
    w.key("qualification");
    w.open('{');
    w.field("min_score", q.min_score);
    w.field("score_ok", q.score_ok);
    w.field("require_activation", q.require_activation);
    w.field("customer_ok", q.customer_ok);
    w.field("activated", q.activated);
    w.field("rule_ok", q.rule_ok);
    w.key("failed_leaves");
    w.open('[');
    for (auto& f : q.failed_leaves) {
        w.item();
        w.str(f);
    }
    w.close(']');
    w.field("qualified", q.qualified);
    w.close('}');
    w.close('}');
    return std::move(w.out);
}

}  // namespace pql
