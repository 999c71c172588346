#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "os/files.h"
#include "temp_dir.h"

using namespace drover;
using namespace drover::os;
namespace fs = std::filesystem;

namespace {

using drover::test::TempDir;

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  return names;
}

}  // namespace

TEST_CASE("write_file_atomic then read_file round trip, mode 0600, no temp files") {
  TempDir dir;
  auto target = dir.path / "turn.pid";
  REQUIRE(write_file_atomic(target, "1 2 3 boot\n").ok());
  auto text = read_file(target);
  REQUIRE(text.ok());
  CHECK(*text == "1 2 3 boot\n");
  CHECK(mode_of(target) == 0600);
  CHECK(names_in(dir.path) == std::vector<std::string>{"turn.pid"});
}

TEST_CASE("write_file_atomic without sync (pid files) is still atomic and private") {
  TempDir dir;
  auto target = dir.path / "turn.pid";
  REQUIRE(write_file_atomic(target, "old\n").ok());
  REQUIRE(write_file_atomic(target, "4 4 9 boot\n", 0600, Durability::volatile_).ok());
  auto text = read_file(target);
  REQUIRE(text.ok());
  CHECK(text.value() == "4 4 9 boot\n");
  CHECK(mode_of(target) == 0600);
  CHECK(names_in(dir.path) == std::vector<std::string>{"turn.pid"});
}

TEST_CASE("write_file_atomic replaces an existing file and applies the mode") {
  TempDir dir;
  auto target = dir.path / "config.toml";
  REQUIRE(write_file_atomic(target, "old contents that are longer").ok());
  REQUIRE(write_file_atomic(target, "new", 0644).ok());
  CHECK(read_file(target).value() == "new");
  CHECK(mode_of(target) == 0644);
  CHECK(names_in(dir.path).size() == 1);
}

TEST_CASE("write_file_atomic handles empty and large contents") {
  TempDir dir;
  auto empty = dir.path / "empty";
  REQUIRE(write_file_atomic(empty, "").ok());
  CHECK(read_file(empty)->empty());

  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  auto large = dir.path / "large";
  REQUIRE(write_file_atomic(large, big).ok());
  auto back = read_file(large);
  REQUIRE(back.ok());
  CHECK(*back == big);
}

TEST_CASE("write_file_atomic fails cleanly when the target is a directory") {
  TempDir dir;
  auto target = dir.path / "agents";
  REQUIRE(fs::create_directory(target));
  auto r = write_file_atomic(target, "x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::failed);
  CHECK(r.error().message.find(target.string()) != std::string::npos);
  CHECK(fs::is_directory(target));
  CHECK(names_in(dir.path) == std::vector<std::string>{"agents"});
}

TEST_CASE("write_file_atomic fails when the directory is missing or unwritable") {
  TempDir dir;
  auto missing = dir.path / "nope" / "file";
  auto r = write_file_atomic(missing, "x");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(missing.string()) != std::string::npos);
  CHECK(r.error().message.find("No such file or directory") != std::string::npos);

  if (::geteuid() != 0) {  // root ignores directory permissions
    auto locked = dir.path / "ro";
    REQUIRE(fs::create_directory(locked));
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    auto denied = write_file_atomic(locked / "file", "x");
    REQUIRE_FALSE(denied.ok());
    CHECK(denied.error().message.find("Permission denied") != std::string::npos);
    fs::permissions(locked, fs::perms::owner_all);
  }
}

TEST_CASE("write_file_atomic with a relative path") {
  TempDir dir;
  auto old_cwd = fs::current_path();
  fs::current_path(dir.path);
  auto r = write_file_atomic("plain", "relative");
  fs::current_path(old_cwd);
  REQUIRE(r.ok());
  CHECK(read_file(dir.path / "plain").value() == "relative");
  CHECK(names_in(dir.path).size() == 1);
}

TEST_CASE("read_file: missing is not_found, a directory is failed") {
  TempDir dir;
  auto missing = read_file(dir.path / "missing");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().message.find("missing") != std::string::npos);

  auto directory = read_file(dir.path);
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().code == Errc::failed);
}

TEST_CASE("make_fd_private sets an open file to 0600 whatever it was created with") {
  TempDir dir;
  auto path = dir.path / "supervisor.log";
  mode_t old = ::umask(0);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  ::umask(old);
  REQUIRE(fd >= 0);
  CHECK(mode_of(path) == 0666);
  CHECK(make_fd_private(fd).ok());
  CHECK(mode_of(path) == 0600);
  ::close(fd);
  CHECK_FALSE(make_fd_private(fd).ok());  // closed: an error, not a crash
}

TEST_CASE("make_private_dirs creates every missing level with mode 0700") {
  TempDir dir;
  auto deep = dir.path / "a" / "b" / "c";
  REQUIRE(make_private_dirs(deep).ok());
  CHECK(fs::is_directory(deep));
  CHECK(mode_of(dir.path / "a") == 0700);
  CHECK(mode_of(dir.path / "a" / "b") == 0700);
  CHECK(mode_of(deep) == 0700);
  // Idempotent, with or without a trailing separator.
  CHECK(make_private_dirs(deep).ok());
  CHECK(make_private_dirs(deep.string() + "/").ok());
}

TEST_CASE("make_private_dirs leaves existing directories alone") {
  TempDir dir;
  auto existing = dir.path / "shared";
  REQUIRE(fs::create_directory(existing));
  fs::permissions(existing, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  REQUIRE(make_private_dirs(existing / "mine").ok());
  CHECK(mode_of(existing) == 0750);
  CHECK(mode_of(existing / "mine") == 0700);
}

TEST_CASE("make_private_dirs fails when a file is in the way") {
  TempDir dir;
  auto file = dir.path / "file";
  REQUIRE(write_file_atomic(file, "x").ok());
  auto r = make_private_dirs(file / "sub");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(file.string()) != std::string::npos);
  auto same = make_private_dirs(file);
  REQUIRE_FALSE(same.ok());
  CHECK(same.error().message.find(file.string()) != std::string::npos);
}

TEST_CASE("remove_file removes, and a missing file is fine") {
  TempDir dir;
  auto file = dir.path / "turn.pid";
  REQUIRE(write_file_atomic(file, "x").ok());
  REQUIRE(remove_file(file).ok());
  CHECK_FALSE(fs::exists(file));
  CHECK(remove_file(file).ok());

  auto sub = dir.path / "sub";
  REQUIRE(fs::create_directory(sub));
  auto r = remove_file(sub);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(sub.string()) != std::string::npos);
}

TEST_CASE("file_identity tells a replaced or deleted file from the one that was there") {
  drover::test::TempDir dir;
  auto path = dir.path / "db";
  CHECK_FALSE(drover::os::file_identity(path).has_value());
  std::ofstream(path) << "one";
  auto first = drover::os::file_identity(path);
  REQUIRE(first);
  std::ofstream(path, std::ios::app) << "more";  // the same file, written to
  CHECK(drover::os::file_identity(path) == first);
  std::ofstream(dir.path / "db.new") << "two";
  std::filesystem::rename(dir.path / "db.new", path);  // replaced under the same name
  CHECK(drover::os::file_identity(path) != first);
  std::filesystem::remove(path);
  CHECK_FALSE(drover::os::file_identity(path).has_value());
}
