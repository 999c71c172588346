// JsonWriter (core/json_writer.h): valid JSON for any input, laid out as nlohmann's dump.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/json_writer.h"

using namespace drover;

TEST_CASE("JsonWriter: the same text as nlohmann's dump(2) for the same document") {
  JsonWriter w;
  w.begin_object();
  w.member("name", "alice").member("depth", 2).member("cost", 0.0021).member("ok", true);
  w.key("model").null();
  w.key("empty_list").begin_array().end_array();
  w.key("empty_object").begin_object().end_object();
  w.key("agents").begin_array();
  w.begin_object().member("n", 1).end_object();
  w.value("two").value(std::int64_t{3});
  w.end_array();
  w.member("whole", 2.0);
  w.end_object();

  nlohmann::ordered_json j;
  j["name"] = "alice";
  j["depth"] = 2;
  j["cost"] = 0.0021;
  j["ok"] = true;
  j["model"] = nullptr;
  j["empty_list"] = nlohmann::json::array();
  j["empty_object"] = nlohmann::json::object();
  j["agents"] = nlohmann::ordered_json::array({nlohmann::ordered_json{{"n", 1}}, "two", 3});
  j["whole"] = 2.0;
  CHECK(w.str() == j.dump(2));
}

TEST_CASE("JsonWriter: compact with indent 0, optional values as null") {
  JsonWriter w(0);
  std::optional<std::string> none, some = "x";
  w.begin_object()
      .member("a", none)
      .member("b", some)
      .key("c")
      .begin_array()
      .value(1)
      .value(2)
      .end_array()
      .end_object();
  CHECK(w.str() == R"({"a":null,"b":"x","c":[1,2]})");
}

TEST_CASE("JsonWriter: strings are escaped, control bytes and invalid UTF-8 never leak") {
  std::string nasty = std::string("q\"b\\s\n\t\x01\x1b[31m") + "\xff\xfe" + "é€😀" +
                      std::string("\0z", 2) + "\xc0\xaf\xed\xa0\x80";
  JsonWriter w(0);
  w.begin_array().value(nasty).end_array();
  auto parsed = nlohmann::json::parse(w.str(), nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  std::string back = parsed[0].get<std::string>();
  CHECK(back.find("q\"b\\s\n\t\x01\x1b[31m") == 0);
  CHECK(back.find("é€😀") != std::string::npos);
  CHECK(back.find(std::string("\0z", 2)) != std::string::npos);
  CHECK(back.find("\xff") == std::string::npos);
  CHECK(w.str().find('\x1b') == std::string::npos);  // escaped as \u001b
  // Every invalid byte became U+FFFD: 2 (ff fe) + 2 (overlong c0 af) + 3 (surrogate ed a0 80).
  std::size_t replacements = 0;
  for (std::size_t p = back.find("\xEF\xBF\xBD"); p != std::string::npos;
       p = back.find("\xEF\xBF\xBD", p + 1))
    ++replacements;
  CHECK(replacements == 7);
}

TEST_CASE("JsonWriter: raw inserts serialised JSON, NaN becomes null") {
  JsonWriter w(0);
  w.begin_object().key("x");
  w.raw(R"({"k":[1]})");
  w.member("nan", std::nan(""));
  w.end_object();
  CHECK(w.str() == R"({"x":{"k":[1]},"nan":null})");
}

TEST_CASE("JsonWriter: streamed in pieces (clear_text after each), the pieces make the document") {
  JsonWriter whole, piecewise;
  std::string streamed;
  for (JsonWriter* w : {&whole, &piecewise}) w->begin_object().key("rows").begin_array();
  streamed += piecewise.str();
  piecewise.clear_text();
  for (int i = 0; i < 5; ++i)
    for (JsonWriter* w : {&whole, &piecewise}) {
      w->begin_object().member("n", i).member("s", "x").end_object();
      if (w == &piecewise) {
        streamed += piecewise.str();
        piecewise.clear_text();
      }
    }
  for (JsonWriter* w : {&whole, &piecewise}) w->end_array().member("done", true).end_object();
  streamed += piecewise.str();
  CHECK(streamed == whole.str());
  CHECK(nlohmann::json::parse(streamed)["rows"].size() == 5);
}

TEST_CASE("JsonWriter: raw_indented shifts a dump(2) value to the depth it lands at") {
  auto value = nlohmann::json::parse(R"({"b":[1,{"c":null}],"a":"x\ny","e":[]})");
  JsonWriter w;
  w.begin_object().key("list").begin_array();
  w.raw_indented(value.dump(2)).raw_indented("3").raw_indented(value.dump(2));
  w.end_array().end_object();
  nlohmann::json doc = {{"list", {value, 3, value}}};
  CHECK(w.str() == doc.dump(2));

  JsonWriter compact(0);
  compact.begin_array().raw_indented(value.dump()).end_array();
  CHECK(compact.str() == nlohmann::json::array({value}).dump());
}

TEST_CASE("JsonWriter: invalid UTF-8 is replaced as nlohmann's dump replaces it, byte for byte") {
  // Truncated sequences (one U+FFFD for the valid prefix, then the next byte read again),
  // stray continuation bytes, bad leads, overlongs, surrogates, past U+10FFFF, at the end.
  for (std::string s : {"ok \xff\xfe bad \xc3\x28 end \xe2\x82",
                        "\xe2\x82"
                        "A",
                        "\xf0\x9f\x98",
                        "\xf0\x9f\x98"
                        "x\x80\x80",
                        "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc1\xbf", "a\xf5",
                        "\xe1\x80", "\xf1\x80\x80\xe2\x82\xac"}) {
    JsonWriter w(0);
    w.begin_array().value(s).end_array();
    CHECK(w.str() == nlohmann::json::array({s}).dump(-1, ' ', false,
                                                     nlohmann::json::error_handler_t::replace));
  }
}
