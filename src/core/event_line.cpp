#include "core/event_line.h"

#include <cmath>
#include <cstdio>

#include "core/table.h"
#include "core/text.h"

namespace drover {

namespace {

const char* const kReset = "\x1b[0m";
const char* const kDim = "\x1b[2m";
const char* const kBold = "\x1b[1m";
const char* const kRed = "\x1b[31m";
const char* const kGreen = "\x1b[32m";
const char* const kYellow = "\x1b[33m";
const char* const kCyan = "\x1b[36m";

std::string str(const nlohmann::json& d, const char* key) {
  if (d.is_object() && d.contains(key) && d[key].is_string()) return d[key].get<std::string>();
  return "";
}

std::optional<double> num(const nlohmann::json& d, const char* key) {
  if (d.is_object() && d.contains(key) && d[key].is_number()) return d[key].get<double>();
  return std::nullopt;
}

bool flag(const nlohmann::json& d, const char* key) {
  return d.is_object() && d.contains(key) && d[key].is_boolean() && d[key].get<bool>();
}

std::string first_line(const std::string& s) { return one_line_summary(s, 1000); }

// "done in 41 s · $0.23 · 12.4k in / 3.1k out" (only the figures the agent reported).
std::string result_figures(const nlohmann::json& d) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " · ") + part; };
  if (auto ms = num(d, "duration_ms")) add("in " + format_elapsed(static_cast<std::int64_t>(*ms)));
  if (auto usd = num(d, "cost_usd")) add(format_usd(*usd));
  auto in = num(d, "input_tokens"), out_tokens = num(d, "output_tokens");
  if (in || out_tokens)
    add(format_count(static_cast<std::int64_t>(in.value_or(0))) + " in / " +
        format_count(static_cast<std::int64_t>(out_tokens.value_or(0))) + " out");
  return out;
}

// "k=v k=v" of an object's scalar members, for kinds without a view of their own.
std::string members(const nlohmann::json& d) {
  if (!d.is_object()) return first_line(d.is_string() ? d.get<std::string>() : d.dump());
  std::string out;
  for (const auto& [k, v] : d.items()) {
    if (v.is_structured() || v.is_null()) continue;
    out += (out.empty() ? "" : " ") + k + "=" +
           first_line(v.is_string() ? v.get<std::string>() : v.dump());
  }
  return out;
}

struct View {
  std::string marker;   // up to six columns
  std::string name;     // never cut (a tool's name); may be empty
  std::string content;  // one line, cut to fit
  const char* color = nullptr;
};

View turn_start_view(const nlohmann::json& d) {
  std::string c = "turn started";
  if (auto mail = num(d, "mail"))
    c += " · " + std::to_string(static_cast<long long>(*mail)) +
         (*mail == 1 ? " message" : " messages");
  std::string resume = str(d, "resume_id");
  c += resume.empty() ? " · fresh session" : " · resuming " + resume.substr(0, 8);
  return {"start", "", c, kDim};
}

View turn_end_view(const nlohmann::json& d, bool bad) {
  std::string c = "turn " + str(d, "outcome");
  if (auto ms = num(d, "duration_ms"))
    c += " after " + format_elapsed(static_cast<std::int64_t>(*ms));
  if (!str(d, "reason").empty()) c += ": " + first_line(str(d, "reason"));
  return {"end", "", c, bad ? kRed : kDim};
}

// Live input (docs/steering.md "Live nudge"): mail written into the running turn.
View live_input_view(const nlohmann::json& d) {
  std::string c = flag(d, "interrupt") ? "interrupt, then mail " : "mail ";
  bool first = true;
  if (auto m = d.find("mail"); m != d.end() && m->is_array())
    for (const auto& id : *m) {
      if (!id.is_number_integer()) continue;
      c += first ? "#" : ", #";
      c += std::to_string(id.get<long long>());
      first = false;
    }
  c += " written into the running turn";
  return {"input", "", c, kCyan};
}

View view_of(const EventLine& e) {
  const auto& d = e.data;
  bool error = e.level == "error", warn = e.level == "warn";
  if (e.kind == "assistant_text") return {"text", "", first_line(str(d, "text"))};
  if (e.kind == "tool_start") return {"tool", str(d, "tool"), first_line(str(d, "input")), kCyan};
  if (e.kind == "tool_end") {
    bool failed = flag(d, "is_error");
    return {failed ? "err" : "ok", "", first_line(str(d, "text")), failed ? kYellow : kDim};
  }
  if (e.kind == "result") {
    bool failed = flag(d, "is_error");
    std::string figures = result_figures(d);
    std::string text = first_line(str(d, "text"));
    std::string c = flag(d, "interrupted") ? "interrupted" : failed ? "error" : "done";
    if (!figures.empty()) c += " " + figures;
    if (failed && !text.empty()) c += ": " + text;
    return {"result", "", c, failed ? kRed : kGreen};
  }
  if (e.kind == "turn_start") return turn_start_view(d);
  if (e.kind == "live_input") return live_input_view(d);
  if (e.kind == "turn_end") {
    std::string outcome = str(d, "outcome");
    return turn_end_view(d, error || (outcome != "completed" && outcome != "waiting"));
  }
  if (e.kind == "session_start") {
    std::string model = str(d, "model");
    return {"init", "", "session " + str(d, "session_id") + (model.empty() ? "" : " · " + model),
            kDim};
  }
  // Anything else: its kind and its scalar members, marked by level.
  return {error  ? "ERROR"
          : warn ? "warn"
                 : "note",
          e.kind, members(d),
          error  ? kRed
          : warn ? kYellow
                 : nullptr};
}

}  // namespace

std::string render_event_line(const EventLine& e, const LineStyle& style) {
  View v = view_of(e);
  auto paint = [&](const std::string& s, const char* c) {
    return style.color && c != nullptr && !s.empty() ? c + s + kReset : s;
  };
  std::string who = escape_control(e.agent);
  if (e.turn) who += "#" + std::to_string(*e.turn);
  std::string marker = escape_control(v.marker);
  marker += std::string(display_columns(marker) < 6 ? 6 - display_columns(marker) : 0, ' ');
  std::string name = escape_control(v.name);
  std::string content = escape_control(v.content);

  std::string head = e.time + (who.empty() ? "" : " " + who) + "  ";
  std::size_t used = display_columns(head) + display_columns(marker) + 1 +
                     (name.empty() ? 0 : display_columns(name) + 2);
  if (style.width > 0) content = fit_columns(content, style.width > used ? style.width - used : 0);

  std::string out = paint(e.time, kDim) + (who.empty() ? "" : " " + paint(who, kBold)) + "  " +
                    paint(marker, v.color) + " ";
  if (!name.empty()) out += paint(name, style.color ? kBold : nullptr) + "  ";
  out += content;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> render_stderr_tail(std::string_view tail, bool cut, std::size_t n,
                                            const LineStyle& style) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  if (cut) {
    auto nl = tail.find('\n');
    start = nl == std::string_view::npos ? tail.size() : nl + 1;
  }
  while (start < tail.size()) {
    auto nl = tail.find('\n', start);
    auto line =
        tail.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
  const std::string prefix = "  stderr │ ";
  std::vector<std::string> out;
  for (auto line : lines) {
    std::string text = escape_control(line);
    if (style.width > 0) text = fit_columns(text, style.width > 11 ? style.width - 11 : 0);
    out.push_back((style.color ? std::string(kDim) + prefix + kReset : prefix) + text);
  }
  return out;
}

std::string format_usd(double usd) {
  if (!(usd > 0)) return "$0";
  char buf[64];
  if (usd < 0.01) std::snprintf(buf, sizeof buf, "$%.4f", usd);
  else std::snprintf(buf, sizeof buf, "$%.2f", usd);
  // Thousands separators for the dollars: "$1234567.00" → "$1,234,567.00".
  std::string_view s = buf;
  std::string_view dollars = s.substr(1, s.find('.') - 1);
  std::string out = "$";
  for (std::size_t i = 0; i < dollars.size(); ++i) {
    if (i > 0 && (dollars.size() - i) % 3 == 0) out += ',';
    out += dollars[i];
  }
  out += s.substr(1 + dollars.size());
  return out;
}

std::string format_count(std::int64_t n) {
  char buf[32];
  if (n < 1000) return std::to_string(n);
  if (n < 1'000'000) std::snprintf(buf, sizeof buf, "%.1fk", static_cast<double>(n) / 1e3);
  else if (n < 1'000'000'000) std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%.1fG", static_cast<double>(n) / 1e9);
  return buf;
}

std::string format_elapsed(std::int64_t ms) {
  if (ms < 0) ms = 0;
  char buf[32];
  if (ms < 1000) return std::to_string(ms) + " ms";
  std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lld m %02lld s", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%lld h %02lld m", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60));
  return buf;
}

}  // namespace drover
