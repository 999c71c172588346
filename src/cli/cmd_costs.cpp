// drover costs [--by agent|capability|day] [--since D] (issue 16 item 5): what the turns
// cost, grouped, with the project's totals. One aggregate query over the turns table.
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "core/event_line.h"
#include "core/json_writer.h"
#include "core/since.h"
#include "core/suggest.h"
#include "core/table.h"
#include "core/text.h"
#include "os/terminal.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

struct CostsOptions {
  std::string by = "agent";
  std::optional<std::string> since;
};

const std::vector<std::string> kCostGroupings = {"agent", "capability", "day"};

// --since as the SPEC §3 timestamp turns are compared with.
Result<std::string> costs_since_timestamp(const std::string& text) {
  auto s = parse_since(text);
  if (!s) return s.error();
  if (s->date) return format_timestamp(os::local_day_start(*s->date));
  return format_timestamp(SystemClock::instance().now() - *s->ago);
}

void costs_json_members(JsonWriter& w, const CostTotals& t) {
  w.member("turns", t.turns).member("priced_turns", t.priced);
  w.key("cost_usd");
  if (auto v = cost_value(t)) w.value(*v);
  else w.null();
  w.member("input_tokens", t.input_tokens).member("output_tokens", t.output_tokens);
}

Status run_costs(Context& ctx, const CostsOptions& o) {
  if (std::find(kCostGroupings.begin(), kCostGroupings.end(), o.by) == kCostGroupings.end()) {
    auto near = closest_word(o.by, kCostGroupings);
    return make_error(Errc::usage, "--by '" + o.by + "': expected " + quoted_list(kCostGroupings) +
                                       (near ? " (did you mean '" + *near + "'?)" : ""));
  }
  std::optional<std::string> since;
  if (o.since) {
    auto ts = costs_since_timestamp(*o.since);
    if (!ts) return ts.error();
    since = *ts;
  }
  auto st = ctx.store();
  if (!st) return st.error();
  (*st)->set_page_cache_kib(store::kListingCacheKib);

  if (ctx.out.json) {  // streamed (issue 18): each group written as the aggregate yields it
    JsonWriter w;
    CostTotals total;
    w.begin_object().member("by", o.by).member("since", since);
    w.key("groups").begin_array();
    auto n = (*st)->read<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
      return tx.turns().for_each_cost_group(o.by, since,
                                            [&](std::string_view key, const CostTotals& t) {
                                              add_costs(total, t);
                                              w.begin_object().member(o.by, key);
                                              costs_json_members(w, t);
                                              w.end_object();
                                              ctx.out.stream(w);
                                            });
    });
    if (!n) return n.error();
    w.end_array().key("total").begin_object();
    costs_json_members(w, total);
    w.end_object().end_object();
    ctx.out.stream(w, true);
    return ok_status();
  }

  // The table needs every group's width before its first line; groups are aggregates (one
  // per agent, capability or day), so they are held, not streamed.
  using Groups = std::map<std::string, CostTotals>;
  auto groups = (*st)->read<Groups>([&](store::Tx& tx) -> Result<Groups> {
    Groups out;
    tx.turns().for_each_cost_group(o.by, since, [&](std::string_view key, const CostTotals& t) {
      out.emplace(std::string(key), t);
    });
    return out;
  });
  if (!groups) return groups.error();
  CostTotals total;
  for (const auto& [key, t] : *groups) add_costs(total, t);

  if (ctx.out.quiet) {  // -q: the total cost alone, for scripts ("—" when none was reported)
    ctx.out.data(cost_cell(total));
    return ok_status();
  }
  if (groups->empty()) {
    ctx.out.data(since ? "no turns started since " + *since : "no turns yet");
    return ok_status();
  }
  std::string head = o.by == "agent" ? "AGENT" : o.by == "capability" ? "CAPABILITY" : "DAY";
  std::vector<TableRow> rows;
  auto row_of = [](const std::string& key, const CostTotals& t, std::string_view color) {
    return TableRow{{key, color},
                    {std::to_string(t.turns)},
                    {cost_cell(t)},
                    {format_count(t.input_tokens)},
                    {format_count(t.output_tokens)}};
  };
  for (const auto& [key, t] : *groups) rows.push_back(row_of(escape_control(key), t, sgr::kNone));
  rows.push_back(row_of("total", total, sgr::kBold));
  TableStyle style;
  style.width = os::terminal_columns(STDOUT_FILENO);
  style.color = ctx.out.color;
  std::string text;
  for (const auto& l : layout_table({{head},
                                     {"TURNS", Align::right},
                                     {"COST", Align::right},
                                     {"IN", Align::right},
                                     {"OUT", Align::right}},
                                    rows, style))
    text += l + "\n";
  if (since) text += "turns started since " + *since + "\n";
  auto note = priced_note(total);
  if (!note.empty()) text += note + "; costs are the sums of those\n";
  text.pop_back();
  ctx.out.data(text);
  return ok_status();
}

}  // namespace

void install_costs(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<CostsOptions>();
  cmd->add_option("--by", o->by, "group by agent (default), capability or day (local days)");
  cmd->add_option("--since", o->since,
                  "only turns started since a date (2026-12-01) or that long ago (2h, 3d)");
  on_run(cmd, ctx, [&ctx, o] { return run_costs(ctx, *o); });
}

}  // namespace drover::cli
