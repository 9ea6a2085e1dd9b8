// One point-in-time evaluation and the checks and metrics every outcome-based report shares.
#include "evaluation.hpp"

#include <algorithm>
#include <numeric>
#include <string>

#include "pql/time.hpp"

namespace pql {

Status check_outcome_options(const Model& model, const Outcomes& outcomes, int64_t horizon_days, const char* purpose) {
    if (horizon_days < 1 || horizon_days > kMaxHorizonDays)
        return Error{"invalid_argument", "horizon_days must be between 1 and 1000000", "horizon_days", 0};
    if (!model.conversion_event && outcomes.rows.empty())
        return Error{"invalid_argument",
                     std::string("no conversions to ") + purpose +
                         ": set \"conversion_event\" in the model or load an outcomes file",
                     "conversion_event", 0};
    return Ok{};
}

int64_t resolve_as_of(const EventStore& store, const Model& model, std::optional<int64_t> as_of, int64_t horizon_days) {
    if (as_of) return *as_of;
    if (model.as_of) return *model.as_of;
    return store.max_ts ? std::max<int64_t>(0, *store.max_ts - horizon_days * kDayMs) : 0;
}

Evaluation::Evaluation(const EventStore& store, const Model& m, const Outcomes& outcomes, int64_t as_of,
                       int64_t horizon)
    : own(std::make_unique<Scorer>(store)), scorer(*own), model(m), T(as_of), horizon_days(horizon) {
    populate(store, outcomes);
}

Evaluation::Evaluation(Scorer& shared, const EventStore& store, const Model& m, const Outcomes& outcomes, int64_t as_of,
                       int64_t horizon)
    : scorer(shared), model(m), T(as_of), horizon_days(horizon) {
    populate(store, outcomes);
}

void Evaluation::populate(const EventStore& store, const Outcomes& outcomes) {
    model.as_of = T;
    scorer.set_outcomes(&outcomes);  // customers (§7.5) as the outcomes file says too
    const ScoreRun& run = scorer.score(model);
    converted_at = conversion_times(store, model, outcomes, scorer.index());
    const int64_t end = T + horizon_days * kDayMs;
    for (const EntityScore& r : run.results) {
        const int64_t c = converted_at[r.entity];
        if (c <= T) continue;  // converted already: not a lead any more
        pop.push_back(&r);
        positive.push_back(c <= end);
        conversions += c <= end;
    }
}

bool Evaluation::rest_ok(const EntityScore& s) const {
    return (s.activated || !model.require_activation) && (!model.rule || scorer.evaluate(model, s, *model.rule));
}

std::optional<double> Evaluation::auc() const {
    std::vector<double> scores;
    scores.reserve(pop.size());
    for (auto* s : pop) scores.push_back(s->score);
    return roc_auc(scores, positive);
}

Quality quality_of(const Evaluation& ev) {
    Quality q;
    const size_t n = ev.pop.size();
    q.population = static_cast<int64_t>(n);
    q.conversions = ev.conversions;
    auto share = [](double num, double den) { return den == 0 ? std::nullopt : std::optional<double>(num / den); };
    double qc = 0, qn = 0;
    for (size_t i = 0; i < n; ++i)
        if (ev.pop[i]->qualified) {
            ++qn;
            qc += ev.positive[i];
        }
    q.qualified = static_cast<int64_t>(qn);
    q.auc = ev.auc();
    auto at = [&](size_t k) {
        const size_t m = std::min(k, n);
        double hits = 0;
        for (size_t i = 0; i < m; ++i) hits += ev.positive[i];
        return share(hits, static_cast<double>(m));
    };
    q.precision_at_10 = at(10);
    q.precision_at_25 = at(25);
    q.precision_at_50 = at(50);
    q.precision = share(qc, qn);
    q.recall = share(qc, static_cast<double>(ev.conversions));
    const auto base = share(static_cast<double>(ev.conversions), static_cast<double>(n));
    if (q.precision && base && *base > 0) q.lift = *q.precision / *base;
    q.false_positive_share = share(qn - qc, qn);
    return q;
}

std::optional<double> roc_auc(const std::vector<double>& score, const std::vector<bool>& positive) {
    const size_t n = score.size();
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
    double rank_sum = 0, pos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && score[idx[j]] == score[idx[i]]) ++j;
        const double avg_rank = (i + 1 + j) / 2.0;  // ties share the mean rank
        for (size_t k = i; k < j; ++k)
            if (positive[idx[k]]) {
                rank_sum += avg_rank;
                ++pos;
            }
        i = j;
    }
    const double neg = n - pos;
    if (pos == 0 || neg == 0) return std::nullopt;
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

}  // namespace pql
