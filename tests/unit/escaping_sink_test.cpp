#include "runner/escaping_sink.h"

#include <doctest/doctest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace {

struct CapturedLog {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> log;
  CapturedLog() {
    auto inner = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    log = std::make_shared<spdlog::logger>("t", drover::runner::escaping_sink(inner));
    log->set_pattern("%l %v");
  }
};

}  // namespace

TEST_CASE("escaping sink: agent text cannot forge or garble a log line") {
  CapturedLog c;
  c.log->warn("alice: {}", std::string("id\n2026-01-01T00:00:00.000 info forged\x1b[2J\r\0x", 45));
  CHECK(c.out.str() ==
        "warning alice: id\\n2026-01-01T00:00:00.000 info forged\\x1b[2J\\r\\x00x\n");
}

TEST_CASE("escaping sink: plain and already escaped text pass unchanged, UTF-8 kept") {
  CapturedLog c;
  c.log->info("résumé \\x1b stays");
  c.log->error("two {}", "calls");
  CHECK(c.out.str() == "info résumé \\x1b stays\nerror two calls\n");
}
