#pragma once
// `drover sling --batch FILE` input (docs/steering.md "Batch sling"): the text of the
// file read into one entry per agent, every entry checked, before anything is created.
// Pure: no files, no database (the CLI checks capabilities, runtimes and existing agents).
//
// Three formats, told apart by the first non-blank character of the text (after a UTF-8
// byte order mark, which is skipped):
//   '['  a JSON array of objects: {"name":…, "task":…, and any of kBatchKeys};
//   '{'  JSON Lines: one such object per non-blank line;
//   else lines `NAME TASK…`: the name is the first word (up to a blank or a tab), the task
//        is the rest of the line. Blank lines and lines starting with '#' are skipped.
// Command-line flags are the defaults of every entry; a key of an entry overrides them.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace drover {

// One agent to create: the sling knobs, as text (budgets are checked here, parsed later).
struct BatchEntry {
  std::string where;  // "line 3", "element 2": where it came from, for messages
  std::string name, task;
  std::optional<std::string> capability, parent, task_id, runtime, model, base_branch;
  std::optional<std::string> max_cost, max_turns, max_tokens;
  bool worktree = false, replace = false;
};

// The JSON keys an entry may have besides "name" and "task".
extern const std::vector<std::string> kBatchKeys;

// What is wrong with one entry (its message starts with where it is: "line 3 (bob): …"), or
// with the whole input (at 0).
struct BatchProblem {
  std::size_t at = 0;  // 1 + the entry's index in BatchParse::entries; 0: the whole input
  Error error;
};

struct BatchParse {
  std::vector<BatchEntry> entries;     // in the order of the input
  std::vector<BatchProblem> problems;  // malformed input is Errc::usage
};

// A problem of `entries[index]`: "WHERE (NAME): what", with `code`.
BatchProblem batch_problem(const BatchEntry& e, std::size_t index, const std::string& what,
                           Errc code = Errc::usage);

// Reads `text` into entries that start from `defaults` (the flags; its name, task and where
// are ignored) and checks each one: JSON syntax, known keys and their types, the name, the
// parent, a non-empty task, budgets, --base-branch only with a worktree, and names given
// twice. An input with no entry at all is a problem too.
BatchParse parse_sling_batch(std::string_view text, const BatchEntry& defaults);

// The order to insert the entries in: an entry whose parent is another entry of the batch
// comes after it (so the child's depth counts from it); otherwise the order of the input.
// Members of a cycle of parents come in the order the cycle was entered.
std::vector<std::size_t> parents_first(const std::vector<BatchEntry>& entries);

// The one error line for a batch that has problems: the first problem in input order, its
// exit code, how many more there are, and that nothing was created.
Error batch_error(std::vector<BatchProblem> problems);

}  // namespace drover
