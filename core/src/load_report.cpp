#include <algorithm>

#include "pql/load.hpp"
#include "pql/result.hpp"

#include "names.hpp"

namespace pql {

bool parse_format(const std::string& name, Format& out) {
    if (auto known = find_name(kFormats, name)) out = known->value;
    else if (name == "ndjson") out = Format::Jsonl;
    else return false;
    return true;
}

void LoadReport::add_error(int64_t line, std::string message) {
    if (errors.size() < kMaxErrors) errors.push_back({line, std::move(message)});
}

void LoadReport::merge(const LoadReport& o) {
    read += o.read;
    loaded += o.loaded;
    skipped += o.skipped;
    duplicates += o.duplicates;
    for (auto& e : o.errors) add_error(e.line, e.message);
    for (auto& n : o.notes)
        if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(n);
    for (auto& [k, v] : o.shapes) shapes[k] += v;
}

bool parse_time_unit(const std::string& name, TimeUnit& out) {
    if (name == "ms") out = TimeUnit::Ms;
    else if (name == "s") out = TimeUnit::S;
    else return false;
    return true;
}

std::string check_columns(const std::map<std::string, std::string>& columns, const std::string& kind) {
    if (columns.empty()) return {};  // the usual case: nothing to check, nothing to build
    std::vector<std::string> allowed;
    if (kind == "events") allowed = {"timestamp", "user_id", "event", "account_id", "id"};
    else if (kind == "accounts") allowed = {"account_id", "name"};
    else if (kind == "users") allowed = {"user_id"};
    std::string unknown, list;
    for (auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    for (auto& [field, name] : columns) {
        if (std::find(allowed.begin(), allowed.end(), field) == allowed.end())
            unknown += (unknown.empty() ? "" : ", ") + field;
        else if (name.empty()) return "column mapping for " + field + ": empty column name";
    }
    if (unknown.empty()) return {};
    return "unknown field in the " + kind + " column mapping: " + unknown + " (the fields are " + list + ")";
}

std::string Error::describe() const {
    if (!path.empty()) return path + ": " + message;
    if (line > 0) return "line " + std::to_string(line) + ": " + message;
    return message;
}

}  // namespace pql
