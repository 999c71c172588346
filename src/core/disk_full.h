#pragma once
// The one wording of "the disk is full" (ENOSPC, EDQUOT, SQLITE_FULL), whichever layer
// ran into it: one line naming the file, the free space and what to do. Pure: the
// caller measures the free space.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "core/result.h"

namespace drover {

// ENOSPC or EDQUOT: no room left for this write.
bool is_disk_full_errno(int err);

// Errc::failed: "the disk holding PATH is full (N bytes free): free space and retry"
// ("(free space unknown)" when it could not be measured).
Error disk_full_error(const std::filesystem::path& path, std::optional<std::uintmax_t> free_bytes);

// Whether `message` is such an error (for callers that only have the text, such as a
// settle failure reported in a log line).
bool is_disk_full_message(const std::string& message);

}  // namespace drover
