#pragma once
// Splits a turn's stdout into lines with a length cap (SPEC §5.2). Pure.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// Splits a byte stream into lines with a length cap. Pure: feed bytes, take lines.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  struct Line {
    std::string text;  // without the trailing '\n'; cut to max_line_bytes if truncated
    bool truncated = false;
    std::size_t original_bytes = 0;  // full length before truncation
    bool terminated = true;          // false: the last line at EOF, with no '\n'
  };

  // Appends bytes; complete lines become available through next().
  void feed(std::string_view bytes);
  // At EOF: a final line without '\n' becomes available.
  void finish();
  // Pops the next complete line, if any.
  std::optional<Line> next();

 private:
  void emit_partial(bool terminated);  // the line collected so far becomes ready
  std::size_t max_;
  std::string partial_;
  std::size_t partial_original_ = 0;
  bool partial_truncated_ = false;
  std::vector<Line> ready_;
  std::size_t ready_pos_ = 0;
};

}  // namespace drover
