#include "core/cost_totals.h"

#include "core/event_line.h"

namespace drover {

void add_costs(CostTotals& a, const CostTotals& b) {
  a.turns += b.turns;
  a.priced += b.priced;
  a.cost_usd += b.cost_usd;
  a.input_tokens += b.input_tokens;
  a.output_tokens += b.output_tokens;
}

std::string cost_cell(const CostTotals& t) { return t.priced > 0 ? format_usd(t.cost_usd) : "—"; }

std::string cost_cell(const std::optional<double>& usd) { return usd ? format_usd(*usd) : "—"; }

std::optional<double> cost_value(const CostTotals& t) {
  if (t.priced == 0) return std::nullopt;
  return t.cost_usd;
}

std::string priced_note(const CostTotals& t) {
  if (t.priced >= t.turns) return "";
  return std::to_string(t.priced) + " of " + std::to_string(t.turns) +
         (t.turns == 1 ? " turn" : " turns") + " reported a cost";
}

std::string costs_summary(const CostTotals& t) {
  if (t.turns == 0) return "no turns yet";
  std::string s = (t.priced > 0 ? format_usd(t.cost_usd) : "no cost reported") + " · " +
                  format_count(t.input_tokens) + " in / " + format_count(t.output_tokens) +
                  " out · " + std::to_string(t.turns) + (t.turns == 1 ? " turn" : " turns");
  if (t.priced > 0 && t.priced < t.turns) s += " (" + priced_note(t) + ")";
  return s;
}

}  // namespace drover
