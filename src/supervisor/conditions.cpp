#include "supervisor/conditions.h"

#include <nlohmann/json.hpp>

#include "os/files.h"

namespace drover::supervisor {

namespace {

using Json = nlohmann::json;

Json optional_text(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

std::optional<std::string> text_of(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

int int_of(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : 0;
}

}  // namespace

std::optional<SpawnShortage> shortage_of(const SpawnBackoff& backoff, const std::string& since,
                                         int max, SteadyPoint now) {
  const auto& e = backoff.episode();
  if (!e) return std::nullopt;
  SpawnShortage s{since, e->cause, backoff.limit(), max, e->shortages, std::nullopt};
  if (auto at = backoff.retry_at())
    s.retry_at = format_timestamp(
        SystemClock::instance().now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(*at - now));
  return s;
}

std::string format_conditions(const Conditions& c) {
  Json spawns = nullptr, config_error = nullptr;
  if (c.spawns)
    spawns = {{"since", c.spawns->since},       {"cause", c.spawns->cause},
              {"limit", c.spawns->limit},       {"max", c.spawns->max},
              {"deferred", c.spawns->deferred}, {"retry_at", optional_text(c.spawns->retry_at)}};
  if (c.config_error)
    config_error = {{"since", c.config_error->since}, {"message", c.config_error->message}};
  Json j = {{"supervisor", c.supervisor},
            {"config_generation", c.config_generation},
            {"config_loaded_at", optional_text(c.config_loaded_at)},
            {"spawns_deferred", spawns},
            {"config_error", config_error}};
  return j.dump() + "\n";
}

std::optional<Conditions> parse_conditions(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("supervisor") || !j["supervisor"].is_number_integer())
    return std::nullopt;
  Conditions c;
  c.supervisor = j["supervisor"].get<pid_t>();
  if (j.contains("config_generation") && j["config_generation"].is_number_integer())
    c.config_generation = j["config_generation"].get<std::int64_t>();
  c.config_loaded_at = text_of(j, "config_loaded_at");
  if (auto s = j.find("spawns_deferred"); s != j.end() && s->is_object())
    c.spawns = SpawnShortage{text_of(*s, "since").value_or(""),
                             text_of(*s, "cause").value_or(""),
                             int_of(*s, "limit"),
                             int_of(*s, "max"),
                             int_of(*s, "deferred"),
                             text_of(*s, "retry_at")};
  if (auto e = j.find("config_error"); e != j.end() && e->is_object())
    c.config_error =
        ConfigError{text_of(*e, "since").value_or(""), text_of(*e, "message").value_or("")};
  return c;
}

Status write_conditions(const ProjectPaths& paths, const Conditions& c) {
  return os::write_file_atomic(paths.supervisor_state(), format_conditions(c), 0600,
                               os::Durability::volatile_);
}

std::optional<Conditions> read_conditions(const ProjectPaths& paths, pid_t supervisor) {
  auto text = os::read_file(paths.supervisor_state());
  if (!text) return std::nullopt;
  auto c = parse_conditions(*text);
  if (!c || c->supervisor != supervisor) return std::nullopt;
  return c;
}

void clear_conditions(const ProjectPaths& paths) {
  (void)os::remove_file(paths.supervisor_state());
}

}  // namespace drover::supervisor
