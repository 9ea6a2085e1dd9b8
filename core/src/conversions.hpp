// Internal: conversion times per indexed entity, shared by backtest, suggest and compare.
#pragma once
#include <vector>

#include "portable_math.hpp"
#include "pql/backtest.hpp"
#include "score.hpp"

namespace pql {

// Earliest conversion per entity of `ix` (INT64_MAX: none).
std::vector<int64_t> conversion_times(const EventStore& store, const Model& model, const Outcomes& outcomes,
                                      const Index& ix);

// ROC AUC of `score` for `positive` (ties count one half); nullopt without both classes.
std::optional<double> roc_auc(const std::vector<double>& score, const std::vector<bool>& positive);

}  // namespace pql
