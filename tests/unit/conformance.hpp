// Shared by the library and CLI conformance tests: the comparison rules of
// tests/conformance/README.md.
#pragma once
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pql::test {

inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline bool exists(const std::string& path) { return std::ifstream(path).good(); }

inline std::string case_dir(const std::string& name) {
    return std::string(PQL_SOURCE_DIR) + "/tests/conformance/" + name;
}

// Every folder of tests/conformance with an expected.json, in name order (as tests/lib/compare.mjs).
inline std::vector<std::string> conformance_cases() {
    std::vector<std::string> out;
    for (auto& entry : std::filesystem::directory_iterator(case_dir("")))
        if (entry.is_directory() && exists(entry.path().string() + "/expected.json"))
            out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

inline bool close(double a, double b) {
    const double diff = std::fabs(a - b);
    if (std::fabs(b) < 1) return diff <= 1e-9;
    return diff <= 1e-9 * std::fabs(b);
}

// Returns "" when `got` matches `expected`, else the first difference.
inline std::string compare_run(const nlohmann::json& got, const nlohmann::json& expected) {
    for (const char* k : {"as_of", "entities", "qualified"})
        if (got.value(k, nlohmann::json()) != expected[k])
            return std::string(k) + ": got " + got.value(k, nlohmann::json()).dump() + ", expected " +
                   expected[k].dump();
    // v2 run fields (SPEC §7.5, §7.6), when the case has them.
    for (const char* k : {"customers", "segments"})
        if (expected.contains(k) && got.value(k, nlohmann::json()) != expected[k])
            return std::string(k) + ": got " + got.value(k, nlohmann::json()).dump() + ", expected " +
                   expected[k].dump();
    for (const char* k : {"read", "loaded", "skipped", "duplicates", "unassigned"})
        if (got["diagnostics"][k] != expected["diagnostics"][k])
            return std::string("diagnostics.") + k + ": got " + got["diagnostics"][k].dump() + ", expected " +
                   expected["diagnostics"][k].dump();
    if (got["diagnostics"]["errors"].size() < std::min<size_t>(100, expected["diagnostics"]["skipped"].get<size_t>()))
        return "diagnostics.errors: every skipped row must be reported";
    const auto& gr = got["results"];
    const auto& er = expected["results"];
    if (gr.size() != er.size())
        return "results: got " + std::to_string(gr.size()) + ", expected " + std::to_string(er.size());
    for (size_t i = 0; i < er.size(); ++i) {
        const auto& e = er[i];
        const nlohmann::json* g = nullptr;
        for (auto& x : gr)
            if (x["id"] == e["id"]) g = &x;
        if (!g) return "results: missing entity " + e["id"].dump();
        for (auto it = e.begin(); it != e.end(); ++it) {
            const auto& gv = (*g)[it.key()];
            const std::string where = "entity " + e["id"].dump() + " field " + it.key();
            if (it.key() == "rank") continue;  // checked below, with the tie rule
            if (it.value().is_number_float() || (it.value().is_number() && gv.is_number_float())) {
                if (!gv.is_number() || !close(gv.get<double>(), it.value().get<double>()))
                    return where + ": got " + gv.dump() + ", expected " + it.value().dump();
            } else if (gv != it.value()) {
                return where + ": got " + gv.dump() + ", expected " + it.value().dump();
            }
        }
        // Rank order equal except between entities whose scores are within 1e-9.
        const auto& gi = gr[i];
        if (gi["id"] != e["id"] && !close(gi["score"].get<double>(), e["score"].get<double>()))
            return "rank " + std::to_string(i + 1) + ": got " + gi["id"].dump() + ", expected " + e["id"].dump();
        if (gi["rank"] != i + 1) return "rank field of position " + std::to_string(i + 1) + " is " + gi["rank"].dump();
    }
    return "";
}

}  // namespace pql::test
