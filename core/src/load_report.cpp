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
}

std::string Error::describe() const {
    if (!path.empty()) return path + ": " + message;
    if (line > 0) return "line " + std::to_string(line) + ": " + message;
    return message;
}

}  // namespace pql
