#pragma once
// Small helpers for binding and reading optional values (store-internal). The binders
// take a SQLite::Statement or a cached Stmt (store/statement.h).
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <optional>
#include <string>

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

}  // namespace drover::store
