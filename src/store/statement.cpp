#include "store/statement.h"

namespace drover::store {

Stmt::Stmt(Connection& db, const std::string& sql, Fetch fetch) {
  const bool streamed = fetch == Fetch::streamed;
  auto prepare = [&] { return streamed ? db.prepare_streamed(sql) : db.prepare(sql); };
  // A streamed statement is another statement of the same text (a cursor on PostgreSQL).
  auto& entry = db.cached(streamed ? "streamed: " + sql : sql);
  if (entry.busy) {
    own_ = prepare();
    st_ = own_.get();
    return;
  }
  if (!entry.statement) entry.statement = prepare();
  entry.busy = true;
  busy_ = &entry.busy;
  st_ = entry.statement.get();
}

Stmt::~Stmt() {
  if (own_) return;
  try {
    st_->reset();
  } catch (...) {
    // A reset may report the last step's error again; the statement is reusable anyway.
  }
  *busy_ = false;
}

std::int64_t Stmt::insert_id() {
  if (!st_->step()) throw DbError("an INSERT … RETURNING id returned no row");
  std::int64_t id = st_->int64(0);
  while (st_->step()) {
  }
  return id;
}

int Stmt::exec() {
  while (st_->step()) {
  }
  return st_->changes();
}

}  // namespace drover::store
