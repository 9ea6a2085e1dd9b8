// Suggested event weights: an L2 logistic fit on a time-split holdout, the sign of each negative
// weight explained, and a non-negative fit beside it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include "pql/time.hpp"
#include "suggest_parts.hpp"

namespace pql {

namespace {

// log(1 + decayed count) per event type for each population member, standardised.
struct Features {
    std::vector<uint32_t> types;            // event types used as features
    std::vector<std::vector<double>> rows;  // per population member
};

Features features_of(const Evaluation& ev, const std::vector<uint32_t>& types) {
    Features f;
    f.types = types;
    std::vector<int> col(1 + *std::max_element(types.begin(), types.end()), -1);
    for (size_t c = 0; c < types.size(); ++c) col[types[c]] = static_cast<int>(c);
    const Index& ix = ev.scorer.index();
    for (auto* s : ev.pop) {
        std::vector<double> row(types.size(), 0.0);
        const auto& ent = ix.entities[s->entity];
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) {
            const uint32_t k = ix.types[t].type;
            if (k < col.size() && col[k] >= 0) row[col[k]] = log_portable(1 + ev.scorer.figure(t).decayed);
        }
        f.rows.push_back(std::move(row));
    }
    return f;
}

double sigmoid(double z) { return 1 / (1 + exp_portable(-z)); }

// L2-regularised logistic regression by full-batch gradient descent: deterministic, and
// small enough (a few dozen features, thousands of rows) not to need a library.
struct Logistic {
    std::vector<double> mean, scale, beta;
    double bias = 0;

    // non_negative: projected gradient descent, every coefficient kept >= 0.
    void fit(const Features& f, const std::vector<bool>& y, bool non_negative = false, double l2 = 0.01,
             int iterations = 400, double rate = 0.5) {
        const size_t d = f.types.size(), n = f.rows.size();
        mean.assign(d, 0);
        scale.assign(d, 1);
        beta.assign(d, 0);
        if (n == 0) return;
        for (auto& r : f.rows)
            for (size_t c = 0; c < d; ++c) mean[c] += r[c] / n;
        for (size_t c = 0; c < d; ++c) {
            double var = 0;
            for (auto& r : f.rows) var += (r[c] - mean[c]) * (r[c] - mean[c]) / n;
            scale[c] = var > 0 ? std::sqrt(var) : 1;
        }
        double pos = 0;
        for (bool v : y) pos += v;
        bias = pos > 0 && pos < n ? log_portable(pos / (n - pos)) : 0;
        std::vector<double> grad(d);
        for (int it = 0; it < iterations; ++it) {
            std::fill(grad.begin(), grad.end(), 0.0);
            double gb = 0;
            for (size_t i = 0; i < n; ++i) {
                const double err = predict(f.rows[i]) - (y[i] ? 1.0 : 0.0);
                gb += err / n;
                for (size_t c = 0; c < d; ++c) grad[c] += err * (f.rows[i][c] - mean[c]) / scale[c] / n;
            }
            bias -= rate * gb;
            for (size_t c = 0; c < d; ++c) {
                beta[c] -= rate * (grad[c] + l2 * beta[c]);
                if (non_negative && beta[c] < 0) beta[c] = 0;
            }
        }
    }

    double predict(const std::vector<double>& row) const {
        double z = bias;
        for (size_t c = 0; c < beta.size(); ++c) z += beta[c] * (row[c] - mean[c]) / scale[c];
        return sigmoid(z);
    }
};

// Pearson correlation of two feature columns.
double correlation(const Features& f, size_t a, size_t b) {
    const double n = static_cast<double>(f.rows.size());
    if (n < 2) return 0;
    double ma = 0, mb = 0;
    for (auto& r : f.rows) {
        ma += r[a] / n;
        mb += r[b] / n;
    }
    double sab = 0, saa = 0, sbb = 0;
    for (auto& r : f.rows) {
        sab += (r[a] - ma) * (r[b] - mb);
        saa += (r[a] - ma) * (r[a] - ma);
        sbb += (r[b] - mb) * (r[b] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0;
}

// Weights on the model's 0-10 scale: the largest coefficient (per unit of log count) is 10.
std::vector<double> scaled(const Logistic& lr) {
    double max_abs = 0;
    for (size_t c = 0; c < lr.beta.size(); ++c) max_abs = std::max(max_abs, std::fabs(lr.beta[c] / lr.scale[c]));
    std::vector<double> w(lr.beta.size(), 0.0);
    for (size_t c = 0; c < lr.beta.size(); ++c) {
        const double v = max_abs > 0 ? round_tenth(10 * (lr.beta[c] / lr.scale[c]) / max_abs) : 0;
        w[c] = v == 0 ? 0.0 : v;  // no -0
    }
    return w;
}

// A fit's weights (by name), its holdout AUC and the AUC of the model with them applied.
WeightFit fitted(const EventStore& store, const Model& model, const Outcomes& outcomes, const Evaluation& ev,
                 const Features& test, const Logistic& lr, const std::vector<double>& w) {
    std::vector<double> p;
    for (auto& row : test.rows) p.push_back(lr.predict(row));
    Model suggested = model;
    WeightFit f;
    for (size_t c = 0; c < w.size(); ++c) f.weights.emplace_back(store.event_names.name(test.types[c]), w[c]);
    std::sort(f.weights.begin(), f.weights.end());
    for (auto& [name, v] : f.weights) suggested.events[name].weight = v;
    Evaluation with(store, suggested, outcomes, ev.T, ev.horizon_days);
    f.holdout_auc = roc_auc(p, ev.positive);
    f.suggested_model_auc = with.auc();
    return f;
}

}  // namespace

double round_tenth(double v) { return std::round(v * 10) / 10; }

SuggestedWeights suggest_weights(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const Evaluation& ev) {
    const std::string conversion = model.conversion_event.value_or(std::string("\0", 1));
    SuggestedWeights weights;
    std::vector<uint32_t> types;
    for (uint32_t k = 0; k < store.event_names.size(); ++k)
        if (store.event_names.name(k) != conversion) types.push_back(k);
    const int64_t train_T = ev.T - ev.horizon_days * kDayMs;
    weights.train_as_of = std::max<int64_t>(0, train_T);
    if (types.empty() || train_T <= 0) return weights;  // nothing to fit: every figure empty
    Evaluation train(store, model, outcomes, train_T, ev.horizon_days);
    const Features learn = features_of(train, types), test = features_of(ev, types);
    Logistic lr;
    lr.fit(learn, train.positive);
    const std::vector<double> w = scaled(lr);
    weights.fit = fitted(store, model, outcomes, ev, test, lr, w);
    weights.current_auc = ev.auc();
    weights.train_population = static_cast<int64_t>(train.pop.size());
    weights.train_conversions = train.conversions;

    // Why a weight is negative. On its own an event's lift is did_rate / base_rate at T; a
    // negative coefficient for an event that lifts conversion on its own means the fit gives
    // the shared part to a correlated event and subtracts the double count.
    const double n = static_cast<double>(ev.pop.size());
    const double base = n > 0 ? ev.conversions / n : 0;
    for (size_t c = 0; c < types.size(); ++c) {
        if (!(w[c] < 0)) continue;
        double did = 0, did_conv = 0;
        for (size_t i = 0; i < test.rows.size(); ++i)
            if (test.rows[i][c] > 0) {
                ++did;
                did_conv += ev.positive[i];
            }
        std::optional<double> lift_alone;
        if (did > 0 && base > 0) lift_alone = did_conv / did / base;
        NegativeWeight e;
        const std::string& event = store.event_names.name(types[c]);
        e.event = event;
        e.weight = w[c];
        e.lift = lift_alone;
        size_t partner = c;
        double best = 0;
        for (size_t k = 0; k < types.size(); ++k) {
            if (k == c || !(w[k] > 0)) continue;
            const double r = correlation(learn, c, k);
            if (r > best) {
                best = r;
                partner = k;
            }
        }
        char buf[64];
        if (lift_alone && *lift_alone >= 1.2 && partner != c && best >= 0.2) {
            const std::string& with = store.event_names.name(types[partner]);
            e.reason = "collinear";
            e.correlated_with = with;
            e.correlation = best;
            std::snprintf(buf, sizeof buf, "%.1f", *lift_alone);
            std::string lift_text = buf;
            std::snprintf(buf, sizeof buf, "%.2f", best);
            e.note = event + " converts at " + lift_text + "x the base rate on its own, but it moves with " + with +
                     " (correlation " + buf +
                     "), which carries the same signal more strongly; the negative weight "
                     "takes back the double count. The non-negative fit keeps every weight at 0 or more.";
        } else if (lift_alone && *lift_alone <= 0.8) {
            e.reason = "negative_signal";
            std::snprintf(buf, sizeof buf, "%.2f", *lift_alone);
            e.note =
                "entities that do " + event + " convert less than the rest (lift " + buf + "x): a negative signal.";
        } else {
            e.reason = "weak";
            if (partner != c) {
                e.correlated_with = store.event_names.name(types[partner]);
                e.correlation = best;
            }
            e.note = "the sign is not well determined: " + event +
                     " tells little about converting once the other events are known; prefer the non-negative fit "
                     "or weight 0.";
        }
        weights.explanations.push_back(std::move(e));
    }

    Logistic nn;
    nn.fit(learn, train.positive, true);
    weights.non_negative = fitted(store, model, outcomes, ev, test, nn, scaled(nn));
    return weights;
}

}  // namespace pql
