#pragma once
// What turns cost, summed (status, costs, report), and how those sums read. Pure.
#include <cstdint>
#include <optional>
#include <string>

namespace drover {

// Sums of the cost and token columns over some turns.
struct CostTotals {
  std::int64_t turns = 0;   // turns that started (got a pid)
  std::int64_t priced = 0;  // of those, turns that reported a cost
  double cost_usd = 0;      // sum over the priced turns
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
};

// Adds b's sums to a's.
void add_costs(CostTotals& a, const CostTotals& b);

// The cost as shown in a table: "$0.23", "$0.0017", or "—" when no turn reported one.
std::string cost_cell(const CostTotals& t);
// A turn's own cost: "$0.23", or "—" when it reported none.
std::string cost_cell(const std::optional<double>& usd);
// The cost for JSON: the sum, or nullopt when no turn reported one.
std::optional<double> cost_value(const CostTotals& t);

// "3 of 5 turns reported a cost" when some started turns did not report one; "" when all
// did (or there were none).
std::string priced_note(const CostTotals& t);

// One line: "$0.25 · 12.4k in / 3.1k out · 5 turns" plus "(3 of 5 turns reported a cost)"
// when some did not; "no cost reported · …" when none did; "no turns yet" for none.
std::string costs_summary(const CostTotals& t);

}  // namespace drover
