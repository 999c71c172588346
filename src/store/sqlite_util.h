#pragma once
// Small helpers for binding and reading optional values (store-internal). The binders
// take a SQLite::Statement or a cached Stmt (store/statement.h).
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover::store {

template <class Query>
inline void bind_opt(Query& st, int idx, const std::optional<std::string>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}
template <class Query>
inline void bind_opt(Query& st, int idx, const std::optional<std::int64_t>& v) {
  if (v) st.bind(idx, static_cast<int64_t>(*v));
  else st.bind(idx);
}
template <class Query>
inline void bind_opt(Query& st, int idx, const std::optional<double>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}
inline std::optional<std::string> opt_text(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}
inline std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}
inline std::optional<double> opt_real(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

// Columns of the current row read in place (Stmt::handle()): the text stays valid until
// the statement steps again or is reset.
inline std::string_view column_text(sqlite3_stmt* st, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  if (!p) return {};
  return {p, static_cast<std::size_t>(sqlite3_column_bytes(st, i))};
}
inline std::optional<std::string_view> column_opt_text(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return std::nullopt;
  return column_text(st, i);
}
inline std::optional<std::int64_t> column_opt_int(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(st, i);
}
inline std::optional<double> column_opt_real(sqlite3_stmt* st, int i) {
  if (sqlite3_column_type(st, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(st, i);
}

}  // namespace drover::store
