#include "core/table.h"

#include <algorithm>

namespace drover {

std::size_t display_columns(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string fit_columns(std::string_view s, std::size_t max) {
  if (display_columns(s) <= max) return std::string(s);
  if (max == 0) return "";
  std::size_t kept = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (kept == max - 1) break;
      ++kept;
    }
  }
  return std::string(s.substr(0, i)) + "…";
}

namespace {

std::string table_painted(const TableCell& c, std::string_view text, const TableStyle& style) {
  if (!style.color || c.color.empty() || text.empty()) return std::string(text);
  return std::string(c.color) + std::string(text) + std::string(sgr::kReset);
}

}  // namespace

TableLayout::TableLayout(std::vector<TableColumn> columns, TableStyle style)
    : columns_(std::move(columns)), style_(style), widths_(columns_.size(), 0) {
  if (!style_.header) return;
  for (std::size_t i = 0; i < columns_.size(); ++i)
    widths_[i] = display_columns(columns_[i].header);
}

void TableLayout::measure(const TableRow& row) {
  for (std::size_t i = 0; i < widths_.size() && i < row.size(); ++i)
    widths_[i] = std::max(widths_[i], display_columns(row[i].text));
}

std::string TableLayout::header() const {
  if (!style_.header) return "";
  TableRow h;
  for (const auto& c : columns_) h.push_back({c.header, sgr::kNone});
  return line(h);
}

std::string TableLayout::line(const TableRow& row) const {
  const std::size_t n = columns_.size();
  // The free column starts after every fixed column and its separator.
  std::size_t fixed = style_.indent;
  for (std::size_t i = 0; i + 1 < n; ++i) fixed += widths_[i] + 2;
  std::size_t free_room = 0;
  if (style_.free_last && style_.width > 0)
    free_room = std::max(style_.width > fixed ? style_.width - fixed : 0, kMinFreeColumns);

  static const TableCell kEmpty;
  std::string line(style_.indent, ' ');
  for (std::size_t i = 0; i < n; ++i) {
    const TableCell& cell = i < row.size() ? row[i] : kEmpty;
    const bool last = i + 1 == n;
    if (last && style_.free_last) {
      line += table_painted(cell, free_room > 0 ? fit_columns(cell.text, free_room) : cell.text,
                            style_);
      break;
    }
    std::string text = cell.text;
    if (display_columns(text) > widths_[i]) text = fit_columns(text, widths_[i]);
    std::size_t pad = widths_[i] - display_columns(text);
    if (columns_[i].align == Align::right) line.append(pad, ' ');
    line += table_painted(cell, text, style_);
    if (columns_[i].align == Align::left) line.append(pad, ' ');
    if (!last) line += "  ";
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::vector<std::string> layout_table(const std::vector<TableColumn>& columns,
                                      const std::vector<TableRow>& rows, const TableStyle& style) {
  TableLayout layout(columns, style);
  for (const auto& r : rows) layout.measure(r);
  std::vector<std::string> out;
  if (style.header) out.push_back(layout.header());
  for (const auto& r : rows) out.push_back(layout.line(r));
  return out;
}

}  // namespace drover
