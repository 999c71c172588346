#pragma once
// What the terminal and the local clock look like to a command printing for a person.
#include <string>

#include "core/clock.h"

namespace drover::os {

// "14:02:13": the time of day of `t` in the local time zone (TZ, /etc/localtime).
std::string local_time_of_day(TimePoint t);

// The width of the terminal on `fd`, or 0 when it is not a terminal (a pipe, a file).
std::size_t terminal_columns(int fd);

}  // namespace drover::os
