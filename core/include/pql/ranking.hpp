// The ranking as plain structs, for renderers that draw their own table (the CLI's terminal
// table): the same rows and order as score_json(), with the event types behind each score.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pql {

struct EventPoints {
    std::string event;
    double points = 0;  // weight x capped decayed count; negative for negative weights
};

struct RankedEntity {
    int64_t rank = 0;
    std::string id;
    std::optional<std::string> name;
    double score = 0;
    std::optional<std::string> tier;
    std::string grade;  // "" when the model has no grades for it
    bool qualified = false;
    // The event types adding the most points (by absolute value), strongest first; ties by name.
    std::vector<EventPoints> top_events;
};

struct Ranking {
    int64_t as_of = 0;    // epoch ms
    size_t entities = 0;  // all ranked entities (rows holds the first `limit`)
    int64_t qualified = 0;
    int64_t unassigned = 0;  // events without an account (account entities)
    std::vector<RankedEntity> rows;
};

}  // namespace pql
