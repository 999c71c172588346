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

std::vector<std::string> layout_table(const std::vector<TableColumn>& columns,
                                      const std::vector<TableRow>& rows, const TableStyle& style) {
  const std::size_t n = columns.size();
  std::vector<TableRow> all;
  if (style.header) {
    TableRow h;
    for (const auto& c : columns) h.push_back({c.header, sgr::kNone});
    all.push_back(std::move(h));
  }
  for (const auto& r : rows) {
    TableRow row(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(std::min(r.size(), n)));
    row.resize(n);
    all.push_back(std::move(row));
  }

  std::vector<std::size_t> widths(n, 0);
  for (const auto& r : all)
    for (std::size_t i = 0; i < n; ++i) widths[i] = std::max(widths[i], display_columns(r[i].text));

  // The free column starts after every fixed column and its separator.
  std::size_t fixed = style.indent;
  for (std::size_t i = 0; i + 1 < n; ++i) fixed += widths[i] + 2;
  std::size_t free_room = 0;
  if (style.free_last && style.width > 0)
    free_room = std::max(style.width > fixed ? style.width - fixed : 0, kMinFreeColumns);

  std::vector<std::string> out;
  for (const auto& r : all) {
    std::string line(style.indent, ' ');
    for (std::size_t i = 0; i < n; ++i) {
      const bool last = i + 1 == n;
      std::string text = r[i].text;
      if (last && style.free_last) {
        if (free_room > 0) text = fit_columns(text, free_room);
        line += table_painted(r[i], text, style);
        break;
      }
      std::size_t pad = widths[i] - display_columns(text);
      if (columns[i].align == Align::right) line += std::string(pad, ' ');
      line += table_painted(r[i], text, style);
      if (columns[i].align == Align::left) line += std::string(pad, ' ');
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace drover
