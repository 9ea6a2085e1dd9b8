// SPEC §6.2: the export shapes of Mixpanel, Amplitude and PostHog, read into the same columns as
// flat rows. Each is recognised per record in EventSink::accept_one (event_sink.hpp); the field
// facts (units, where the account and the dedup id live) are in shared/research/export_formats.md.
#include <cmath>
#include <cstring>

#include "event_sink.hpp"
#include "pql/time.hpp"

namespace pql {
namespace {

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool reserved_posthog(std::string_view path) {
    for (std::string_view p : {std::string_view("$groups"), std::string_view("$set"), std::string_view("$set_once")})
        if (path == p || (starts_with(path, p) && path.size() > p.size() && path[p.size()] == '.')) return true;
    return false;
}

// The index of a top-level field that holds an object, or -1.
int object_field(const Record& r, std::string_view key) {
    const int i = r.field_index(key);
    return i >= 0 && r.fields[static_cast<size_t>(i)].second.kind == Scalar::Object ? i : -1;
}

}  // namespace

// {"event", "properties": {"time", "distinct_id", "$insert_id", ...}}
std::string EventSink::mixpanel(const Record& r, int P) {
    static const std::string kTime = "properties.time", kUser = "properties.$user_id",
                             kDistinct = "properties.distinct_id", kEvent = "event", kInsert = "properties.$insert_id";
    // properties.time: epoch seconds below 10^11 (a fraction allowed), else epoch ms.
    const Scalar* time = r.nested_at(P, "time");
    std::optional<double> x;
    if (time->kind == Scalar::Int) x = static_cast<double>(time->i);
    else if (time->kind == Scalar::Float) x = time->d;
    else if (time->kind == Scalar::String) x = json_number_string(time->text());
    if (!x) return kTime + ": must be a number (epoch seconds or milliseconds)";
    const char* why = "not a date";
    auto t = timestamp_from_number(std::fabs(*x) < 1e11 ? *x * 1000 : *x, &why);
    if (!t) return kTime + ": " + why;
    ts_ = *t;
    std::string err;
    bool has_user = false, has_id, has_account = false;
    if (const Scalar* u = r.nested_at(P, "$user_id"))
        if (!(err = id_value(u, kUser, user_buf_, user_, has_user)).empty()) return err;
    if (!has_user) {
        if (!(err = id_value(r.nested_at(P, "distinct_id"), kDistinct, user_buf_, user_, has_user)).empty()) return err;
        if (!has_user) return kDistinct + ": missing";
    }
    if (!(err = event_value(r.get("event"), kEvent, event_)).empty()) return err;
    if (!(err = id_value(r.nested_at(P, "$insert_id"), kInsert, id_buf_, id_, has_id)).empty()) return err;
    if (!options_.account_key.empty()) {
        const Scalar* a = r.nested_at(P, options_.account_key, true);  // a list counts for its first
        if (!(err = id_value(a, "properties." + options_.account_key, account_buf_, account_, has_account)).empty())
            return err;
    } else {
        ++mixpanel_no_key_;
    }
    if (duplicate(id_, has_id)) {
        count_duplicate();
        return {};
    }
    for (size_t i = 0; i < r.nnested; ++i) {
        const Nested& n = r.nested[i];
        if (n.root != static_cast<uint32_t>(P) || n.in_array) continue;
        if (n.path == "time" || n.path == "distinct_id" || n.path == "$insert_id" || n.path == "$user_id") continue;
        add_prop(n.path, n.value);
    }
    commit_event(has_account);
    return {};
}

// Flat objects with event_type, event_time ("YYYY-MM-DD HH:MM:SS[.ffffff]", UTC), user_id or
// device_id, groups {type: [names]}, event_properties, user_properties, group_properties.
std::string EventSink::amplitude(const Record& r) {
    static const std::string kTime = "event_time", kUser = "user_id", kDevice = "device_id", kType = "event_type";
    std::string err;
    if (!(err = timestamp_value(r.get("event_time"), kTime, false, ts_)).empty()) return err;
    bool has_user, has_id = false, has_account = false;
    if (!(err = id_value(r.get("user_id"), kUser, user_buf_, user_, has_user)).empty()) return err;
    if (!has_user) {
        if (!(err = id_value(r.get("device_id"), kDevice, user_buf_, user_, has_user)).empty()) return err;
        if (!has_user) return "user_id: missing (and no device_id)";
    }
    if (!(err = event_value(r.get("event_type"), kType, event_)).empty()) return err;
    for (const char* k : {"$insert_id", "insert_id", "uuid"}) {
        if (!(err = id_field(r, k, id_buf_, id_, has_id)).empty()) return err;
        if (has_id) break;
    }
    const int G = object_field(r, "groups");
    std::string type;  // the group type the account is of
    if (!options_.account_key.empty()) {
        if (!(err = id_value(r.nested_at(G, options_.account_key, true), "groups." + options_.account_key, account_buf_,
                             account_, has_account))
                 .empty())
            return err;
        type = options_.account_key;
    } else if (G >= 0) {
        // No account_key: the record's group types; its account counts when the whole file has one.
        const Scalar* only = nullptr;
        int types = 0;
        for (size_t i = 0; i < r.nnested; ++i) {
            const Nested& n = r.nested[i];
            if (n.root != static_cast<uint32_t>(G) || n.path.find('.') != std::string::npos) continue;
            if (n.value.kind != Scalar::String && n.value.kind != Scalar::Int) continue;
            note_group_type(n.path);
            ++types;
            only = &n.value;
            type = n.path;
        }
        account_of_group_types(types, only);
        if (types != 1) type.clear();
    }
    if (duplicate(id_, has_id)) {
        count_duplicate();
        return {};
    }
    // User properties are the user's traits as of this event; group properties the account's.
    identify_from(r, object_field(r, "user_properties"), "", false);
    const std::string account = has_account ? std::string(account_) : pending_account_;
    if (!type.empty() && !account.empty())
        if (const int GP = object_field(r, "group_properties"); GP >= 0) {
            const std::string prefix = type + "." + account + ".";
            Traits traits;
            for (size_t i = 0; i < r.nnested; ++i) {
                const Nested& n = r.nested[i];
                if (n.root != static_cast<uint32_t>(GP) || n.in_array || !starts_with(n.path, prefix)) continue;
                const std::string key = n.path.substr(prefix.size());
                if (n.value.kind == Scalar::String) traits[key] = std::string(n.value.text());
                else if (n.value.kind == Scalar::Bool) traits[key] = n.value.b;
                else if (n.value.kind == Scalar::Int || n.value.kind == Scalar::Float) traits[key] = n.value.d;
            }
            if (!traits.empty())
                store_.groups.push_back(
                    {ts_, store_.user_ids.intern(user_), store_.account_ids.intern(account), std::move(traits), false});
        }
    if (event_ == "$identify" || event_ == "$groupidentify") {  // trait-only: not scored
        ++report->loaded;
        return {};
    }
    if (const int EP = object_field(r, "event_properties"); EP >= 0)
        for (size_t i = 0; i < r.nnested; ++i)
            if (r.nested[i].root == static_cast<uint32_t>(EP) && !r.nested[i].in_array)
                add_prop(r.nested[i].path, r.nested[i].value);
    commit_event(has_account);
    return {};
}

// {"uuid", "event", "distinct_id", "properties": {..., "$groups": {type: key}, "$set": {...}},
// "person_properties", "timestamp"} (JSON Lines), or PostHog's CSV export columns (uuid, event,
// distinct_id, timestamp, properties.<key>).
std::string EventSink::posthog(const Record& r) {
    static const std::string kTime = "timestamp", kUser = "distinct_id", kEvent = "event", kGroup = "$groups.";
    const int P = r.from_csv ? -1 : object_field(r, "properties");
    // A property by its path below "properties" (in CSV the column "properties.<path>").
    auto prop = [&](const std::string& path) -> const Scalar* {
        if (!r.from_csv) return r.nested_at(P, path);
        key_buf_ = "properties." + path;
        return r.get(key_buf_);
    };
    std::string err;
    if (!(err = timestamp_value(r.get("timestamp"), kTime, false, ts_)).empty()) return err;
    bool has_user, has_id, has_account = false;
    if (!(err = id_field(r, "distinct_id", user_buf_, user_, has_user)).empty()) return err;
    if (!has_user) return kUser + ": missing";
    if (!(err = event_value(r.get("event"), kEvent, event_)).empty()) return err;
    if (!(err = id_field(r, "uuid", id_buf_, id_, has_id)).empty()) return err;
    if (!options_.account_key.empty()) {
        if (!(err = id_value(prop(kGroup + options_.account_key), "properties.$groups." + options_.account_key,
                             account_buf_, account_, has_account))
                 .empty())
            return err;
    } else {
        // No account_key: the record's group types; its account counts when the whole file has one.
        int types = 0;
        const Scalar* only = nullptr;
        auto group = [&](std::string_view path, const Scalar& v) {
            if (!starts_with(path, kGroup)) return;
            const std::string_view type = path.substr(kGroup.size());
            if (type.empty() || type.find('.') != std::string_view::npos) return;
            note_group_type(type);
            ++types;
            only = &v;
        };
        if (r.from_csv) {
            for (size_t i = 0; i < r.nfields; ++i)
                if (starts_with(r.fields[i].first, "properties.") && r.fields[i].second.kind != Scalar::Null)
                    group(std::string_view(r.fields[i].first).substr(11), r.fields[i].second);
        } else {
            for (size_t i = 0; i < r.nnested; ++i)
                if (r.nested[i].root == static_cast<uint32_t>(P) && !r.nested[i].in_array)
                    group(r.nested[i].path, r.nested[i].value);
        }
        account_of_group_types(types, only);
    }
    if (duplicate(id_, has_id)) {
        count_duplicate();
        return {};
    }
    // User traits: the person's snapshot, then what this event sets.
    if (!r.from_csv) {
        identify_from(r, object_field(r, "person_properties"), "", false);
        identify_from(r, P, "$set.", false);
        identify_from(r, P, "$set_once.", true);
    }
    if (event_ == "$groupidentify") {  // account traits: $group_type, $group_key, $group_set
        const Scalar* type = prop("$group_type");
        std::string gtype, key;
        bool has_type = false, has_key = false;
        const char* why = nullptr;
        if (type) read_id(type, gtype, has_type, why);
        if (has_type) note_group_type(gtype);
        if (const Scalar* k = prop("$group_key")) read_id(k, key, has_key, why);
        const bool ours = options_.account_key.empty() || gtype == options_.account_key;
        if (has_type && has_key && ours && P >= 0) {
            Traits traits;
            for (size_t i = 0; i < r.nnested; ++i) {
                const Nested& n = r.nested[i];
                if (n.root != static_cast<uint32_t>(P) || n.in_array || !starts_with(n.path, "$group_set.")) continue;
                const std::string k = n.path.substr(11);
                if (n.value.kind == Scalar::String) traits[k] = std::string(n.value.text());
                else if (n.value.kind == Scalar::Bool) traits[k] = n.value.b;
                else if (n.value.kind == Scalar::Int || n.value.kind == Scalar::Float) traits[k] = n.value.d;
            }
            store_.groups.push_back(
                {ts_, store_.user_ids.intern(user_), store_.account_ids.intern(key), std::move(traits), false});
        }
        ++report->loaded;
        return {};
    }
    if (event_ == "$identify") {  // trait-only: not scored
        ++report->loaded;
        return {};
    }
    if (r.from_csv) {
        for (size_t i = 0; i < r.nfields && i < csv_skip_.size(); ++i)
            if (!csv_skip_[i]) add_prop(std::string_view(r.fields[i].first).substr(11), r.fields[i].second);
    } else {
        for (size_t i = 0; i < r.nnested; ++i) {
            const Nested& n = r.nested[i];
            if (n.root == static_cast<uint32_t>(P) && !n.in_array && !reserved_posthog(n.path))
                add_prop(n.path, n.value);
        }
    }
    commit_event(has_account);
    return {};
}

}  // namespace pql
