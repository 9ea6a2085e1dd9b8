// Users (SPEC §6.3): {"user_id", "traits"} records (JSON Lines, JSON array, CSV with every other
// column a trait), or Mixpanel profile exports {"$distinct_id", "$properties"}. Later records
// merge over earlier ones; the file's traits override those from events.
#include <algorithm>
#include <set>

#include "event_store.hpp"
#include "record.hpp"

namespace pql {
namespace {

class UserSink : public RecordSink {
public:
    UserSink(EventStore& store, LoadReport& report, const LoadOptions& options)
        : store_(store), report_(report), columns_(options.columns) {
        auto it = columns_.find("user_id");
        if (it != columns_.end()) f_id_ = it->second;
    }

    std::string header(const std::vector<std::string>& h) override {
        std::string found;
        for (auto& c : h) found += (found.empty() ? "" : ", ") + c;
        auto has = [&](const std::string& n) { return std::find(h.begin(), h.end(), n) != h.end(); };
        for (auto& [field, name] : columns_)
            if (!has(name))
                return "column mapping " + field + "=" + name + ": the file has no column \"" + name + "\"; found " +
                       found;
        if (!has(f_id_))
            return "no " + f_id_ + " column; found " + found +
                   " (map it with the column mapping, e.g. user_id=" + (h.empty() ? std::string("...") : h.front()) +
                   ")";
        return {};
    }

    std::string accept(Record& r) override {
        std::string id;
        bool present = false;
        const char* why = nullptr;
        Traits traits;
        const int mp = r.from_csv ? -1 : r.field_index("$properties");
        if (!r.from_csv && columns_.empty() && !r.get("user_id") && r.get("$distinct_id")) {
            // Mixpanel profile: every scalar of $properties is a trait (a nested one by its path).
            if (!read_id(r.get("$distinct_id"), id, present, why)) return std::string("$distinct_id: ") + why;
            if (!present) return "$distinct_id: missing";
            for (size_t i = 0; mp >= 0 && i < r.nnested; ++i) {
                const Nested& n = r.nested[i];
                if (n.root != static_cast<uint32_t>(mp) || n.in_array) continue;
                if (n.value.kind == Scalar::String) traits[n.path] = std::string(n.value.text());
                else if (n.value.kind == Scalar::Bool) traits[n.path] = n.value.b;
                else if (n.value.kind == Scalar::Int || n.value.kind == Scalar::Float) traits[n.path] = n.value.d;
            }
        } else {
            if (!columns_.empty() && !r.from_csv && r.get(f_id_)) seen_ = true;
            if (!read_id(r.get(f_id_.c_str()), id, present, why)) return f_id_ + ": " + why;
            if (!present) return f_id_ + ": missing";
            if (std::string bad = read_record_traits(r, f_id_, f_id_, traits); !bad.empty()) return bad;
        }
        UserRecord& rec = store_.user_record(store_.user_ids.intern(id));
        rec.present = true;
        for (auto& [k, v] : traits) rec.traits[k] = std::move(v);
        ++report_.loaded;
        return {};
    }

    bool seen_ = false;
    std::string f_id_ = "user_id";

private:
    EventStore& store_;
    LoadReport& report_;
    std::map<std::string, std::string> columns_;
};

}  // namespace

Result<LoadReport> EventStore::load_users(std::string_view text, const LoadOptions& options) {
    if (std::string bad = check_columns(options.columns, "users"); !bad.empty())
        return Error{"invalid_option", bad, "", 0};
    LoadReport report;
    const std::vector<UserRecord> before = users;
    UserSink sink(*this, report, options);
    const bool ok = read_records(text, options, sink, report);
    ++version;
    ++rewrite_version;
    std::string fatal = sink.fatal;
    if (fatal.empty() && ok && !options.columns.empty() && report.read > 0 && !sink.seen_) {
        bool csv = false;
        for (char c : text) {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            csv = c != '{' && c != '[';
            break;
        }
        if (!csv) fatal = "column mapping user_id=" + sink.f_id_ + ": no record has a key \"" + sink.f_id_ + "\"";
    }
    if (!fatal.empty() || !ok) {
        users = before;
        if (!fatal.empty()) return Error{"missing_column", fatal, "", 0};
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return report;
}

}  // namespace pql
