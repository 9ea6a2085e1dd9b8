// schema_json() lists exactly what the model parser accepts: every op, metric form and decay it
// names parses, and the default model is the canonical default.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pql/engine.hpp"
#include "pql/model.hpp"
#include "pql/schema.hpp"

using namespace pql;
using json = nlohmann::json;

namespace {

json sample_value(const std::string& kind) {
    if (kind == "none") return nullptr;
    if (kind == "scalar") return "x";
    if (kind == "scalars") return json::array({"x", 2});
    if (kind == "number") return 3;
    if (kind == "range") return json::array({1, 5});
    if (kind == "text") return "x";
    FAIL("unknown value kind " << kind);
    return nullptr;
}

}  // namespace

TEST_CASE("schema: every trait op parses, with the value it says it takes", "[schema]") {
    const json s = json::parse(schema_json());
    REQUIRE(s["trait_ops"].size() == 12);
    for (auto& op : s["trait_ops"]) {
        INFO(op.dump());
        json rule = {{"trait", "plan"}, {"op", op["op"]}, {"points", 5}};
        const json v = sample_value(op["value"]);
        if (!v.is_null()) rule["value"] = v;
        CHECK(validate_model(json{{"fit", {{"rules", {rule}}}}}.dump()).empty());
        // ... and a value of the wrong kind (or a missing one) is an error.
        json wrong = rule;
        if (v.is_null()) wrong["value"] = 1;
        else wrong.erase("value");
        CHECK(!validate_model(json{{"fit", {{"rules", {wrong}}}}}.dump()).empty());
    }
    CHECK(!validate_model(R"({"fit":{"rules":[{"trait":"plan","op":"like","value":"x","points":1}]}})").empty());
}

TEST_CASE("schema: every comparison op and metric form parses in a rule", "[schema]") {
    const json s = json::parse(schema_json());
    REQUIRE(s["comparison_ops"].size() == 6);
    for (auto& op : s["comparison_ops"]) {
        INFO(op.dump());
        CHECK(validate_model(json{{"pql", {{"rule", {{"metric", "score"}, {"op", op["op"]}, {"value", 1}}}}}}.dump())
                  .empty());
        // On a trait leaf the op means its trait_op: the same canonical model either way.
        Model a, b;
        REQUIRE(validate_model(
                    json{{"pql", {{"rule", {{"metric", "trait.n"}, {"op", op["op"]}, {"value", 1}}}}}}.dump(), &a)
                    .empty());
        REQUIRE(validate_model(
                    json{{"pql", {{"rule", {{"metric", "trait.n"}, {"op", op["trait_op"]}, {"value", 1}}}}}}.dump(), &b)
                    .empty());
        CHECK(a.rule->trait_test.op == b.rule->trait_test.op);
    }
    size_t prefixed = 0;
    for (auto& m : s["metrics"]) {
        INFO(m.dump());
        std::string metric = m["metric"];
        json model = {{"limits", {{"seats", {{"event", "seat_added"}, {"limit", 10}}}}},
                      {"personas", {{"x", {{{"trait", "title"}, {"op", "contains"}, {"value", "vp"}}}}}}};
        if (m.contains("prefix")) {
            ++prefixed;
            const std::string arg = m["argument"] == "limit"            ? "seats"
                                    : m["argument"] == "event.property" ? "x.amount"
                                                                        : "x";
            metric = m["prefix"].get<std::string>() + arg;
        } else {
            CHECK(m["argument"].is_null());
        }
        model["pql"] = {{"rule", {{"metric", metric}, {"op", ">="}, {"value", 1}}}};
        CHECK(validate_model(model.dump()).empty());
    }
    CHECK(prefixed == 6);
    CHECK(!validate_model(R"({"pql":{"rule":{"metric":"scroe","op":">=","value":1}}})").empty());
}

TEST_CASE("schema: decay shapes, entities, formats, fields and the default model", "[schema]") {
    const json s = json::parse(schema_json());
    CHECK(s["decay"] == json::array({"exponential", "linear", "none"}));
    for (auto& d : s["decay"]) CHECK(validate_model(json{{"engagement", {{"decay", d}}}}.dump()).empty());
    CHECK(!validate_model(R"({"engagement":{"decay":"cubic"}})").empty());
    for (auto& e : s["entities"]) CHECK(validate_model(json{{"entity", e}}.dump()).empty());
    LoadOptions o;
    for (auto& f : s["input_formats"]) CHECK(parse_format(f, o.format));
    CHECK(s["result_fields"] == json(score_csv_columns()));
    CHECK(s["default_model"] == json::parse(Engine().model_json()));
    CHECK(s["default_model"] == json::parse(model_to_json(Model())));
    CHECK(Engine::schema_json() == schema_json());
}
