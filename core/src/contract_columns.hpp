// Column names of the SQL contract tables that both the compiler (sql.cpp) and the CSV export
// (contract_csv.cpp) must spell the same way.
#pragma once
#include <string>

namespace pql {

// A trait's column in accounts/users: its name, unless that is the id or name column.
inline std::string default_trait_column(const std::string& trait, const std::string& id_column,
                                        const std::string& name_column) {
    return trait == id_column || trait == name_column ? "trait_" + trait : trait;
}

}  // namespace pql
