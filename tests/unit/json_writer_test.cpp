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
