// Micro-benchmarks of the pure parts (issue 7): stream-json line → events, line
// splitting, mail formatting for a turn, and transition checks. Not tests: nothing here
// asserts a time. Run: build-release/bench/micro_bench (scripts/bench does).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/mail.h"
#include "core/session_state.h"
#include "core/stream_json.h"

using namespace drover;

namespace {

// Lines in the shape Claude Code prints (see fixtures/transcripts/ and
// /work/shared/transcripts/): the mix of one ordinary turn.
const std::vector<std::string>& sample_lines() {
  static const std::vector<std::string> lines = {
      R"({"type":"system","subtype":"init","cwd":"/work/repo","session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c","tools":["Task","Bash","Glob","Grep","LS","Read","Edit","MultiEdit","Write","NotebookEdit","WebFetch","TodoWrite","WebSearch"],"mcp_servers":[],"model":"claude-sonnet-4-5","permissionMode":"default","apiKeySource":"none"})",
      R"({"type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"I'll start by looking at the login handler to see how sessions are validated before changing anything."}],"stop_reason":null,"usage":{"input_tokens":4,"cache_creation_input_tokens":2310,"cache_read_input_tokens":11020,"output_tokens":3}},"parent_tool_use_id":null,"session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c"})",
      R"({"type":"assistant","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"tool_use","id":"toolu_01ABC","name":"Bash","input":{"command":"grep -rn 'validate_session' src/ | head -20","description":"Find session validation"}}],"stop_reason":null,"usage":{"input_tokens":4,"output_tokens":97}},"parent_tool_use_id":null,"session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c"})",
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01ABC","type":"tool_result","content":"src/auth/login.ts:42:  if (!validate_session(token)) {\nsrc/auth/session.ts:10:export function validate_session(t: string) {","is_error":false}]},"parent_tool_use_id":null,"session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c"})",
      R"({"type":"assistant","message":{"id":"msg_02","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"The check is inverted when the token has expired; fixing it and adding a test."}],"stop_reason":"end_turn","usage":{"input_tokens":6,"output_tokens":40}},"parent_tool_use_id":null,"session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c"})",
      R"({"type":"result","subtype":"success","is_error":false,"duration_ms":18234,"duration_api_ms":17022,"num_turns":4,"result":"Fixed the inverted expiry check in validate_session and added a regression test.","session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c","total_cost_usd":0.0421,"usage":{"input_tokens":14,"cache_creation_input_tokens":2310,"cache_read_input_tokens":33060,"output_tokens":512,"server_tool_use":{"web_search_requests":0},"service_tier":"standard"}})",
  };
  return lines;
}

void BM_ParseStreamLine(benchmark::State& state) {
  const auto& lines = sample_lines();
  std::size_t bytes = 0, events = 0;
  for (auto _ : state) {
    for (const auto& l : lines) {
      ParsedLine p = parse_stream_line(l);
      events += p.events.size();
      bytes += l.size() + 1;
      benchmark::DoNotOptimize(p);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["lines/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * lines.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ParseStreamLine);

// A 64 KiB tool result: the shape that dominates bytes in real transcripts.
void BM_ParseStreamLineLargeToolResult(benchmark::State& state) {
  std::string body(64 * 1024, 'x');
  for (std::size_t i = 80; i < body.size(); i += 81) body[i] = '\n';
  std::string escaped;
  for (char c : body) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  std::string line =
      R"({"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01ABC","type":"tool_result","content":")" +
      escaped + R"(","is_error":false}]},"session_id":"4f1c2a9e-8d7b-4e2a-9c1d-2b3e4f5a6b7c"})";
  for (auto _ : state) benchmark::DoNotOptimize(parse_stream_line(line));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (line.size() + 1)));
}
BENCHMARK(BM_ParseStreamLineLargeToolResult);

// Bytes from the pipe (64 KiB reads) → lines, as the runner feeds them.
void BM_LineSplitter(benchmark::State& state) {
  std::string stream;
  while (stream.size() < (1 << 20))
    for (const auto& l : sample_lines()) stream += l + "\n";
  for (auto _ : state) {
    LineSplitter s(1 << 20);
    std::size_t n = 0;
    for (std::size_t off = 0; off < stream.size(); off += 65536) {
      s.feed(std::string_view(stream).substr(off, 65536));
      while (auto l = s.next()) n += l->text.size();
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
}
BENCHMARK(BM_LineSplitter);

void BM_FormatMailForTurn(benchmark::State& state) {
  std::vector<MailMessage> batch;
  for (int i = 0; i < state.range(0); ++i) {
    MailMessage m;
    m.id = 1000 + i;
    m.from = "lead";
    m.to = "alice";
    m.subject = "follow-up " + std::to_string(i);
    m.body =
        "Please also cover the expired-token path in the login handler and report with "
        "worker_done.";
    m.type = i % 3 == 0 ? "dispatch" : "status";
    m.priority = i % 4 == 0 ? "high" : "normal";
    m.created_at = "2026-12-02T10:00:00.000Z";
    batch.push_back(m);
  }
  for (auto _ : state) benchmark::DoNotOptimize(format_mail_for_turn(batch));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_FormatMailForTurn)->Arg(1)->Arg(10)->Arg(100);

void BM_TransitionCheck(benchmark::State& state) {
  std::size_t allowed = 0;
  for (auto _ : state) {
    for (SessionState s : kAllStates)
      for (SessionEvent e : kAllEvents) allowed += transition(s, e).has_value();
    benchmark::DoNotOptimize(allowed);
  }
  state.SetItemsProcessed(state.iterations() * std::size(kAllStates) * std::size(kAllEvents));
}
BENCHMARK(BM_TransitionCheck);

}  // namespace
