// A trait or property value as JSON (model printing and machine output share it).
#pragma once
#include <nlohmann/json.hpp>

#include "pql/value.hpp"

namespace pql {

nlohmann::ordered_json value_json(const Value& v);

}  // namespace pql
