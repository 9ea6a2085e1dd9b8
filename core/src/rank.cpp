// Ranking (SPEC §3 "Rank"): score descending, ties by id in byte order.
#include <algorithm>

#include "score.hpp"

namespace pql {

void Scorer::rank(size_t want_ranked) {
    const Index& ix = *index_;
    const size_t m = ix.entities.size();
    // Score descending, then id in byte order. Small keys are sorted (asked for a page,
    // only its first `want_ranked`), then the rows are placed.
    keys_.resize(m);
    for (uint32_t i = 0; i < m; ++i) keys_[i] = {run_.results[i].score, ix.id_rank[i], i};
    auto before = [](const RankKey& a, const RankKey& b) {
        if (a.score != b.score) return a.score > b.score;
        return a.id_rank < b.id_rank;
    };
    run_.ranked = std::min(want_ranked, m);
    if (run_.ranked == m) {
        std::sort(keys_.begin(), keys_.end(), before);
        ranked_.resize(m);
        for (size_t i = 0; i < m; ++i) ranked_[i] = run_.results[keys_[i].entity];
        run_.results.swap(ranked_);
    } else {
        // A page: its rows are swapped into place; the others stay where the swaps leave them.
        std::partial_sort(keys_.begin(), keys_.begin() + run_.ranked, keys_.end(), before);
        pos_.resize(m);
        for (uint32_t i = 0; i < m; ++i) pos_[i] = i;  // entity -> its row
        for (uint32_t i = 0; i < run_.ranked; ++i) {
            const uint32_t p = pos_[keys_[i].entity];
            if (p == i) continue;
            std::swap(run_.results[i], run_.results[p]);
            pos_[run_.results[p].entity] = p;
            pos_[run_.results[i].entity] = i;
        }
    }
}

}  // namespace pql
