#include <catch2/catch.hpp>

#include "pql/model.hpp"

using namespace pql;

namespace {

Error model_error(const std::string& json) {
    auto m = parse_model(json);
    REQUIRE(!m.ok());
    CHECK(m.error().code == "invalid_model");
    return m.error();
}

}  // namespace

TEST_CASE("defaults follow SPEC section 2", "[model]") {
    auto m = parse_model("{}");
    REQUIRE(m.ok());
    CHECK(m->entity == Entity::Account);
    CHECK(!m->as_of);
    CHECK(m->window_days == 90);
    CHECK(m->active_days == 30);
    CHECK(m->decay == Decay::Exponential);
    CHECK(m->half_life_days == 14);
    CHECK(m->saturation == 100);
    CHECK(m->w_activation == 30);
    CHECK(m->w_engagement == 50);
    CHECK(m->w_fit == 20);
    CHECK(m->min_score == 60);
    CHECK(m->require_activation);
    REQUIRE(m->tiers.size() == 3);
    CHECK(m->tiers[0].name == "Hot");
    CHECK(m->fit_grades[0].label == "A");
}

TEST_CASE("typos name the path and suggest the nearest key", "[model]") {
    auto e = model_error(R"({"engagement":{"events":{"x":{"wieght":5}}}})");
    CHECK(e.path == "engagement.events.x.wieght");
    CHECK(e.message == "unknown key; did you mean \"weight\"?");
    CHECK(model_error(R"({"windw_days": 3})").describe() == "windw_days: unknown key; did you mean \"window_days\"?");
    CHECK(model_error(R"({"activation":{"steps":[{"event":"a","min_cout":2}]}})").path ==
          "activation.steps[0].min_cout");
}

TEST_CASE("wrong types and out-of-range values", "[model]") {
    CHECK(model_error(R"({"window_days":"90"})").describe() == "window_days: must be a number, not a string");
    CHECK(model_error(R"({"window_days":0})").path == "window_days");
    CHECK(model_error(R"({"window_days":1.5})").message == "must be a whole number (got 1.5)");
    CHECK(model_error(R"({"engagement":{"half_life_days":0}})").message == "must be > 0 (got 0)");
    CHECK(model_error(R"({"engagement":{"saturation":-1}})").path == "engagement.saturation");
    CHECK(model_error(R"({"engagement":{"decay":"expo"}})").message ==
          "unknown decay \"expo\"; did you mean \"exponential\"?");
    CHECK(model_error(R"({"engagement":{"events":{"x":{"cap":-1}}}})").path == "engagement.events.x.cap");
    CHECK(model_error(R"({"weights":{"activation":0,"engagement":0,"fit":0}})").path == "weights");
    CHECK(model_error(R"({"activation":{"steps":[{"event":"a"}],"required":2}})").path == "activation.required");
    CHECK(model_error(R"({"activation":{"steps":[{"name":"x"}]}})").path == "activation.steps[0].event");
    CHECK(model_error(R"({"tiers":[{"name":"A","min_score":1},{"name":"A","min_score":2}]})").path == "tiers[1].name");
    CHECK(model_error(R"({"grades":{"fit":[["A",10],["B",20]]}})").path == "grades.fit[1][1]");
    CHECK(model_error(R"({"as_of":"soon"})").path == "as_of");
    CHECK(model_error(R"({"entity":"team"})").path == "entity");
    CHECK(model_error("[1]").describe() == "(model): must be a JSON object, not an array");
    CHECK(model_error("{").message.rfind("invalid JSON", 0) == 0);
    CHECK(model_error(std::string(100000, '[')).message == "nested deeper than 64 levels");
}

TEST_CASE("fit ops and rule metrics are checked", "[model]") {
    CHECK(model_error(R"({"fit":{"rules":[{"trait":"a","op":"equals","value":1,"points":1}]}})").path ==
          "fit.rules[0].op");
    CHECK(model_error(R"({"fit":{"rules":[{"trait":"a","op":"betwen","value":[1,2]}]}})").message ==
          "unknown op \"betwen\"; did you mean \"between\"?");
    CHECK(model_error(R"({"fit":{"rules":[{"trait":"a","op":"between","value":[3,2]}]}})").path ==
          "fit.rules[0].value");
    CHECK(model_error(R"({"fit":{"rules":[{"trait":"a","op":"gte","value":"x"}]}})").path == "fit.rules[0].value");
    CHECK(model_error(R"({"fit":{"rules":[{"trait":"a","op":"exists","value":1}]}})").path == "fit.rules[0].value");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"activ_users","op":">=","value":1}}})").message ==
          "unknown metric \"activ_users\"; did you mean \"active_users\"?");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"limit.seats","op":">=","value":1}}})").message ==
          "unknown limit \"seats\" (the model defines no limits)");
    CHECK(model_error(R"({"pql":{"rule":{"all":[{"metric":"score","op":"=>","value":1}]}}})").path ==
          "pql.rule.all[0].op");
    CHECK(model_error(R"({"pql":{"rule":{"metric":"score","op":">=","value":"1"}}})").path == "pql.rule.value");
    CHECK(model_error(R"({"pql":{"rule":{"all":{}}}})").path == "pql.rule.all");
}

TEST_CASE("every error is collected for pql validate", "[model]") {
    auto errors = validate_model(
        R"({"windw_days":1,"engagement":{"saturation":0},"tiers":"x","activation":{"steps":[{"event":1},{"event":"a","weight":-1}]}})");
    REQUIRE(errors.size() == 5);
    CHECK(errors[0].path == "windw_days");
    CHECK(errors[1].path == "engagement.saturation");
    CHECK(errors[2].path == "activation.steps[0].event");
    CHECK(errors[3].path == "activation.steps[1].weight");
    CHECK(errors[4].path == "tiers");
}

TEST_CASE("canonical JSON round-trips", "[model]") {
    const std::string src =
        R"({"entity":"user","as_of":"2026-01-01","engagement":{"decay":"linear","events":{"a":{"weight":2,"cap":3}}},
        "activation":{"steps":[{"event":"*","min_users":3}],"required":1},
        "fit":{"rules":[{"trait":"t","op":"in","value":["x",1,true],"points":5},{"trait":"u","op":"missing","points":-1}]},
        "limits":{"p":{"event":"e","limit":4}},
        "pql":{"rule":{"not":{"any":[{"metric":"limit.p","op":">","value":0.5},{"metric":"trait.t","op":"contains","value":"x"}]}}},
        "conversion_event":"paid"})";
    auto m = parse_model(src);
    REQUIRE(m.ok());
    const std::string once = model_to_json(*m);
    auto again = parse_model(once);
    REQUIRE(again.ok());
    CHECK(model_to_json(*again) == once);
    CHECK(once.find("\"as_of\":\"2026-01-01T00:00:00.000Z\"") != std::string::npos);
}

TEST_CASE("trait comparisons follow SPEC section 3", "[model][fit]") {
    auto test = [](const std::string& op, const std::string& value) {
        auto m = parse_model(R"({"fit":{"rules":[{"trait":"t","op":")" + op + R"(","value":)" + value + "}]}}");
        REQUIRE(m.ok());
        return m->rules[0].test;
    };
    const Value s120 = std::string("120"), num120 = 120.0, sp120 = std::string(" 120"), tr = true,
                TRUE_s = std::string("TRUE"), us = std::string("us");
    CHECK(test("eq", "120").matches(&s120));
    CHECK(test("eq", "\"120\"").matches(&num120));
    CHECK(!test("eq", "120").matches(&sp120));
    CHECK(test("eq", "true").matches(&TRUE_s));
    CHECK(test("eq", "\"true\"").matches(&tr));
    CHECK(!test("eq", "1").matches(&tr));
    CHECK(test("eq", "\"US\"").matches(&us));
    CHECK(!test("ne", "\"US\"").matches(&us));
    CHECK(!test("ne", "\"US\"").matches(nullptr));  // only "missing" matches an absent trait
    CHECK(test("gte", "100").matches(&s120));
    CHECK(!test("gte", "100").matches(&sp120));
    CHECK(test("between", "[120, 130]").matches(&num120));
    CHECK(!test("contains", "\"12\"").matches(&num120));
    CHECK(test("contains", "\"U\"").matches(&us));
    CHECK(test("not_in", "[\"x\"]").matches(&us));
    CHECK(!test("not_in", "[\"x\"]").matches(nullptr));
}
