#pragma once
// "Did you mean …?" for a mistyped command, option or name. Pure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// The candidate closest to `word` by edit distance (insertions, deletions, substitutions
// and swaps of neighbours), when it is close enough to be a typo: at most 1 edit for words
// up to 4 characters, 2 up to 8, 3 beyond. A candidate that `word` is a prefix of (3 or
// more characters) also counts. Ties go to the earlier candidate; nullopt when none is close.
std::optional<std::string> closest_word(std::string_view word,
                                        const std::vector<std::string>& candidates);

// "'sling', 'nudge' or 'stop'": candidates quoted and joined for a message.
std::string quoted_list(const std::vector<std::string>& words);

}  // namespace drover
