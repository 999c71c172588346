#include "core/table.h"

#include <doctest/doctest.h>

using namespace drover;

namespace {

const std::vector<TableColumn> kCols = {{"NAME"}, {"COST", Align::right}, {"TASK"}};

}  // namespace

TEST_CASE("table: columns line up, numbers right-aligned, header first") {
  std::vector<TableRow> rows = {{{"alice"}, {"$0.23"}, {"build the parser"}},
                                {{"bo"}, {"$12.50"}, {"fix"}}};
  auto lines = layout_table(kCols, rows, {});
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "NAME     COST  TASK");
  CHECK(lines[1] == "alice   $0.23  build the parser");
  CHECK(lines[2] == "bo     $12.50  fix");
}

TEST_CASE("table: widths count code points, not bytes") {
  std::vector<TableRow> rows = {{{"é"}, {"—"}, {"x"}}, {{"ab"}, {"$1"}, {"y"}}};
  auto lines = layout_table(kCols, rows, {});
  CHECK(lines[1] == "é        —  x");
  CHECK(lines[2] == "ab      $1  y");
}

TEST_CASE("table: the free last column is cut to the width, the others never") {
  std::vector<TableRow> rows = {{{"alice"}, {"$0.23"}, {std::string(100, 't')}}};
  TableStyle st;
  st.width = 40;
  st.free_last = true;
  st.header = false;
  auto lines = layout_table(kCols, rows, st);
  REQUIRE(lines.size() == 1);
  CHECK(display_columns(lines[0]) == 40);
  CHECK(lines[0].rfind("alice  $0.23  ttt", 0) == 0);
  CHECK(lines[0].substr(lines[0].size() - 3) == "…");
  // A terminal too narrow for the fixed columns still shows kMinFreeColumns of the text.
  st.width = 10;
  auto narrow = layout_table(kCols, rows, st);
  CHECK(narrow[0] == "alice  $0.23  " + std::string(kMinFreeColumns - 1, 't') + "…");
  // Without a width (a pipe) nothing is cut.
  st.width = 0;
  CHECK(layout_table(kCols, rows, st)[0] == "alice  $0.23  " + std::string(100, 't'));
}

TEST_CASE("table: colour wraps the cell's text only, so padding stays aligned") {
  std::vector<TableRow> rows = {{{"alice", sgr::kGreen}, {"$1"}, {"t"}}, {{"bobby"}, {"$2"}, {}}};
  TableStyle st;
  st.header = false;
  st.color = true;
  auto lines = layout_table(kCols, rows, st);
  CHECK(lines[0] == "\x1b[32malice\x1b[0m  $1  t");
  CHECK(lines[1] == "bobby  $2");  // trailing blanks dropped
  st.color = false;
  CHECK(layout_table(kCols, rows, st)[0] == "alice  $1  t");
}

TEST_CASE("table: short rows are padded, extra cells ignored, indent applies to every line") {
  std::vector<TableRow> rows = {{{"a"}}, {{"b"}, {"$1"}, {"x"}, {"extra"}}};
  TableStyle st;
  st.indent = 2;
  auto lines = layout_table(kCols, rows, st);
  CHECK(lines[0] == "  NAME  COST  TASK");
  CHECK(lines[1] == "  a");
  CHECK(lines[2] == "  b       $1  x");
}

TEST_CASE("fit_columns cuts with an ellipsis inside the limit") {
  CHECK(fit_columns("abcdef", 6) == "abcdef");
  CHECK(fit_columns("abcdef", 4) == "abc…");
  CHECK(fit_columns("ééééé", 3) == "éé…");
  CHECK(fit_columns("abc", 0).empty());
}

TEST_CASE("TableLayout: measured then printed row by row, the same lines as layout_table") {
  std::vector<TableRow> rows = {{{"alice"}, {"$0.23"}, {"build the parser"}},
                                {{"bo"}, {"$12.50"}, {"fix"}},
                                {{"é"}, {"—"}, {"a long task that the width cuts"}}};
  TableStyle style;
  style.width = 24;
  style.free_last = true;
  style.indent = 1;
  TableLayout layout(kCols, style);
  for (const auto& r : rows) layout.measure(r);
  std::vector<std::string> lines = {layout.header()};
  for (const auto& r : rows) lines.push_back(layout.line(r));
  CHECK(lines == layout_table(kCols, rows, style));

  style.header = false;
  TableLayout bare(kCols, style);
  CHECK(bare.header().empty());
}

TEST_CASE("TableLayout: a row wider than what was measured is cut, never misaligned") {
  TableLayout layout(kCols, {});
  layout.measure({{"alice"}, {"$1"}, {"x"}});
  CHECK(layout.header() == "NAME   COST  TASK");
  CHECK(layout.line({{"alexandra"}, {"$1"}, {"y"}}) == "alex…    $1  y");
}
