#pragma once
// A temporary directory for one test, removed with everything in it afterwards.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace drover::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = "/tmp/drover-unit-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have made it read-only.
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace drover::test
