#include "view.hpp"

#include <algorithm>
#include <string_view>

namespace pql {

namespace {

struct SortName {
    const char* name;
    ViewSort sort;
};
constexpr SortName kSorts[] = {
    {"rank", ViewSort::Rank},
    {"entity", ViewSort::Entity},
    {"score", ViewSort::Score},
    {"tier", ViewSort::Score},
    {"grade", ViewSort::Grade},
    {"pql", ViewSort::Pql},
    {"activation", ViewSort::Activation},
    {"engagement", ViewSort::Engagement},
    {"fit", ViewSort::Fit},
    {"active_users", ViewSort::ActiveUsers},
    {"last_seen", ViewSort::LastSeen},
    {"qualified_at", ViewSort::QualifiedAt},
};

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool contains_folded(std::string_view hay, std::string_view needle) {
    if (needle.empty()) return true;
    if (needle.size() > hay.size()) return false;
    for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        size_t k = 0;
        while (k < needle.size() && fold(hay[i + k]) == needle[k]) ++k;
        if (k == needle.size()) return true;
    }
    return false;
}

std::string folded(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = fold(c);
    return out;
}

// A grade label back to its bands: the first (fit, engagement) pair whose labels spell it.
std::optional<std::pair<int, int>> bands_of(const Model& m, const std::string& grade) {
    for (size_t f = 0; f < m.fit_grades.size(); ++f)
        for (size_t e = 0; e < m.engagement_grades.size(); ++e)
            if (m.fit_grades[f].label + m.engagement_grades[e].label == grade)
                return std::make_pair(static_cast<int>(f), static_cast<int>(e));
    return std::nullopt;
}

}  // namespace

std::optional<ViewSort> view_sort_named(std::string_view name) {
    for (auto& s : kSorts)
        if (name == s.name) return s.sort;
    return std::nullopt;
}

const char* view_sort_names() {
    return "rank, entity, score, tier, grade, pql, activation, engagement, fit, active_users, last_seen, qualified_at";
}

ViewSelection select_view(const RunView& v, const ViewOptions& o) {
    const Model& m = v.model;
    const Index& ix = v.scorer.index();
    const auto& results = v.run.results;
    ViewSelection out;
    ViewPopulation& pop = out.population;
    const size_t nf = m.fit_grades.size(), ne = m.engagement_grades.size();
    pop.grades.assign(nf * ne, 0);
    pop.tiers.assign(m.tiers.size(), 0);
    pop.segments.assign(m.segments.size(), 0);

    // Filters resolved once: a name that matches nothing shows nothing (not everything).
    int tier = -2;  // -2: any; -1: below every tier
    bool tier_unknown = false;
    if (o.tier) {
        if (o.tier->empty()) tier = -1;
        else {
            auto it = std::find_if(m.tiers.begin(), m.tiers.end(), [&](const Tier& t) { return t.name == *o.tier; });
            if (it == m.tiers.end()) tier_unknown = true;
            else tier = static_cast<int>(it - m.tiers.begin());
        }
    }
    std::optional<std::pair<int, int>> grade;
    bool grade_none = false, grade_unknown = false;
    if (o.grade) {
        if (o.grade->empty()) grade_none = true;
        else if (!(grade = bands_of(m, *o.grade))) grade_unknown = true;
    }
    int64_t segment_bit = -1;
    bool segment_unknown = false;
    if (o.segment) {
        for (size_t i = 0; i < m.segments.size(); ++i)
            if (m.segments[i].first == *o.segment) segment_bit = static_cast<int64_t>(i);
        segment_unknown = segment_bit < 0;
    }
    const std::string query = folded(o.query);

    out.rows.reserve(results.size());
    for (uint32_t p = 0; p < results.size(); ++p) {
        const EntityScore& s = results[p];
        if (s.customer() && !o.customers) {
            ++pop.customers_hidden;
            continue;
        }
        ++pop.entities;
        if (s.qualified) ++pop.qualified;
        const int bin = std::clamp(static_cast<int>(s.score / (100.0 / kViewHistogramBins)), 0, kViewHistogramBins - 1);
        ++pop.bins[bin];
        if (s.qualified) ++pop.bins_qualified[bin];
        const bool graded = s.fit_band >= 0 && s.engagement_band >= 0;
        if (graded) ++pop.grades[static_cast<size_t>(s.fit_band) * ne + static_cast<size_t>(s.engagement_band)];
        else ++pop.no_grade;
        if (s.tier >= 0) ++pop.tiers[s.tier];
        else ++pop.no_tier;
        for (size_t i = 0; i < m.segments.size(); ++i)
            if (s.segments >> i & 1) ++pop.segments[i];

        if (o.qualified_only && !s.qualified) continue;
        if (tier_unknown || (tier != -2 && s.tier != tier)) continue;
        if (grade_unknown || (grade_none && graded) ||
            (grade && (s.fit_band != grade->first || s.engagement_band != grade->second)))
            continue;
        if (segment_unknown || (segment_bit >= 0 && !(s.segments >> segment_bit & 1))) continue;
        if (!query.empty()) {
            const Index::EntityAgg& ent = ix.entities[s.entity];
            if (!contains_folded(ix.id_of(v.store, ent), query) && !(ent.name && contains_folded(*ent.name, query)))
                continue;
        }
        out.rows.push_back(p);
    }

    if (o.sort != ViewSort::Rank || o.descending) {
        // Sort keys computed once per row; ties by rank (the position) whatever the direction.
        struct Key {
            double num;
            std::string text;
            uint32_t pos;
        };
        std::vector<Key> keys;
        keys.reserve(out.rows.size());
        const bool textual = o.sort == ViewSort::Entity || o.sort == ViewSort::Grade;
        for (uint32_t p : out.rows) {
            const EntityScore& s = results[p];
            Key k{0, {}, p};
            switch (o.sort) {
                case ViewSort::Rank: k.num = p; break;
                case ViewSort::Entity: {
                    const Index::EntityAgg& ent = ix.entities[s.entity];
                    k.text = folded(ent.name ? *ent.name : ix.id_of(v.store, ent));
                    break;
                }
                case ViewSort::Score: k.num = s.score; break;
                case ViewSort::Grade:
                    k.text = grade_of(m, s);
                    if (k.text.empty()) k.text = "\x7f";
                    break;
                case ViewSort::Pql: k.num = s.qualified ? 1 : 0; break;
                case ViewSort::Activation: k.num = s.activation; break;
                case ViewSort::Engagement: k.num = s.engagement; break;
                case ViewSort::Fit: k.num = s.fit; break;
                case ViewSort::ActiveUsers: k.num = static_cast<double>(s.active_users); break;
                case ViewSort::LastSeen: k.num = static_cast<double>(s.days_since_last_seen); break;
                case ViewSort::QualifiedAt: {
                    // Worked out for the qualified rows only; the others sort last either way.
                    const Since& since = s.qualified ? v.scorer.since(m, s.entity) : Since{};
                    const double none = o.descending ? -1e300 : 1e300;
                    k.num = since.qualified_at ? static_cast<double>(*since.qualified_at) : none;
                    break;
                }
            }
            keys.push_back(std::move(k));
        }
        const int dir = o.descending ? -1 : 1;
        std::stable_sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
            const int c = textual ? a.text.compare(b.text) : (a.num < b.num ? -1 : a.num > b.num ? 1 : 0);
            if (c != 0) return c * dir < 0;
            return a.pos < b.pos;
        });
        for (size_t i = 0; i < keys.size(); ++i) out.rows[i] = keys[i].pos;
    }

    if (o.select) {
        for (size_t i = 0; i < out.rows.size(); ++i)
            if (ix.id_of(v.store, ix.entities[results[out.rows[i]].entity]) == *o.select) {
                out.selected = i;
                break;
            }
    }
    return out;
}

}  // namespace pql
