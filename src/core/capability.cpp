#include "core/capability.h"

#include <toml++/toml.h>

#include "core/mail.h"

namespace drover {

Capability default_capability(std::string_view name) {
  Capability c;
  c.name = std::string(name);
  c.terminal_mail = {"worker_done", "result"};
  return c;
}

Result<Capability> parse_capability(std::string_view name, std::string_view text,
                                    std::string_view file) {
  auto fail = [&](const std::string& what) {
    return make_error(Errc::project, std::string(file) + ": " + what);
  };
  constexpr std::string_view kFence = "+++";
  if (text.substr(0, kFence.size()) != kFence)
    return fail("must start with a '+++' front matter line");
  auto first_nl = text.find('\n');
  if (first_nl == std::string_view::npos) return fail("front matter is not closed with '+++'");
  auto close = text.find("\n+++", first_nl);
  if (close == std::string_view::npos) return fail("front matter is not closed with '+++'");
  std::string_view front = text.substr(first_nl + 1, close - first_nl);
  std::string_view rest = text.substr(close + 4);
  if (!rest.empty() && rest.front() == '\n') rest.remove_prefix(1);

  toml::table t;
  try {
    t = toml::parse(front, file);
  } catch (const toml::parse_error& e) {
    return fail(std::string(e.description()));
  }
  Capability c;
  c.name = std::string(name);
  c.instructions = std::string(rest);
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "terminal_mail") {
      const toml::array* arr = v.as_array();
      if (!arr) return fail("terminal_mail: expected an array of mail types");
      for (const auto& el : *arr) {
        auto s = el.value_exact<std::string>();
        if (!s) return fail("terminal_mail: expected an array of mail types");
        if (auto v = validate_mail_type(*s); !v) return fail("terminal_mail: " + v.error().message);
        c.terminal_mail.push_back(*s);
      }
    } else if (key == "may_sling") {
      auto b = v.value_exact<bool>();
      if (!b) return fail("may_sling: expected true or false");
      c.may_sling = *b;
    } else if (key == "turns_while_waiting") {
      auto b = v.value_exact<bool>();
      if (!b) return fail("turns_while_waiting: expected true or false");
      c.turns_while_waiting = *b;
    } else if (key == "gate_before") {
      const toml::array* arr = v.as_array();
      if (!arr) return fail("gate_before: expected an array of step names such as [\"merge\"]");
      for (const auto& el : *arr) {
        auto s = el.value_exact<std::string>();
        if (!s || s->empty())
          return fail("gate_before: expected an array of step names such as [\"merge\"]");
        c.gate_before.push_back(*s);
      }
    } else if (key == "runtime" || key == "model") {
      auto s = v.value_exact<std::string>();
      if (!s) return fail(key + ": expected a string");
      if (!s->empty()) (key == "runtime" ? c.runtime : c.model) = *s;
    } else if (key == "first_output_timeout" || key == "stall_timeout" || key == "max_duration") {
      auto s = v.value_exact<std::string>();
      if (!s) return fail(key + ": expected a duration string such as \"10m\"");
      auto d = parse_duration(*s);
      if (!d) return fail(key + ": " + d.error().message);
      (key == "first_output_timeout" ? c.first_output_timeout
       : key == "stall_timeout"      ? c.stall_timeout
                                     : c.max_duration) = *d;
    } else if (key == "max_cost_usd") {
      auto d = v.value<double>();  // an integer is a cost too
      if (!d || !(*d > 0) || !(v.is_floating_point() || v.is_integer()))
        return fail(key + ": expected a cost in USD greater than 0");
      c.budget.max_cost_usd = *d;
    } else if (key == "max_turns" || key == "max_tokens") {
      auto n = v.value_exact<std::int64_t>();
      if (!n || *n <= 0) return fail(key + ": expected a whole number greater than 0");
      (key == "max_turns" ? c.budget.max_turns : c.budget.max_tokens) = *n;
    } else {
      return fail("unknown key '" + key + "'");
    }
  }
  return c;
}

}  // namespace drover
