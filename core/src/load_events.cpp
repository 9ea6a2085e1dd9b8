// Events (SPEC §1.1): flat rows and Segment calls become columns in the EventStore.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>

#include "pql/event_store.hpp"
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
            why = v->big || (std::isfinite(v->d) && v->d == std::floor(v->d)) ? "number too large for an id"
                                                                              : "must be a string or an integer, not a fraction";
            return false;
        case Scalar::Bool: why = "must be a string or an integer, not a boolean"; return false;
        case Scalar::Object: why = "must be a string or an integer, not an object"; return false;
        case Scalar::Array: why = "must be a string or an integer, not an array"; return false;
        default: return true;
    }
}

namespace {

class EventSink : public RecordSink {
public:
    EventSink(EventStore& store, LoadReport& report) : store_(store), report_(report) {}

    std::string accept(Record& r) override {
        const Scalar* type = r.get("type");
        std::string kind;
        if (!r.from_csv && type && type->kind == Scalar::String &&
            (type->text() == "track" || type->text() == "page" || type->text() == "screen" || type->text() == "group" ||
             type->text() == "identify"))
            kind = type->text();
        if (!kind.empty()) return segment(r, kind);
        std::string err = flat(r);
        // An unsupported Segment call (alias, ...) is read as a flat row: say so.
        if (!err.empty() && !r.from_csv && type && type->kind == Scalar::String)
            err += " (a record with \"type\": \"" + std::string(type->text()) + "\" is read as a flat row)";
        return err;
    }

private:
    // Reads an id field: `out` views the record's text (or `buf`, for an integer id); returns
    // an error message or "".
    static std::string id_field(const Record& r, const char* key, std::string& buf, std::string_view& out,
                                bool& present) {
        const Scalar* v = r.get(key);
        if (v && v->kind == Scalar::String) {  // as read_id, without copying the text
            present = !v->text().empty();
            out = v->text();
            return {};
        }
        const char* why = nullptr;
        if (!read_id(v, buf, present, why)) return std::string(key) + ": " + why;
        out = buf;
        return {};
    }

    static std::string timestamp_field(const Record& r, int64_t& out) {
        const Scalar* v = r.get("timestamp");
        const char* why = "not a date";
        std::optional<int64_t> t;
        if (!v || v->kind == Scalar::Null) return "timestamp: missing";
        if (v->kind == Scalar::String) t = parse_timestamp(v->text(), &why);
        else if (v->kind == Scalar::Int) t = timestamp_from_number(static_cast<double>(v->i), &why);
        else if (v->kind == Scalar::Float) t = timestamp_from_number(v->d, &why);
        else return "timestamp: must be a string or a number";
        if (!t) return std::string("timestamp: ") + why;
        out = *t;
        return {};
    }

    static std::string event_field(const Record& r, std::string_view& out) {
        const Scalar* v = r.get("event");
        if (!v || v->kind == Scalar::Null || (v->kind == Scalar::String && v->text().empty())) return "event: missing";
        if (v->kind != Scalar::String) return "event: must be a string";
        out = v->text();
        return {};
    }

    // The event id used for de-duplication; checked only once the row is otherwise valid.
    bool duplicate(std::string_view id, bool present, uint64_t known_hash = 0) {
        if (!present) return false;
        const uint64_t h = known_hash ? known_hash : hash_id(id);
        if (!store_.seen_ids.insert(h)) return true;
        if (track_ids) added_ids.push_back(h);
        return false;
    }

    std::string flat(const Record& r) {
        // The id set is large and touched at random: ask for the id's slot now, so that it is in
        // cache by the duplicate check below (a hint only; validation order is unchanged).
        uint64_t id_hash = 0;  // hash_id of a string "id" (never 0)
        if (const Scalar* id = r.get("id"); id && id->kind == Scalar::String) {
            id_hash = hash_id(id->text());
            store_.seen_ids.prefetch(id_hash);
        }
        std::string err;
        if (!(err = timestamp_field(r, ts_)).empty()) return err;
        bool has_user, has_account, has_id, has_mid;
        if (!(err = id_field(r, "user_id", user_buf_, user_, has_user)).empty()) return err;
        if (!has_user) return "user_id: missing";
        if (!(err = event_field(r, event_)).empty()) return err;
        if (!(err = id_field(r, "account_id", account_buf_, account_, has_account)).empty()) return err;
        if (!(err = id_field(r, "id", id_buf_, id_, has_id)).empty()) return err;
        if (!(err = id_field(r, "messageId", mid_buf_, mid_, has_mid)).empty()) return err;
        if (duplicate(has_id ? id_ : mid_, has_id || has_mid, has_id ? id_hash : 0)) {
            ++report_.duplicates;
            return {};
        }
        commit_event(has_account);
        return {};
    }

    std::string segment(const Record& r, const std::string& kind) {
        std::string err;
        if (!(err = timestamp_field(r, ts_)).empty()) return err;
        bool has_user, has_anon, has_mid, has_group = false;
        if (!(err = id_field(r, "userId", user_buf_, user_, has_user)).empty()) return err;
        if (!(err = id_field(r, "anonymousId", anon_buf_, anon_, has_anon)).empty()) return err;
        if (!has_user && !has_anon) return "userId: missing (and no anonymousId)";
        if (!has_user) user_ = anon_;
        if (!(err = id_field(r, "messageId", mid_buf_, mid_, has_mid)).empty()) return err;
        if (const Scalar* c = r.get("context"); c && c->kind != Scalar::Null && !r.context_object)
            return "context: must be an object";
        if (kind == "track") {
            if (!(err = event_field(r, event_)).empty()) return err;
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
                ++report_.duplicates;
                return {};
            }
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
            ++report_.duplicates;
            return {};
        }
        const uint32_t u = store_.user_ids.intern(user_);
        if (kind == "group")
            store_.groups.push_back({ts_, u, store_.account_ids.intern(account_), r.traits});
        else
            store_.identifies.push_back({ts_, u, r.traits});
        ++report_.loaded;
        return {};
    }

    void commit_event(bool has_account) {
        store_.add_event(ts_, store_.user_ids.intern(user_), store_.event_names.intern(event_),
                         has_account ? store_.account_ids.intern(account_) : kNone);
        ++report_.loaded;
    }

    EventStore& store_;
    LoadReport& report_;
    int64_t ts_ = 0;
    // Views of the current record's fields (or of the buffers, for integer ids).
    std::string user_buf_, anon_buf_, account_buf_, id_buf_, mid_buf_;
    std::string_view user_, anon_, event_, account_, id_, mid_;

public:
    bool track_ids = false;           // strict loads remember their ids, to undo a failure
    std::vector<uint64_t> added_ids;
};

// Accounts (SPEC §1.2): {"account_id", "name"?, "traits"?}; in CSV every other column is a trait.
class AccountSink : public RecordSink {
public:
    explicit AccountSink(EventStore& store, LoadReport& report) : store_(store), report_(report) {}

    std::string accept(Record& r) override {
        std::string id;
        bool present;
        const char* why = nullptr;
        if (!read_id(r.get("account_id"), id, present, why)) return std::string("account_id: ") + why;
        if (!present) return "account_id: missing";
        std::optional<std::string> name;
        const Scalar* n = r.get("name");
        if (n && n->kind == Scalar::String && !n->text().empty()) name = n->text();
        else if (n && n->kind != Scalar::Null && n->kind != Scalar::String) return "name: must be a string";
        Traits traits;
        if (r.from_csv) {
            for (size_t i = 0; i < r.nfields; ++i) {
                const auto& [key, cell] = r.fields[i];
                if (key != "account_id" && key != "name" && cell.kind == Scalar::String) traits[key] = std::string(cell.text());
            }
        } else {
            const Scalar* t = r.get("traits");
            if (t && t->kind != Scalar::Null && !r.traits_object) return "traits: must be an object";
            if (!r.traits_nested.empty())
                return "traits." + r.traits_nested.front() + ": must be a string, number or boolean";
            traits = std::move(r.traits);
        }
        AccountRecord& rec = store_.account_record(store_.account_ids.intern(id));
        rec.present = true;
        if (name) rec.name = name;
        for (auto& [k, v] : traits) rec.traits[k] = std::move(v);
        ++report_.loaded;
        return {};
    }

private:
    EventStore& store_;
    LoadReport& report_;
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
    const std::string_view first(text.data() + i, static_cast<size_t>((first_end ? first_end : end) - (text.data() + i)));
    if (!csv) {
        hint.ids = first.find("\"id\"") != std::string_view::npos || first.find("\"messageId\"") != std::string_view::npos;
    } else {
        size_t b = 0;
        while (b <= first.size() && !hint.ids) {
            size_t e = first.find(',', b);
            if (e == std::string_view::npos) e = first.size();
            std::string_view cell = first.substr(b, e - b);
            while (!cell.empty() && (cell.front() == ' ' || cell.front() == '"')) cell.remove_prefix(1);
            while (!cell.empty() && (cell.back() == ' ' || cell.back() == '"' || cell.back() == '\r')) cell.remove_suffix(1);
            hint.ids = cell == "id";
            b = e + 1;
        }
    }
    return hint;
}

}  // namespace

Result<LoadReport> EventStore::load_events(std::string_view text, const LoadOptions& options) {
    LoadReport report;
    const size_t n0 = ts.size(), g0 = groups.size(), i0 = identifies.size();
    const auto max0 = max_ts;
    EventSink sink(*this, report);
    sink.track_ids = options.strict;
    // Headroom released when memory runs out, so that reporting the failure can still allocate
    // (left uninitialised: zeroing it would cost a small append more than its rows). 64 KiB is
    // ample for the error and its message, and stays below the allocators' mmap thresholds
    // (glibc's 128 KiB, ASan's size classes): a block of 1 MiB was mapped and unmapped on every
    // load, which made a small load (and each fuzz input) several times slower.
    std::unique_ptr<char[]> headroom(new char[64u << 10]);
    // Columns and the id set sized once from the line count: no regrowth copies, no slack.
    // Not in strict mode: a strict load that fails must leave the store (and the heap) as it was.
    if (!options.strict) {
        const RowHint hint = row_hint(text, options.format);
        try {
            reserve_events(hint.rows, hint.ids);
        } catch (const std::bad_alloc&) {  // then they grow as rows come
        }
    }
    bool ok;
    try {
        ok = read_records(text, options, sink, report);
    } catch (const std::bad_alloc&) {
        headroom.reset();
        // Out of memory (natively, or at the WASM heap's maximum): keep the rows loaded so far,
        // consistent across the columns, and say how far the load got.
        ++version;
        const size_t n = std::min({ts.size(), user.size(), type.size(), account.size()});
        ts.resize(n);
        user.resize(n);
        type.resize(n);
        account.resize(n);
        return Error{"out_of_memory",
                     "out of memory: loaded " + std::to_string(report.loaded) +
                         " rows before the limit; the engine keeps them and stays usable",
                     "", report.read};
    }
    ++version;
    if (!ok) {
        // Strict: nothing of this text is kept.
        ts.resize(n0);
        user.resize(n0);
        type.resize(n0);
        account.resize(n0);
        groups.resize(g0);
        identifies.resize(i0);
        max_ts = max0;
        for (uint64_t h : sink.added_ids) seen_ids.erase(h);
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return report;
}

Result<LoadReport> EventStore::load_accounts(std::string_view text, const LoadOptions& options) {
    LoadReport report;
    const std::vector<AccountRecord> before = options.strict ? accounts : std::vector<AccountRecord>{};
    AccountSink sink(*this, report);
    const bool ok = read_records(text, options, sink, report);
    ++version;
    ++rewrite_version;
    if (!ok) {
        accounts = before;
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return report;
}

}  // namespace pql
