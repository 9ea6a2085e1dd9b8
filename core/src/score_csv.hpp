// The ranking as CSV (pql/csv.hpp describes the columns and the quoting).
#pragma once
#include <string>

#include "output.hpp"
#include "pql/csv.hpp"

namespace pql {

std::string score_run_csv(const RunView& view, const CsvOptions& options);

}  // namespace pql
