#include "core/stream_event_record.h"

#include <doctest/doctest.h>

#include <string>

using drover::stream_event_data;
using drover::stream_event_kind;
using drover::stream_event_summary;
using drover::StreamEvent;
using drover::StreamEventKind;

TEST_CASE("stream_event_record: every kind has its events-table name") {
  CHECK(stream_event_kind(StreamEventKind::session_start) == "session_start");
  CHECK(stream_event_kind(StreamEventKind::assistant_text) == "assistant_text");
  CHECK(stream_event_kind(StreamEventKind::tool_start) == "tool_start");
  CHECK(stream_event_kind(StreamEventKind::tool_end) == "tool_end");
  CHECK(stream_event_kind(StreamEventKind::result) == "result");
  CHECK(stream_event_kind(StreamEventKind::malformed) == "malformed_line");
}

TEST_CASE("stream_event_record: data keeps what each kind means, texts cut to 4,000 bytes") {
  StreamEvent text;
  text.kind = StreamEventKind::assistant_text;
  text.text = std::string(5000, 'x');
  CHECK(stream_event_data(text)["text"].get<std::string>().size() == 4000);

  StreamEvent tool;
  tool.kind = StreamEventKind::tool_start;
  tool.tool_name = "Bash";
  tool.tool_id = "toolu_1";
  tool.tool_input = "{\"command\":\"ls\"}";
  auto t = stream_event_data(tool);
  CHECK(t["tool"] == "Bash");
  CHECK(t["id"] == "toolu_1");
  CHECK(t["input"] == "{\"command\":\"ls\"}");  // the compact view, as text

  StreamEvent session;
  session.kind = StreamEventKind::session_start;
  session.session_id = "s-1";
  session.model = "m";
  CHECK(stream_event_data(session) == nlohmann::json({{"session_id", "s-1"}, {"model", "m"}}));

  StreamEvent bad;
  bad.kind = StreamEventKind::malformed;
  bad.error = "not JSON";
  CHECK(stream_event_data(bad) == nlohmann::json({{"error", "not JSON"}}));
}

TEST_CASE("stream_event_record: result figures appear only when reported") {
  StreamEvent r;
  r.kind = StreamEventKind::result;
  r.text = "done";
  r.subtype = "success";
  auto bare = stream_event_data(r);
  CHECK(bare["is_error"] == false);
  CHECK(bare["text"] == "done");
  CHECK(bare["subtype"] == "success");
  CHECK_FALSE(bare.contains("cost_usd"));
  CHECK_FALSE(bare.contains("input_tokens"));
  CHECK_FALSE(bare.contains("num_turns"));
  r.total_cost_usd = 0.25;
  r.input_tokens = 10;
  r.output_tokens = 20;
  r.duration_ms = 300;
  r.num_turns = 2;
  auto full = stream_event_data(r);
  CHECK(full["cost_usd"] == 0.25);
  CHECK(full["input_tokens"] == 10);
  CHECK(full["output_tokens"] == 20);
  CHECK(full["duration_ms"] == 300);
  CHECK(full["num_turns"] == 2);
}

TEST_CASE("stream_event_record: summaries are one line") {
  StreamEvent tool;
  tool.kind = StreamEventKind::tool_start;
  tool.tool_name = "Bash";
  tool.tool_input = "ls\n-la";
  auto s = stream_event_summary(tool);
  CHECK(s.rfind("tool Bash: ", 0) == 0);
  CHECK(s.find('\n') == std::string::npos);

  StreamEvent err;
  err.kind = StreamEventKind::result;
  err.is_error = true;
  err.text = "boom";
  CHECK(stream_event_summary(err) == "result ERROR: boom");

  StreamEvent session;
  session.kind = StreamEventKind::session_start;
  session.session_id = "s-1";
  CHECK(stream_event_summary(session) == "session s-1");
  session.model = "m";
  CHECK(stream_event_summary(session) == "session s-1 (m)");

  StreamEvent end;
  end.kind = StreamEventKind::tool_end;
  end.is_error = true;
  CHECK(stream_event_summary(end) == "tool done (error)");
}

TEST_CASE(
    "stream_event_record: the data text is nlohmann's dump of the data, byte for byte, for "
    "hard texts") {
  const std::string hard[] = {
      "",
      "plain",
      "quote \" backslash \\ slash / tab \t newline \n cr \r bell \x07 nul " + std::string(1, '\0'),
      "del \x7f and unicode \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      "invalid \xff\xfe lone \xc3 end",
      "overlong \xc0\xaf and surrogate \xed\xa0\x80",
      std::string(3999, 'a') + "\xe2\x82\xac",  // cut at 4,000 in the middle of a code point
      std::string(4100, 'b'),
  };
  for (const auto& t : hard) {
    for (auto kind :
         {StreamEventKind::assistant_text, StreamEventKind::tool_start, StreamEventKind::tool_end,
          StreamEventKind::result, StreamEventKind::session_start, StreamEventKind::malformed}) {
      StreamEvent e;
      e.kind = kind;
      e.text = t;
      e.tool_name = t;
      e.tool_id = "toolu_" + t.substr(0, 10);
      e.tool_input = t;
      e.is_error = t.size() % 2 == 1;
      e.session_id = t;
      e.error = t;
      CAPTURE(static_cast<int>(kind));
      CAPTURE(t);
      CHECK(drover::stream_event_data_text(e) ==
            stream_event_data(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
}
