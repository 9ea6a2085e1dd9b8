// Model parsing and validation (SPEC §2). Every error names its JSON path; unknown keys get
// the nearest valid key as a suggestion.
#include "pql/model.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "json_writer.hpp"
#include "names.hpp"
#include "pql/time.hpp"

namespace pql {

// Ordered, so that errors come in document order and segments keep the model's order.
using json = nlohmann::ordered_json;

Model::Model() {
    tiers = {{"Hot", 80}, {"Warm", 50}, {"Cold", 0}};
    fit_grades = {{"A", 70}, {"B", 40}, {"C", 0}};
    engagement_grades = {{"1", 60}, {"2", 30}, {"3", 0}};
}

double Model::weight_of(const std::string& event) const {
    auto it = events.find(event);
    return it != events.end() && it->second.weight ? *it->second.weight : default_weight;
}

double Model::half_life_of(const std::string& event) const {
    auto it = events.find(event);
    return it != events.end() && it->second.half_life_days ? *it->second.half_life_days : half_life_days;
}

const Signal* Model::signal(const std::string& name) const {
    for (auto& s : signals)
        if (s.name == name) return &s;
    return nullptr;
}

const Persona* Model::persona(const std::string& name) const {
    for (auto& p : personas)
        if (p.name == name) return &p;
    return nullptr;
}

std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    // A prefix of three or more characters ("expo") is as good as a typo.
    if (word.size() >= 3)
        for (const auto& c : candidates)
            if (c.size() > word.size() && c.compare(0, word.size(), word) == 0) return c;
    std::string best;
    size_t best_d = SIZE_MAX;
    for (const auto& c : candidates) {
        // Levenshtein distance, two rows.
        std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
        for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
        for (size_t i = 1; i <= word.size(); ++i) {
            cur[0] = i;
            for (size_t j = 1; j <= c.size(); ++j)
                cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1)});
            prev.swap(cur);
        }
        if (prev[c.size()] < best_d) {
            best_d = prev[c.size()];
            best = c;
        }
    }
    const size_t allowed = std::max<size_t>(2, word.size() / 3);
    return best_d <= allowed ? best : std::string();
}

namespace {

// "; did you mean \"<prefix><nearest>\"?" or "" when nothing is close: one wording everywhere.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         const std::string& prefix = "") {
    const std::string near = nearest(word, candidates);
    return near.empty() ? std::string() : "; did you mean \"" + prefix + near + "\"?";
}

struct Invalid {
    std::string path, message;
};

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

const char* type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        default: return "a number";
    }
}

[[noreturn]] void fail(const std::string& path, const std::string& message) { throw Invalid{path, message}; }

void expect(const json& v, bool ok, const std::string& path, const char* what) {
    if (!ok) fail(path, std::string("must be ") + what + ", not " + type_name(v));
}

// Rejects keys outside `allowed`, suggesting the nearest one.
void check_keys(const json& obj, const std::string& path, const std::vector<std::string>& allowed) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
        std::string msg = "unknown key";
        const std::string hint = did_you_mean(it.key(), allowed);
        if (!hint.empty()) msg += hint;
        else {
            msg += " (expected one of:";
            for (auto& a : allowed) msg += " " + a;
            msg += ")";
        }
        fail(join(path, it.key()), msg);
    }
}

const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

double number(const json& v, const std::string& path) {
    expect(v, v.is_number(), path, "a number");
    const double d = v.get<double>();
    if (!std::isfinite(d)) fail(path, "must be a finite number");
    return d;
}

double number_min(const json& v, const std::string& path, double min, bool inclusive) {
    const double d = number(v, path);
    if (inclusive ? d < min : d <= min) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "must be %s %g", inclusive ? ">=" : ">", min);
        fail(path, std::string(buf) + " (got " + v.dump() + ")");
    }
    return d;
}

// Weights, points and limits: scoring multiplies and sums them, so they stay within ±10^12 and
// no data can push a score, a metric or a sum of points to Infinity or NaN.
constexpr double kMaxAmount = 1e12;

double amount(const json& v, const std::string& path) {
    const double d = number(v, path);
    if (std::fabs(d) > kMaxAmount)
        fail(path, "must be between -1000000000000 and 1000000000000 (got " + v.dump() + ")");
    return d;
}

double amount_min(const json& v, const std::string& path, double min, bool inclusive) {
    const double d = number_min(v, path, min, inclusive);
    if (d > kMaxAmount) fail(path, "must be at most 1000000000000 (got " + v.dump() + ")");
    return d;
}

int64_t integer_min(const json& v, const std::string& path, int64_t min) {
    const double d = number(v, path);
    if (d != std::floor(d)) fail(path, "must be a whole number (got " + v.dump() + ")");
    if (d < static_cast<double>(min) || d > 1e12)
        fail(path, "must be between " + std::to_string(min) + " and 1000000000000 (got " + v.dump() + ")");
    return static_cast<int64_t>(d);
}

std::string string_value(const json& v, const std::string& path, bool allow_empty = false) {
    expect(v, v.is_string(), path, "a string");
    std::string s = v.get<std::string>();
    if (!allow_empty && s.empty()) fail(path, "must not be empty");
    return s;
}

bool boolean(const json& v, const std::string& path) {
    expect(v, v.is_boolean(), path, "true or false");
    return v.get<bool>();
}

Value scalar_value(const json& v, const std::string& path) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number()) return number(v, path);
    fail(path, std::string("must be a string, number or boolean, not ") + type_name(v));
}

TraitTest trait_test(const std::string& op, const json* value, const std::string& op_path,
                     const std::string& value_path) {
    TraitTest t;
    auto need = [&]() -> const json& {
        if (!value) fail(value_path, "missing (op \"" + op + "\" needs a value)");
        return *value;
    };
    const TraitOpName* known = find_name(kTraitOps, op);
    if (!known) fail(op_path, "unknown op \"" + op + "\"" + did_you_mean(op, names_of(kTraitOps)));
    t.op = known->value;
    switch (known->takes) {  // what the op's value must be: names.hpp
        case ValueKind::Scalar: t.values = {scalar_value(need(), value_path)}; break;
        case ValueKind::Scalars: {
            const json& v = need();
            expect(v, v.is_array(), value_path, "an array");
            for (size_t i = 0; i < v.size(); ++i) t.values.push_back(scalar_value(v[i], at(value_path, i)));
            break;
        }
        case ValueKind::Number: t.values = {number(need(), value_path)}; break;
        case ValueKind::Range: {
            const json& v = need();
            expect(v, v.is_array() && v.size() == 2, value_path, "an array of two numbers [low, high]");
            const double lo = number(v[0], at(value_path, 0)), hi = number(v[1], at(value_path, 1));
            if (lo > hi) fail(value_path, "low must not exceed high");
            t.values = {lo, hi};
            break;
        }
        case ValueKind::Text: t.values = {string_value(need(), value_path, true)}; break;
        case ValueKind::None:
            if (value) fail(value_path, "op \"" + op + "\" takes no value");
            break;
    }
    return t;
}

struct Parser {
    Model m;
    std::vector<Invalid> errors;

    // Runs one independent part of the check; an error there is recorded and the rest goes on.
    template <class F>
    void part(F&& f) {
        try {
            f();
        } catch (Invalid& e) { errors.push_back(std::move(e)); }
    }

    void engagement(const json& e, const std::string& p) {
        expect(e, e.is_object(), p, "an object");
        check_keys(e, p, {"decay", "half_life_days", "saturation", "default_weight", "events"});
        if (auto v = member(e, "decay")) {
            const std::string d = string_value(*v, join(p, "decay"));
            if (auto known = find_name(kDecays, d)) m.decay = known->value;
            else {
                const std::string hint = did_you_mean(d, names_of(kDecays));
                fail(join(p, "decay"), "unknown decay \"" + d + "\"" +
                                           (hint.empty() ? " (expected " + one_of(names_of(kDecays)) + ")" : hint));
            }
        }
        if (auto v = member(e, "half_life_days"))
            m.half_life_days = number_min(*v, join(p, "half_life_days"), 0, false);
        if (auto v = member(e, "saturation")) m.saturation = number_min(*v, join(p, "saturation"), 0, false);
        if (auto v = member(e, "default_weight")) m.default_weight = amount(*v, join(p, "default_weight"));
        if (auto v = member(e, "events")) {
            const std::string ep = join(p, "events");
            expect(*v, v->is_object(), ep, "an object");
            for (auto it = v->begin(); it != v->end(); ++it)
                part([&] {
                    const std::string kp = join(ep, it.key());
                    if (it.key().empty()) fail(kp, "event name must not be empty");
                    const json& s = it.value();
                    expect(s, s.is_object(), kp, "an object like {\"weight\": 5}");
                    check_keys(s, kp, {"weight", "cap", "half_life_days"});
                    EventSetting es;
                    if (auto w = member(s, "weight")) es.weight = amount(*w, join(kp, "weight"));
                    if (auto c = member(s, "cap")) es.cap = number_min(*c, join(kp, "cap"), 0, true);
                    if (auto h = member(s, "half_life_days"))
                        es.half_life_days = number_min(*h, join(kp, "half_life_days"), 0, false);
                    m.events[it.key()] = es;
                });
        }
    }

    void activation(const json& a, const std::string& p) {
        expect(a, a.is_object(), p, "an object");
        check_keys(a, p, {"steps", "required"});
        if (auto v = member(a, "steps")) {
            const std::string sp = join(p, "steps");
            expect(*v, v->is_array(), sp, "an array");
            for (size_t i = 0; i < v->size(); ++i)
                part([&] {
                    const json& s = (*v)[i];
                    const std::string ip = at(sp, i);
                    expect(s, s.is_object(), ip, "an object like {\"event\": \"report_created\"}");
                    check_keys(s, ip, {"name", "event", "min_count", "min_users", "weight"});
                    Step st;
                    auto ev = member(s, "event");
                    if (!ev) fail(join(ip, "event"), "missing (the event this step counts, or \"*\")");
                    st.event = string_value(*ev, join(ip, "event"));
                    st.name = st.event;
                    if (auto n = member(s, "name")) st.name = string_value(*n, join(ip, "name"));
                    if (auto c = member(s, "min_count")) st.min_count = integer_min(*c, join(ip, "min_count"), 0);
                    if (auto u = member(s, "min_users")) st.min_users = integer_min(*u, join(ip, "min_users"), 0);
                    if (auto w = member(s, "weight")) st.weight = amount_min(*w, join(ip, "weight"), 0, true);
                    m.steps.push_back(st);
                });
        }
        m.required = static_cast<int64_t>(m.steps.size());
        if (auto r = member(a, "required")) {
            m.required = integer_min(*r, join(p, "required"), 0);
            if (m.required > static_cast<int64_t>(m.steps.size()))
                fail(join(p, "required"),
                     "must be at most the number of steps (" + std::to_string(m.steps.size()) + ")");
        }
    }

    void fit(const json& f, const std::string& p) {
        expect(f, f.is_object(), p, "an object");
        check_keys(f, p, {"rules"});
        auto v = member(f, "rules");
        if (!v) return;
        const std::string rp = join(p, "rules");
        expect(*v, v->is_array(), rp, "an array");
        for (size_t i = 0; i < v->size(); ++i)
            part([&] {
                const json& r = (*v)[i];
                const std::string ip = at(rp, i);
                expect(r, r.is_object(), ip,
                       "an object like {\"trait\": \"employees\", \"op\": \"gte\", \"value\": 50, \"points\": 10}");
                check_keys(r, ip, {"trait", "persona", "op", "value", "points"});
                FitRule fr;
                if (auto pe = member(r, "persona")) {
                    // §7.4: the persona's count of matching users, with a numeric op (gte 1 by default).
                    if (member(r, "trait")) fail(join(ip, "trait"), "a rule reads a trait or a persona, not both");
                    fr.persona = string_value(*pe, join(ip, "persona"));
                    if (!m.persona(fr.persona)) fail(join(ip, "persona"), unknown_persona(fr.persona, ""));
                    fr.op_name = "gte";
                    if (auto op = member(r, "op")) fr.op_name = string_value(*op, join(ip, "op"));
                    static const std::vector<std::string> numeric = {"eq", "ne", "lt", "lte", "gt", "gte", "between"};
                    if (std::find(numeric.begin(), numeric.end(), fr.op_name) == numeric.end())
                        fail(join(ip, "op"),
                             "a persona count takes a numeric op (eq, ne, lt, lte, gt, gte, between), not \"" +
                                 fr.op_name + "\"" + did_you_mean(fr.op_name, numeric));
                    const json one = 1;
                    const json* value = member(r, "value");
                    if (value && (fr.op_name == "eq" || fr.op_name == "ne")) number(*value, join(ip, "value"));
                    fr.test = trait_test(fr.op_name, value ? value : &one, join(ip, "op"), join(ip, "value"));
                    if (auto pts = member(r, "points")) fr.points = amount(*pts, join(ip, "points"));
                    m.rules.push_back(fr);
                    return;
                }
                auto t = member(r, "trait");
                if (!t) fail(join(ip, "trait"), "missing (or \"persona\")");
                fr.trait = string_value(*t, join(ip, "trait"));
                auto op = member(r, "op");
                if (!op) fail(join(ip, "op"), "missing");
                fr.op_name = string_value(*op, join(ip, "op"));
                fr.test = trait_test(fr.op_name, member(r, "value"), join(ip, "op"), join(ip, "value"));
                if (auto pts = member(r, "points")) fr.points = amount(*pts, join(ip, "points"));
                m.rules.push_back(fr);
            });
    }

    void limits(const json& l, const std::string& p) {
        expect(l, l.is_object(), p, "an object");
        for (auto it = l.begin(); it != l.end(); ++it)
            part([&] {
                const std::string kp = join(p, it.key());
                if (it.key().empty()) fail(kp, "limit name must not be empty");
                const json& v = it.value();
                expect(v, v.is_object(), kp, "an object like {\"event\": \"project_created\", \"limit\": 10}");
                check_keys(v, kp, {"event", "limit"});
                Limit lim;
                auto e = member(v, "event");
                if (!e) fail(join(kp, "event"), "missing");
                lim.event = string_value(*e, join(kp, "event"));
                auto n = member(v, "limit");
                if (!n) fail(join(kp, "limit"), "missing");
                lim.limit = amount_min(*n, join(kp, "limit"), 0, false);
                // usage = count / limit: a limit below 10^-12 would overflow it.
                if (lim.limit < 1e-12) fail(join(kp, "limit"), "must be at least 1e-12 (got " + n->dump() + ")");
                m.limits[it.key()] = lim;
            });
    }

    std::string unknown_persona(const std::string& name, const std::string& prefix) const {
        std::vector<std::string> names;
        for (auto& pe : m.personas) names.push_back(pe.name);
        std::string msg = "unknown persona \"" + name + "\"";
        const std::string hint = did_you_mean(name, names, prefix);
        if (!hint.empty()) return msg + hint;
        return msg + (names.empty() ? " (the model defines no personas)" : " (not in the model's personas)");
    }

    // §7.1 / §7.4: [{"<key>": ..., "op": ..., "value": ...}, ...], every one must hold.
    std::vector<Condition> conditions(const json& v, const std::string& p, const char* key) {
        expect(v, v.is_array(), p,
               (std::string("an array of conditions like [{\"") + key +
                "\": \"plan\", \"op\": \"eq\", \"value\": \"pro\"}]")
                   .c_str());
        std::vector<Condition> out;
        for (size_t i = 0; i < v.size(); ++i) {
            const json& c = v[i];
            const std::string ip = at(p, i);
            expect(c, c.is_object(), ip,
                   (std::string("an object like {\"") + key + "\": \"plan\", \"op\": \"eq\", \"value\": \"pro\"}")
                       .c_str());
            check_keys(c, ip, {key, "op", "value"});
            Condition cond;
            auto k = member(c, key);
            if (!k) fail(join(ip, key), "missing");
            cond.key = string_value(*k, join(ip, key));
            auto op = member(c, "op");
            if (!op) fail(join(ip, "op"), "missing");
            cond.op_name = string_value(*op, join(ip, "op"));
            cond.test = trait_test(cond.op_name, member(c, "value"), join(ip, "op"), join(ip, "value"));
            out.push_back(std::move(cond));
        }
        return out;
    }

    void signals(const json& v, const std::string& p) {
        expect(v, v.is_object(), p,
               "an object like {\"shared_report\": {\"event\": \"report_created\", \"where\": [...]}}");
        for (auto it = v.begin(); it != v.end(); ++it)
            part([&] {
                const std::string kp = join(p, it.key());
                if (it.key().empty()) fail(kp, "signal name must not be empty");
                if (it.key() == "*") fail(kp, "\"*\" means every event; a signal needs a name of its own");
                const json& s = it.value();
                expect(s, s.is_object(), kp, "an object like {\"event\": \"report_created\", \"where\": [...]}");
                check_keys(s, kp, {"event", "where"});
                Signal sig;
                sig.name = it.key();
                auto e = member(s, "event");
                if (!e) fail(join(kp, "event"), "missing (the event type the signal filters, or \"*\")");
                sig.event = string_value(*e, join(kp, "event"));
                if (m.signal(sig.event))
                    fail(join(kp, "event"), "must be an event type, not another signal (\"" + sig.event + "\")");
                if (auto w = member(s, "where")) sig.where = conditions(*w, join(kp, "where"), "property");
                m.signals.push_back(std::move(sig));
            });
    }

    void active(const json& a, const std::string& p) {
        expect(a, a.is_object(), p, "an object like {\"events\": [\"report_created\"]}");
        check_keys(a, p, {"events"});
        auto v = member(a, "events");
        if (!v) return;
        const std::string ep = join(p, "events");
        expect(*v, v->is_array(), ep, "an array of event types or signals");
        std::vector<std::string> events;
        for (size_t i = 0; i < v->size(); ++i) {
            std::string e = string_value((*v)[i], at(ep, i));
            if (e == "*") fail(at(ep, i), "\"*\" is the default (every event): leave \"active\" out instead");
            events.push_back(std::move(e));
        }
        m.active_events = std::move(events);
    }

    void personas(const json& v, const std::string& p) {
        expect(v, v.is_object(), p,
               "an object like {\"exec\": [{\"trait\": \"title\", \"op\": \"contains\", \"value\": \"vp\"}]}");
        for (auto it = v.begin(); it != v.end(); ++it)
            part([&] {
                const std::string kp = join(p, it.key());
                if (it.key().empty()) fail(kp, "persona name must not be empty");
                m.personas.push_back(Persona{it.key(), conditions(it.value(), kp, "trait")});
            });
    }

    void segments(const json& v, const std::string& p) {
        expect(v, v.is_object(), p,
               "an object like {\"over_limit\": {\"metric\": \"limit.projects\", \"op\": \">=\", \"value\": 1}}");
        if (v.size() > 64) fail(p, "at most 64 segments (got " + std::to_string(v.size()) + ")");
        for (auto it = v.begin(); it != v.end(); ++it)
            part([&] {
                const std::string kp = join(p, it.key());
                if (it.key().empty()) fail(kp, "segment name must not be empty");
                m.segments.emplace_back(it.key(), rule(it.value(), kp));
            });
    }

    void weights(const json& w, const std::string& p) {
        expect(w, w.is_object(), p, "an object");
        check_keys(w, p, {"activation", "engagement", "fit"});
        if (auto v = member(w, "activation")) m.w_activation = amount_min(*v, join(p, "activation"), 0, true);
        if (auto v = member(w, "engagement")) m.w_engagement = amount_min(*v, join(p, "engagement"), 0, true);
        if (auto v = member(w, "fit")) m.w_fit = amount_min(*v, join(p, "fit"), 0, true);
        if (m.w_activation + m.w_engagement + m.w_fit <= 0) fail(p, "the three weights must not all be 0");
    }

    RuleNode rule(const json& r, const std::string& p) {
        expect(r, r.is_object(), p,
               "an object: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}} or {\"metric\", \"op\", \"value\"}");
        RuleNode n;
        for (const char* k : {"all", "any"}) {
            if (auto v = member(r, k)) {
                check_keys(r, p, {k});
                n.kind = std::string(k) == "all" ? RuleNode::All : RuleNode::Any;
                const std::string cp = join(p, k);
                expect(*v, v->is_array(), cp, "an array of conditions");
                for (size_t i = 0; i < v->size(); ++i) n.children.push_back(rule((*v)[i], at(cp, i)));
                return n;
            }
        }
        if (auto v = member(r, "not")) {
            check_keys(r, p, {"not"});
            n.kind = RuleNode::Not;
            n.children.push_back(rule(*v, join(p, "not")));
            return n;
        }
        check_keys(r, p, {"metric", "op", "value", "window_days", "all", "any", "not"});
        n.kind = RuleNode::Leaf;
        auto mv = member(r, "metric");
        if (!mv) fail(join(p, "metric"), "missing (or use all / any / not)");
        n.metric = string_value(*mv, join(p, "metric"));
        metric(n, join(p, "metric"));
        if (auto w = member(r, "window_days")) {
            // §7.2: counts over the leaf's own window; other metrics have no window to replace.
            static const std::vector<MetricKind> windowed = {
                MetricKind::Count, MetricKind::UsersOf,     MetricKind::Sum,       MetricKind::Events,
                MetricKind::Users, MetricKind::ActiveUsers, MetricKind::ActiveDays};
            if (std::find(windowed.begin(), windowed.end(), n.metric_kind) == windowed.end())
                fail(join(p, "window_days"),
                     "applies only to count.*, users.*, sum.*, events, users, active_users and "
                     "active_days (not \"" +
                         n.metric + "\")");
            n.window_days = integer_min(*w, join(p, "window_days"), 1);
        }
        auto op = member(r, "op");
        if (!op) fail(join(p, "op"), "missing");
        n.op_name = string_value(*op, join(p, "op"));
        const CmpOpName* cmp = find_name(kCmpOps, n.op_name);
        if (n.metric_kind == MetricKind::Trait) {
            // Comparison ops map onto the fit ops for traits.
            const std::string fop = cmp ? name_of(kTraitOps, cmp->trait_op) : n.op_name;
            n.trait_test = trait_test(fop, member(r, "value"), join(p, "op"), join(p, "value"));
            return n;
        }
        if (!cmp) fail(join(p, "op"), "unknown op \"" + n.op_name + "\" (expected " + one_of(names_of(kCmpOps)) + ")");
        n.cmp = cmp->value;
        auto val = member(r, "value");
        if (!val) fail(join(p, "value"), "missing");
        n.number = number(*val, join(p, "value"));
        return n;
    }

    void metric(RuleNode& n, const std::string& p) {
        if (auto plain = find_name(kPlainMetrics, n.metric)) {
            n.metric_kind = plain->value;
            return;
        }
        for (const MetricPrefix& form : kMetricPrefixes) {
            const std::string_view prefix = form.prefix;
            const MetricKind kind = form.value;
            if (n.metric.size() > prefix.size() && n.metric.compare(0, prefix.size(), prefix) == 0) {
                n.metric_kind = kind;
                n.arg = n.metric.substr(prefix.size());
                if (kind == MetricKind::Limit && !m.limits.count(n.arg)) {
                    std::vector<std::string> names;
                    for (auto& [k, v] : m.limits) names.push_back(k);
                    std::string msg = "unknown limit \"" + n.arg + "\"";
                    const std::string hint = did_you_mean(n.arg, names, "limit.");
                    if (!hint.empty()) msg += hint;
                    else msg += names.empty() ? " (the model defines no limits)" : " (not in the model's limits)";
                    fail(p, msg);
                }
                if (kind == MetricKind::Persona && !m.persona(n.arg)) fail(p, unknown_persona(n.arg, "persona."));
                if (kind == MetricKind::Sum) {
                    // sum.<name>.<property>: a signal whose name has dots is matched whole; otherwise
                    // the name ends at the first dot (properties may be dotted paths).
                    const std::string rest = n.arg;
                    size_t cut = rest.find('.');
                    for (auto& sig : m.signals)
                        if (rest.size() > sig.name.size() + 1 && rest.compare(0, sig.name.size(), sig.name) == 0 &&
                            rest[sig.name.size()] == '.')
                            cut = std::max(cut == std::string::npos ? 0 : cut, sig.name.size());
                    if (cut == std::string::npos || cut == 0 || cut + 1 >= rest.size())
                        fail(p, "expected sum.<event or signal>.<property> (got \"" + n.metric + "\")");
                    n.arg = rest.substr(0, cut);
                    n.property = rest.substr(cut + 1);
                }
                return;
            }
        }
        const std::vector<std::string> names = names_of(kPlainMetrics);
        std::string msg = "unknown metric \"" + n.metric + "\"";
        const std::string hint = did_you_mean(n.metric, names);
        if (!hint.empty()) msg += hint;
        else
            msg +=
                " (expected a metric such as score, active_users, active_days, count.<event>, users.<event>, "
                "sum.<event>.<property>, limit.<name>, trait.<name>, persona.<name>)";
        fail(p, msg);
    }

    void pql(const json& q, const std::string& p) {
        expect(q, q.is_object(), p, "an object");
        check_keys(q, p, {"min_score", "require_activation", "rule", "include_customers"});
        if (auto v = member(q, "include_customers")) m.include_customers = boolean(*v, join(p, "include_customers"));
        if (auto v = member(q, "min_score")) m.min_score = number(*v, join(p, "min_score"));
        if (auto v = member(q, "require_activation")) m.require_activation = boolean(*v, join(p, "require_activation"));
        if (auto v = member(q, "rule"); v && !v->is_null()) m.rule = rule(*v, join(p, "rule"));
    }

    void tiers(const json& t, const std::string& p) {
        expect(t, t.is_array(), p, "an array like [{\"name\": \"Hot\", \"min_score\": 80}]");
        m.tiers.clear();
        for (size_t i = 0; i < t.size(); ++i) {
            const std::string ip = at(p, i);
            expect(t[i], t[i].is_object(), ip, "an object like {\"name\": \"Hot\", \"min_score\": 80}");
            check_keys(t[i], ip, {"name", "min_score"});
            Tier tier;
            auto n = member(t[i], "name");
            if (!n) fail(join(ip, "name"), "missing");
            tier.name = string_value(*n, join(ip, "name"));
            auto s = member(t[i], "min_score");
            if (!s) fail(join(ip, "min_score"), "missing");
            tier.min_score = number(*s, join(ip, "min_score"));
            for (auto& other : m.tiers)
                if (other.name == tier.name) fail(join(ip, "name"), "duplicate tier name \"" + tier.name + "\"");
            m.tiers.push_back(tier);
        }
        std::stable_sort(m.tiers.begin(), m.tiers.end(),
                         [](const Tier& a, const Tier& b) { return a.min_score > b.min_score; });
    }

    std::vector<Band> bands(const json& b, const std::string& p) {
        expect(b, b.is_array(), p, "an array of [label, threshold] pairs, highest first");
        std::vector<Band> out;
        for (size_t i = 0; i < b.size(); ++i) {
            const std::string ip = at(p, i);
            expect(b[i], b[i].is_array() && b[i].size() == 2, ip, "a [label, threshold] pair");
            Band band{string_value(b[i][0], at(ip, 0)), number(b[i][1], at(ip, 1))};
            if (!out.empty() && band.threshold >= out.back().threshold)
                fail(at(ip, 1), "bands must be listed highest threshold first");
            out.push_back(band);
        }
        return out;
    }

    void grades(const json& g, const std::string& p) {
        expect(g, g.is_object(), p, "an object with \"fit\" and \"engagement\" bands");
        check_keys(g, p, {"fit", "engagement"});
        if (auto v = member(g, "fit")) m.fit_grades = bands(*v, join(p, "fit"));
        if (auto v = member(g, "engagement")) m.engagement_grades = bands(*v, join(p, "engagement"));
    }

    void top(const json& j) {
        expect(j, j.is_object(), "", "a JSON object");
        const std::vector<std::string> keys = {"entity",     "as_of",  "window_days",      "active_days", "engagement",
                                               "activation", "fit",    "limits",           "weights",     "pql",
                                               "tiers",      "grades", "conversion_event", "name",        "description",
                                               "signals",    "active", "personas",         "segments"};
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (std::find(keys.begin(), keys.end(), it.key()) != keys.end()) continue;
            part([&] { check_keys(json::object({{it.key(), nullptr}}), "", keys); });
        }
        part([&] {
            if (auto v = member(j, "entity")) {
                const std::string e = string_value(*v, "entity");
                if (auto known = find_name(kEntities, e)) m.entity = known->value;
                else fail("entity", "must be \"account\" or \"user\" (got \"" + e + "\")");
            }
        });
        part([&] {
            if (auto v = member(j, "as_of"); v && !v->is_null()) {
                const char* why = "not a date";
                std::optional<int64_t> t;
                if (v->is_string()) t = parse_timestamp(v->get<std::string>(), &why);
                else if (v->is_number()) t = timestamp_from_number(v->get<double>(), &why);
                else fail("as_of", std::string("must be an ISO 8601 date or null, not ") + type_name(*v));
                if (!t) fail("as_of", std::string(why) + " (got " + v->dump() + ")");
                m.as_of = t;
            }
        });
        // Signals and personas first: steps, rules and fit rules name them.
        part([&] {
            if (auto v = member(j, "signals")) signals(*v, "signals");
        });
        part([&] {
            if (auto v = member(j, "personas")) personas(*v, "personas");
        });
        part([&] {
            if (auto v = member(j, "active")) active(*v, "active");
        });
        part([&] {
            if (auto v = member(j, "window_days")) m.window_days = integer_min(*v, "window_days", 1);
        });
        part([&] {
            if (auto v = member(j, "active_days")) m.active_days = integer_min(*v, "active_days", 1);
        });
        part([&] {
            if (auto v = member(j, "engagement")) engagement(*v, "engagement");
        });
        part([&] {
            if (auto v = member(j, "activation")) activation(*v, "activation");
        });
        part([&] {
            if (auto v = member(j, "fit")) fit(*v, "fit");
        });
        part([&] {
            if (auto v = member(j, "limits")) limits(*v, "limits");
        });  // before pql: rules name limits
        part([&] {
            if (auto v = member(j, "weights")) weights(*v, "weights");
        });
        part([&] {
            if (auto v = member(j, "pql")) pql(*v, "pql");
        });
        part([&] {
            if (auto v = member(j, "segments")) segments(*v, "segments");
        });
        part([&] {
            if (auto v = member(j, "tiers")) tiers(*v, "tiers");
        });
        part([&] {
            if (auto v = member(j, "grades")) grades(*v, "grades");
        });
        part([&] {
            if (auto v = member(j, "conversion_event"); v && !v->is_null())
                m.conversion_event = string_value(*v, "conversion_event");
        });
        for (auto k : {"name", "description"})
            part([&] {
                if (auto v = member(j, k)) string_value(*v, k, true);
            });
    }
};

// Nesting depth outside strings, so a hostile model cannot build a 200k-deep DOM.
size_t max_depth(std::string_view s) {
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') in_string = true;
        else if (c == '{' || c == '[') max = std::max(max, ++depth);
        else if ((c == '}' || c == ']') && depth > 0) --depth;
    }
    return max;
}

}  // namespace

std::vector<Error> validate_model(std::string_view text, Model* out) {
    if (max_depth(text) > 64) return {Error{"invalid_model", "nested deeper than 64 levels", "(model)", 0}};
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
        std::string msg = e.what();
        const auto close = msg.find("] ");
        if (close != std::string::npos) msg = msg.substr(close + 2);
        return {Error{"invalid_model", "invalid JSON: " + msg, "(model)", 0}};
    }
    Parser p;
    p.part([&] { p.top(j); });
    std::vector<Error> errors;
    for (auto& e : p.errors)
        errors.push_back(Error{"invalid_model", e.message, e.path.empty() ? "(model)" : e.path, 0});
    if (errors.empty() && out) *out = std::move(p.m);
    return errors;
}

Result<Model> parse_model(std::string_view text) {
    Model m;
    auto errors = validate_model(text, &m);
    if (!errors.empty()) return errors.front();
    return m;
}

namespace {

// The canonical model is written with JsonWriter (the same bytes as an ordered_json dump, without
// building one: the page and the fuzz targets ask for it often).

// A test's "value" key, when its op takes one: a list for in, not_in and between.
void write_test_value(JsonWriter& w, const TraitTest& t) {
    if (t.op == TraitOp::Exists || t.op == TraitOp::Missing) return;
    w.key("value");
    if (t.op == TraitOp::In || t.op == TraitOp::NotIn || t.op == TraitOp::Between) {
        w.open('[');
        for (auto& v : t.values) {
            w.item();
            w.value(v);
        }
        w.close(']');
    } else {
        w.value(t.values.at(0));
    }
}

void write_rule(JsonWriter& w, const RuleNode& n) {
    w.open('{');
    switch (n.kind) {
        case RuleNode::All:
        case RuleNode::Any:
            w.key(n.kind == RuleNode::All ? "all" : "any");
            w.open('[');
            for (auto& c : n.children) {
                w.item();
                write_rule(w, c);
            }
            w.close(']');
            break;
        case RuleNode::Not:
            w.key("not");
            write_rule(w, n.children.at(0));
            break;
        case RuleNode::Leaf:
            w.field("metric", n.metric);
            w.field("op", n.op_name);
            if (n.metric_kind == MetricKind::Trait) write_test_value(w, n.trait_test);
            else w.field("value", n.number);
            if (n.window_days) w.field("window_days", *n.window_days);
    }
    w.close('}');
}

void write_conditions(JsonWriter& w, const std::vector<Condition>& cs, const char* key) {
    w.open('[');
    for (auto& c : cs) {
        w.item();
        w.open('{');
        w.field(key, c.key);
        w.field("op", c.op_name);
        write_test_value(w, c.test);
        w.close('}');
    }
    w.close(']');
}

void write_bands(JsonWriter& w, const std::vector<Band>& bands) {
    w.open('[');
    for (auto& b : bands) {
        w.item();
        w.open('[');
        w.item();
        w.str(b.label);
        w.item();
        w.number(b.threshold);
        w.close(']');
    }
    w.close(']');
}

}  // namespace

std::string model_to_json(const Model& m) {
    JsonWriter w;
    w.out.reserve(1024);
    w.open('{');
    w.field("entity", name_of(kEntities, m.entity));
    w.key("as_of");
    if (m.as_of) w.time(*m.as_of);
    else w.null();
    w.field("window_days", m.window_days);
    w.field("active_days", m.active_days);
    w.key("engagement");
    w.open('{');
    w.field("decay", name_of(kDecays, m.decay));
    w.field("half_life_days", m.half_life_days);
    w.field("saturation", m.saturation);
    w.field("default_weight", m.default_weight);
    w.key("events");
    w.open('{');
    for (auto& [name, s] : m.events) {
        w.key_text(name);
        w.open('{');
        if (s.weight) w.field("weight", *s.weight);
        if (s.cap) w.field("cap", *s.cap);
        if (s.half_life_days) w.field("half_life_days", *s.half_life_days);
        w.close('}');
    }
    w.close('}');
    w.close('}');
    w.key("activation");
    w.open('{');
    w.key("steps");
    w.open('[');
    for (auto& s : m.steps) {
        w.item();
        w.open('{');
        w.field("name", s.name);
        w.field("event", s.event);
        w.field("min_count", s.min_count);
        w.field("min_users", s.min_users);
        w.field("weight", s.weight);
        w.close('}');
    }
    w.close(']');
    w.field("required", m.required);
    w.close('}');
    w.key("fit");
    w.open('{');
    w.key("rules");
    w.open('[');
    for (auto& r : m.rules) {
        w.item();
        w.open('{');
        if (r.persona.empty()) w.field("trait", r.trait);
        else w.field("persona", r.persona);
        w.field("op", r.op_name);
        write_test_value(w, r.test);
        w.field("points", r.points);
        w.close('}');
    }
    w.close(']');
    w.close('}');
    w.key("limits");
    w.open('{');
    for (auto& [name, l] : m.limits) {
        w.key_text(name);
        w.open('{');
        w.field("event", l.event);
        w.field("limit", l.limit);
        w.close('}');
    }
    w.close('}');
    w.key("weights");
    w.open('{');
    w.field("activation", m.w_activation);
    w.field("engagement", m.w_engagement);
    w.field("fit", m.w_fit);
    w.close('}');
    w.key("pql");
    w.open('{');
    w.field("min_score", m.min_score);
    w.field("require_activation", m.require_activation);
    w.key("rule");
    if (m.rule) write_rule(w, *m.rule);
    else w.null();
    if (m.include_customers) w.field("include_customers", true);
    w.close('}');
    w.key("tiers");
    w.open('[');
    for (auto& t : m.tiers) {
        w.item();
        w.open('{');
        w.field("name", t.name);
        w.field("min_score", t.min_score);
        w.close('}');
    }
    w.close(']');
    w.key("grades");
    w.open('{');
    w.key("fit");
    write_bands(w, m.fit_grades);
    w.key("engagement");
    write_bands(w, m.engagement_grades);
    w.close('}');
    w.field("conversion_event", m.conversion_event);
    // v2 keys only when used, so a v1 model prints as before.
    if (!m.signals.empty()) {
        w.key("signals");
        w.open('{');
        for (auto& sig : m.signals) {
            w.key_text(sig.name);
            w.open('{');
            w.field("event", sig.event);
            w.key("where");
            write_conditions(w, sig.where, "property");
            w.close('}');
        }
        w.close('}');
    }
    if (m.active_events) {
        w.key("active");
        w.open('{');
        w.key("events");
        w.open('[');
        for (auto& e : *m.active_events) {
            w.item();
            w.str(e);
        }
        w.close(']');
        w.close('}');
    }
    if (!m.personas.empty()) {
        w.key("personas");
        w.open('{');
        for (auto& pe : m.personas) {
            w.key_text(pe.name);
            write_conditions(w, pe.conditions, "trait");
        }
        w.close('}');
    }
    if (!m.segments.empty()) {
        w.key("segments");
        w.open('{');
        for (auto& [name, rule] : m.segments) {
            w.key_text(name);
            write_rule(w, rule);
        }
        w.close('}');
    }
    w.close('}');
    return std::move(w.out);
}

bool TraitTest::matches(const Value* trait) const {
    if (op == TraitOp::Missing) return trait == nullptr;
    if (!trait) return false;
    switch (op) {
        case TraitOp::Exists: return true;
        case TraitOp::Eq: return values_equal(*trait, values[0]);
        case TraitOp::Ne: return !values_equal(*trait, values[0]);
        case TraitOp::In:
        case TraitOp::NotIn: {
            bool any = false;
            for (auto& v : values) any = any || values_equal(*trait, v);
            return op == TraitOp::In ? any : !any;
        }
        case TraitOp::Contains: return value_contains(*trait, std::get<std::string>(values[0]));
        default: break;
    }
    const auto n = numeric_value(*trait);
    if (!n) return false;
    const double x = *n, a = std::get<double>(values[0]);
    switch (op) {
        case TraitOp::Lt: return x < a;
        case TraitOp::Lte: return x <= a;
        case TraitOp::Gt: return x > a;
        case TraitOp::Gte: return x >= a;
        case TraitOp::Between: return x >= a && x <= std::get<double>(values[1]);
        default: return false;
    }
}

}  // namespace pql
