// The explanation's call-ready parts (docs/model.md "Explanation: people and recent events"):
// who in the account does the work (`people`) and what they did last (`recent_events`).
// Additive fields of the explanation JSON; the scoring path never calls these.
#pragma once
#include <cstddef>

#include <vector>

#include "output.hpp"
#include "pql/explanation.hpp"

namespace pql {

// The entity's users, most engagement points first, at most `limit` of them: per user its share
// of the entity's engagement points (each type's capped points split by the user's decayed
// events), events in the window, last seen, persona matches, user traits at as_of and its top
// three event types in the window.
std::vector<ExplainedPerson> people_of(const RunView& v, const EntityScore& s, size_t limit);

// The entity's last `limit` key events at or before as_of, newest first. A key event is one the
// model gives weight to: its type (or a signal it matches) has a non-zero engagement weight, is an
// activation step's event or a plan limit's event. A model that names no event makes every
// event key.
std::vector<KeyEvent> recent_events_of(const RunView& v, const EntityScore& s, size_t limit);

}  // namespace pql
