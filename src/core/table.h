#pragma once
// Rows of cells laid out in aligned columns for a terminal (status, costs, report). Pure.
//
//   NAME   STATE      COST  TASK
//   alice  in_turn   $0.23  build the parser
//   bob    failed       —   fix the lexer…
//
// Columns are separated by two blanks; widths count code points (what a terminal gives
// most text). Numbers are right-aligned when their column says so. The last column may be
// free text: it is never padded and, when a width is given, cut with "…" to fit (never
// below kMinFreeColumns, so a narrow terminal wraps rather than losing the text). Cells
// are shown as given: callers escape untrusted text first. Trailing blanks are dropped.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// ANSI SGR sequences a cell may be painted with.
namespace sgr {
inline constexpr std::string_view kNone;
inline constexpr std::string_view kBold = "\x1b[1m";
inline constexpr std::string_view kDim = "\x1b[2m";
inline constexpr std::string_view kRed = "\x1b[31m";
inline constexpr std::string_view kGreen = "\x1b[32m";
inline constexpr std::string_view kYellow = "\x1b[33m";
inline constexpr std::string_view kCyan = "\x1b[36m";
inline constexpr std::string_view kReset = "\x1b[0m";
}  // namespace sgr

enum class Align { left, right };

struct TableColumn {
  std::string header;  // shown when the table has a header row; "" for none
  Align align = Align::left;
};

struct TableCell {
  std::string text;
  std::string_view color = sgr::kNone;  // applied only when TableStyle::color
};

using TableRow = std::vector<TableCell>;

struct TableStyle {
  std::size_t width = 0;   // terminal columns; 0: no limit (a pipe, a file)
  bool color = false;      // paint cells that have a colour
  bool header = true;      // print the column headers as the first line
  bool free_last = false;  // the last column is free text: unpadded, cut to the width
  std::size_t indent = 0;  // blanks before every line
};

inline constexpr std::size_t kMinFreeColumns = 12;

// One line per row (the header first when asked), without newlines. Rows shorter than the
// columns are padded with empty cells; extra cells are ignored.
std::vector<std::string> layout_table(const std::vector<TableColumn>& columns,
                                      const std::vector<TableRow>& rows, const TableStyle& style);

// The same layout for rows that are not all held at once (a listing streamed as it is
// read): measure() every row first, then line() each — the same rows, or rows no wider
// (cells that would overflow their column are cut with "…", never misaligned). The
// header, when the style asks for one, is measured from the start.
class TableLayout {
 public:
  TableLayout(std::vector<TableColumn> columns, TableStyle style);
  void measure(const TableRow& row);
  // The header line ("" when the style has none).
  std::string header() const;
  std::string line(const TableRow& row) const;

 private:
  std::vector<TableColumn> columns_;
  TableStyle style_;
  std::vector<std::size_t> widths_;
};

// The columns a terminal gives `s`: its code points.
std::size_t display_columns(std::string_view s);
// At most `max` columns of `s` (one line), ending in "…" when cut.
std::string fit_columns(std::string_view s, std::size_t max);

}  // namespace drover
