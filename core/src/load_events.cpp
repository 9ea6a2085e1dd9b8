// Events (SPEC §1.1): flat rows and Segment calls become columns in the EventStore.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <set>

#include "event_sink.hpp"
#include "event_store.hpp"
#include "pql/time.hpp"
#include "record.hpp"

namespace pql {

bool read_id(const Scalar* v, std::string& out, bool& present, const char*& why) {
    present = false;
    if (!v || v->kind == Scalar::Null) return true;
    switch (v->kind) {
        case Scalar::String:
            present = !v->text().empty();
            out = v->text();
            return true;
        case Scalar::Int:
            out = std::to_string(v->i);
            present = true;
            return true;
        case Scalar::Float:
            // An integral number (1.0, 1e3) is an integer id; a fraction is not.
            if (!v->big && std::isfinite(v->d) && v->d == std::floor(v->d) && std::fabs(v->d) < 9.2e18) {
                out = std::to_string(static_cast<int64_t>(v->d));
                present = true;
                return true;
            }
            why = v->big || (std::isfinite(v->d) && v->d == std::floor(v->d))
                      ? "number too large for an id"
                      : "must be a string or an integer, not a fraction";
            return false;
        case Scalar::Bool: why = "must be a string or an integer, not a boolean"; return false;
        case Scalar::Object: why = "must be a string or an integer, not an object"; return false;
        case Scalar::Array: why = "must be a string or an integer, not an array"; return false;
        default: return true;
    }
}

std::string read_record_traits(Record& r, std::string_view skip_a, std::string_view skip_b, Traits& traits) {
    if (r.from_csv) {
        for (size_t i = 0; i < r.nfields; ++i) {
            const auto& [key, cell] = r.fields[i];
            if (key != skip_a && key != skip_b && cell.kind == Scalar::String) traits[key] = std::string(cell.text());
        }
        return {};
    }
    const Scalar* t = r.get("traits");
    if (t && t->kind != Scalar::Null && !r.traits_object) return "traits: must be an object";
    if (!r.traits_nested.empty()) return "traits." + r.traits_nested.front() + ": must be a string, number or boolean";
    traits = std::move(r.traits);
    return {};
}

std::string EventSink::id_value(const Scalar* v, const std::string& name, std::string& buf, std::string_view& out,
                                bool& present) {
    if (v && v->kind == Scalar::String) {  // as read_id, without copying the text
        present = !v->text().empty();
        out = v->text();
        return {};
    }
    const char* why = nullptr;
    if (!read_id(v, buf, present, why)) return name + ": " + why;
    out = buf;
    return {};
}

std::string EventSink::id_field(const Record& r, const char* key, std::string& buf, std::string_view& out,
                                bool& present) {
    const Scalar* v = r.get(key);
    if (v && v->kind == Scalar::String) {
        present = !v->text().empty();
        out = v->text();
        return {};
    }
    const char* why = nullptr;
    if (!read_id(v, buf, present, why)) return std::string(key) + ": " + why;
    out = buf;
    return {};
}

std::string EventSink::timestamp_value(const Scalar* v, const std::string& name, bool by_unit, int64_t& out) const {
    const char* why = "not a date";
    std::optional<int64_t> t;
    if (!v || v->kind == Scalar::Null) return name + ": missing";
    const double scale = by_unit && options_.time_unit == TimeUnit::S ? 1000.0 : 1.0;
    if (v->kind == Scalar::String) {
        if (scale != 1.0) {
            if (auto d = json_number_string(v->text())) t = timestamp_from_number(*d * scale, &why);
            else t = parse_timestamp(v->text(), &why);
        } else {
            t = parse_timestamp(v->text(), &why);
        }
    } else if (v->kind == Scalar::Int) {
        t = timestamp_from_number(static_cast<double>(v->i) * scale, &why);
    } else if (v->kind == Scalar::Float) {
        t = timestamp_from_number(v->d * scale, &why);
    } else {
        return name + ": must be a string or a number";
    }
    if (!t) return name + ": " + why;
    out = *t;
    return {};
}

std::string EventSink::event_value(const Scalar* v, const std::string& name, std::string_view& out) {
    if (!v || v->kind == Scalar::Null || (v->kind == Scalar::String && v->text().empty())) return name + ": missing";
    if (v->kind != Scalar::String) return name + ": must be a string";
    out = v->text();
    return {};
}

EventSink::EventSink(EventStore& store, const LoadOptions& options)
    : store_(store),
      options_(options),
      n0_(store.size()),
      g0_(store.groups.size()),
      i0_(store.identifies.size()),
      max0_(store.max_ts) {
    // A strict load, or one whose column mapping may turn out wrong at the end, can be undone.
    track_ids = options.strict || !options.columns.empty();
    auto name = [&](const char* field) {
        auto it = options.columns.find(field);
        return it == options.columns.end() ? std::string(field) : it->second;
    };
    f_timestamp_ = name("timestamp");
    f_user_ = name("user_id");
    f_event_ = name("event");
    f_account_ = name("account_id");
    f_id_ = name("id");
}

namespace {

const char* const kSegmentTypes[] = {"track", "page", "screen", "group", "identify"};

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "(none)" : out;
}

// What a file's own column may be called, for a hint in the summary error (case-insensitive).
const std::vector<std::pair<std::string, std::vector<std::string>>>& aliases() {
    static const std::vector<std::pair<std::string, std::vector<std::string>>> a = {
        {"timestamp", {"time", "ts", "event_time", "timestamp", "date", "datetime", "created_at", "occurred_at"}},
        {"user_id", {"user id", "userid", "user", "distinct_id", "user_id", "uid", "person_id"}},
        {"event", {"event name", "event_name", "action", "event", "event_type", "name"}},
        {"account_id", {"company", "company_id", "group_id", "account", "account id", "organization", "org_id"}},
        {"id", {"event id", "event_id", "uuid", "insert_id", "message_id"}},
    };
    return a;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// "no timestamp column; found Time, User ID, Event Name, Company (map them with columns:
// timestamp=Time, user_id=User ID, event=Event Name)"
std::string missing_message(const std::vector<std::string>& missing, const std::vector<std::string>& found,
                            const char* what) {
    std::string m = "no " + join(missing) + " " + what + (missing.size() > 1 ? "s" : "") + "; found " + join(found);
    std::string hint;
    for (auto& field : missing)
        for (auto& [f, names] : aliases()) {
            if (f != field) continue;
            for (auto& col : found)
                if (std::find(names.begin(), names.end(), lower(col)) != names.end()) {
                    hint += (hint.empty() ? "" : ", ") + f + "=" + col;
                    break;
                }
        }
    if (!hint.empty()) m += " (map them with the column mapping, CLI --map, e.g. " + hint + ")";
    return m;
}

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

// A key below a PostHog event's properties that is not a property (SPEC §6.2).
bool posthog_reserved(std::string_view path) {
    for (std::string_view p : {std::string_view("$groups"), std::string_view("$set"), std::string_view("$set_once")})
        if (path == p || (starts_with(path, p) && path.size() > p.size() && path[p.size()] == '.')) return true;
    return false;
}

}  // namespace

std::string EventSink::header(const std::vector<std::string>& h) {
    csv_header_ = h;
    has_csv_header_ = true;
    auto has = [&](const std::string& n) { return std::find(h.begin(), h.end(), n) != h.end(); };
    for (auto& [field, name] : options_.columns)
        if (!has(name))
            return "column mapping " + field + "=" + name + ": the file has no column \"" + name + "\"; found " +
                   join(h);
    if (options_.columns.empty() && !has("user_id") && has("event") && has("distinct_id") && has("timestamp")) {
        posthog_csv_ = true;
    } else {
        std::vector<std::string> missing;
        if (!has(f_timestamp_)) missing.push_back(f_timestamp_);
        if (!has(f_user_)) missing.push_back(f_user_);
        if (!has(f_event_)) missing.push_back(f_event_);
        if (!missing.empty()) return missing_message(missing, h, "column");
    }
    csv_skip_.assign(h.size(), 0);
    for (size_t i = 0; i < h.size(); ++i)
        csv_skip_[i] =
            posthog_csv_
                ? !starts_with(h[i], "properties.") || posthog_reserved(std::string_view(h[i]).substr(11))
                : h[i] == f_timestamp_ || h[i] == f_user_ || h[i] == f_event_ || h[i] == f_account_ || h[i] == f_id_;
    return {};
}

std::string EventSink::accept(Record& r) {
    if (!first_seen_) {
        first_seen_ = true;
        for (size_t i = 0; i < r.nfields; ++i) first_keys_.push_back(r.fields[i].first);
    }
    if (!r.has_batch) return accept_one(r);
    // A Segment HTTP envelope: each element counts as a record of its own.
    ++shape_count_[SegmentBatch];
    const int64_t n = static_cast<int64_t>(r.nbatch + r.batch_bad);
    report->read += n - 1;
    for (size_t i = 0; i < r.nbatch; ++i) {
        std::string m = accept_one(r.batch[i]);
        if (m.empty()) continue;
        m = "batch element " + std::to_string(i) + ": " + m;
        if (options_.strict) {
            report->read -= n - 1;
            return m;
        }
        ++report->skipped;
        report->add_error(r.line, std::move(m));
    }
    if (r.batch_bad) {
        if (options_.strict) {
            report->read -= n - 1;
            return r.batch_error;
        }
        report->skipped += static_cast<int64_t>(r.batch_bad);
        report->add_error(r.line, r.batch_error);
    }
    return {};
}

std::string EventSink::accept_one(Record& r) {
    props_.clear();
    pending_account_.clear();
    const Scalar* type = r.get("type");
    if (!r.from_csv && type && type->kind == Scalar::String)
        for (const char* k : kSegmentTypes)
            if (type->text() == k) {
                ++shape_count_[Segment];
                return segment(r, k);
            }
    if (r.from_csv) {
        if (posthog_csv_) {
            ++shape_count_[PostHog];
            return posthog(r);
        }
    } else if (options_.columns.empty() && !(r.get(f_timestamp_.c_str()) && r.get(f_user_.c_str()))) {
        // (A record with both flat fields is a flat row: the common case skips the shape tests.)
        const Scalar* ev = r.get("event");
        const int props = r.field_index("properties");
        const bool props_object = props >= 0 && r.fields[static_cast<size_t>(props)].second.kind == Scalar::Object;
        if (ev && ev->kind == Scalar::String && props_object && !r.get("timestamp") && r.nested_at(props, "time") &&
            r.nested_at(props, "distinct_id")) {
            ++shape_count_[Mixpanel];
            return mixpanel(r, props);
        }
        if (r.get("event_type") && r.get("event_time")) {
            ++shape_count_[Amplitude];
            return amplitude(r);
        }
        if (ev && r.get("distinct_id") && !type && !r.get("user_id")) {
            ++shape_count_[PostHog];
            return posthog(r);
        }
    }
    ++shape_count_[Flat];
    std::string err = flat(r);
    // An unsupported Segment call (alias, ...) is read as a flat row: say so.
    if (!err.empty() && !r.from_csv && type && type->kind == Scalar::String)
        err += " (a record with \"type\": \"" + std::string(type->text()) + "\" is read as a flat row)";
    return err;
}

bool EventSink::duplicate(std::string_view id, bool present, uint64_t known_hash) {
    if (!present) return false;
    const uint64_t h = known_hash ? known_hash : hash_id(id);
    if (!store_.seen_ids.insert(h)) return true;
    if (track_ids) added_ids.push_back(h);
    return false;
}

void EventSink::count_duplicate() { ++report->duplicates; }

void EventSink::add_prop(std::string_view key, const Scalar& v) {
    if (v.kind == Scalar::Null || v.kind == Scalar::Object || v.kind == Scalar::Array) return;
    props_.push_back({key, &v});
}

void EventSink::begin_piece(size_t rows) {
    rows_hint_ = rows;
    piece_events0_ = store_.size();
    piece_pairs0_ = store_.prop_key.size();
    pairs_sized_ = rows < 8192;
}

void EventSink::commit_event(bool has_account) {
    const size_t row = store_.size();
    store_.add_event(ts_, store_.user_ids.intern(user_), store_.event_names.intern(event_),
                     has_account ? store_.account_ids.intern(account_) : kNone);
    if (!has_account && !pending_account_.empty())
        pending_accounts_.push_back({static_cast<uint32_t>(row), store_.account_ids.intern(pending_account_)});
    if (!props_.empty()) {
        ++event_serial_;
        const size_t first = store_.prop_key.size();
        for (const Prop& p : props_) {
            const uint32_t key = store_.property_keys.intern(p.key);
            if (key > EventStore::kPropKeyMask) throw std::bad_alloc();
            PropertyView::Kind kind;
            uint64_t bits = 0;
            switch (p.value->kind) {
                case Scalar::String:
                    kind = PropertyView::String;
                    bits = store_.property_strings.intern(p.value->text());
                    break;
                case Scalar::Bool:
                    kind = PropertyView::Bool;
                    bits = p.value->b ? 1 : 0;
                    break;
                default: {
                    kind = PropertyView::Number;
                    const double d = p.value->kind == Scalar::Int ? static_cast<double>(p.value->i) : p.value->d;
                    std::memcpy(&bits, &d, 8);
                }
            }
            if (key_stamp_.size() <= key) key_stamp_.resize(key + 1, 0);
            if (key_stamp_[key] == event_serial_) {  // a key given twice: the last one wins
                for (size_t j = first; j < store_.prop_key.size(); ++j)
                    if ((store_.prop_key[j] & EventStore::kPropKeyMask) == key) {
                        store_.prop_key[j] = key | static_cast<uint32_t>(kind) << 30;
                        store_.prop_value[j] = bits;
                    }
                continue;
            }
            key_stamp_[key] = event_serial_;
            store_.add_property(key, kind, bits);
        }
        props_.clear();
    }
    // After the piece's first 4096 events, room for its other rows at their rate of pairs (no
    // geometric slack: a pair costs its 12 bytes, not up to twice that).
    if (!pairs_sized_ && store_.size() - piece_events0_ >= 4096) {
        pairs_sized_ = true;
        const size_t pairs = store_.prop_key.size() - piece_pairs0_;
        if (pairs) {
            const double rate = static_cast<double>(pairs) / static_cast<double>(store_.size() - piece_events0_);
            const size_t need = store_.prop_key.size() +
                                static_cast<size_t>(rate * static_cast<double>(rows_hint_ - 4096) * 1.02) + 1024;
            try {
                if (need > store_.prop_key.capacity()) {
                    store_.prop_key.reserve(need);
                    store_.prop_value.reserve(need);
                }
            } catch (const std::bad_alloc&) {  // then they grow as pairs come
            }
        }
    }
    ++report->loaded;
}

void EventSink::identify(uint32_t u, Traits traits, bool once) {
    if (traits.empty()) return;
    // Exports repeat a user's properties on every event: a call equal to the user's last adds
    // nothing.
    if (last_identify_.size() <= u) last_identify_.resize(u + 1, 0);
    if (const uint32_t last = last_identify_[u]) {
        const IdentifyCall& prev = store_.identifies[last - 1];
        if (prev.once == once && prev.traits == traits && prev.ts <= ts_) return;
    }
    store_.identifies.push_back({ts_, u, std::move(traits), once});
    last_identify_[u] = static_cast<uint32_t>(store_.identifies.size());
}

void EventSink::identify_from(const Record& r, int root, std::string_view prefix, bool once) {
    if (root < 0) return;
    Traits traits;
    for (size_t i = 0; i < r.nnested; ++i) {
        const Nested& n = r.nested[i];
        if (n.root != static_cast<uint32_t>(root) || n.in_array || !starts_with(n.path, prefix)) continue;
        const std::string key = n.path.substr(prefix.size());
        if (key.empty()) continue;
        switch (n.value.kind) {
            case Scalar::String: traits[key] = std::string(n.value.text()); break;
            case Scalar::Bool: traits[key] = n.value.b; break;
            case Scalar::Int:
            case Scalar::Float: traits[key] = n.value.d; break;
            default: break;
        }
    }
    identify(store_.user_ids.intern(user_), std::move(traits), once);
}

void EventSink::note_group_type(std::string_view type) {
    if (type == last_type_) return;
    last_type_ = std::string(type);
    group_types_.insert(last_type_);
}

void EventSink::account_of_group_types(int types, const Scalar* only) {
    if (types == 1) {
        const char* why = nullptr;
        bool present = false;
        std::string text;
        if (read_id(only, text, present, why) && present) pending_account_ = text;
    }
    if (types) ++grouped_no_key_;
}

std::string EventSink::flat(const Record& r) {
    // The id set is large and touched at random: ask for the id's slot now, so that it is in
    // cache by the duplicate check below (a hint only; validation order is unchanged).
    uint64_t id_hash = 0;  // hash_id of a string "id" (never 0)
    if (const Scalar* id = r.get(f_id_.c_str()); id && id->kind == Scalar::String) {
        id_hash = hash_id(id->text());
        store_.seen_ids.prefetch(id_hash);
    }
    if (!options_.columns.empty() && !r.from_csv)
        for (auto& [field, name] : options_.columns)
            if (!mapped_seen_.count(name) && r.get(name)) mapped_seen_.insert(name);
    std::string err;
    if (!(err = timestamp_value(r.get(f_timestamp_.c_str()), f_timestamp_, true, ts_)).empty()) return err;
    bool has_user, has_account, has_id, has_mid = false;
    if (!(err = id_value(r.get(f_user_.c_str()), f_user_, user_buf_, user_, has_user)).empty()) return err;
    if (!has_user) return f_user_ + ": missing";
    if (!(err = event_value(r.get(f_event_.c_str()), f_event_, event_)).empty()) return err;
    if (!(err = id_value(r.get(f_account_.c_str()), f_account_, account_buf_, account_, has_account)).empty())
        return err;
    if (!(err = id_value(r.get(f_id_.c_str()), f_id_, id_buf_, id_, has_id)).empty()) return err;
    if (!r.from_csv && !(err = id_field(r, "messageId", mid_buf_, mid_, has_mid)).empty()) return err;
    if (duplicate(has_id ? id_ : mid_, has_id || has_mid, has_id ? id_hash : 0)) {
        count_duplicate();
        return {};
    }
    if (r.from_csv) {
        // Every other column is a property; "properties.plan" is "plan".
        for (size_t i = 0; i < r.nfields && i < csv_skip_.size(); ++i) {
            if (csv_skip_[i]) continue;
            std::string_view key = r.fields[i].first;
            if (starts_with(key, "properties.") && key.size() > 11) key.remove_prefix(11);
            add_prop(key, r.fields[i].second);
        }
    } else if (const int p = r.field_index("properties"); p >= 0) {
        for (size_t i = 0; i < r.nnested; ++i)
            if (r.nested[i].root == static_cast<uint32_t>(p) && !r.nested[i].in_array)
                add_prop(r.nested[i].path, r.nested[i].value);
    }
    commit_event(has_account);
    return {};
}

std::string EventSink::segment(const Record& r, const std::string& kind) {
    std::string err;
    static const std::string kTimestamp = "timestamp";
    if (!(err = timestamp_value(r.get("timestamp"), kTimestamp, false, ts_)).empty()) return err;
    bool has_user, has_anon, has_mid, has_group = false;
    if (!(err = id_field(r, "userId", user_buf_, user_, has_user)).empty()) return err;
    if (!(err = id_field(r, "anonymousId", anon_buf_, anon_, has_anon)).empty()) return err;
    if (!has_user && !has_anon) return "userId: missing (and no anonymousId)";
    if (!has_user) user_ = anon_;
    if (!(err = id_field(r, "messageId", mid_buf_, mid_, has_mid)).empty()) return err;
    if (const Scalar* c = r.get("context"); c && c->kind != Scalar::Null && !r.context_object)
        return "context: must be an object";
    static const std::string kEvent = "event";
    if (kind == "track") {
        if (!(err = event_value(r.get("event"), kEvent, event_)).empty()) return err;
    } else if (kind == "page") {
        event_ = "Page Viewed";
    } else if (kind == "screen") {
        event_ = "Screen Viewed";
    }
    if (kind == "track" || kind == "page" || kind == "screen") {
        if (r.has_context_group_id) {
            const char* why = nullptr;
            if (!read_id(&r.context_group_id, account_buf_, has_group, why))
                return std::string("context.groupId: ") + why;
            account_ = account_buf_;
        }
        if (duplicate(mid_, has_mid)) {
            count_duplicate();
            return {};
        }
        const int p = r.field_index("properties");
        bool has_name = false;
        for (size_t i = 0; p >= 0 && i < r.nnested; ++i)
            if (r.nested[i].root == static_cast<uint32_t>(p) && !r.nested[i].in_array) {
                add_prop(r.nested[i].path, r.nested[i].value);
                has_name |= r.nested[i].path == "name";
            }
        // A page's or screen's name is a property too ("Pricing"), unless the properties name one.
        if (kind != "track" && !has_name)
            if (const Scalar* n = r.get("name"); n && n->kind == Scalar::String) add_prop("name", *n);
        commit_event(has_group);
        return {};
    }
    if (const Scalar* t = r.get("traits"); t && t->kind != Scalar::Null && !r.traits_object)
        return "traits: must be an object";
    if (kind == "group") {
        if (!(err = id_field(r, "groupId", account_buf_, account_, has_group)).empty()) return err;
        if (!has_group) return "groupId: missing";
    }
    if (duplicate(mid_, has_mid)) {
        count_duplicate();
        return {};
    }
    const uint32_t u = store_.user_ids.intern(user_);
    if (kind == "group") store_.groups.push_back({ts_, u, store_.account_ids.intern(account_), r.traits});
    else store_.identifies.push_back({ts_, u, r.traits});
    ++report->loaded;
    return {};
}

std::string EventSink::finish(LoadReport& report) {
    static const char* const kShapeNames[] = {"flat", "segment", "segment_batch", "mixpanel", "amplitude", "posthog"};
    for (int i = 0; i < kShapes; ++i)
        if (shape_count_[i]) report.shapes[kShapeNames[i]] += shape_count_[i];
    if (!options_.columns.empty() && !has_csv_header_ && first_seen_)
        for (auto& [field, name] : options_.columns)
            if (!mapped_seen_.count(name))
                return "column mapping " + field + "=" + name + ": no record has a key \"" + name + "\"; found " +
                       join(first_keys_);
    // Nothing loaded, every row for want of the same field: one summary first (the rows' own
    // errors stay, as for any bad row).
    if (report.loaded == 0 && report.read > 0 && !report.errors.empty() && !has_csv_header_) {
        const std::string& m = report.errors.front().message;
        const size_t colon = m.find(": missing");
        if (colon != std::string::npos && m.find(' ') > colon) {
            const std::string field = m.substr(0, colon);
            bool all = true;
            for (auto& e : report.errors) all &= e.message.compare(0, colon + 9, m, 0, colon + 9) == 0;
            if (all)
                report.notes.insert(report.notes.begin(),
                                    missing_message({field}, first_keys_, "key") + "; no record could be read");
        }
    }
    if (group_types_.size() == 1 && !pending_accounts_.empty()) {
        for (auto [row, a] : pending_accounts_)
            if (row < store_.account.size() && store_.account[row] == kNone) store_.account[row] = a;
        ++store_.rewrite_version;
        report.notes.push_back("accounts taken from the file's only group type \"" + *group_types_.begin() +
                               "\" (no account_key given)");
    } else if (group_types_.size() > 1 && grouped_no_key_) {
        std::vector<std::string> types(group_types_.begin(), group_types_.end());
        report.notes.push_back(std::to_string(grouped_no_key_) +
                               " events have no account: the file has several group types (" + join(types) +
                               "); choose one with account_key (CLI --account-key NAME)");
    }
    if (mixpanel_no_key_)
        report.notes.push_back(std::to_string(mixpanel_no_key_) +
                               " Mixpanel events have no account: Mixpanel names an account in a group key property "
                               "(such as company_id); choose it with account_key (CLI --account-key NAME)");
    return {};
}

namespace {

// Accounts (SPEC §1.2): {"account_id", "name"?, "traits"?}; in CSV every other column is a trait.
// With a column mapping (SPEC §6.2), account_id and name are read from the mapped columns/keys.
class AccountSink : public RecordSink {
public:
    AccountSink(EventStore& store, LoadReport& report, const LoadOptions& options) : store_(store), report_(report) {
        auto it = options.columns.find("account_id");
        if (it != options.columns.end()) f_id_ = it->second;
        it = options.columns.find("name");
        if (it != options.columns.end()) f_name_ = it->second;
        columns_ = options.columns;
    }

    std::string header(const std::vector<std::string>& h) override {
        auto has = [&](const std::string& n) { return std::find(h.begin(), h.end(), n) != h.end(); };
        std::string found;
        for (auto& c : h) found += (found.empty() ? "" : ", ") + c;
        for (auto& [field, name] : columns_)
            if (!has(name))
                return "column mapping " + field + "=" + name + ": the file has no column \"" + name + "\"; found " +
                       found;
        if (!has(f_id_))
            return "no " + f_id_ + " column; found " + found +
                   " (map it with the column mapping, e.g. account_id=" + (h.empty() ? std::string("...") : h.front()) +
                   ")";
        return {};
    }

    std::string accept(Record& r) override {
        std::string id;
        bool present;
        const char* why = nullptr;
        if (!columns_.empty() && !r.from_csv)
            for (auto& [field, name] : columns_)
                if (r.get(name)) seen_.insert(name);
        if (!read_id(r.get(f_id_.c_str()), id, present, why)) return f_id_ + ": " + why;
        if (!present) return f_id_ + ": missing";
        std::optional<std::string> name;
        const Scalar* n = r.get(f_name_.c_str());
        if (n && n->kind == Scalar::String && !n->text().empty()) name = n->text();
        else if (n && n->kind != Scalar::Null && n->kind != Scalar::String) return f_name_ + ": must be a string";
        Traits traits;
        if (std::string bad = read_record_traits(r, f_id_, f_name_, traits); !bad.empty()) return bad;
        AccountRecord& rec = store_.account_record(store_.account_ids.intern(id));
        rec.present = true;
        if (name) rec.name = name;
        for (auto& [k, v] : traits) rec.traits[k] = std::move(v);
        ++report_.loaded;
        return {};
    }

    // A mapped key no JSON record had.
    std::string unseen() const {
        for (auto& [field, name] : columns_)
            if (!seen_.count(name))
                return "column mapping " + field + "=" + name + ": no record has a key \"" + name + "\"";
        return {};
    }

private:
    EventStore& store_;
    LoadReport& report_;
    std::string f_id_ = "account_id", f_name_ = "name";
    std::map<std::string, std::string> columns_;
    std::set<std::string> seen_;
};

// How many rows a JSON Lines or CSV text holds at most (its lines), and whether its first row
// names an event id; nothing for a JSON array (its lines say nothing about its elements).
struct RowHint {
    size_t rows = 0;
    bool ids = false;
};

RowHint row_hint(std::string_view text, Format format) {
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.remove_prefix(3);
    size_t i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
    if (i == text.size() || format == Format::JsonArray || (format == Format::Auto && text[i] == '[')) return {};
    const bool csv = format == Format::Csv || (format == Format::Auto && text[i] != '{');
    RowHint hint;
    hint.rows = 1;
    const char* p = text.data() + i;
    const char* end = text.data() + text.size();
    const char* first_end = nullptr;
    while (const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p))) {
        if (!first_end) first_end = static_cast<const char*>(nl);
        ++hint.rows;
        p = static_cast<const char*>(nl) + 1;
    }
    const std::string_view first(text.data() + i,
                                 static_cast<size_t>((first_end ? first_end : end) - (text.data() + i)));
    if (!csv) {
        hint.ids =
            first.find("\"id\"") != std::string_view::npos || first.find("\"messageId\"") != std::string_view::npos;
    } else {
        size_t b = 0;
        while (b <= first.size() && !hint.ids) {
            size_t e = first.find(',', b);
            if (e == std::string_view::npos) e = first.size();
            std::string_view cell = first.substr(b, e - b);
            while (!cell.empty() && (cell.front() == ' ' || cell.front() == '"')) cell.remove_prefix(1);
            while (!cell.empty() && (cell.back() == ' ' || cell.back() == '"' || cell.back() == '\r'))
                cell.remove_suffix(1);
            hint.ids = cell == "id";
            b = e + 1;
        }
    }
    return hint;
}

}  // namespace

Result<LoadReport> EventStore::load_events(std::string_view text, const LoadOptions& options) {
    if (std::string bad = check_columns(options.columns, "events"); !bad.empty())
        return Error{"invalid_option", bad, "", 0};
    LoadReport report;
    EventSink sink(*this, options);
    auto r = load_events_piece(sink, text, options, report);
    if (r.ok()) r = finish_events_load(sink, report);
    if (!r.ok()) return r.error();
    return report;
}

void EventSink::undo() {
    store_.truncate_events(n0_);
    store_.groups.resize(g0_);
    store_.identifies.resize(i0_);
    store_.max_ts = max0_;
    for (uint64_t h : added_ids) store_.seen_ids.erase(h);
    added_ids.clear();
}

Status EventStore::load_events_piece(EventSink& sink, std::string_view text, const LoadOptions& options,
                                     LoadReport& report) {
    sink.report = &report;
    // Headroom released when memory runs out, so that reporting the failure can still allocate
    // (left uninitialised: zeroing it would cost a small append more than its rows). 64 KiB is
    // ample for the error and its message, and stays below the allocators' mmap thresholds
    // (glibc's 128 KiB, ASan's size classes): a block of 1 MiB was mapped and unmapped on every
    // load, which made a small load (and each fuzz input) several times slower.
    std::unique_ptr<char[]> headroom(new char[64u << 10]);
    // Columns and the id set sized once from the line count: no regrowth copies, no slack.
    // Not in strict mode: a strict load that fails must leave the store (and the heap) as it was.
    if (!options.strict) {
        const RowHint hint = row_hint(text, sink.has_csv_header() ? Format::Jsonl : options.format);
        try {
            reserve_events(hint.rows, hint.ids);
        } catch (const std::bad_alloc&) {  // then they grow as rows come
        }
        sink.begin_piece(hint.rows);
    }
    bool ok;
    try {
        ok = read_records(text, options, sink, report, sink.has_csv_header() ? &sink.csv_header() : nullptr);
    } catch (const std::bad_alloc&) {
        headroom.reset();
        // Out of memory (natively, or at the WASM heap's maximum): keep the rows loaded so far,
        // consistent across the columns, and say how far the load got.
        ++version;
        truncate_events(ts.size());
        return Error{"out_of_memory",
                     "out of memory: loaded " + std::to_string(report.loaded) +
                         " rows before the limit; the engine keeps them and stays usable",
                     "", report.read};
    }
    ++version;
    if (!sink.fatal.empty()) {  // the CSV header lacks a required or mapped column: nothing read
        sink.undo();
        return Error{"missing_column", sink.fatal, "", 0};
    }
    if (!ok) {
        // Strict: nothing of this load is kept.
        sink.undo();
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return Ok{};
}

Status EventStore::finish_events_load(EventSink& sink, LoadReport& report) {
    std::string fatal = sink.finish(report);
    ++version;
    // The pairs grew in steps: give back what is left over, so a kept pair costs its 12 bytes.
    if (prop_key.capacity() > prop_key.size() + prop_key.size() / 20 + 4096) {
        try {
            prop_key.shrink_to_fit();
            prop_value.shrink_to_fit();
        } catch (const std::bad_alloc&) {}
    }
    if (!fatal.empty()) {
        sink.undo();
        return Error{"unknown_column", fatal, "", 0};
    }
    return Ok{};
}

Result<LoadReport> EventStore::load_accounts(std::string_view text, const LoadOptions& options) {
    if (std::string bad = check_columns(options.columns, "accounts"); !bad.empty())
        return Error{"invalid_option", bad, "", 0};
    LoadReport report;
    const std::vector<AccountRecord> before = accounts;
    const size_t ids0 = account_ids.size();
    (void)ids0;
    AccountSink sink(*this, report, options);
    const bool ok = read_records(text, options, sink, report);
    ++version;
    ++rewrite_version;
    std::string fatal = sink.fatal;
    if (fatal.empty() && ok && !options.columns.empty() && report.read > 0 && !sink.fatal.size()) {
        bool csv = false;
        for (char c : text) {
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
            csv = c != '{' && c != '[';
            break;
        }
        if (!csv) fatal = sink.unseen();
    }
    if (!fatal.empty()) {
        accounts = before;
        return Error{"missing_column", fatal, "", 0};
    }
    if (!ok) {
        accounts = before;
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return report;
}

}  // namespace pql
