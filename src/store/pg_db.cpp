#include "store/pg_db.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "store/commit_watch.h"
#include "store/pg_dialect.h"
#include "store/pg_lib.h"

namespace drover::store {

namespace {

// The advisory lock every write transaction takes ("drover" in ASCII).
constexpr const char* kWriteLock = "SELECT pg_advisory_xact_lock(110386840955250)";

// The end of a write transaction.
const std::string kNotifyAndCommit = std::string("SELECT pg_notify('") + kPgCommitChannel +
                                     "', coalesce(current_schema(), '')); COMMIT";

// libpq's message on one line: its lines joined with "; " (without the indentation of its
// hint lines), no trailing newline.
std::string pg_trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto at = s.find('\n'); at != std::string::npos; at = s.find('\n', at)) {
    auto text = s.find_first_not_of(" \t", at + 1);
    s.replace(at, (text == std::string::npos ? s.size() : text) - at, "; ");
  }
  return s;
}

// A result, cleared when it goes out of scope.
struct PgResult {
  PGresult* r = nullptr;
  explicit PgResult(PGresult* res) : r(res) {}
  ~PgResult() {
    if (r != nullptr) pg_lib().clear(r);
  }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
};

void pg_check(PgConnection& c, PGresult* r) {
  auto st = r != nullptr ? pg_lib().result_status(r) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
  std::string message = r != nullptr ? pg_trimmed(pg_lib().result_error_message(r)) : "";
  throw DbError(message.empty() ? c.last_error() : message);
}

class PgStatement final : public Statement {
 public:
  // `cursor`: the rows are read through a cursor (PgConnection::prepare_streamed).
  PgStatement(PgConnection& c, const std::string& sql, std::string name, bool cursor)
      : c_(c), name_(std::move(name)), cursor_(cursor) {
    int count = 0;
    std::string text = pg_placeholders(sql, count);
    if (cursor_) text = "DECLARE " + cursor_name() + " NO SCROLL CURSOR FOR " + text;
    text_ = std::move(text);
    values_.resize(static_cast<std::size_t>(count));
    formats_.assign(static_cast<std::size_t>(count), 0);
  }
  ~PgStatement() override {
    clear();
    if (prepared_ && !c_.closing())
      pg_lib().clear(pg_lib().exec(c_.handle(), ("DEALLOCATE " + name_).c_str()));
  }

  void bind(int i, std::int64_t v) override { value(i, 0) = std::to_string(v); }
  void bind(int i, double v) override {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    value(i, 0) = buf;
  }
  void bind(int i, std::string_view t) override {
    // libpq would cut the text at the NUL; PostgreSQL's text cannot hold one at all.
    if (t.find('\0') != std::string_view::npos)
      throw DbError("a text holds a NUL byte, which a PostgreSQL store cannot keep");
    value(i, 0) = std::string(t);
  }
  void bind_blob(int i, std::string_view b) override { value(i, 1) = std::string(b); }
  void bind_null(int i) override {
    slot(i).reset();
    formats_[static_cast<std::size_t>(i - 1)] = 0;
  }

  bool step() override {
    if (cursor_) {
      if (!open_) {
        run();  // DECLARE
        open_ = true;
        fetch();
      } else if (row_ + 1 >= rows_ && rows_ == kPgFetchRows) {
        fetch();
      }
      return ++row_ < rows_;
    }
    if (res_ == nullptr) {
      run();
      rows_ = pg_lib().ntuples(res_);
      row_ = -1;
    }
    return ++row_ < rows_;
  }
  int changes() override {
    if (res_ == nullptr || cursor_) return 0;
    return std::atoi(pg_lib().cmd_tuples(res_));
  }
  bool is_null(int c) override { return pg_lib().getisnull(res_, row_, c) != 0; }
  std::int64_t int64(int c) override {
    const char* v = pg_lib().getvalue(res_, row_, c);
    if (v[0] == 't') return 1;
    if (v[0] == 'f') return 0;
    char* end = nullptr;
    long long n = std::strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e') return static_cast<std::int64_t>(std::strtod(v, nullptr));
    return n;
  }
  double real(int c) override { return std::strtod(pg_lib().getvalue(res_, row_, c), nullptr); }
  std::string_view text(int c) override {
    return {pg_lib().getvalue(res_, row_, c),
            static_cast<std::size_t>(pg_lib().getlength(res_, row_, c))};
  }
  void reset() override {
    clear();
    if (open_) {
      open_ = false;
      // Ends with the transaction anyway; an aborted one refuses this, harmlessly.
      pg_lib().clear(pg_lib().exec(c_.handle(), ("CLOSE " + cursor_name()).c_str()));
    }
    for (auto& v : values_) v.reset();
    formats_.assign(formats_.size(), 0);
  }

 private:
  std::string cursor_name() const { return name_ + "_rows"; }

  // Runs the prepared statement with the bound values; its result becomes res_.
  void run() {
    clear();
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values[i] = values_[i] ? values_[i]->c_str() : nullptr;
      lengths[i] = values_[i] ? static_cast<int>(values_[i]->size()) : 0;
    }
    // Prepared on the second run: a command that runs a statement once (most of them)
    // pays one round trip for it instead of two; a long-lived process parses each once.
    if (!prepared_ && ran_) {
      PgResult r(pg_lib().prepare(c_.handle(), name_.c_str(), text_.c_str(), 0, nullptr));
      pg_check(c_, r.r);
      prepared_ = true;
    }
    ran_ = true;
    const int n = static_cast<int>(values.size());
    res_ = prepared_ ? pg_lib().exec_prepared(c_.handle(), name_.c_str(), n, values.data(),
                                              lengths.data(), formats_.data(), 0)
                     : pg_lib().exec_params(c_.handle(), text_.c_str(), n, nullptr, values.data(),
                                            lengths.data(), formats_.data(), 0);
    pg_check(c_, res_);
  }

  // The cursor's next batch of rows becomes res_.
  void fetch() {
    clear();
    res_ = pg_lib().exec(
        c_.handle(), ("FETCH " + std::to_string(kPgFetchRows) + " FROM " + cursor_name()).c_str());
    pg_check(c_, res_);
    rows_ = pg_lib().ntuples(res_);
    row_ = -1;
  }

  std::optional<std::string>& slot(int i) {
    if (i < 1 || static_cast<std::size_t>(i) > values_.size())
      throw DbError("no parameter " + std::to_string(i) + " in statement " + name_);
    return values_[static_cast<std::size_t>(i - 1)];
  }
  std::string& value(int i, int format) {
    auto& s = slot(i);
    formats_[static_cast<std::size_t>(i - 1)] = format;
    s.emplace();
    return *s;
  }
  void clear() {
    if (res_ != nullptr) pg_lib().clear(res_);
    res_ = nullptr;
    rows_ = 0;
    row_ = -1;
  }

  PgConnection& c_;
  std::string name_;
  std::string text_;  // the SQL as PostgreSQL gets it
  bool cursor_ = false;
  bool open_ = false;      // the cursor is declared
  bool ran_ = false;       // run at least once
  bool prepared_ = false;  // prepared on the server as name_
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
  PGresult* res_ = nullptr;
  int rows_ = 0;
  int row_ = -1;
};

void pg_ignore_notice(void*, const char*) {}

}  // namespace

PgConnection::PgConnection(const std::string& uri) : uri_(uri) {
  conn_ = pg_lib().connectdb(uri.c_str());
  if (conn_ == nullptr || pg_lib().status(conn_) != CONNECTION_OK) {
    std::string why = conn_ != nullptr ? last_error() : "out of memory";
    if (conn_ != nullptr) pg_lib().finish(conn_);
    conn_ = nullptr;
    throw DbError("cannot connect: " + why);
  }
  // "relation already exists, skipping" and the like would go to stderr.
  pg_lib().set_notice_processor(conn_, pg_ignore_notice, nullptr);
}

PgConnection::~PgConnection() {
  closing_ = true;  // the server forgets the prepared statements with the session
  forget_statements();
  if (conn_ != nullptr) pg_lib().finish(conn_);
}

std::string PgConnection::last_error() const { return pg_trimmed(pg_lib().error_message(conn_)); }

void PgConnection::exec(const std::string& sql) {
  PgResult r(pg_lib().exec(conn_, sql.c_str()));
  pg_check(*this, r.r);
}

std::unique_ptr<Statement> PgConnection::prepare(const std::string& sql) {
  return std::make_unique<PgStatement>(*this, sql, "drover_" + std::to_string(++next_name_), false);
}

std::unique_ptr<Statement> PgConnection::prepare_streamed(const std::string& sql) {
  return std::make_unique<PgStatement>(*this, sql, "drover_" + std::to_string(++next_name_), true);
}

void PgConnection::begin(bool write) {
  writing_ = write;
  if (write) {
    // One round trip: both statements go in one simple-protocol message.
    try {
      exec(std::string("BEGIN ISOLATION LEVEL READ COMMITTED; ") + kWriteLock);
    } catch (...) {
      rollback();
      throw;
    }
  } else {
    exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  }
}

void PgConnection::commit() {
  // A write wakes the followers (store/commit_watch.h): the notification is delivered when
  // the commit is visible, and goes in the same round trip as the COMMIT.
  PgResult r(pg_lib().exec(conn_, writing_ ? kNotifyAndCommit.c_str() : "COMMIT"));
  pg_check(*this, r.r);
  // COMMIT of a transaction an error aborted succeeds as a ROLLBACK.
  if (std::string_view(pg_lib().cmd_status(r.r)) == "ROLLBACK")
    throw DbError("the transaction was rolled back after an earlier error");
}

void PgConnection::rollback() noexcept { pg_lib().clear(pg_lib().exec(conn_, "ROLLBACK")); }

int PgConnection::schema_version() {
  PgResult exists(pg_lib().exec(conn_, "SELECT to_regclass('drover_schema') IS NOT NULL"));
  pg_check(*this, exists.r);
  if (pg_lib().getvalue(exists.r, 0, 0)[0] != 't') return 0;
  PgResult r(pg_lib().exec(conn_, "SELECT coalesce(max(version), 0) FROM drover_schema"));
  pg_check(*this, r.r);
  return std::atoi(pg_lib().getvalue(r.r, 0, 0));
}

void PgConnection::set_schema_version(int version) {
  exec(
      "CREATE TABLE IF NOT EXISTS drover_schema (version INTEGER NOT NULL); "
      "DELETE FROM drover_schema; INSERT INTO drover_schema VALUES (" +
      std::to_string(version) + ")");
}

std::string PgConnection::ddl(std::string_view sqlite_sql) const { return pg_ddl(sqlite_sql); }

// PostgreSQL checks its pages itself (checksums, WAL); a failing query is the problem.
std::string PgConnection::integrity_check() {
  exec("SELECT 1");
  return "ok";
}

Error PgConnection::error_of(const std::exception& e) {
  return make_error(Errc::failed, "database " + pg_redacted(uri_) + ": " + e.what());
}

}  // namespace drover::store
