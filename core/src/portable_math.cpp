// Series evaluated in a fixed order: exact IEEE + and *, the same bits on every platform.
#include "portable_math.hpp"

#include <cmath>

namespace pql {

double exp2_portable(double x) {
    if (!(x == x)) return x;
    if (x < -1100) return 0.0;
    if (x > 1100) return HUGE_VAL;
    const double n = std::floor(x);
    const double y = (x - n) * 0.6931471805599453;  // in [0, ln 2)
    // e^y by its Taylor series: exact IEEE + and * only, evaluated in a fixed order.
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 22; ++k) {
        term = term * y / k;
        sum = sum + term;
    }
    return std::ldexp(sum, static_cast<int>(n));
}

double exp_portable(double x) { return exp2_portable(x * 1.4426950408889634); }

double log_portable(double x) {
    if (!(x > 0)) return x == 0 ? -HUGE_VAL : NAN;
    if (std::isinf(x)) return x;
    int e;
    double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1)
    if (m < 0.7071067811865476) {  // keep m near 1 for fast convergence
        m *= 2;
        --e;
    }
    // log(m) = 2 atanh(z), z = (m - 1) / (m + 1), |z| < 0.172
    const double z = (m - 1) / (m + 1), z2 = z * z;
    double term = z, sum = 0;
    for (int k = 1; k < 40; k += 2) {
        sum = sum + term / k;
        term = term * z2;
    }
    return 2 * sum + e * 0.6931471805599453;
}

}  // namespace pql
