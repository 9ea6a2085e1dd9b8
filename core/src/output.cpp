#include "output.hpp"

#include <algorithm>

#include "json_writer.hpp"
#include "pql/time.hpp"
#include "view.hpp"

namespace pql {

std::string grade_of(const Model& model, const EntityScore& s) {
    if (s.fit_band < 0 || s.engagement_band < 0) return {};
    return model.fit_grades[s.fit_band].label + model.engagement_grades[s.engagement_band].label;
}

void row_of(const RunView& v, const EntityScore& s, size_t position, EntityRow& r) {
    const Index& ix = v.scorer.index();
    const Index::EntityAgg& ent = ix.entities[s.entity];
    r.rank = static_cast<int64_t>(position + 1);
    r.id = ix.id_of(v.store, ent);
    r.name = ent.name;
    r.score = s.score;
    r.activation = s.activation;
    r.engagement = s.engagement;
    r.fit = s.fit;
    r.engagement_points = s.engagement_points;
    r.steps_completed = s.steps_completed;
    r.activated = s.activated;
    r.activated_at = s.activated_at;
    r.qualified = s.qualified;
    if (s.tier >= 0) r.tier = v.model.tiers[s.tier].name;
    else r.tier.reset();
    std::string grade = grade_of(v.model, s);
    if (grade.empty()) r.grade.reset();
    else r.grade = std::move(grade);
    r.active_users = s.active_users;
    r.users = s.users;
    r.events = s.events;
    r.velocity = s.velocity;
    r.days_since_last_seen = s.days_since_last_seen;
    r.first_seen = ent.first_ts;
    r.last_seen = ent.last_ts;
    r.converted = s.customer();
    if (s.customer()) r.converted_at = s.converted_at;
    else r.converted_at.reset();
    r.segments.clear();
    for (size_t i = 0; i < v.model.segments.size(); ++i)
        if (s.segments >> i & 1) r.segments.push_back(v.model.segments[i].first);
    const Since& since = v.scorer.since(v.model, s.entity);
    r.qualified_at = since.qualified_at;
    r.first_qualified_at = since.first_qualified_at;
    if (since.qualified_at) r.days_qualified = day_of(v.run.as_of) - day_of(*since.qualified_at);
    else r.days_qualified.reset();
}

// The fields of SPEC's result object, in its order, inside an open object.
void write_row_fields(JsonWriter& w, const EntityRow& r) {
    w.field("rank", r.rank);
    w.field("id", r.id);
    w.field("name", r.name);
    w.field("score", r.score);
    w.field("activation", r.activation);
    w.field("engagement", r.engagement);
    w.field("fit", r.fit);
    w.field("engagement_points", r.engagement_points);
    w.field("steps_completed", r.steps_completed);
    w.field("activated", r.activated);
    w.time_field("activated_at", r.activated_at);
    w.field("qualified", r.qualified);
    w.field("tier", r.tier);
    w.field("grade", r.grade);
    w.field("active_users", r.active_users);
    w.field("users", r.users);
    w.field("events", r.events);
    w.field("velocity", r.velocity);
    w.field("days_since_last_seen", r.days_since_last_seen);
    w.time_field("first_seen", r.first_seen);
    w.time_field("last_seen", r.last_seen);
    // v2 (SPEC §7.5-§7.7), after the v1 fields.
    w.field("converted", r.converted);
    w.time_field("converted_at", r.converted_at);
    w.key("segments");
    w.open('[');
    for (auto& sg : r.segments) {
        w.item();
        w.str(sg);
    }
    w.close(']');
    w.time_field("qualified_at", r.qualified_at);
    w.time_field("first_qualified_at", r.first_qualified_at);
    w.key("days_qualified");
    if (r.days_qualified) w.integer(*r.days_qualified);
    else w.null();
}

namespace {

// "key": {name_of(0): counts[0], ...} for n names (a count missing from `counts` is 0).
template <class NameOf>
void write_counts(JsonWriter& w, std::string_view key, size_t n, NameOf name_of, const std::vector<int64_t>& counts) {
    w.key(key);
    w.open('{');
    for (size_t i = 0; i < n; ++i) {
        w.key_text(name_of(i));
        w.integer(i < counts.size() ? counts[i] : 0);
    }
    w.close('}');
}

// What a scoring run and a view both begin with: as_of, the counts, the segments, the
// diagnostics; the object is left open.
void write_run_head(JsonWriter& w, const RunView& v, const LoadReport& d) {
    w.open('{');
    w.time_field("as_of", v.run.as_of);
    w.field("entities", static_cast<int64_t>(v.run.results.size()));
    w.field("qualified", v.run.qualified);
    w.field("customers", v.run.customers);
    write_counts(
        w, "segments", v.model.segments.size(), [&](size_t i) { return v.model.segments[i].first; },
        v.run.segment_counts);
    w.key("diagnostics");
    w.open('{');
    w.field("read", d.read);
    w.field("loaded", d.loaded);
    w.field("skipped", d.skipped);
    w.field("duplicates", d.duplicates);
    w.field("unassigned", v.run.unassigned);
    w.key("errors");
    w.open('[');
    for (auto& e : d.errors) {
        w.item();
        w.open('{');
        w.field("line", e.line);
        w.field("message", e.message);
        w.close('}');
    }
    w.close(']');
    w.close('}');
}

}  // namespace

std::string score_run_json(const RunView& v, const LoadReport& d, size_t offset, size_t limit) {
    JsonWriter w;
    EntityRow row;  // reused: its strings keep their buffers from row to row
    const size_t n = v.run.results.size();
    const size_t begin = std::min(offset, n);
    const size_t end = limit >= n - begin ? n : begin + limit;
    w.out.reserve(512 + (end - begin) * 560);
    write_run_head(w, v, d);
    w.key("results");
    w.open('[');
    for (size_t i = begin; i < end; ++i) {
        w.item();
        row_of(v, v.run.results[i], i, row);
        w.open('{');
        write_row_fields(w, row);
        w.close('}');
    }
    w.close(']');
    w.close('}');
    return std::move(w.out);
}

std::string view_json(const RunView& v, const LoadReport& d, const ViewSelection& s, const ViewOptions& o,
                      const std::vector<uint32_t>& previous_rank) {
    JsonWriter w;
    EntityRow row;
    const size_t n = s.rows.size();
    const size_t begin = std::min(o.offset, n);
    const size_t end = o.limit >= n - begin ? n : begin + o.limit;
    w.out.reserve(2048 + (end - begin) * 600);
    write_run_head(w, v, d);
    const Model& m = v.model;
    const ViewPopulation& p = s.population;
    w.key("population");
    w.open('{');
    w.field("entities", p.entities);
    w.field("qualified", p.qualified);
    w.field("customers_hidden", p.customers_hidden);
    w.key("histogram");
    w.open('[');
    for (int b = 0; b < kViewHistogramBins; ++b) {
        w.item();
        w.open('{');
        w.field("from", static_cast<int64_t>(b * (100 / kViewHistogramBins)));
        w.field("entities", p.bins[b]);
        w.field("qualified", p.bins_qualified[b]);
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
    w.field("no_grade", p.no_grade);
    write_counts(
        w, "tiers", m.tiers.size(), [&](size_t t) { return m.tiers[t].name; }, p.tiers);
    w.field("no_tier", p.no_tier);
    write_counts(
        w, "segments", m.segments.size(), [&](size_t i) { return m.segments[i].first; }, p.segments);
    w.close('}');
    w.field("shown", static_cast<int64_t>(n));
    w.field("offset", static_cast<int64_t>(begin));
    w.key("selected");
    if (s.selected) w.integer(static_cast<int64_t>(*s.selected));
    else w.null();
    w.key("results");
    w.open('[');
    for (size_t i = begin; i < end; ++i) {
        const uint32_t pos = s.rows[i];
        const EntityScore& es = v.run.results[pos];
        w.item();
        row_of(v, es, pos, row);
        w.open('{');
        write_row_fields(w, row);
        // One more field after the row's own: the rank before the last change (null: none).
        const uint32_t before = es.entity < previous_rank.size() ? previous_rank[es.entity] : 0;
        w.key("previous_rank");
        if (before) w.integer(before);
        else w.null();
        w.close('}');
    }
    w.close(']');
    w.close('}');
    return std::move(w.out);
}

std::string explanation_json(const RunView& v, size_t position) {
    return explanation_json(explanation_of(v, position));
}

}  // namespace pql
