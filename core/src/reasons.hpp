// Plain-language reasons for an entity's score and PQL status ("8 projects against a limit of 3",
// "10 × sso settings viewed in the last 7 days"): the Why card (explanation `reasons`) and the CRM
// CSV's reason_1..3 columns, one writer so both say the same. Rules: docs/model.md "Reasons".
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "output.hpp"

namespace pql {

// At most `n` reasons, strongest first (see docs/model.md for the order).
std::vector<std::string> reasons_of(const RunView& v, const EntityScore& s, size_t n);

}  // namespace pql
