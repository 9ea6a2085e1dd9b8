// The patch path of a model (see model_patch.hpp). Validation goes through parse_model on a
// model that holds only the setting (and what its rules depend on), so the range rules live in
// one place, model.cpp; a small model parses in microseconds where the whole one takes a
// quarter of a weight-only re-rank.
#include "pql/model_patch.hpp"

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace pql {

namespace {

using json = nlohmann::json;

Error unsupported(std::string_view path) {
    return Error{"invalid_argument", "not a numeric setting that can be patched (set the whole model instead)",
                 std::string(path), 0};
}

// Parses the one-setting model; its errors are given the caller's path (the small model's
// array indices are not the real model's), except a rule about the whole object ("weights").
Result<Model> check(const json& small, std::string_view path, const char* object_path = nullptr) {
    auto r = parse_model(small.dump());
    if (r.ok()) return r;
    Error e = r.error();
    if (!object_path || e.path != object_path) e.path = std::string(path);
    return e;
}

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "[12].rest" -> 12 and "rest"; false when the text is not that.
bool index_then(std::string_view s, size_t& index, std::string_view& rest) {
    if (s.empty() || s[0] != '[') return false;
    const size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1 || close + 1 >= s.size() || s[close + 1] != '.') return false;
    index = 0;
    for (size_t i = 1; i < close; ++i) {
        if (s[i] < '0' || s[i] > '9' || index > 1000000000) return false;
        index = index * 10 + static_cast<size_t>(s[i] - '0');
    }
    rest = s.substr(close + 2);
    return true;
}

}  // namespace

Status set_model_number(Model& m, std::string_view path, double value) {
    if (!std::isfinite(value)) return Error{"invalid_model", "must be a finite number", std::string(path), 0};
    const json v = value;
    // Whole-number settings are written as integers (parse_model rejects 3.5 for min_count).
    const json n = value == std::floor(value) && std::fabs(value) < 9e15 ? json(static_cast<int64_t>(value)) : v;

    if (path == "window_days" || path == "active_days") {
        auto r = check(json::object({{std::string(path), n}}), path);
        if (!r.ok()) return r.error();
        if (path == "window_days") m.window_days = r->window_days;
        else m.active_days = r->active_days;
        return Ok{};
    }
    if (path == "engagement.half_life_days" || path == "engagement.saturation" || path == "engagement.default_weight") {
        const std::string key(path.substr(std::string_view("engagement.").size()));
        auto r = check(json::object({{"engagement", json::object({{key, v}})}}), path);
        if (!r.ok()) return r.error();
        if (key == "half_life_days") m.half_life_days = r->half_life_days;
        else if (key == "saturation") m.saturation = r->saturation;
        else m.default_weight = r->default_weight;
        return Ok{};
    }
    if (starts(path, "engagement.events.")) {
        std::string_view rest = path.substr(std::string_view("engagement.events.").size());
        for (const char* key : {"weight", "cap", "half_life_days"}) {
            const std::string suffix = std::string(".") + key;
            if (!ends(rest, suffix) || rest.size() == suffix.size()) continue;
            const std::string event(rest.substr(0, rest.size() - suffix.size()));
            auto r = check(
                json::object(
                    {{"engagement", json::object({{"events", json::object({{event, json::object({{key, v}})}})}})}}),
                path);
            if (!r.ok()) return r.error();
            const EventSetting& got = r->events.at(event);
            EventSetting& es = m.events[event];
            if (suffix == ".weight") es.weight = got.weight;
            else if (suffix == ".cap") es.cap = got.cap;
            else es.half_life_days = got.half_life_days;
            return Ok{};
        }
        return unsupported(path);
    }
    if (starts(path, "weights.")) {
        const std::string_view key = path.substr(std::string_view("weights.").size());
        json w = json::object({{"activation", m.w_activation}, {"engagement", m.w_engagement}, {"fit", m.w_fit}});
        if (!w.contains(std::string(key))) return unsupported(path);
        w[std::string(key)] = v;
        auto r = check(json::object({{"weights", w}}), path, "weights");
        if (!r.ok()) return r.error();
        m.w_activation = r->w_activation;
        m.w_engagement = r->w_engagement;
        m.w_fit = r->w_fit;
        return Ok{};
    }
    if (path == "pql.min_score") {
        auto r = check(json::object({{"pql", json::object({{"min_score", v}})}}), path);
        if (!r.ok()) return r.error();
        m.min_score = r->min_score;
        return Ok{};
    }
    if (path == "activation.required") {
        json steps = json::array();
        for (size_t i = 0; i < m.steps.size(); ++i) steps.push_back(json::object({{"event", "*"}}));
        auto r = check(json::object({{"activation", json::object({{"steps", steps}, {"required", n}})}}), path);
        if (!r.ok()) return r.error();
        m.required = r->required;
        return Ok{};
    }
    size_t i = 0;
    std::string_view key;
    if (starts(path, "activation.steps") &&
        index_then(path.substr(std::string_view("activation.steps").size()), i, key)) {
        if (i >= m.steps.size()) return Error{"invalid_argument", "no such step", std::string(path), 0};
        if (key != "min_count" && key != "min_users" && key != "weight") return unsupported(path);
        const json step = json::object({{"event", "*"}, {std::string(key), key == "weight" ? v : n}});
        auto r = check(json::object({{"activation", json::object({{"steps", json::array({step})}})}}), path);
        if (!r.ok()) return r.error();
        const Step& got = r->steps.at(0);
        Step& s = m.steps[i];
        if (key == "min_count") s.min_count = got.min_count;
        else if (key == "min_users") s.min_users = got.min_users;
        else s.weight = got.weight;
        return Ok{};
    }
    if (starts(path, "fit.rules") && index_then(path.substr(std::string_view("fit.rules").size()), i, key)) {
        if (i >= m.rules.size()) return Error{"invalid_argument", "no such fit rule", std::string(path), 0};
        if (key != "points") return unsupported(path);
        const json rule = json::object({{"trait", "t"}, {"op", "exists"}, {"points", v}});
        auto r = check(json::object({{"fit", json::object({{"rules", json::array({rule})}})}}), path);
        if (!r.ok()) return r.error();
        m.rules[i].points = r->rules.at(0).points;
        return Ok{};
    }
    if (starts(path, "limits.") && ends(path, ".limit") && path.size() > std::string_view("limits..limit").size()) {
        const std::string name(path.substr(7, path.size() - 7 - 6));
        auto it = m.limits.find(name);
        if (it == m.limits.end()) return Error{"invalid_argument", "no such limit", std::string(path), 0};
        auto r = check(json::object({{"limits", json::object({{name, json::object({{"event", "e"}, {"limit", v}})}})}}),
                       path);
        if (!r.ok()) return r.error();
        it->second.limit = r->limits.at(name).limit;
        return Ok{};
    }
    return unsupported(path);
}

}  // namespace pql
