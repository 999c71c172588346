#pragma once
// Prepared statements, compiled once per connection and reused: preparing costs more than
// most of the statements drover runs, and a turn runs a few dozen of them.
// Store-internal (src/store/ only).
//
// Stmt is a scope handle on the cached statement for (connection, SQL text): on
// destruction it resets the statement and clears its bindings. If the same SQL is
// already in use further up the stack, the handle gets a fresh statement of its own.
// Columns are read in place (row().text(i) is a view into the engine's row), so the
// streaming listings (issue 18) allocate nothing per column.
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/db.h"

namespace drover::store {

// One column of the current row, read the way SQLiteCpp's Column was.
class Column {
 public:
  Column(Statement& st, int index) : st_(st), index_(index) {}
  bool isNull() const { return st_.is_null(index_); }
  std::string getString() const { return std::string(st_.text(index_)); }
  int getInt() const { return static_cast<int>(st_.int64(index_)); }
  std::int64_t getInt64() const { return st_.int64(index_); }
  double getDouble() const { return st_.real(index_); }

 private:
  Statement& st_;
  int index_;
};

// How a statement's rows are fetched: all at once, or streamed (Connection::prepare_streamed:
// a long listing read once, in order).
enum class Fetch { all, streamed };

class Stmt {
 public:
  Stmt(Connection& db, const std::string& sql, Fetch fetch = Fetch::all);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  template <std::integral I>
  void bind(int index, I value) {
    st_->bind(index, static_cast<std::int64_t>(value));
  }
  void bind(int index, double value) { st_->bind(index, value); }
  void bind(int index, std::string_view text) { st_->bind(index, text); }
  void bind(int index, const std::string& text) { st_->bind(index, std::string_view(text)); }
  void bind(int index, const char* text) { st_->bind(index, std::string_view(text)); }
  void bind(int index) { st_->bind_null(index); }  // NULL
  // The next row: true while there is one.
  bool step() { return st_->step(); }
  bool executeStep() { return st_->step(); }
  // Runs a statement that returns no rows; the number of rows it changed.
  int exec();
  // Runs an INSERT … RETURNING id (one row, both engines): the new row's id. One round
  // trip on PostgreSQL, where asking for lastval() afterwards would be a second.
  std::int64_t insert_id();
  Column getColumn(int index) { return Column(*st_, index); }
  Statement& row() { return *st_; }

 private:
  Statement* st_ = nullptr;
  std::unique_ptr<Statement> own_;  // set when the cached one was busy
  bool* busy_ = nullptr;
};

// The listings' name for the same handle (they read columns through row()).
using RawStmt = Stmt;

}  // namespace drover::store
