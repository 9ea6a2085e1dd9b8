// Point-in-time backtest (SPEC §5): score at T with only events up to T, then look at who
// converted in (T, T + horizon].
#include <algorithm>
#include <map>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "conversions.hpp"
#include "pql/time.hpp"

namespace pql {

using oj = nlohmann::ordered_json;

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

namespace {

oj ratio(double num, double den) { return den == 0 ? oj(nullptr) : oj(num / den); }
oj lift(const oj& rate, const oj& base) {
    if (rate.is_null() || base.is_null() || base.get<double>() == 0) return nullptr;
    return rate.get<double>() / base.get<double>();
}

// Beyond ~2.9 million days a horizon covers every timestamp there can be; the bounds keep
// horizon_days * kDayMs and capacity * horizon_days far from int64 overflow.
constexpr int64_t kMaxHorizonDays = 1'000'000;
constexpr int64_t kMaxCapacity = 1'000'000'000;

int64_t resolve_as_of(const EventStore& store, const Model& model, std::optional<int64_t> as_of, int64_t horizon_days) {
    if (as_of) return *as_of;
    if (model.as_of) return *model.as_of;
    return store.max_ts ? std::max<int64_t>(0, *store.max_ts - horizon_days * kDayMs) : 0;
}

}  // namespace

// Everything one evaluation at T needs: the run, who is in the population and who converted.
struct Evaluation {
    Scorer scorer;
    Model model;
    int64_t T = 0, horizon_days = 30;
    std::vector<int64_t> converted_at;     // per index entity
    std::vector<const EntityScore*> pop;   // population, in rank order
    std::vector<bool> positive;            // aligned with pop
    int64_t conversions = 0;

    Evaluation(const EventStore& store, const Model& m, const Outcomes& outcomes, int64_t as_of, int64_t horizon)
        : scorer(store), model(m), T(as_of), horizon_days(horizon) {
        model.as_of = T;
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

    bool rest_ok(const EntityScore& s) const {
        return (s.activated || !model.require_activation) && (!model.rule || scorer.evaluate(model, s, *model.rule));
    }

    std::optional<double> auc() const {
        std::vector<double> scores;
        for (auto* s : pop) scores.push_back(s->score);
        return roc_auc(scores, positive);
    }
};

Result<std::string> backtest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                  const BacktestOptions& o) {
    if (o.horizon_days < 1 || o.horizon_days > kMaxHorizonDays)
        return Error{"invalid_argument", "horizon_days must be between 1 and 1000000", "horizon_days", 0};
    if (!model.conversion_event && outcomes.rows.empty())
        return Error{"invalid_argument",
                     "no conversions to test against: set \"conversion_event\" in the model or load an outcomes file",
                     "conversion_event", 0};
    Evaluation ev(store, model, outcomes, resolve_as_of(store, model, o.as_of, o.horizon_days), o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    oj j;
    j["as_of"] = format_iso(ev.T);
    j["horizon_days"] = o.horizon_days;
    j["population"] = ev.pop.size();
    j["conversions"] = ev.conversions;
    const oj base = ratio(conversions, population);
    j["base_rate"] = base;

    auto group = [&](double count, double conv) {
        oj g;
        g["count"] = static_cast<int64_t>(count);
        g["conversions"] = static_cast<int64_t>(conv);
        g["rate"] = ratio(conv, count);
        g["lift"] = lift(g["rate"], base);
        return g;
    };
    oj tiers = oj::array();
    for (size_t t = 0; t < model.tiers.size(); ++t) {
        double count = 0, conv = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ev.pop[i]->tier == static_cast<int>(t)) {
                ++count;
                conv += ev.positive[i];
            }
        oj g = group(count, conv);
        oj named;
        named["name"] = model.tiers[t].name;
        for (auto it = g.begin(); it != g.end(); ++it) named[it.key()] = it.value();
        tiers.push_back(named);
    }
    j["tiers"] = tiers;

    double q = 0, qc = 0;
    for (size_t i = 0; i < ev.pop.size(); ++i)
        if (ev.pop[i]->qualified) {
            ++q;
            qc += ev.positive[i];
        }
    oj pql;
    pql["qualified"] = group(q, qc);
    pql["not_qualified"] = group(population - q, conversions - qc);
    pql["precision"] = ratio(qc, q);
    pql["recall"] = ratio(qc, conversions);
    pql["fpr"] = ratio(q - qc, population - conversions);
    j["pql"] = pql;

    oj at;
    for (size_t k : {10, 25, 50, 100}) {
        const size_t n = std::min(k, ev.pop.size());
        double hits = 0;
        for (size_t i = 0; i < n; ++i) hits += ev.positive[i];
        at[std::to_string(k)] = {{"precision", ratio(hits, static_cast<double>(n))}, {"recall", ratio(hits, conversions)}};
    }
    j["precision_at"] = at;
    const auto auc = ev.auc();
    j["auc"] = auc ? oj(*auc) : oj(nullptr);

    // The sweep changes only min_score: the rest of the PQL definition is evaluated once.
    std::vector<bool> ok(ev.pop.size());
    for (size_t i = 0; i < ev.pop.size(); ++i) ok[i] = ev.rest_ok(*ev.pop[i]);
    oj sweep = oj::array();
    for (int ms = 0; ms <= 100; ms += 5) {
        double n = 0, c = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ok[i] && ev.pop[i]->score >= ms) {
                ++n;
                c += ev.positive[i];
            }
        sweep.push_back({{"min_score", ms}, {"qualified", static_cast<int64_t>(n)}, {"precision", ratio(c, n)}, {"recall", ratio(c, conversions)}});
    }
    j["sweep"] = sweep;

    // Signals: each event type done in the window by someone in the population.
    const Index& ix = ev.scorer.index();
    const auto& figures = ev.scorer.figures();
    std::vector<double> did(store.event_names.size(), 0), did_conv(store.event_names.size(), 0);
    for (size_t i = 0; i < ev.pop.size(); ++i) {
        const auto& ent = ix.entities[ev.pop[i]->entity];
        for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
            if (figures[t].in_window > 0) {
                ++did[ix.types[t].type];
                did_conv[ix.types[t].type] += ev.positive[i];
            }
    }
    std::vector<std::pair<std::string, uint32_t>> names;
    for (uint32_t k = 0; k < store.event_names.size(); ++k)
        if (did[k] > 0 && store.event_names.name(k) != model.conversion_event.value_or(std::string("\0", 1)))
            names.emplace_back(store.event_names.name(k), k);
    std::sort(names.begin(), names.end());
    oj signals = oj::array();
    for (auto& [name, k] : names) {
        oj s;
        s["event"] = name;
        s["did"] = static_cast<int64_t>(did[k]);
        s["did_conversions"] = static_cast<int64_t>(did_conv[k]);
        s["did_rate"] = ratio(did_conv[k], did[k]);
        s["not_rate"] = ratio(conversions - did_conv[k], population - did[k]);
        s["lift"] = lift(s["did_rate"], base);
        s["coverage"] = ratio(did[k], population);
        signals.push_back(s);
    }
    j["signals"] = signals;
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

// ---- suggestions ---------------------------------------------------------------------------

namespace {

// log(1 + decayed count) per event type for each population member, standardised.
struct Features {
    std::vector<uint32_t> types;              // event types used as features
    std::vector<std::vector<double>> rows;    // per population member
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
            if (k < col.size() && col[k] >= 0) row[col[k]] = log_portable(1 + ev.scorer.figures()[t].decayed);
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

    void fit(const Features& f, const std::vector<bool>& y, double l2 = 0.01, int iterations = 400, double rate = 0.5) {
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
            for (size_t c = 0; c < d; ++c) beta[c] -= rate * (grad[c] + l2 * beta[c]);
        }
    }

    double predict(const std::vector<double>& row) const {
        double z = bias;
        for (size_t c = 0; c < beta.size(); ++c) z += beta[c] * (row[c] - mean[c]) / scale[c];
        return sigmoid(z);
    }
};

// Rounds to one decimal so that 1.2 prints as 1.2, not 1.2000000000000002.
double round_tenth(double v) { return std::round(v * 10) / 10; }

}  // namespace

Result<std::string> suggest_json(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                 const SuggestOptions& o) {
    if (o.horizon_days < 1 || o.horizon_days > kMaxHorizonDays)
        return Error{"invalid_argument", "horizon_days must be between 1 and 1000000", "horizon_days", 0};
    if (o.capacity_per_week < 1 || o.capacity_per_week > kMaxCapacity)
        return Error{"invalid_argument", "capacity must be between 1 and 1000000000 leads a week", "capacity", 0};
    if (!model.conversion_event && outcomes.rows.empty())
        return Error{"invalid_argument",
                     "no conversions to learn from: set \"conversion_event\" in the model or load an outcomes file",
                     "conversion_event", 0};
    const int64_t T = resolve_as_of(store, model, o.as_of, o.horizon_days);
    Evaluation ev(store, model, outcomes, T, o.horizon_days);
    const double population = static_cast<double>(ev.pop.size()), conversions = static_cast<double>(ev.conversions);
    const std::string conversion = model.conversion_event.value_or(std::string("\0", 1));
    oj j;
    j["as_of"] = format_iso(T);
    j["horizon_days"] = o.horizon_days;
    j["population"] = ev.pop.size();
    j["conversions"] = ev.conversions;

    // (a) Activation steps: event / min_count pairs by how far apart completers and the rest convert.
    const Index& ix = ev.scorer.index();
    oj steps = oj::array();
    struct Candidate {
        std::string event;
        int64_t min_count;
        double did, did_conv, gap;
    };
    std::vector<Candidate> best;
    for (uint32_t k = 0; k < store.event_names.size(); ++k) {
        const std::string& name = store.event_names.name(k);
        if (name == conversion) continue;
        std::optional<Candidate> top;
        for (int64_t mc : {1, 2, 3, 5, 10, 20}) {
            double did = 0, did_conv = 0;
            for (size_t i = 0; i < ev.pop.size(); ++i) {
                const auto& ent = ix.entities[ev.pop[i]->entity];
                for (uint32_t t = ent.types_begin; t < ent.types_end; ++t)
                    if (ix.types[t].type == k && ix.types[t].total >= mc) {
                        ++did;
                        did_conv += ev.positive[i];
                    }
            }
            if (did < std::max(3.0, 0.02 * population) || did >= population) continue;
            const double gap = did_conv / did - (conversions - did_conv) / (population - did);
            if (!top || gap > top->gap) top = Candidate{name, mc, did, did_conv, gap};
        }
        if (top && top->gap > 0) best.push_back(*top);
    }
    std::sort(best.begin(), best.end(), [](const Candidate& a, const Candidate& b) {
        return a.gap != b.gap ? a.gap > b.gap : a.event < b.event;
    });
    const oj base = ratio(conversions, population);
    for (size_t i = 0; i < best.size() && i < 10; ++i) {
        const Candidate& c = best[i];
        oj s;
        s["event"] = c.event;
        s["min_count"] = c.min_count;
        s["did"] = static_cast<int64_t>(c.did);
        s["did_rate"] = ratio(c.did_conv, c.did);
        s["not_rate"] = ratio(conversions - c.did_conv, population - c.did);
        s["lift"] = lift(s["did_rate"], base);
        s["coverage"] = ratio(c.did, population);
        steps.push_back(s);
    }
    j["activation_steps"] = steps;

    // (b) Weights: train at T - horizon (labels up to T), evaluate on T (labels after T).
    oj weights;
    std::vector<uint32_t> types;
    for (uint32_t k = 0; k < store.event_names.size(); ++k)
        if (store.event_names.name(k) != conversion) types.push_back(k);
    const int64_t train_T = T - o.horizon_days * kDayMs;
    weights["train_as_of"] = format_iso(std::max<int64_t>(0, train_T));
    if (!types.empty() && train_T > 0) {
        Evaluation train(store, model, outcomes, train_T, o.horizon_days);
        Logistic lr;
        lr.fit(features_of(train, types), train.positive);
        const Features test = features_of(ev, types);
        std::vector<double> p;
        for (auto& row : test.rows) p.push_back(lr.predict(row));
        const auto holdout = roc_auc(p, ev.positive);
        double max_abs = 0;
        for (size_t c = 0; c < types.size(); ++c) max_abs = std::max(max_abs, std::fabs(lr.beta[c] / lr.scale[c]));
        Model suggested = model;
        oj w = oj::object();
        std::vector<std::pair<std::string, double>> named;
        for (size_t c = 0; c < types.size(); ++c) {
            const double v = max_abs > 0 ? round_tenth(10 * (lr.beta[c] / lr.scale[c]) / max_abs) : 0;
            named.emplace_back(store.event_names.name(types[c]), v == 0 ? 0.0 : v);
        }
        std::sort(named.begin(), named.end());
        for (auto& [name, v] : named) {
            w[name] = v;
            suggested.events[name].weight = v;
        }
        weights["weights"] = w;
        weights["holdout_auc"] = holdout ? oj(*holdout) : oj(nullptr);
        const auto current = ev.auc();
        weights["current_auc"] = current ? oj(*current) : oj(nullptr);
        Evaluation with(store, suggested, outcomes, T, o.horizon_days);
        const auto applied = with.auc();
        weights["suggested_model_auc"] = applied ? oj(*applied) : oj(nullptr);
        weights["train_population"] = train.pop.size();
        weights["train_conversions"] = train.conversions;
    } else {
        weights["weights"] = oj::object();
        weights["holdout_auc"] = nullptr;
        weights["current_auc"] = nullptr;
        weights["suggested_model_auc"] = nullptr;
        weights["train_population"] = 0;
        weights["train_conversions"] = 0;
    }
    j["weights"] = weights;

    // (c) Capacity: sales works through the PQL list over the horizon; the lowest min_score
    // (in steps of 0.5) whose PQL count fits in capacity_per_week * horizon / 7.
    const double capacity = std::max(1.0, std::floor(o.capacity_per_week * o.horizon_days / 7.0));
    std::vector<bool> ok(ev.pop.size());
    for (size_t i = 0; i < ev.pop.size(); ++i) ok[i] = ev.rest_ok(*ev.pop[i]);
    oj cap;
    cap["per_week"] = o.capacity_per_week;
    cap["capacity"] = static_cast<int64_t>(capacity);
    for (int step = 0; step <= 201; ++step) {
        const double ms = step * 0.5;
        double n = 0, c = 0;
        for (size_t i = 0; i < ev.pop.size(); ++i)
            if (ok[i] && ev.pop[i]->score >= ms) {
                ++n;
                c += ev.positive[i];
            }
        if (n <= capacity || step == 201) {
            cap["min_score"] = ms;
            cap["qualified"] = static_cast<int64_t>(n);
            cap["per_week_at_threshold"] = n * 7.0 / o.horizon_days;
            cap["precision"] = ratio(c, n);
            cap["recall"] = ratio(c, conversions);
            break;
        }
    }
    j["capacity"] = cap;
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

// ---- compare -------------------------------------------------------------------------------

std::string compare_json(const EventStore& store, const Model& a, const Model& b, const CompareOptions& o) {
    Scorer sa(store), sb(store);
    const ScoreRun& ra = sa.score(a);
    const ScoreRun& rb = sb.score(b);
    const Index &ia = sa.index(), &ib = sb.index();
    struct Side {
        const EntityScore* s = nullptr;
        size_t rank = 0;
    };
    // Match entities by id.
    std::map<std::string, std::pair<Side, Side>> by_id;
    for (size_t i = 0; i < ra.results.size(); ++i) by_id[ia.id_of(store, ia.entities[ra.results[i].entity])].first = {&ra.results[i], i + 1};
    for (size_t i = 0; i < rb.results.size(); ++i) by_id[ib.id_of(store, ib.entities[rb.results[i].entity])].second = {&rb.results[i], i + 1};

    auto tier_name = [](const Model& m, const EntityScore* s) -> std::string {
        if (!s) return "(not ranked)";
        return s->tier >= 0 ? m.tiers[s->tier].name : "(no tier)";
    };
    std::vector<std::string> order;
    for (auto& t : a.tiers) order.push_back(t.name);
    for (auto& t : b.tiers)
        if (std::find(order.begin(), order.end(), t.name) == order.end()) order.push_back(t.name);
    order.push_back("(no tier)");
    order.push_back("(not ranked)");
    std::map<std::pair<size_t, size_t>, int64_t> matrix;
    auto pos = [&](const std::string& n) { return static_cast<size_t>(std::find(order.begin(), order.end(), n) - order.begin()); };
    int64_t moved = 0, qualified_gained = 0, qualified_lost = 0;
    struct Mover {
        std::string id;
        double delta;
        const EntityScore *a, *b;
        size_t rank_a, rank_b;
    };
    std::vector<Mover> movers;
    for (auto& [id, sides] : by_id) {
        const std::string ta = tier_name(a, sides.first.s), tb = tier_name(b, sides.second.s);
        ++matrix[{pos(ta), pos(tb)}];
        if (ta != tb) ++moved;
        const bool qa = sides.first.s && sides.first.s->qualified, qb = sides.second.s && sides.second.s->qualified;
        qualified_gained += !qa && qb;
        qualified_lost += qa && !qb;
        const double da = sides.first.s ? sides.first.s->score : 0, db = sides.second.s ? sides.second.s->score : 0;
        movers.push_back({id, db - da, sides.first.s, sides.second.s, sides.first.rank, sides.second.rank});
    }
    oj j;
    j["a"] = {{"as_of", format_iso(ra.as_of)}, {"entities", ra.results.size()}, {"qualified", ra.qualified}};
    j["b"] = {{"as_of", format_iso(rb.as_of)}, {"entities", rb.results.size()}, {"qualified", rb.qualified}};
    j["tiers"] = order;
    oj mig = oj::array();
    for (auto& [k, count] : matrix) mig.push_back({{"from", order[k.first]}, {"to", order[k.second]}, {"count", count}});
    j["migration"] = mig;
    j["moved"] = moved;
    j["qualified_gained"] = qualified_gained;
    j["qualified_lost"] = qualified_lost;

    // One entity's delta split by component (each weighted into the score) and by event type.
    auto split = [&](const Mover& m) {
        oj r;
        r["id"] = m.id;
        const auto* ent_a = m.a ? &ia.entities[m.a->entity] : nullptr;
        const auto* ent_b = m.b ? &ib.entities[m.b->entity] : nullptr;
        const auto& name = ent_b ? ent_b->name : ent_a->name;
        r["name"] = name ? oj(*name) : oj(nullptr);
        r["score_a"] = m.a ? oj(m.a->score) : oj(nullptr);
        r["score_b"] = m.b ? oj(m.b->score) : oj(nullptr);
        r["delta"] = m.delta;
        r["rank_a"] = m.a ? oj(m.rank_a) : oj(nullptr);
        r["rank_b"] = m.b ? oj(m.rank_b) : oj(nullptr);
        r["tier_a"] = tier_name(a, m.a);
        r["tier_b"] = tier_name(b, m.b);
        auto part = [](const Model& mo, const EntityScore* s, double EntityScore::*field, double w) {
            return s ? w * (s->*field) / (mo.w_activation + mo.w_engagement + mo.w_fit) : 0.0;
        };
        r["components"] = {
            {"activation", part(b, m.b, &EntityScore::activation, b.w_activation) - part(a, m.a, &EntityScore::activation, a.w_activation)},
            {"engagement", part(b, m.b, &EntityScore::engagement, b.w_engagement) - part(a, m.a, &EntityScore::engagement, a.w_engagement)},
            {"fit", part(b, m.b, &EntityScore::fit, b.w_fit) - part(a, m.a, &EntityScore::fit, a.w_fit)}};
        std::map<std::string, std::pair<double, double>> pts;
        if (ent_a)
            for (uint32_t t = ent_a->types_begin; t < ent_a->types_end; ++t) {
                const std::string& n = store.event_names.name(ia.types[t].type);
                pts[n].first = a.weight_of(n) * sa.figures()[t].capped;
            }
        if (ent_b)
            for (uint32_t t = ent_b->types_begin; t < ent_b->types_end; ++t) {
                const std::string& n = store.event_names.name(ib.types[t].type);
                pts[n].second = b.weight_of(n) * sb.figures()[t].capped;
            }
        std::vector<std::tuple<double, std::string, double, double>> ev;
        for (auto& [n, p] : pts)
            if (p.second - p.first != 0) ev.emplace_back(-std::fabs(p.second - p.first), n, p.first, p.second);
        std::sort(ev.begin(), ev.end());
        oj events = oj::array();
        for (auto& [neg, n, pa, pb] : ev) events.push_back({{"event", n}, {"points_a", pa}, {"points_b", pb}, {"delta", pb - pa}});
        r["events"] = events;
        return r;
    };
    std::sort(movers.begin(), movers.end(), [](const Mover& x, const Mover& y) {
        return x.delta != y.delta ? x.delta > y.delta : x.id < y.id;
    });
    oj up = oj::array(), down = oj::array();
    for (size_t i = 0; i < movers.size() && up.size() < o.movers && movers[i].delta > 0; ++i) up.push_back(split(movers[i]));
    for (size_t i = movers.size(); i-- > 0 && down.size() < o.movers && movers[i].delta < 0;) down.push_back(split(movers[i]));
    j["movers"] = {{"up", up}, {"down", down}};
    return j.dump(-1, ' ', false, oj::error_handler_t::replace);
}

}  // namespace pql
