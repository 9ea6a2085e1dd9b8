// PQL since (SPEC §7.7) against its definition: the entity ranked at the end of each earlier
// day (set_as_of) is qualified exactly on the days of its streak, with and without rule leaves
// that read users, events or velocity (the day sweep skips what no leaf reads, and the event
// types of weight 0 unless events are counted).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "pql/engine.hpp"
#include "pql/time.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

const int64_t kDay = 86400000, kT = 1767225600000 + 12 * 3600000;  // 2026-01-01T12:00Z

// Three accounts whose use starts, pauses and picks up again over 40 days, and a second event
// type ("view") on some days.
std::string events() {
    std::string out;
    for (int a = 0; a < 3; ++a)
        for (int d = 0; d < 40; ++d) {
            if ((d + a) % 4 == 0)
                out += json{{"timestamp", kT - (39 - d) * kDay - 5000},
                            {"account_id", "a" + std::to_string(a)},
                            {"user_id", "u" + std::to_string(a) + "-v"},
                            {"event", "view"}}
                           .dump() +
                       "\n";
            if ((a == 1 && d > 10 && d < 18) || (a == 2 && d % 9 == 0)) continue;
            for (int k = 0; k < 1 + (d + a) % 3; ++k)
                out += json{{"timestamp", kT - (39 - d) * kDay - k * 1000},
                            {"account_id", "a" + std::to_string(a)},
                            {"user_id", "u" + std::to_string(a) + "-" + std::to_string(k)},
                            {"event", "use"}}
                           .dump() +
                       "\n";
        }
    return out;
}

json qualified_on(Engine& e, const std::string& id, int64_t at) {
    e.set_as_of(at);
    const json run = json::parse(e.score_json());
    for (auto& r : run["results"])
        if (r["id"] == id) return r["qualified"];
    return false;  // not ranked yet: no events by then
}

// Checks every account's qualified_at and first_qualified_at under `model` (whose as_of is `T`
// and window_days `window_days`) against the entity ranked at the end of each earlier day back
// to the data's first; returns how many it checked and how many of them ever qualified.
std::pair<int, int> check_against_days(const std::string& model, int window_days, int64_t T = kT) {
    Engine e;
    REQUIRE(e.load_events(events()).ok());
    REQUIRE(e.set_model_json(model).ok());
    const json run = json::parse(e.score_json());
    int checked = 0, ever = 0;
    for (auto& r : run["results"]) {
        const std::string id = r["id"];
        // Each earlier day end, newest first: the streak, then the first qualified day.
        int64_t streak_start = -1, first = -1;
        bool in_streak = r["qualified"].get<bool>();
        if (in_streak) streak_start = T;
        for (int back = 1; back <= 39 + day_of(T) - day_of(kT); ++back) {
            const int64_t at = (day_of(T) - back + 1) * kDay - 1;
            const bool q = qualified_on(e, id, at).get<bool>();
            if (in_streak && q && back <= window_days) streak_start = at;
            else in_streak = false;
            if (q) first = at;
        }
        if (r["qualified"].get<bool>() && first < 0) first = T;
        e.set_as_of(T);
        const json now = json::parse(e.score_json());
        for (auto& x : now["results"]) {
            if (x["id"] != id) continue;
            CHECK(x["qualified_at"] == (streak_start < 0 ? json(nullptr) : json(format_iso(streak_start))));
            if (first >= 0) CHECK(x["first_qualified_at"] == json(format_iso(first)));
            else CHECK(x["first_qualified_at"].is_null());
            ++checked;
            ever += first >= 0;
        }
    }
    return {checked, ever};
}

}  // namespace

TEST_CASE("qualified_at and first_qualified_at follow the day-by-day definition", "[since]") {
    for (const char* rule :
         {R"("rule":{"metric":"score","op":">=","value":0})", R"("rule":{"metric":"active_users","op":">=","value":2})",
          R"("rule":{"metric":"days_since_last_seen","op":"<=","value":0})",
          R"("rule":{"metric":"events","op":">=","value":45})", R"("rule":{"metric":"velocity","op":">=","value":0})"})
        for (const char* view_weight : {"0", "1"}) {
            INFO(rule << ", view weight " << view_weight);
            const std::string model =
                std::string(R"({"as_of":"2026-01-01T12:00:00Z","window_days":30,"active_days":3,)") +
                R"("engagement":{"decay":"exponential","half_life_days":3,"saturation":4,"events":{"use":{"weight":1},"view":{"weight":)" +
                view_weight + "}}}," +
                R"("weights":{"activation":0,"engagement":1,"fit":0},"pql":{"min_score":45,"require_activation":false,)" +
                rule + "}}";
            CHECK(check_against_days(model, 30).first == 3);
        }
}

// The search for the first qualified day is skipped when no day can reach min_score (the
// engagement bound: every weighted event counted, capped). At a min_score the best days reach
// exactly, the bound must not skip them; just above it, no day qualifies. Three days after the
// data ends, nothing is in the window: no account qualifies now, and the earlier days still count.
TEST_CASE("PQL since at a min_score only the best days reach", "[since]") {
    // "use" capped at 2 with saturation 2: engagement is at most 50, reached on the days with two
    // "use" events in the last 3 days.
    // A view of weight -1 lowers the days with a view in their window: the bound leaves it out.
    for (const char* view_weight : {"0", "-1"})
        for (const char* as_of : {"2026-01-01T12:00:00Z", "2026-01-04T12:00:00Z"})
            for (const char* decay : {"none", "linear", "exponential"})
                for (const char* min_score : {"50", "50.001"}) {
                    INFO("view " << view_weight << ", " << as_of << ", " << decay << ", min_score " << min_score);
                    const std::string model =
                        std::string(R"({"as_of":")") + as_of + R"(","window_days":3,"active_days":3,)" +
                        R"("engagement":{"decay":")" + decay +
                        R"(","half_life_days":1,"saturation":2,"events":{"use":{"weight":1,"cap":2},"view":{"weight":)" +
                        view_weight + R"(}}},)" +
                        R"("weights":{"activation":0,"engagement":1,"fit":0},"pql":{"min_score":)" + min_score +
                        R"(,"require_activation":false}})";
                    const auto [checked, ever] = check_against_days(model, 3, *parse_timestamp(as_of));
                    CHECK(checked == 3);
                    if (std::string(min_score) == "50.001") CHECK(ever == 0);
                    else if (std::string(decay) == "none") CHECK(ever == 3);
                }
}

TEST_CASE("PQL since after edits that keep the day figures equals a fresh engine's", "[since]") {
    // A: one engine edited step by step (its day figures kept across weight, threshold and rule
    // edits); B: a fresh engine per step with the same model. Same bytes every time.
    const std::string base =
        R"({"as_of":"2026-01-01T12:00:00Z","window_days":30,"active_days":3,)"
        R"("engagement":{"decay":"exponential","half_life_days":3,"saturation":4,"events":{"use":{"weight":1}}},)"
        R"("weights":{"activation":0,"engagement":1,"fit":0},)";
    const char* steps[] = {
        R"("pql":{"min_score":45,"require_activation":false,"rule":{"metric":"score","op":">=","value":0}}})",
        R"("pql":{"min_score":40,"require_activation":false,"rule":{"metric":"score","op":">=","value":0}}})",
        R"("pql":{"min_score":40,"require_activation":false,"rule":{"metric":"active_users","op":">=","value":2}}})",
        R"("pql":{"min_score":52,"require_activation":false,"rule":{"metric":"active_users","op":">=","value":2}}})",
        R"("pql":{"min_score":52,"require_activation":false}})",
        R"("pql":{"min_score":45,"require_activation":false,"rule":{"metric":"events","op":">=","value":45}}})",
        R"("pql":{"min_score":45,"require_activation":false,"rule":{"metric":"velocity","op":">=","value":0}}})",
    };
    Engine a;
    REQUIRE(a.load_events(events()).ok());
    int step = 0;
    for (const char* pql : steps) {
        INFO("step " << step++);
        const std::string model = base + pql;
        REQUIRE(a.set_model_json(model).ok());
        Engine b;
        REQUIRE(b.load_events(events()).ok());
        REQUIRE(b.set_model_json(model).ok());
        CHECK(a.score_json() == b.score_json());
    }
    // Weight patches on A: the same as B set whole. "view" has no weight until the last two: a
    // type of weight 0 is not swept, so giving it one must not reuse the days without it.
    for (auto [path, value] : {std::pair<const char*, double>{"engagement.events.use.weight", 1.5},
                               {"engagement.events.view.weight", 2},
                               {"engagement.events.view.weight", 0}}) {
        INFO(path << " = " << value);
        REQUIRE(a.set_model_number(path, value).ok());
        Engine b;
        REQUIRE(b.load_events(events()).ok());
        REQUIRE(b.set_model_json(a.model_json()).ok());
        CHECK(a.score_json() == b.score_json());
    }
}
