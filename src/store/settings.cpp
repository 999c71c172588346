#include "store/settings.h"

#include "store/statement.h"

namespace drover::store {

std::optional<std::string> Settings::get(std::string_view key) {
  Stmt q(db_, "SELECT value FROM settings WHERE key = ?");
  q.bind(1, std::string(key));
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getString();
}

bool Settings::set_if_absent(std::string_view key, const std::string& value) {
  Stmt q(db_, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING");
  q.bind(1, std::string(key));
  q.bind(2, value);
  return q.exec() == 1;
}

bool Settings::clear(std::string_view key) {
  Stmt q(db_, "DELETE FROM settings WHERE key = ?");
  q.bind(1, std::string(key));
  return q.exec() == 1;
}

}  // namespace drover::store
