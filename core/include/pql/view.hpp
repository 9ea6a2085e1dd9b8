// A page of the ranking as a list on screen shows it: filtered, sorted, with the population
// figures its charts draw (score histogram, grade matrix, tier and segment counts). The
// playground asks for the ~50 rows in view on every edit instead of every row, so an edit costs
// the same at 700 or 40,000 entities, and PQL since (§7.7) is worked out for those rows only.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pql {

// The columns a view sorts by; every sort breaks ties by rank.
enum class ViewSort {
    Rank,
    Entity,  // name (or id when unnamed), ASCII case folded
    Score,   // (also "tier": tiers follow the score)
    Grade,   // by label; no grade last
    Pql,     // qualified first when descending
    Activation,
    Engagement,
    Fit,
    ActiveUsers,
    LastSeen,     // days since last seen
    QualifiedAt,  // PQL since (§7.7): ascending = qualified longest first; unqualified last
};

// "rank", "entity", "score", "tier", "grade", "pql", "activation", "engagement", "fit",
// "active_users", "last_seen", "qualified_at"; nullopt for anything else.
std::optional<ViewSort> view_sort_named(std::string_view name);
// The names view_sort_named takes, comma-separated (for error messages).
const char* view_sort_names();

struct ViewOptions {
    size_t offset = 0;  // into the filtered, sorted list
    size_t limit = 50;
    // Customers (§7.5: converted at or before as_of) are left out unless this is set: a list
    // for sales, where a paying account is not a lead. The population figures follow it.
    bool customers = false;
    // Filters on top of the population (the charts still show the whole population):
    bool qualified_only = false;
    std::optional<std::string> tier;     // a tier's name; "" = entities below every tier
    std::optional<std::string> grade;    // a grade ("A1"); "" = entities without a grade
    std::optional<std::string> segment;  // a segment's name (qualified entities in it)
    std::string query;                   // substring of the id or name, ASCII case folded
    ViewSort sort = ViewSort::Rank;
    bool descending = false;
    // An entity whose position in the filtered, sorted list is reported (the selection).
    std::optional<std::string> select;
};

constexpr int kViewHistogramBins = 20;  // 5 score points each; the last holds 95..100

}  // namespace pql
