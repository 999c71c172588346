#include "core/json_bounded.h"

#include <doctest/doctest.h>

#include <string>

using drover::BoundedJson;
using drover::kMaxJsonDepth;
using drover::parse_json_bounded;

namespace {
std::string nested(int depth, char open, const std::string& inner, char close) {
  return std::string(static_cast<std::size_t>(depth), open) + inner +
         std::string(static_cast<std::size_t>(depth), close);
}
}  // namespace

TEST_CASE("json_bounded: a document exactly at the limit parses, one level more is too deep") {
  auto at = parse_json_bounded(nested(kMaxJsonDepth, '[', "1", ']'));
  REQUIRE(at.status == BoundedJson::Status::ok);
  CHECK(at.value.dump().size() == static_cast<std::size_t>(2 * kMaxJsonDepth + 1));
  CHECK(parse_json_bounded(nested(kMaxJsonDepth + 1, '[', "", ']')).status ==
        BoundedJson::Status::too_deep);
  std::string objects;
  for (int i = 0; i < kMaxJsonDepth + 1; ++i) objects += "{\"a\":";
  objects += "0" + std::string(kMaxJsonDepth + 1, '}');
  CHECK(parse_json_bounded(objects).status == BoundedJson::Status::too_deep);
  CHECK(parse_json_bounded(nested(3, '[', "", ']'), 3).status == BoundedJson::Status::ok);
  CHECK(parse_json_bounded(nested(4, '[', "", ']'), 3).status == BoundedJson::Status::too_deep);
}

TEST_CASE("json_bounded: 100,000 levels are refused without recursing, even when cut short") {
  CHECK(parse_json_bounded(nested(100000, '[', "", ']')).status == BoundedJson::Status::too_deep);
  CHECK(parse_json_bounded(std::string(100000, '[')).status == BoundedJson::Status::too_deep);
}

TEST_CASE("json_bounded: depth counts nesting, not the number of containers") {
  std::string wide = "[";
  for (int i = 0; i < 10000; ++i) wide += std::string(i ? "," : "") + "[[1]]";
  wide += "]";
  auto r = parse_json_bounded(wide);
  REQUIRE(r.status == BoundedJson::Status::ok);
  CHECK(r.value.size() == 10000);
}

TEST_CASE("json_bounded: text that is not JSON is invalid, scalars are fine") {
  CHECK(parse_json_bounded("").status == BoundedJson::Status::invalid);
  CHECK(parse_json_bounded("{\"a\":").status == BoundedJson::Status::invalid);
  CHECK(parse_json_bounded("not json").status == BoundedJson::Status::invalid);
  CHECK(parse_json_bounded("[1] trailing").status == BoundedJson::Status::invalid);
  auto s = parse_json_bounded("\"text\"");
  REQUIRE(s.status == BoundedJson::Status::ok);
  CHECK(s.value == "text");
  CHECK(parse_json_bounded("{\"a\":[1,{\"b\":null}]}").value["a"][1]["b"].is_null());
}
