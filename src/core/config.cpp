#include "core/config.h"

#include <toml++/toml.h>
#include <limits>
#include <set>

#include "core/assets.h"

namespace drover {

Config::Config() {
  runtimes["claude"] =
      RuntimeConfig{{"claude", "-p", "--output-format", "stream-json", "--input-format",
                     "stream-json", "--verbose", "--permission-mode", "bypassPermissions"},
                    {"--model", "{model}"},
                    {"--resume", "{session_id}"},
                    true,
                    true};
}

std::string_view default_config_text() {
  auto text = find_asset("templates/config.toml");
  return text ? *text : std::string_view{};
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  Error fail(const std::string& key, const std::string& what) const {
    return make_error(Errc::project, std::string(file_) + ": " + key + ": " + what);
  }

  Status integer(const toml::table& t, const std::string& section, const char* key, std::int64_t lo,
                 std::int64_t hi, auto& out) {
    const toml::node* n = t.get(key);
    if (!n) return ok_status();
    auto v = n->value_exact<std::int64_t>();
    std::string full = section + "." + key;
    if (!v) return fail(full, "expected an integer");
    if (*v < lo || *v > hi)
      return fail(full, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return ok_status();
  }

  Status boolean(const toml::table& t, const std::string& section, const char* key, bool& out) {
    const toml::node* n = t.get(key);
    if (!n) return ok_status();
    auto v = n->value_exact<bool>();
    if (!v) return fail(section + "." + key, "expected true or false");
    out = *v;
    return ok_status();
  }

  Status duration(const toml::table& t, const std::string& section, const char* key, Millis& out,
                  bool allow_zero) {
    const toml::node* n = t.get(key);
    if (!n) return ok_status();
    std::string full = section + "." + key;
    auto v = n->value_exact<std::string>();
    if (!v) return fail(full, "expected a duration string such as \"10s\"");
    auto d = parse_duration(*v);
    if (!d) return fail(full, d.error().message);
    if (!allow_zero && d->count() == 0) return fail(full, "must be greater than zero");
    out = *d;
    return ok_status();
  }

  Status string(const toml::table& t, const std::string& section, const char* key,
                std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return ok_status();
    auto v = n->value_exact<std::string>();
    if (!v || v->empty()) return fail(section + "." + key, "expected a non-empty string");
    out = *v;
    return ok_status();
  }

  // A positive number (integer or float) read as a double.
  Status positive_number(const toml::table& t, const std::string& section, const char* key,
                         std::optional<double>& out) {
    const toml::node* n = t.get(key);
    if (!n) return ok_status();
    std::string full = section + "." + key;
    if (!n->is_floating_point() && !n->is_integer())
      return fail(full, "expected a number (a cost in USD)");
    double v = *n->value<double>();
    if (!(v > 0)) return fail(full, "must be greater than 0");
    out = v;
    return ok_status();
  }

  Status positive_count(const toml::table& t, const std::string& section, const char* key,
                        std::optional<std::int64_t>& out) {
    if (!t.get(key)) return ok_status();
    std::int64_t v = 0;
    DROVER_TRY(integer(t, section, key, 1, std::numeric_limits<std::int64_t>::max(), v));
    out = v;
    return ok_status();
  }

  Result<std::vector<std::string>> strings(const toml::node& n, const std::string& full) {
    const toml::array* arr = n.as_array();
    if (!arr) return fail(full, "expected an array of strings");
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      auto s = el.value_exact<std::string>();
      if (!s) return fail(full, "expected an array of strings");
      out.push_back(*s);
    }
    return out;
  }

  Status known_keys(const toml::table& t, const std::string& section,
                    std::initializer_list<const char*> keys) {
    std::set<std::string> allowed(keys.begin(), keys.end());
    for (const auto& [k, v] : t) {
      (void)v;
      std::string key(k.str());
      if (!allowed.count(key))
        return make_error(Errc::project, std::string(file_) + ": unknown key '" +
                                             (section.empty() ? key : section + "." + key) +
                                             "' (check the spelling; `drover init` in an empty "
                                             "directory writes a file with every key)");
    }
    return ok_status();
  }

 private:
  std::string_view file_;
};

Result<const toml::table*> section(const toml::table& root, const char* name, Reader& r) {
  const toml::node* n = root.get(name);
  if (!n) return static_cast<const toml::table*>(nullptr);
  if (!n->is_table()) return r.fail(name, "expected a table ([" + std::string(name) + "])");
  return n->as_table();
}

Result<toml::table> parse_toml(std::string_view text, std::string_view file_label) {
  try {
    return toml::parse(text, file_label);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return make_error(Errc::project, std::string(file_label) + ":" + std::to_string(where.line) +
                                         ":" + std::to_string(where.column) + ": " +
                                         std::string(e.description()));
  }
}

Status parse_supervisor_table(const toml::table& root, Reader& r, Config& c) {
  auto sup = section(root, "supervisor", r);
  if (!sup) return sup.error();
  const toml::table* t = *sup;
  if (!t) return ok_status();
  const std::string n = "supervisor";
  DROVER_TRY(r.known_keys(*t, n,
                          {"max_concurrent_turns", "autostart", "poll_interval", "resume_max_age",
                           "shutdown_grace", "max_failed_turns", "retry_backoff", "lease"}));
  DROVER_TRY(r.integer(*t, n, "max_concurrent_turns", 1, 1024, c.supervisor.max_concurrent_turns));
  DROVER_TRY(r.boolean(*t, n, "autostart", c.supervisor.autostart));
  DROVER_TRY(r.duration(*t, n, "poll_interval", c.supervisor.poll_interval, false));
  DROVER_TRY(r.duration(*t, n, "resume_max_age", c.supervisor.resume_max_age, true));
  DROVER_TRY(r.duration(*t, n, "shutdown_grace", c.supervisor.shutdown_grace, true));
  DROVER_TRY(r.integer(*t, n, "max_failed_turns", 1, 1000, c.supervisor.max_failed_turns));
  DROVER_TRY(r.duration(*t, n, "retry_backoff", c.supervisor.retry_backoff, true));
  DROVER_TRY(r.duration(*t, n, "lease", c.supervisor.lease, false));
  return ok_status();
}

Status parse_turn_table(const toml::table& root, Reader& r, Config& c) {
  auto turn = section(root, "turn", r);
  if (!turn) return turn.error();
  const toml::table* t = *turn;
  if (!t) return ok_status();
  const std::string n = "turn";
  DROVER_TRY(r.known_keys(
      *t, n,
      {"first_output_timeout", "stall_timeout", "max_duration", "kill_grace", "max_line_bytes"}));
  DROVER_TRY(r.duration(*t, n, "first_output_timeout", c.turn.first_output_timeout, false));
  DROVER_TRY(r.duration(*t, n, "stall_timeout", c.turn.stall_timeout, false));
  DROVER_TRY(r.duration(*t, n, "max_duration", c.turn.max_duration, true));
  DROVER_TRY(r.duration(*t, n, "kill_grace", c.turn.kill_grace, true));
  DROVER_TRY(
      r.integer(*t, n, "max_line_bytes", 1024, std::int64_t{1} << 30, c.turn.max_line_bytes));
  return ok_status();
}

Status parse_defaults_table(const toml::table& root, Reader& r, Config& c) {
  auto defaults = section(root, "defaults", r);
  if (!defaults) return defaults.error();
  const toml::table* t = *defaults;
  if (!t) return ok_status();
  DROVER_TRY(r.known_keys(*t, "defaults", {"runtime", "capability"}));
  DROVER_TRY(r.string(*t, "defaults", "runtime", c.defaults.runtime));
  DROVER_TRY(r.string(*t, "defaults", "capability", c.defaults.capability));
  return ok_status();
}

Status parse_budget_table(const toml::table& root, Reader& r, Config& c) {
  auto budget = section(root, "budget", r);
  if (!budget) return budget.error();
  const toml::table* t = *budget;
  if (!t) return ok_status();
  const std::string n = "budget";
  DROVER_TRY(
      r.known_keys(*t, n, {"max_cost_usd", "max_turns", "max_tokens", "project_max_cost_usd"}));
  DROVER_TRY(r.positive_number(*t, n, "max_cost_usd", c.budget.agent.max_cost_usd));
  DROVER_TRY(r.positive_count(*t, n, "max_turns", c.budget.agent.max_turns));
  DROVER_TRY(r.positive_count(*t, n, "max_tokens", c.budget.agent.max_tokens));
  DROVER_TRY(r.positive_number(*t, n, "project_max_cost_usd", c.budget.project_max_cost_usd));
  return ok_status();
}

// One [runtimes.NAME] table. The built-in claude runtime is the starting point for a
// table of that name (any key may be left out); any other runtime must give its command,
// and its argument lists default to empty.
Result<RuntimeConfig> parse_runtime_table(const std::string& name, const toml::node& v, Reader& r,
                                          const Config& c) {
  std::string base = "runtimes." + name;
  if (!v.is_table()) return r.fail(base, "expected a table ([" + base + "])");
  const toml::table& rt = *v.as_table();
  DROVER_TRY(r.known_keys(
      rt, base, {"command", "model_args", "resume_args", "live_input", "live_interrupt"}));
  RuntimeConfig out;
  if (name == "claude") out = c.runtimes.at("claude");
  if (const toml::node* cmd = rt.get("command")) {
    auto argv = r.strings(*cmd, base + ".command");
    if (!argv) return argv.error();
    out.command = *argv;
  } else if (name != "claude") {
    return r.fail(base + ".command",
                  "is required (the argv of one turn, e.g. command = [\"/path/to/agent\"])");
  }
  if (out.command.empty() || out.command[0].empty())
    return r.fail(base + ".command", "must name an executable");
  for (auto [key, field] :
       {std::pair{"model_args", &out.model_args}, std::pair{"resume_args", &out.resume_args}}) {
    if (const toml::node* a = rt.get(key)) {
      auto list = r.strings(*a, base + "." + key);
      if (!list) return list.error();
      *field = *list;
    } else if (name != "claude") {
      field->clear();
    }
  }
  if (name != "claude") out.live_input = out.live_interrupt = false;
  DROVER_TRY(r.boolean(rt, base, "live_input", out.live_input));
  DROVER_TRY(r.boolean(rt, base, "live_interrupt", out.live_interrupt));
  if (out.live_interrupt && !out.live_input)
    return r.fail(base + ".live_interrupt",
                  "needs live_input = true (an interrupt is sent on stdin)");
  return out;
}

Status parse_runtimes_table(const toml::table& root, Reader& r, Config& c) {
  auto runtimes = section(root, "runtimes", r);
  if (!runtimes) return runtimes.error();
  const toml::table* t = *runtimes;
  if (!t) return ok_status();
  for (const auto& [k, v] : *t) {
    std::string name(k.str());
    auto runtime = parse_runtime_table(name, v, r, c);
    if (!runtime) return runtime.error();
    c.runtimes[name] = std::move(*runtime);
  }
  return ok_status();
}

// A git remote name or URL: not empty, not an option ('-'), no spaces or control characters.
bool valid_remote(const std::string& s) {
  if (s.empty() || s[0] == '-') return false;
  for (unsigned char ch : s)
    if (ch <= ' ' || ch == 0x7f) return false;
  return true;
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view file_label) {
  auto root = parse_toml(text, file_label);
  if (!root) return root.error();
  Config c;
  Reader r(file_label);
  DROVER_TRY(r.known_keys(
      *root, "", {"store", "remote", "supervisor", "turn", "defaults", "budget", "runtimes"}));
  if (const toml::node* n = root->get("store")) {
    auto uri = n->value_exact<std::string>();
    if (!uri || !(uri->starts_with("postgresql://") || uri->starts_with("postgres://")))
      return r.fail("store",
                    "expected a \"postgresql://…\" URI (leave it out for .drover/drover.db)");
    c.store = *uri;
  }
  if (const toml::node* n = root->get("remote")) {
    auto remote = n->value_exact<std::string>();
    if (!remote || !valid_remote(*remote))
      return r.fail("remote",
                    "expected the name of a git remote or a URL, e.g. remote = \"origin\" (leave "
                    "it out to push and fetch nothing)");
    c.remote = *remote;
  }
  DROVER_TRY(parse_supervisor_table(*root, r, c));
  DROVER_TRY(parse_turn_table(*root, r, c));
  DROVER_TRY(parse_defaults_table(*root, r, c));
  DROVER_TRY(parse_budget_table(*root, r, c));
  DROVER_TRY(parse_runtimes_table(*root, r, c));
  if (!c.runtimes.count(c.defaults.runtime))
    return r.fail("defaults.runtime", "names runtime '" + c.defaults.runtime +
                                          "', which has no [runtimes." + c.defaults.runtime +
                                          "] table");
  return c;
}

std::vector<std::string> build_runtime_argv(const RuntimeConfig& runtime,
                                            const std::optional<std::string>& model,
                                            const std::optional<std::string>& session_id) {
  std::vector<std::string> argv = runtime.command;
  auto append = [&](const std::vector<std::string>& args, std::string_view placeholder,
                    const std::string& value) {
    for (auto a : args) {
      for (auto pos = a.find(placeholder); pos != std::string::npos;
           pos = a.find(placeholder, pos + value.size()))
        a.replace(pos, placeholder.size(), value);
      argv.push_back(std::move(a));
    }
  };
  if (model && !model->empty()) append(runtime.model_args, "{model}", *model);
  if (session_id && !session_id->empty()) append(runtime.resume_args, "{session_id}", *session_id);
  return argv;
}

}  // namespace drover
