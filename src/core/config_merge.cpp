#include "core/config_merge.h"

#include <toml++/toml.h>

#include "core/config.h"

namespace drover {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    out.push_back(text.substr(pos, end - pos));  // with its '\n'
    pos = end;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "[name]" (with an optional comment after it) → name; "" for any other line.
std::string header_name(std::string_view line) {
  line = trim(line);
  if (line.size() < 3 || line[0] != '[' || line[1] == '[') return "";
  auto close = line.find(']');
  if (close == std::string_view::npos) return "";
  auto rest = trim(line.substr(close + 1));
  if (!rest.empty() && rest[0] != '#') return "";
  std::string name;
  for (char c : line.substr(1, close - 1))
    if (c != ' ' && c != '\t') name += c;
  return name;
}

struct DefaultKey {
  std::string name;
  std::string lines;  // "key = value  # comment\n" and any continuation lines
};
struct DefaultSection {
  std::string name;
  std::string header;  // the header line as written
  std::vector<DefaultKey> keys;
};

// The sections and keys of drover's own template: a key line starts at column 0 with a
// letter; an indented line continues the key before it.
std::vector<DefaultSection> read_defaults(std::string_view text) {
  std::vector<DefaultSection> out;
  for (auto line : split_lines(text)) {
    if (std::string h = header_name(line); !h.empty()) {
      out.push_back({h, std::string(line), {}});
      continue;
    }
    if (out.empty() || trim(line).empty() || trim(line)[0] == '#') continue;
    if (line[0] == ' ' || line[0] == '\t') {
      if (!out.back().keys.empty()) out.back().keys.back().lines += line;
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    out.back().keys.push_back({std::string(trim(line.substr(0, eq))), std::string(line)});
  }
  for (auto& s : out)
    for (auto& k : s.keys)
      if (k.lines.empty() || k.lines.back() != '\n') k.lines += '\n';
  return out;
}

// The table at dotted path `name` ("runtimes.claude") in `root`, or nullptr.
const toml::table* table_at(const toml::table& root, const std::string& name) {
  const toml::table* t = &root;
  std::size_t pos = 0;
  while (t) {
    auto dot = name.find('.', pos);
    std::string part = name.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    const toml::node* n = t->get(part);
    t = n ? n->as_table() : nullptr;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return t;
}

}  // namespace

Result<MergedConfig> merge_config(std::string_view user, std::string_view defaults,
                                  std::string_view file_label) {
  // Validates (syntax, unknown keys, values): a file we cannot read is not ours to rewrite.
  if (auto parsed = parse_config(user, file_label); !parsed) return parsed.error();
  toml::table root;
  try {
    root = toml::parse(user, file_label);
  } catch (const toml::parse_error& e) {  // parse_config accepted it: cannot happen
    return make_error(Errc::project, std::string(file_label) + ": " + std::string(e.description()));
  }
  auto lines = split_lines(user);
  // What goes after line i (index into `lines`); i == lines.size() is the end of the file.
  std::vector<std::string> after(lines.size() + 1);
  MergedConfig out;
  for (const auto& section : read_defaults(defaults)) {
    const toml::table* have = table_at(root, section.name);
    if (!have) {
      std::string block = "\n" + section.header;
      for (const auto& k : section.keys) {
        block += k.lines;
        out.added.push_back(section.name + "." + k.name);
      }
      after[lines.size()] += block;
      continue;
    }
    std::size_t at = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i)
      if (header_name(lines[i]) == section.name) at = i;
    if (at == lines.size()) continue;  // written without a header line: nowhere to add
    for (const auto& k : section.keys) {
      if (have->get(k.name)) continue;
      after[at] += k.lines;
      out.added.push_back(section.name + "." + k.name);
    }
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out.text += lines[i];
    if (!after[i].empty() && (lines[i].empty() || lines[i].back() != '\n')) out.text += '\n';
    out.text += after[i];
  }
  if (!after[lines.size()].empty() && !out.text.empty() && out.text.back() != '\n')
    out.text += '\n';
  out.text += after[lines.size()];
  if (auto check = parse_config(out.text, file_label); !check)
    return make_error(Errc::failed,
                      "internal: the merged config does not parse: " + check.error().message);
  return out;
}

}  // namespace drover
