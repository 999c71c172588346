// Fuzzes config.toml parsing (core/config.h): the input is the file's text. Seeds are the
// file `drover init` writes and variations of it.
//
// Properties:
//  - parse_config never throws: it returns a Config or an Errc::project error whose
//    message names the file;
//  - an accepted Config keeps every documented bound: counts and max_line_bytes in range,
//    poll_interval and the first-output and stall timeouts above zero, durations within
//    parse_duration's 100-year cap, non-empty default runtime and capability, the default
//    runtime defined, and every runtime's command naming an executable;
//  - build_runtime_argv on an accepted runtime is the command followed by exactly the
//    model and resume arguments, with values that contain the placeholder themselves
//    substituted once (no loop, no re-substitution).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "core/config.h"

using namespace drover;

namespace {

constexpr std::int64_t kHundredYearsMs = 100ll * 365 * 24 * 3'600'000;

bool duration_ok(Millis d, bool allow_zero) {
  return d.count() >= (allow_zero ? 0 : 1) && d.count() <= kHundredYearsMs;
}

void check_argv(const RuntimeConfig& rt) {
  // Values that contain their own placeholder: a substitution loop would never end.
  const std::string model = "m{model}";
  const std::string session = "{session_id}{session_id}";
  std::vector<std::string> argv = build_runtime_argv(rt, model, session);
  FUZZ_CHECK(argv.size() == rt.command.size() + rt.model_args.size() + rt.resume_args.size());
  for (std::size_t i = 0; i < rt.command.size(); ++i) FUZZ_CHECK(argv[i] == rt.command[i]);
  for (std::size_t i = 0; i < rt.model_args.size(); ++i) {
    const std::string& arg = argv[rt.command.size() + i];
    if (rt.model_args[i].find("{model}") == std::string::npos) FUZZ_CHECK(arg == rt.model_args[i]);
    else FUZZ_CHECK(arg.find(model) != std::string::npos);
  }
  // Without a model or a session id only the command remains.
  FUZZ_CHECK(build_runtime_argv(rt, std::nullopt, std::string()) == rt.command);
}

void check_config(const Config& c) {
  FUZZ_CHECK(c.supervisor.max_concurrent_turns >= 1 && c.supervisor.max_concurrent_turns <= 1024);
  FUZZ_CHECK(c.supervisor.max_failed_turns >= 1 && c.supervisor.max_failed_turns <= 1000);
  FUZZ_CHECK(duration_ok(c.supervisor.poll_interval, false));
  FUZZ_CHECK(duration_ok(c.supervisor.resume_max_age, true));
  FUZZ_CHECK(duration_ok(c.supervisor.shutdown_grace, true));
  FUZZ_CHECK(duration_ok(c.supervisor.retry_backoff, true));
  FUZZ_CHECK(duration_ok(c.turn.first_output_timeout, false));
  FUZZ_CHECK(duration_ok(c.turn.stall_timeout, false));
  FUZZ_CHECK(duration_ok(c.turn.max_duration, true));
  FUZZ_CHECK(duration_ok(c.turn.kill_grace, true));
  FUZZ_CHECK(c.turn.max_line_bytes >= 1024 && c.turn.max_line_bytes <= (std::int64_t{1} << 30));
  FUZZ_CHECK(!c.defaults.runtime.empty() && !c.defaults.capability.empty());
  FUZZ_CHECK(c.runtimes.count(c.defaults.runtime) == 1);
  FUZZ_CHECK(c.runtimes.count("claude") == 1);
  for (const auto& [name, rt] : c.runtimes) {
    FUZZ_CHECK(!rt.command.empty() && !rt.command[0].empty());
    check_argv(rt);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Result<Config> r = parse_config(text, "fuzz.toml");
    if (r.ok()) {
      check_config(*r);
    } else {
      FUZZ_CHECK(r.error().code == Errc::project);
      FUZZ_CHECK(r.error().message.rfind("fuzz.toml", 0) == 0);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parse_config threw: %s\n", e.what());
    FUZZ_CHECK(!"parse_config threw");
  } catch (...) {
    FUZZ_CHECK(!"parse_config threw");
  }
  return 0;
}
