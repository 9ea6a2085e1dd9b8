// The ranking as CSV (pql/csv.hpp describes the columns and the quoting).
#pragma once
#include <string>

#include "pql/csv.hpp"
#include "output.hpp"

namespace pql {

std::string score_run_csv(const RunView& view, const CsvOptions& options);

}  // namespace pql
