#include "score_csv.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <nlohmann/json.hpp>

#include "csv_cell.hpp"
#include "names.hpp"
#include "pql/time.hpp"
#include "reasons.hpp"

namespace pql {

namespace {

constexpr CsvCellOptions kText{false, true};

class Row {
public:
    explicit Row(std::string& out) : out_(out) {}
    void text(std::string_view s) { sep(), append_csv_cell(out_, s, kText); }
    void empty() { sep(); }
    void integer(int64_t i) { sep(), out_ += std::to_string(i); }
    void boolean(bool b) { sep(), out_ += b ? "true" : "false"; }
    // The JSON output's number text (shortest round-trip); a non-finite number is absent.
    void number(double d) {
        sep();
        if (!std::isfinite(d)) return;
        char buf[64];
        char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, d);
        out_.append(buf, static_cast<size_t>(end - buf));
    }
    void value(const Value& v) {
        if (auto s = std::get_if<std::string>(&v)) text(*s);
        else if (auto d = std::get_if<double>(&v)) number(*d);
        else boolean(std::get<bool>(v));
    }
    // A score for a CRM field: rounded to 0.1 (half away from zero), always one decimal.
    void tenth(double d) {
        sep();
        if (!std::isfinite(d)) return;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.1f", std::round(d * 10) / 10);
        out_ += buf;
    }
    // A CRM cell: a whole number without the JSON ".0" (record ids, employee counts must match
    // the CRM's own text), everything else as value().
    void plain(const Value& v) {
        const double* d = std::get_if<double>(&v);
        if (d && std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 9007199254740992.0)
            integer(static_cast<int64_t>(*d));
        else value(v);
    }
    void end() { out_ += "\r\n"; }

private:
    void sep() {
        if (!first_) out_ += ',';
        first_ = false;
    }
    std::string& out_;
    bool first_ = true;
};

}  // namespace

constexpr const char* kCrmFields[] = {
    "as_of",    "rank",      "score",        "activation",     "engagement", "fit",          "tier",
    "grade",    "qualified", "qualified_at", "days_qualified", "converted",  "converted_at", "segments",
    "reason_1", "reason_2",  "reason_3",     "active_users",   "last_seen"};

std::vector<std::string> score_csv_columns(const CsvOptions& o) {
    std::vector<std::string> cols;
    if (o.preset == CsvPreset::Crm) {
        cols = {"id", "name"};
        cols.insert(cols.end(), std::begin(kCrmFields), std::end(kCrmFields));
    } else {
        cols.assign(std::begin(kResultFields), std::end(kResultFields));
    }
    for (auto& t : o.traits) cols.push_back("trait." + t);
    return cols;
}

namespace {

// The entity file's own columns (accounts file for accounts, users file for users), by name: what
// a CRM import matches rows on (domain, record id). A name the CRM file already uses is prefixed
// "account." / "user.".
std::vector<std::string> pass_through_columns(const RunView& v) {
    std::set<std::string> keys;
    if (v.model.entity == Entity::User) {
        for (auto& u : v.store.users)
            if (u.present)
                for (auto& [k, val] : u.traits) keys.insert(k);
    } else {
        for (auto& a : v.store.accounts)
            if (a.present)
                for (auto& [k, val] : a.traits) keys.insert(k);
    }
    return {keys.begin(), keys.end()};
}

const Traits* file_record(const RunView& v, const Index::EntityAgg& ent) {
    if (v.model.entity == Entity::User) {
        if (ent.key < v.store.users.size() && v.store.users[ent.key].present) return &v.store.users[ent.key].traits;
    } else if (ent.key < v.store.accounts.size() && v.store.accounts[ent.key].present) {
        return &v.store.accounts[ent.key].traits;
    }
    return nullptr;
}

std::string crm_csv(const RunView& v, const CsvOptions& o, size_t begin, size_t end) {
    std::string out;
    const std::vector<std::string> pass = pass_through_columns(v);
    out.reserve(256 + (end - begin) * (300 + 24 * (o.traits.size() + pass.size())));
    if (o.header) {
        std::vector<std::string> cols = score_csv_columns(o);
        const std::set<std::string> taken(cols.begin(), cols.end());
        const std::string prefix = v.model.entity == Entity::User ? "user." : "account.";
        std::vector<std::string> named;
        for (auto& k : pass) named.push_back(taken.count(k) ? prefix + k : k);
        cols.insert(cols.begin() + 2, named.begin(), named.end());
        Row r(out);
        for (auto& c : cols) r.text(c);
        r.end();
    }
    const Index& ix = v.scorer.index();
    const std::string as_of = format_iso(v.run.as_of);
    for (size_t i = begin; i < end; ++i) {
        const EntityScore& s = v.run.results[i];
        const Index::EntityAgg& ent = ix.entities[s.entity];
        Row r(out);
        r.text(ix.id_of(v.store, ent));
        if (ent.name) r.text(*ent.name);
        else r.empty();
        const Traits* rec = file_record(v, ent);
        for (auto& k : pass) {
            auto it = rec ? rec->find(k) : Traits::const_iterator{};
            if (rec && it != rec->end()) r.plain(it->second);
            else r.empty();
        }
        r.text(as_of);
        r.integer(static_cast<int64_t>(i + 1));
        r.tenth(s.score);
        r.tenth(s.activation);
        r.tenth(s.engagement);
        r.tenth(s.fit);
        if (s.tier >= 0) r.text(v.model.tiers[s.tier].name);
        else r.empty();
        r.text(grade_of(v.model, s));
        r.boolean(s.qualified);
        const Since& since = v.scorer.since(v.model, s.entity);
        if (since.qualified_at) r.text(format_iso(*since.qualified_at));
        else r.empty();
        if (since.qualified_at) r.integer(day_of(v.run.as_of) - day_of(*since.qualified_at));
        else r.empty();
        r.boolean(s.customer());
        if (s.customer()) r.text(format_iso(s.converted_at));
        else r.empty();
        std::string segs;
        for (size_t k = 0; k < v.model.segments.size(); ++k)
            if (s.segments >> k & 1) segs += (segs.empty() ? "" : ";") + v.model.segments[k].first;
        r.text(segs);
        const std::vector<std::string> why = reasons_of(v, s, 3);
        for (size_t k = 0; k < 3; ++k) {
            if (k < why.size()) r.text(why[k]);
            else r.empty();
        }
        r.integer(s.active_users);
        r.text(format_iso(ent.last_ts));
        for (auto& t : o.traits) {
            if (const Value* val = v.scorer.trait(s, t)) r.plain(*val);
            else r.empty();
        }
        r.end();
    }
    return out;
}

}  // namespace

std::string score_run_csv(const RunView& v, const CsvOptions& o) {
    if (o.preset == CsvPreset::Crm) {
        const size_t n = v.run.results.size();
        const size_t begin = std::min(o.offset, n);
        return crm_csv(v, o, begin, o.limit >= n - begin ? n : begin + o.limit);
    }
    std::string out;
    const size_t n = v.run.results.size();
    const size_t begin = std::min(o.offset, n);
    const size_t end = o.limit >= n - begin ? n : begin + o.limit;
    out.reserve(256 + (end - begin) * (240 + 16 * o.traits.size()));
    if (o.header) {
        Row r(out);
        for (auto& c : score_csv_columns(o)) r.text(c);
        r.end();
    }
    const Index& ix = v.scorer.index();
    for (size_t i = begin; i < end; ++i) {
        const EntityScore& s = v.run.results[i];
        const Index::EntityAgg& ent = ix.entities[s.entity];
        Row r(out);
        r.integer(static_cast<int64_t>(i + 1));
        r.text(ix.id_of(v.store, ent));
        if (ent.name) r.text(*ent.name);
        else r.empty();
        r.number(s.score);
        r.number(s.activation);
        r.number(s.engagement);
        r.number(s.fit);
        r.number(s.engagement_points);
        r.integer(s.steps_completed);
        r.boolean(s.activated);
        if (s.activated_at) r.text(format_iso(*s.activated_at));
        else r.empty();
        r.boolean(s.qualified);
        if (s.tier >= 0) r.text(v.model.tiers[s.tier].name);
        else r.empty();
        r.text(grade_of(v.model, s));
        r.integer(s.active_users);
        r.integer(s.users);
        r.integer(s.events);
        r.number(s.velocity);
        r.integer(s.days_since_last_seen);
        r.text(format_iso(ent.first_ts));
        r.text(format_iso(ent.last_ts));
        for (auto& t : o.traits) {
            if (const Value* val = v.scorer.trait(s, t)) r.value(*val);
            else r.empty();
        }
        r.end();
    }
    return out;
}

}  // namespace pql
