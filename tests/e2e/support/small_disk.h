#pragma once
// A full disk on demand: a small tmpfs mounted on a test project's root (before
// `drover init`), a filler file that takes all its room, and freeing it again. Mounting
// needs root (CI runs the tests as root); elsewhere `mounted()` is false and the test says
// it was skipped. The guard always unmounts, even when the test fails.
#include <string>

#include "support/project.h"

namespace e2e {

class SmallDisk {
 public:
  // Mounts a tmpfs of `size` (mount(8) syntax, "4m") on p.root(), which must be empty.
  explicit SmallDisk(const TempProject& p, const std::string& size = "4m");
  // Frees the disk, stops any supervisor (`drover down --now`) and unmounts.
  ~SmallDisk();
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  // False (after a MESSAGE saying why) when the tmpfs could not be mounted: skip the test.
  bool mounted() const { return mounted_; }
  // Writes a filler file until the disk is full (ENOSPC).
  void fill() const;
  // Removes the filler file.
  void release() const;

 private:
  const TempProject& p_;
  bool mounted_ = false;
};

}  // namespace e2e
