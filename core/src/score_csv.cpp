#include "score_csv.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "csv_cell.hpp"
#include "names.hpp"
#include "pql/time.hpp"

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

std::vector<std::string> score_csv_columns(const CsvOptions& o) {
    std::vector<std::string> cols(std::begin(kResultFields), std::end(kResultFields));
    for (auto& t : o.traits) cols.push_back("trait." + t);
    return cols;
}

std::string score_run_csv(const RunView& v, const CsvOptions& o) {
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
