#include "pql/schema.hpp"

#include <nlohmann/json.hpp>

#include "names.hpp"
#include "pql/model.hpp"

namespace pql {

namespace {

const char* value_kind_name(ValueKind k) {
    switch (k) {
        case ValueKind::None: return "none";
        case ValueKind::Scalar: return "scalar";
        case ValueKind::Scalars: return "scalars";
        case ValueKind::Number: return "number";
        case ValueKind::Range: return "range";
        case ValueKind::Text: return "text";
    }
    return "";
}

}  // namespace

std::string schema_json() {
    using oj = nlohmann::ordered_json;
    oj j;
    j["schema_version"] = 1;
    oj& trait_ops = j["trait_ops"] = oj::array();
    for (auto& op : kTraitOps) trait_ops.push_back({{"op", op.name}, {"value", value_kind_name(op.takes)}});
    oj& cmp = j["comparison_ops"] = oj::array();
    for (auto& op : kCmpOps) cmp.push_back({{"op", op.name}, {"trait_op", name_of(kTraitOps, op.trait_op)}});
    oj& metrics = j["metrics"] = oj::array();
    for (auto& m : kPlainMetrics) metrics.push_back({{"metric", m.name}, {"argument", nullptr}});
    for (auto& m : kMetricPrefixes)
        metrics.push_back({{"metric", std::string(m.prefix) + "<" + m.argument + ">"},
                           {"prefix", m.prefix},
                           {"argument", m.argument}});
    j["decay"] = names_of(kDecays);
    j["entities"] = names_of(kEntities);
    j["input_formats"] = names_of(kFormats);
    j["result_fields"] = oj::array();
    for (const char* f : kResultFields) j["result_fields"].push_back(f);
    j["default_model"] = oj::parse(model_to_json(Model()));
    return j.dump();
}

}  // namespace pql
