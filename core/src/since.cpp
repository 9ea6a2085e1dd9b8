// PQL since (SPEC §7.7): when an entity's current qualified streak began and when it first
// qualified. An entity is evaluated at the end of an earlier day from the index built for as_of:
// an event on or before day d has age >= day(T) - d, so the day's figures are the cells from that
// age on, re-aged; steps became met at known times (the activation layer). Only the entity asked
// about is evaluated, one day at a time, stopping as soon as the answer is known; a slider move
// costs nothing until a row is shown.
#include <algorithm>
#include <cmath>

#include "score.hpp"
#include "pql/time.hpp"

namespace pql {

int64_t Scorer::day_end(uint32_t shift) const {
    if (shift == 0) return index_->as_of;
    return (day_of(index_->as_of) - static_cast<int64_t>(shift) + 1) * kDayMs - 1;
}

// Fit as of `until`: trait matches as of as_of (documented), persona counts of the users seen
// by then.
double Scorer::fit_at(const Model& model, uint32_t e, int64_t until) const {
    bool personas = false;
    for (auto& r : model.rules) personas = personas || !r.persona.empty();
    if (!personas || until >= index_->as_of) return fit_[e];
    const size_t nrules = model.rules.size();
    double matched = 0, positive = 0;
    for (size_t ri = 0; ri < nrules; ++ri) {
        const FitRule& r = model.rules[ri];
        if (r.points > 0) positive += r.points;
        bool match = rule_match_[static_cast<size_t>(e) * nrules + ri];
        if (!r.persona.empty()) {
            size_t pi = 0;
            while (model.personas[pi].name != r.persona) ++pi;
            const Value n = static_cast<double>(persona_count(e, pi, until));
            match = r.test.matches(&n);
        }
        if (match) matched += r.points;
    }
    return positive <= 0 ? 100.0 : std::clamp(100.0 * matched / positive, 0.0, 100.0);
}

EntityScore Scorer::score_at(const Model& model, uint32_t e, uint32_t shift) const {
    const Index& ix = *index_;
    const Index::EntityAgg& ent = ix.entities[e];
    const int64_t until = day_end(shift);
    const int64_t dayT = day_of(ix.as_of);
    EntityScore r;
    r.entity = e;
    r.shift = shift;
    const uint32_t lo = shift;
    const uint32_t hi = static_cast<uint32_t>(std::min<int64_t>(static_cast<int64_t>(lo) + model.window_days, UINT32_MAX));
    double E = 0, R = 0, P = 0;
    int64_t events = 0;
    auto visit = [&](uint32_t t, bool real) {
        const Index::TypeStat& ts = ix.types[t];
        const std::vector<double>& f = tables_[table_of_[ts.type]];
        double c = 0;
        uint32_t n = 0, recent = 0, previous = 0;
        for (uint32_t i = ts.cells_begin; i < ts.cells_end; ++i) {
            const Index::Cell& cell = ix.cells[i];
            if (cell.age < lo) continue;
            if (cell.age >= hi) break;
            const uint32_t a = cell.age - lo;
            c += cell.count * f[a];
            n += cell.count;
            recent += a < 7 ? cell.count : 0;
            previous += a - 7u < 7u ? cell.count : 0;
        }
        const double w = weight_[ts.type];
        E += w * std::min(c, cap_of_[ts.type]);
        R += w * recent;
        P += w * previous;
        if (real) events += n;
    };
    for (uint32_t t = ent.types_begin; t < ent.types_end; ++t) visit(t, true);
    for (uint32_t t = ent.sig_begin; t < ent.sig_end; ++t) visit(t, false);
    r.engagement_points = E;
    r.engagement = E <= 0 ? 0.0 : 100.0 * E / (E + model.saturation);
    r.velocity = (R - P) / std::max(std::fabs(P), 1.0);
    r.events = events;
    r.users = users_in(real_stats(ent), lo, hi);
    const auto active = active_stats(ent);
    r.active_users = users_in(active, lo, static_cast<uint32_t>(std::min<int64_t>(lo + model.active_days, UINT32_MAX)));
    uint32_t last = UINT32_MAX;
    for (auto* ts : active)
        for (uint32_t i = ts->cells_begin; i < ts->cells_end; ++i)
            if (ix.cells[i].age >= lo) {
                last = std::min(last, ix.cells[i].age - lo);
                break;
            }
    r.days_since_last_seen = last != UINT32_MAX ? last : dayT - lo - day_of(ent.first_ts);

    // Activation: the steps met by `until`.
    const size_t nsteps = model.steps.size();
    const int64_t* step_done = step_done_.data() + static_cast<size_t>(e) * nsteps;
    double met = 0, total = 0;
    std::vector<int64_t> done;
    for (size_t si = 0; si < nsteps; ++si) {
        total += model.steps[si].weight;
        if (step_done[si] <= until) {
            met += model.steps[si].weight;
            done.push_back(step_done[si]);
        }
    }
    r.steps_completed = static_cast<int64_t>(done.size());
    r.activation = nsteps == 0 || total <= 0 ? 100.0 : 100.0 * met / total;
    r.activated = r.steps_completed >= model.required;
    if (r.activated) {
        if (model.required == 0) {
            r.activated_at = ent.first_ts;
        } else {
            std::nth_element(done.begin(), done.begin() + (model.required - 1), done.end());
            r.activated_at = done[model.required - 1];
        }
    }
    r.fit = fit_at(model, e, until);
    const double wsum = model.w_activation + model.w_engagement + model.w_fit;
    r.score = (model.w_activation * r.activation + model.w_engagement * r.engagement + model.w_fit * r.fit) / wsum;
    r.converted_at = conv_[e] <= until ? conv_[e] : INT64_MAX;
    r.qualified = ent.first_ts <= until && qualifies(model, r);
    return r;
}

const Since& Scorer::since(const Model& model, uint32_t e) const {
    const Index& ix = *index_;
    const size_t m = ix.entities.size();
    if (since_pass_ != stats.score_passes || since_.size() != m) {
        since_.assign(m, Since{});
        since_done_.assign(m, 0);
        row_of_.assign(m, 0);
        for (uint32_t i = 0; i < run_.results.size(); ++i) row_of_[run_.results[i].entity] = i;
        since_pass_ = stats.score_passes;
    }
    if (since_done_[e]) return since_[e];
    since_done_[e] = 1;
    Since& out = since_[e];
    const EntityScore& now = run_.results[row_of_[e]];
    const Index::EntityAgg& ent = ix.entities[e];
    const int64_t dayT = day_of(ix.as_of), first_day = day_of(ent.first_ts);
    auto qualified_on = [&](uint32_t shift) { return shift == 0 ? now.qualified : score_at(model, e, shift).qualified; };

    // The current streak, at most window_days days back (and not before the first event).
    if (now.qualified) {
        const int64_t back = std::min<int64_t>(model.window_days, dayT - first_day);
        int64_t k = 0;
        while (k < back && qualified_on(static_cast<uint32_t>(k + 1))) ++k;
        out.qualified_at = day_end(static_cast<uint32_t>(k));
    }
    // The first qualified day: not before activation when it is required, not after becoming a
    // customer (unless customers qualify), and at the latest the current streak's first day.
    if (model.require_activation && !now.activated) return out;
    int64_t from = first_day, to = dayT;
    if (model.require_activation) from = std::max(from, day_of(*now.activated_at));
    if (now.customer() && !model.include_customers) to = std::min(to, day_of(now.converted_at) - 1);
    if (out.qualified_at) to = std::min(to, day_of(*out.qualified_at));
    for (int64_t d = from; d <= to; ++d)
        if (qualified_on(static_cast<uint32_t>(dayT - d))) {
            out.first_qualified_at = day_end(static_cast<uint32_t>(dayT - d));
            break;
        }
    return out;
}

std::vector<std::optional<int64_t>> Scorer::first_qualified_at(const Model& model) {
    score(model);
    std::vector<std::optional<int64_t>> out(index_->entities.size());
    for (uint32_t e = 0; e < out.size(); ++e) out[e] = since(model, e).first_qualified_at;
    return out;
}

}  // namespace pql
