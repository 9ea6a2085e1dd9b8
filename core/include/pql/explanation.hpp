// Why one entity scored as it did (SPEC §4 explanation, §7 additions), as plain structs: what
// Engine::explain returns, what the explanation's JSON is written from (one writer) and what the
// CLI's text is drawn from.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pql/value.hpp"

namespace pql {

// One JSON scalar as the explanation reports it (a metric, a rule's actual value): null, a
// boolean, an integer, a number or a string. Integers and numbers print differently (3 vs 3.0).
using JsonScalar = std::variant<std::monostate, bool, int64_t, double, std::string>;
JsonScalar json_scalar_of(const Value& v);
// The JSON text of a scalar or a trait value, as the explanation's JSON has it ("3.0", "\"pro\"").
std::string json_text(const JsonScalar& s);
std::string json_text(const Value& v);

// SPEC §4's result object of one entity: the fields of a row of score_json(), in its order.
struct EntityRow {
    int64_t rank = 0;
    std::string id;
    std::optional<std::string> name;
    double score = 0, activation = 0, engagement = 0, fit = 0, engagement_points = 0;  // NaN/inf print as null
    int64_t steps_completed = 0;
    bool activated = false;
    std::optional<int64_t> activated_at;  // epoch ms
    bool qualified = false;
    std::optional<std::string> tier, grade;
    int64_t active_users = 0, users = 0, events = 0;
    double velocity = 0;
    int64_t days_since_last_seen = 0;
    int64_t first_seen = 0, last_seen = 0;  // epoch ms
    // v2 (SPEC §7.5-§7.7)
    bool converted = false;
    std::optional<int64_t> converted_at;
    std::vector<std::string> segments;
    std::optional<int64_t> qualified_at, first_qualified_at, days_qualified;
};

struct ExplainedEvent {  // one event type or signal (§7.1) of the entity
    std::string event;
    bool signal = false;
    int64_t count = 0;  // in the window
    double decayed = 0, capped = 0;
    std::optional<double> cap;
    double weight = 0, points = 0;
    std::optional<double> half_life_days;  // exponential decay only
    int64_t users = 0, all_time = 0;
};

struct ExplainedStep {
    std::string name, event;
    bool met = false;
    int64_t count = 0, min_count = 0, users = 0, min_users = 0;
    double weight = 0;
};

struct ExplainedFitRule {
    std::optional<std::string> trait, persona;  // one of them (§7.4: a persona's user count)
    std::string op;
    TestValue value;
    double points = 0;
    bool matched = false;
    JsonScalar actual;  // the trait's value (null: absent), or the persona's count
};

struct ExplainedLimit {
    std::string name, event;
    double count = 0, limit = 0, usage = 0;
};

// A rule (pql.rule or a segment's) evaluated for the entity, node by node.
struct RuleTrace {
    enum Kind { All, Any, Not, Leaf } kind = Leaf;
    std::vector<RuleTrace> children;  // all/any: each; not: one
    std::string metric, op;           // a leaf's
    std::optional<int64_t> window_days;
    // A leaf's value: a trait test's values (TestValue, may be None), or a number.
    TestValue trait_value;
    std::optional<double> number;
    JsonScalar actual;  // the leaf's metric or trait (null: missing)
    bool result = false;
};

struct ExplainedSegment {
    std::string name;
    bool holds = false, listed = false;  // listed: holds and the entity is a PQL
    RuleTrace rule;
};

// A user of the explained entity (docs/model.md "people"): its share of the engagement points.
struct ExplainedPerson {
    std::string user;
    double points = 0;
    int64_t events = 0;                // in the window
    std::optional<int64_t> last_seen;  // epoch ms
    std::vector<std::string> personas;
    std::vector<std::pair<std::string, Value>> traits;  // user traits at as_of, by name
    struct Action {
        std::string event;
        int64_t count = 0;
        double points = 0;
    };
    std::vector<Action> top_actions;  // up to three
};

// A key event (its type or a signal it matches carries weight, or it is a step's or a limit's).
struct KeyEvent {
    std::string event;
    int64_t at = 0;  // epoch ms
    std::string user;
    std::vector<std::string> signals;
};

struct Explanation {
    EntityRow row;
    int64_t as_of = 0;  // epoch ms
    double w_activation = 0, w_engagement = 0, w_fit = 0;
    std::vector<ExplainedEvent> events;  // by name
    std::vector<ExplainedStep> steps;
    int64_t required = 0;
    std::vector<ExplainedFitRule> fit_rules;
    std::vector<std::pair<std::string, Value>> traits;  // by name
    std::vector<ExplainedLimit> limits;
    // Every metric a rule could read for this entity, name -> value, in the JSON's order.
    std::vector<std::pair<std::string, JsonScalar>> metrics;
    std::vector<std::pair<std::string, std::vector<std::string>>> personas;  // persona -> matching user ids
    // Call-ready (docs/model.md): users by points (at most 20), the last ten key events, up to
    // three plain-language reasons.
    std::vector<ExplainedPerson> people;
    std::vector<KeyEvent> recent_events;
    std::vector<std::string> reasons;
    struct Customer {
        bool converted = false;
        std::optional<int64_t> converted_at;
        std::optional<std::string> conversion_event;
        bool include_customers = false;
    } customer;
    std::vector<ExplainedSegment> segments;
    std::optional<RuleTrace> rule;  // pql.rule
    struct Qualification {
        double min_score = 0;
        bool score_ok = false, require_activation = false, customer_ok = false, activated = false;
        std::optional<bool> rule_ok;
        std::vector<std::string> failed_leaves;  // paths of the rule's failed leaves ("pql.rule.all[1]")
        bool qualified = false;
    } qualification;
};

// The explanation as SPEC §4 JSON (what Engine::explain_json returns).
std::string explanation_json(const Explanation& e);

}  // namespace pql
