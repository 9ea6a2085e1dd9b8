#include "output.hpp"

#include <algorithm>

#include "json_writer.hpp"
#include "pql/time.hpp"

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

namespace {

void opt_time(JsonWriter& w, const std::optional<int64_t>& t) {
    if (t) w.time(*t);
    else w.null();
}
void opt_str(JsonWriter& w, const std::optional<std::string>& s) {
    if (s) w.str(*s);
    else w.null();
}

}  // namespace

// The fields of SPEC's result object, in its order, inside an open object.
void write_row_fields(JsonWriter& w, const EntityRow& r) {
    w.key("rank");
    w.integer(r.rank);
    w.key("id");
    w.str(r.id);
    w.key("name");
    opt_str(w, r.name);
    w.key("score");
    w.number(r.score);
    w.key("activation");
    w.number(r.activation);
    w.key("engagement");
    w.number(r.engagement);
    w.key("fit");
    w.number(r.fit);
    w.key("engagement_points");
    w.number(r.engagement_points);
    w.key("steps_completed");
    w.integer(r.steps_completed);
    w.key("activated");
    w.boolean(r.activated);
    w.key("activated_at");
    opt_time(w, r.activated_at);
    w.key("qualified");
    w.boolean(r.qualified);
    w.key("tier");
    opt_str(w, r.tier);
    w.key("grade");
    opt_str(w, r.grade);
    w.key("active_users");
    w.integer(r.active_users);
    w.key("users");
    w.integer(r.users);
    w.key("events");
    w.integer(r.events);
    w.key("velocity");
    w.number(r.velocity);
    w.key("days_since_last_seen");
    w.integer(r.days_since_last_seen);
    w.key("first_seen");
    w.time(r.first_seen);
    w.key("last_seen");
    w.time(r.last_seen);
    // v2 (SPEC §7.5-§7.7), after the v1 fields.
    w.key("converted");
    w.boolean(r.converted);
    w.key("converted_at");
    opt_time(w, r.converted_at);
    w.key("segments");
    w.open('[');
    for (auto& sg : r.segments) {
        w.item();
        w.str(sg);
    }
    w.close(']');
    w.key("qualified_at");
    opt_time(w, r.qualified_at);
    w.key("first_qualified_at");
    opt_time(w, r.first_qualified_at);
    w.key("days_qualified");
    if (r.days_qualified) w.integer(*r.days_qualified);
    else w.null();
}

std::string score_run_json(const RunView& v, const LoadReport& d, size_t offset, size_t limit) {
    JsonWriter w;
    EntityRow row;  // reused: its strings keep their buffers from row to row
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

std::string explanation_json(const RunView& v, size_t position) { return explanation_json(explanation_of(v, position)); }

}  // namespace pql
