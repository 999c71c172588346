#include "core/line_splitter.h"

#include <algorithm>

namespace drover {

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    // Bytes past the cap are counted, never kept.
    std::size_t room = max_ > partial_.size() ? max_ - partial_.size() : 0;
    partial_.append(piece.substr(0, std::min(room, piece.size())));
    if (piece.size() > room) partial_truncated_ = true;
    partial_original_ += piece.size();
    if (newline == std::string_view::npos) return;

    emit_partial(true);
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish() {
  if (partial_original_ != 0) emit_partial(false);
}

void LineSplitter::emit_partial(bool terminated) {
  Line line;
  line.terminated = terminated;
  line.text = std::move(partial_);
  line.truncated = partial_truncated_;
  line.original_bytes = partial_original_;
  ready_.push_back(std::move(line));
  partial_.clear();
  partial_original_ = 0;
  partial_truncated_ = false;
}

std::optional<LineSplitter::Line> LineSplitter::next() {
  if (ready_pos_ >= ready_.size()) return std::nullopt;
  Line line = std::move(ready_[ready_pos_++]);
  if (ready_pos_ == ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
  }
  return line;
}

}  // namespace drover
