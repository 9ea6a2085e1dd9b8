// The SQL contract tables (docs/sql.md) written from loaded data as CSV; Engine::export_contract_csv
// is the public way in (it passes the index its scorer already holds).
#pragma once
#include <string>
#include <vector>

#include "pql/sql.hpp"

namespace pql {

class EventStore;
struct Index;

// One contract table from `index` (the engine's, at its as_of): events at or before as_of, each
// with the account the index assigns it, for ContractTable::Events; the entities with their name
// and traits in effect at as_of for Accounts / Users, one tagged column per trait any entity has
// and per name in `traits`. The index must be by account for Events and Accounts, by user for
// Users.
std::string export_contract_csv(const EventStore& store, const Index& index, ContractTable table,
                                const std::vector<std::string>& traits = {});

}  // namespace pql
