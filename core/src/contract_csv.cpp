// The SQL contract tables (docs/sql.md) written from loaded data as CSV: what `pql export-events`
// prints, so a warehouse can be filled with exactly the rows the engine scores.
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "contract_columns.hpp"
#include "contract_csv.hpp"
#include "csv_cell.hpp"
#include "event_store.hpp"
#include "pql/sql.hpp"
#include "score.hpp"

namespace pql {

namespace {

// RFC 4180 cell; "" stays a quoted empty string so that it is not read as NULL. No formula
// guard: these tables are for databases, which must get the text as it is.
std::string contract_cell(const std::string& s) { return csv_cell(s, CsvCellOptions{true, false}); }

}  // namespace

std::string encode_trait(const Value& v) {
    if (auto s = std::get_if<std::string>(&v)) return "s:" + *s;
    if (auto d = std::get_if<double>(&v)) return "n:" + nlohmann::json(*d).dump();
    return std::get<bool>(v) ? "b:true" : "b:false";
}

std::vector<std::string> model_traits(const Model& model) {
    std::vector<std::string> out;
    auto add = [&](const std::string& t) {
        if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    };
    for (auto& r : model.rules) add(r.trait);
    std::vector<const RuleNode*> stack;
    if (model.rule) stack.push_back(&*model.rule);
    while (!stack.empty()) {  // depth first, children in order
        const RuleNode* n = stack.back();
        stack.pop_back();
        if (n->kind == RuleNode::Leaf && n->metric_kind == MetricKind::Trait) add(n->arg);
        for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(&*it);
    }
    return out;
}

std::string export_contract_csv(const EventStore& s, const Index& ix, ContractTable table,
                                const std::vector<std::string>& traits) {
    std::string out;
    if (table == ContractTable::Events) {
        // The engine's own assignment of events to accounts (explicit, else the latest group call).
        // Read through each type's run: appends to the index move runs, so an entity's events
        // need not lie in one range of `order`.
        std::vector<uint32_t> account(s.size(), kNone);
        for (auto& ent : ix.entities)
            for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
                const Index::TypeStat& st = ix.types[t];
                for (uint32_t p = st.order_begin; p < st.order_begin + st.total; ++p) account[ix.order[p]] = ent.key;
            }
        // Each interned name quoted once.
        auto cells = [](const Interner& names) {
            std::vector<std::string> v(names.size());
            for (uint32_t k = 0; k < names.size(); ++k) v[k] = contract_cell(names.name(k));
            return v;
        };
        const auto accounts = cells(s.account_ids), users = cells(s.user_ids), events = cells(s.event_names);
        out = "timestamp_ms,account_id,user_id,event\n";
        out.reserve(s.size() * 48);
        for (size_t i = 0; i < s.size(); ++i) {
            if (s.ts[i] > ix.as_of) continue;
            out += std::to_string(s.ts[i]);
            out += ',';
            if (account[i] != kNone) out += accounts[account[i]];
            out += ',';
            out += users[s.user[i]];
            out += ',';
            out += events[s.type[i]];
            out += '\n';
        }
        return out;
    }
    const bool users = table == ContractTable::Users;
    const std::string id_col = users ? "user_id" : "account_id";
    std::set<std::string> names(traits.begin(), traits.end());
    for (auto& ent : ix.entities)
        for (auto& [k, v] : ent.traits) names.insert(k);
    out = id_col + ",name";
    for (auto& n : names) out += "," + contract_cell(default_trait_column(n, id_col, "name"));
    out += "\n";
    std::vector<const Index::EntityAgg*> rows;
    for (auto& ent : ix.entities) rows.push_back(&ent);
    std::sort(rows.begin(), rows.end(), [&](auto* a, auto* b) { return ix.id_of(s, *a) < ix.id_of(s, *b); });
    for (auto* ent : rows) {
        out += contract_cell(ix.id_of(s, *ent)) + "," + (ent->name ? contract_cell(*ent->name) : std::string());
        for (auto& n : names) {
            auto it = ent->traits.find(n);
            out += "," + (it == ent->traits.end() ? std::string() : contract_cell(encode_trait(it->second)));
        }
        out += "\n";
    }
    return out;
}

}  // namespace pql
