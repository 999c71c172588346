#pragma once
// Plain file-descriptor I/O for logs and transcripts.
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "core/result.h"

namespace drover::os {

// open(O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, mode).
Result<int> open_append(const std::filesystem::path& path, unsigned mode = 0600);
// Writes everything, retrying on EINTR and short writes.
Status write_all(int fd, std::string_view data);
// Non-blocking read of what is available now: >0 bytes, 0 at EOF, -1 when nothing is
// ready (EAGAIN) or on error.
long read_some_now(int fd, char* buf, unsigned long size);
void set_nonblocking(int fd);
void close_fd(int& fd);

// Writes `text` to a stdio stream and flushes it, so a pipe sees each line as it happens.
// When the reader has gone (EPIPE: `drover log --follow | head -1`), the process ends at once
// with exit 0, as a filter's producer should: nothing else it would print could be read.
void write_line_or_quit(std::FILE* f, std::string_view text);
// Writes `text` as is (no newline added, no flush: a listing's pieces), ending the process
// like write_line_or_quit when the reader has gone; flush_or_quit flushes the same way.
void write_or_quit(std::FILE* f, std::string_view text);
void flush_or_quit(std::FILE* f);

}  // namespace drover::os
