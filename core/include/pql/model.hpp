// The scoring model (SPEC §2): parsed and validated from JSON, every default filled in.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pql/result.hpp"
#include "pql/value.hpp"

namespace pql {

enum class Entity { Account, User };
enum class Decay { Exponential, Linear, None };

struct EventSetting {
    std::optional<double> weight;  // absent: engagement.default_weight
    std::optional<double> cap;
    std::optional<double> half_life_days;
};

struct Step {
    std::string name;
    std::string event;  // "*" = any event
    int64_t min_count = 1;
    int64_t min_users = 0;
    double weight = 1;
};

// A trait comparison: fit rules and trait.<name> rule leaves share it.
enum class TraitOp { Eq, Ne, In, NotIn, Lt, Lte, Gt, Gte, Between, Contains, Exists, Missing };
struct TraitTest {
    TraitOp op = TraitOp::Exists;
    std::vector<Value> values;               // eq/ne/contains: 1; in/not_in: n; lt..gte: 1 number; between: 2
    bool matches(const Value* trait) const;  // nullptr = the trait is absent
};

struct FitRule {
    std::string trait;    // empty when the rule reads a persona
    std::string persona;  // §7.4: compares the persona's count of matching users (gte 1 default)
    TraitTest test;
    double points = 0;
    std::string op_name;
};

// §7.1: a property condition of a signal, or a trait condition of a persona (§7.4).
struct Condition {
    std::string key;  // the property (dotted path) or the user trait
    std::string op_name;
    TraitTest test;
};

// §7.1: the events of type `event` (or "*") whose properties satisfy every condition.
struct Signal {
    std::string name;
    std::string event;
    std::vector<Condition> where;
};

// §7.4: the users whose user traits satisfy every condition.
struct Persona {
    std::string name;
    std::vector<Condition> conditions;
};

struct Limit {
    std::string event;
    double limit = 1;
};

enum class MetricKind {
    Score,
    Activation,
    Engagement,
    Fit,
    EngagementPoints,
    StepsCompleted,
    Events,
    Users,
    ActiveUsers,
    DaysSinceLastSeen,
    Velocity,
    Count,
    UsersOf,
    Limit,
    Trait,
    ActiveDays,
    Sum,
    Persona  // v2 (§7.1, §7.3, §7.4)
};
enum class CmpOp { Ge, Gt, Le, Lt, Eq, Ne };

struct RuleNode {
    enum Kind { All, Any, Not, Leaf } kind = Leaf;
    std::vector<RuleNode> children;  // all/any: n, not: 1
    // Leaf:
    std::string metric;  // as written: "count.report_created"
    MetricKind metric_kind = MetricKind::Score;
    std::string arg;                     // the part after "count." / "users." / "limit." / "trait." / "persona.";
                                         // for sum.<name>.<property>: <name>
    std::string property;                // sum.<name>.<property>: <property>
    std::optional<int64_t> window_days;  // §7.2: this leaf's window instead of the model's
    std::string op_name;                 // as written
    CmpOp cmp = CmpOp::Ge;
    double number = 0;     // numeric metrics
    TraitTest trait_test;  // trait.* leaves
};

struct Tier {
    std::string name;
    double min_score = 0;
};

struct Band {
    std::string label;
    double threshold = 0;
};

struct Model {
    Entity entity = Entity::Account;
    std::optional<int64_t> as_of;  // epoch ms; nullopt = the latest event
    int64_t window_days = 90;
    int64_t active_days = 30;
    Decay decay = Decay::Exponential;
    double half_life_days = 14;
    double saturation = 100;
    double default_weight = 0;
    std::map<std::string, EventSetting> events;
    std::vector<Step> steps;
    int64_t required = 0;
    std::vector<FitRule> rules;
    std::map<std::string, Limit> limits;
    double w_activation = 30, w_engagement = 50, w_fit = 20;
    double min_score = 60;
    bool require_activation = true;
    std::optional<RuleNode> rule;
    std::vector<Tier> tiers;  // sorted by min_score, highest first
    std::vector<Band> fit_grades, engagement_grades;
    std::optional<std::string> conversion_event;
    // v2 (SPEC §7); a model without them scores as in §2-§3.
    std::vector<Signal> signals;                             // model order
    std::optional<std::vector<std::string>> active_events;   // §7.3; nullopt: every event
    std::vector<Persona> personas;                           // model order
    bool include_customers = false;                          // §7.5 pql.include_customers
    std::vector<std::pair<std::string, RuleNode>> segments;  // §7.6, model order (at most 64)

    Model();  // the defaults of SPEC §2

    double weight_of(const std::string& event) const;
    double half_life_of(const std::string& event) const;
    const Signal* signal(const std::string& name) const;
    const Persona* persona(const std::string& name) const;
};

// Parses and validates; errors name the JSON path and suggest the nearest valid key.
Result<Model> parse_model(std::string_view json_text);
// Every error in the model, in document order (empty when valid); fills `out` when valid.
std::vector<Error> validate_model(std::string_view json_text, Model* out = nullptr);
// Canonical JSON with every default filled in (round-trips through parse_model).
std::string model_to_json(const Model& m);

// The closest candidate by edit distance, or "" when none is close.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace pql
