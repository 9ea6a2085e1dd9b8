// Internal: 2^x, e^x and log from + and * only (plus floor/frexp/ldexp, which are exact), so
// that native and WASM builds agree to the last bit whatever the C library does.
#pragma once

namespace pql {

double exp2_portable(double x);  // also declared in score.hpp, which the decay layer uses
double exp_portable(double x);
double log_portable(double x);

}  // namespace pql
