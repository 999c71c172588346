#pragma once
// The argv/envp arrays exec and posix_spawn take, over strings the caller keeps alive.
#include <string>
#include <vector>

namespace drover::os {

// Pointers to each string's characters, then a null pointer.
inline std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace drover::os
