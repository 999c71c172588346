#pragma once
// Small helpers for binding and reading optional values (store-internal), on a cached
// Stmt (store/statement.h) and its current row.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/statement.h"

namespace drover::store {

inline void bind_opt(Stmt& st, int idx, const std::optional<std::string>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}
inline void bind_opt(Stmt& st, int idx, const std::optional<std::int64_t>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}
inline void bind_opt(Stmt& st, int idx, const std::optional<double>& v) {
  if (v) st.bind(idx, *v);
  else st.bind(idx);
}
inline std::optional<std::string> opt_text(const Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}
inline std::optional<std::int64_t> opt_int(const Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getInt64();
}
inline std::optional<double> opt_real(const Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getDouble();
}

// Columns of the current row read in place: the text stays valid until the statement
// steps again or is reset.
inline std::string_view column_text(Statement& st, int i) { return st.text(i); }
inline std::optional<std::string_view> column_opt_text(Statement& st, int i) {
  if (st.is_null(i)) return std::nullopt;
  return st.text(i);
}
inline std::optional<std::int64_t> column_opt_int(Statement& st, int i) {
  if (st.is_null(i)) return std::nullopt;
  return st.int64(i);
}
inline std::optional<double> column_opt_real(Statement& st, int i) {
  if (st.is_null(i)) return std::nullopt;
  return st.real(i);
}

}  // namespace drover::store
