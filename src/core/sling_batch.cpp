#include "core/sling_batch.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/budget.h"
#include "core/names.h"
#include "core/suggest.h"

namespace drover {

const std::vector<std::string> kBatchKeys = {"capability", "parent",      "task_id",   "runtime",
                                             "model",      "max_cost",    "max_turns", "max_tokens",
                                             "worktree",   "base_branch", "replace"};

namespace {

using nlohmann::json;

// "line 3 (bob)" or "line 3" when the name is not known yet.
std::string batch_label(const BatchEntry& e) {
  return e.name.empty() ? e.where : e.where + " (" + e.name + ")";
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Calls `each(line, number)` for every line of `text` (numbers from 1).
void for_each_line(std::string_view text,
                   const std::function<void(std::string_view, std::size_t)>& each) {
  std::size_t number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    each(line, ++number);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// A JSON value for a text knob: a string (a number too, for the budgets); null leaves the
// default. Returns a problem text, or "" when fine.
std::string take_text(const json& v, const std::string& key, bool number_ok,
                      std::optional<std::string>& out) {
  if (v.is_null()) return "";
  if (v.is_string()) {
    out = v.get<std::string>();
    return "";
  }
  if (number_ok && v.is_number()) {
    out = v.dump();
    return "";
  }
  return "\"" + key + "\" must be " + (number_ok ? "a number or a string" : "a string") + ", not " +
         v.type_name();
}

std::string take_flag(const json& v, const std::string& key, bool& out) {
  if (v.is_null()) return "";
  if (!v.is_boolean()) return "\"" + key + "\" must be true or false, not " + v.type_name();
  out = v.get<bool>();
  return "";
}

// Where the problems of one entry go: `index` is its place in BatchParse::entries.
struct EntryProblems {
  const BatchEntry& e;
  std::size_t index;
  std::vector<BatchProblem>& out;
  void add(const std::string& what) const { out.push_back(batch_problem(e, index, what)); }
  template <class T>
  void add(const Result<T>& r) const {
    if (!r) add(r.error().message);
  }
};

// One JSON object into `e` (which holds the defaults); false when it had a problem.
bool read_object(const json& obj, BatchEntry& e, const EntryProblems& problems) {
  if (!obj.is_object()) {
    problems.add(std::string("expected an object {\"name\": …, \"task\": …}, not ") +
                 obj.type_name());
    return false;
  }
  e.name.clear();
  e.task.clear();
  if (auto n = obj.find("name"); n != obj.end() && n->is_string()) e.name = n->get<std::string>();
  std::vector<std::string> known = kBatchKeys;
  known.insert(known.begin(), {"name", "task"});
  bool fine = true;
  for (const auto& [key, v] : obj.items()) {
    std::string why;
    if (key == "name" || key == "task") {
      if (!v.is_string()) why = "\"" + key + "\" must be a string, not " + v.type_name();
      else if (key == "task") e.task = v.get<std::string>();
    } else if (key == "worktree") {
      why = take_flag(v, key, e.worktree);
    } else if (key == "replace") {
      why = take_flag(v, key, e.replace);
    } else {
      std::map<std::string, std::optional<std::string>*> texts = {
          {"capability", &e.capability}, {"parent", &e.parent},
          {"task_id", &e.task_id},       {"runtime", &e.runtime},
          {"model", &e.model},           {"base_branch", &e.base_branch},
          {"max_cost", &e.max_cost},     {"max_turns", &e.max_turns},
          {"max_tokens", &e.max_tokens}};
      auto t = texts.find(key);
      if (t == texts.end()) {
        auto near = closest_word(key, known);
        why = "unknown key \"" + key + "\"" + (near ? " (did you mean \"" + *near + "\"?)" : "") +
              ": use " + quoted_list(known);
      } else {
        why = take_text(v, key, key.rfind("max_", 0) == 0, *t->second);
      }
    }
    if (!why.empty()) {
      problems.add(why);
      fine = false;
    }
  }
  if (!obj.contains("name")) {
    problems.add("no \"name\"");
    fine = false;
  }
  return fine;
}

// The checks every entry gets, whatever its format.
void check_entry(const BatchEntry& e, const EntryProblems& problems) {
  if (!e.name.empty()) problems.add(validate_agent_name(e.name));
  if (e.task.find_first_not_of(" \t\r\n") == std::string::npos) problems.add("the task is empty");
  if (e.capability && !validate_agent_name(*e.capability))
    problems.add("invalid capability " + quote_for_message(*e.capability));
  if (e.parent) problems.add(validate_mail_sender(*e.parent));
  if (e.base_branch && !e.worktree)
    problems.add("a base branch needs a worktree (\"worktree\": true, or --worktree)");
  if (e.max_cost) problems.add(parse_cost_limit(*e.max_cost, "max_cost"));
  if (e.max_turns) problems.add(parse_count_limit(*e.max_turns, "max_turns"));
  if (e.max_tokens) problems.add(parse_count_limit(*e.max_tokens, "max_tokens"));
}

// The text of a JSON parse error without the library's "[json.exception…]" prefix.
std::string json_syntax(const json::parse_error& e) {
  std::string what = e.what();
  auto at = what.find("] ");
  return at == std::string::npos ? what : what.substr(at + 2);
}

void parse_array(std::string_view text, const BatchEntry& defaults, BatchParse& out) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    out.problems.push_back(
        {0, make_error(Errc::usage, "the JSON array does not parse: " + json_syntax(e) +
                                        " (expected [{\"name\": \"…\", \"task\": \"…\"}, …])")});
    return;
  }
  for (std::size_t i = 0; i < doc.size(); ++i) {
    BatchEntry e = defaults;
    e.where = "element " + std::to_string(i + 1);
    EntryProblems problems{e, out.entries.size(), out.problems};
    if (read_object(doc[i], e, problems)) check_entry(e, problems);
    out.entries.push_back(std::move(e));
  }
}

void parse_json_lines(std::string_view text, const BatchEntry& defaults, BatchParse& out) {
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    if (trim_blanks(line).empty()) return;
    BatchEntry e = defaults;
    e.where = "line " + std::to_string(number);
    e.name.clear();
    EntryProblems problems{e, out.entries.size(), out.problems};
    try {
      if (read_object(json::parse(line), e, problems)) check_entry(e, problems);
    } catch (const json::parse_error& err) {
      problems.add("not a JSON object: " + json_syntax(err) +
                   " (JSON Lines: one {\"name\": \"…\", \"task\": \"…\"} per line)");
    }
    out.entries.push_back(std::move(e));
  });
}

void parse_lines(std::string_view text, const BatchEntry& defaults, BatchParse& out) {
  for_each_line(text, [&](std::string_view line, std::size_t number) {
    auto body = trim_blanks(line);
    if (body.empty() || body.front() == '#') return;
    BatchEntry e = defaults;
    e.where = "line " + std::to_string(number);
    auto end = std::min(body.find(' '), body.find('\t'));
    e.name = std::string(body.substr(0, end));
    e.task = end == std::string_view::npos ? "" : std::string(trim_blanks(body.substr(end)));
    EntryProblems problems{e, out.entries.size(), out.problems};
    if (e.task.empty())
      problems.add("no task after the name (one agent per line: NAME TASK…, e.g. '" +
                   (validate_agent_name(e.name) ? e.name : std::string("alice")) +
                   " fix the login bug')");
    else check_entry(e, problems);
    out.entries.push_back(std::move(e));
  });
}

// A name given twice: a problem at the second entry, naming the first.
void check_duplicates(const std::vector<BatchEntry>& entries, std::vector<BatchProblem>& out) {
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (e.name.empty()) continue;
    auto [it, fresh] = seen.emplace(e.name, i);
    if (!fresh)
      out.push_back(batch_problem(
          e, i,
          "the name '" + e.name + "' is given twice (first at " + entries[it->second].where + ")"));
  }
}

}  // namespace

BatchProblem batch_problem(const BatchEntry& e, std::size_t index, const std::string& what,
                           Errc code) {
  return BatchProblem{index + 1, make_error(code, batch_label(e) + ": " + what)};
}

BatchParse parse_sling_batch(std::string_view text, const BatchEntry& defaults) {
  BatchParse out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  auto body = trim_blanks(text);
  if (!body.empty() && body.front() == '[') parse_array(text, defaults, out);
  else if (!body.empty() && body.front() == '{') parse_json_lines(text, defaults, out);
  else parse_lines(text, defaults, out);
  check_duplicates(out.entries, out.problems);
  if (out.entries.empty() && out.problems.empty())
    out.problems.push_back(
        {0, make_error(Errc::usage,
                       "the batch has no agents (one per line: NAME TASK…, or a JSON "
                       "array of {\"name\": \"…\", \"task\": \"…\"})")});
  return out;
}

std::vector<std::size_t> parents_first(const std::vector<BatchEntry>& entries) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < entries.size(); ++i) index.emplace(entries[i].name, i);
  std::vector<int> mark(entries.size(), 0);  // 0 new, 1 being placed, 2 placed
  std::vector<std::size_t> order;
  order.reserve(entries.size());
  std::function<void(std::size_t)> place = [&](std::size_t i) {
    if (mark[i] != 0) return;  // placed, or a cycle back to it
    mark[i] = 1;
    if (const auto& parent = entries[i].parent) {
      auto p = index.find(*parent);
      if (p != index.end() && p->second != i) place(p->second);
    }
    mark[i] = 2;
    order.push_back(i);
  };
  for (std::size_t i = 0; i < entries.size(); ++i) place(i);
  return order;
}

Error batch_error(std::vector<BatchProblem> problems) {
  if (problems.empty()) return make_error(Errc::failed, "sling --batch: no problem to report");
  std::stable_sort(problems.begin(), problems.end(),
                   [](const BatchProblem& a, const BatchProblem& b) { return a.at < b.at; });
  const auto& first = problems.front().error;
  std::size_t others = problems.size() - 1;
  std::string more = others == 0 ? ""
                                 : " (and " + std::to_string(others) + " more problem" +
                                       (others == 1 ? "" : "s") + ")";
  return make_error(first.code, "sling --batch: " + first.message + more + "; no agent was slung");
}

}  // namespace drover
