// The model's vocabulary as tables: each enum's spellings, listed once. The model parser, the
// canonical JSON writer, the SQL compiler and schema_json() all read these, so a new op or metric
// is one line here and can never be parsed in one place and missing from another.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pql/load.hpp"
#include "pql/model.hpp"

namespace pql {

template <class E>
struct Name {
    const char* name;
    E value;
};

// What a trait op's "value" must be (for the model parser's messages and the schema).
enum class ValueKind { None, Scalar, Scalars, Number, Range, Text };

struct TraitOpName {
    const char* name;
    TraitOp value;
    ValueKind takes;
};
inline constexpr TraitOpName kTraitOps[] = {
    {"eq", TraitOp::Eq, ValueKind::Scalar},          {"ne", TraitOp::Ne, ValueKind::Scalar},
    {"in", TraitOp::In, ValueKind::Scalars},         {"not_in", TraitOp::NotIn, ValueKind::Scalars},
    {"lt", TraitOp::Lt, ValueKind::Number},          {"lte", TraitOp::Lte, ValueKind::Number},
    {"gt", TraitOp::Gt, ValueKind::Number},          {"gte", TraitOp::Gte, ValueKind::Number},
    {"between", TraitOp::Between, ValueKind::Range}, {"contains", TraitOp::Contains, ValueKind::Text},
    {"exists", TraitOp::Exists, ValueKind::None},    {"missing", TraitOp::Missing, ValueKind::None},
};

// Rule-leaf comparisons; on a trait.<name> leaf each means its fit op.
struct CmpOpName {
    const char* name;
    CmpOp value;
    TraitOp trait_op;
};
inline constexpr CmpOpName kCmpOps[] = {
    {">=", CmpOp::Ge, TraitOp::Gte}, {">", CmpOp::Gt, TraitOp::Gt},  {"<=", CmpOp::Le, TraitOp::Lte},
    {"<", CmpOp::Lt, TraitOp::Lt},   {"==", CmpOp::Eq, TraitOp::Eq}, {"!=", CmpOp::Ne, TraitOp::Ne},
};

inline constexpr Name<Decay> kDecays[] = {
    {"exponential", Decay::Exponential}, {"linear", Decay::Linear}, {"none", Decay::None}};

inline constexpr Name<Entity> kEntities[] = {{"account", Entity::Account}, {"user", Entity::User}};

// Metrics without an argument ("score"), and those written prefix + argument ("count.<event>").
inline constexpr Name<MetricKind> kPlainMetrics[] = {
    {"score", MetricKind::Score},
    {"activation", MetricKind::Activation},
    {"engagement", MetricKind::Engagement},
    {"fit", MetricKind::Fit},
    {"engagement_points", MetricKind::EngagementPoints},
    {"steps_completed", MetricKind::StepsCompleted},
    {"events", MetricKind::Events},
    {"users", MetricKind::Users},
    {"active_users", MetricKind::ActiveUsers},
    {"days_since_last_seen", MetricKind::DaysSinceLastSeen},
    {"velocity", MetricKind::Velocity},
    {"active_days", MetricKind::ActiveDays},
};
struct MetricPrefix {
    const char* prefix;  // "count."
    MetricKind value;
    const char* argument;  // what follows the prefix, for the schema: "event"
};
inline constexpr MetricPrefix kMetricPrefixes[] = {
    {"count.", MetricKind::Count, "event"},      {"users.", MetricKind::UsersOf, "event"},
    {"limit.", MetricKind::Limit, "limit"},      {"trait.", MetricKind::Trait, "trait"},
    {"sum.", MetricKind::Sum, "event.property"}, {"persona.", MetricKind::Persona, "persona"},
};

// Input formats (LoadOptions::format); "ndjson" is accepted as an alias of jsonl.
inline constexpr Name<Format> kFormats[] = {
    {"auto", Format::Auto}, {"jsonl", Format::Jsonl}, {"json", Format::JsonArray}, {"csv", Format::Csv}};

// SPEC §4's per-entity result fields, in its order (the JSON rows and the CSV columns).
inline constexpr const char* kResultFields[] = {"rank",
                                                "id",
                                                "name",
                                                "score",
                                                "activation",
                                                "engagement",
                                                "fit",
                                                "engagement_points",
                                                "steps_completed",
                                                "activated",
                                                "activated_at",
                                                "qualified",
                                                "tier",
                                                "grade",
                                                "active_users",
                                                "users",
                                                "events",
                                                "velocity",
                                                "days_since_last_seen",
                                                "first_seen",
                                                "last_seen"};

// The entry spelled `name`, or nullptr.
template <class T, size_t N>
const T* find_name(const T (&table)[N], std::string_view name) {
    for (const T& e : table)
        if (name == e.name) return &e;
    return nullptr;
}

// The spelling of `value` (the first entry holding it).
template <class T, size_t N, class E>
const char* name_of(const T (&table)[N], E value) {
    for (const T& e : table)
        if (e.value == value) return e.name;
    return "";
}

// Every spelling, in table order (for "did you mean" and messages).
template <class T, size_t N>
std::vector<std::string> names_of(const T (&table)[N]) {
    std::vector<std::string> out;
    for (const T& e : table) out.push_back(e.name);
    return out;
}

// "a, b or c", for messages.
std::string one_of(const std::vector<std::string>& names);

}  // namespace pql
