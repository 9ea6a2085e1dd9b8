// Conversions: from the model's conversion_event or an outcomes file (SPEC §5).
#include "conversions.hpp"

#include <algorithm>

#include "pql/time.hpp"
#include "record.hpp"

namespace pql {

namespace {

class OutcomeSink : public RecordSink {
public:
    explicit OutcomeSink(Outcomes& out) : out_(out) {}
    std::string accept(Record& r) override {
        std::string id;
        bool present = false;
        const char* why = nullptr;
        const char* key = r.get("account_id") ? "account_id" : r.get("user_id") ? "user_id" : "id";
        if (!read_id(r.get(key), id, present, why)) return std::string(key) + ": " + why;
        if (!present) return "account_id: missing";
        const Scalar* v = r.get("converted_at");
        std::optional<int64_t> t;
        const char* twhy = "not a date";
        if (!v || v->kind == Scalar::Null) return "converted_at: missing";
        if (v->kind == Scalar::String) t = parse_timestamp(v->text(), &twhy);
        else if (v->kind == Scalar::Int || v->kind == Scalar::Float) t = timestamp_from_number(v->d, &twhy);
        else return "converted_at: must be a string or a number";
        if (!t) return std::string("converted_at: ") + twhy;
        out_.rows.emplace_back(id, *t);
        ++loaded;
        return {};
    }
    int64_t loaded = 0;

private:
    Outcomes& out_;
};

}  // namespace

Result<LoadReport> Outcomes::load(std::string_view text, const LoadOptions& options) {
    LoadReport report;
    const size_t before = rows.size();
    OutcomeSink sink(*this);
    const bool ok = read_records(text, options, sink, report);
    report.loaded = sink.loaded;
    if (!ok) {
        rows.resize(before);
        const RowError& e = report.errors.back();
        return Error{"bad_row", e.message, "", e.line};
    }
    return report;
}

std::vector<int64_t> conversion_times(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                      const Index& ix) {
    std::vector<int64_t> out(ix.entities.size(), INT64_MAX);
    const bool by_user = ix.kind == Entity::User;
    const size_t nkeys = by_user ? store.user_ids.size() : store.account_ids.size();
    std::vector<uint32_t> slot(nkeys, kNone);
    for (uint32_t e = 0; e < ix.entities.size(); ++e) slot[ix.entities[e].key] = e;
    auto note = [&](uint32_t key, int64_t t) {
        if (key != kNone && key < slot.size() && slot[key] != kNone) out[slot[key]] = std::min(out[slot[key]], t);
    };
    if (model.conversion_event) {
        if (auto k = store.event_names.find(*model.conversion_event)) {
            // A conversion without an explicit account belongs to the user's latest group overall:
            // labels may look past as_of, features never do.
            std::vector<uint32_t> user_account;
            if (!by_user) {
                user_account.assign(store.user_ids.size(), kNone);
                std::vector<int64_t> latest(store.user_ids.size(), INT64_MIN);
                for (const auto& g : store.groups)
                    if (g.member && g.ts >= latest[g.user]) {
                        latest[g.user] = g.ts;
                        user_account[g.user] = g.account;
                    }
            }
            for (size_t i = 0; i < store.size(); ++i) {
                if (store.type[i] != *k) continue;
                uint32_t key = by_user ? store.user[i] : store.account[i];
                if (key == kNone && !by_user) key = user_account[store.user[i]];
                note(key, store.ts[i]);
            }
        }
    }
    for (auto& [id, t] : outcomes.rows) {
        auto key = by_user ? store.user_ids.find(id) : store.account_ids.find(id);
        if (key) note(*key, t);
    }
    return out;
}

}  // namespace pql
