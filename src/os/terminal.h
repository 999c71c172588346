#pragma once
// What the terminal and the local clock look like to a command printing for a person.
#include <string>

#include "core/clock.h"

namespace drover::os {

// "14:02:13": the time of day of `t` in the local time zone (TZ, /etc/localtime).
std::string local_time_of_day(TimePoint t);

// "2026-12-04 14:02:13": the local date and time of `t`.
std::string local_date_time(TimePoint t);

// The first instant of the local calendar day `day` (midnight in TZ, or the first existing
// time after it when a clock change skips midnight).
TimePoint local_day_start(std::chrono::year_month_day day);

// The first instant of the local calendar day `now` falls on (budgets: the project's cost
// "today", as `costs --by day` counts days).
TimePoint local_day_start_of(TimePoint now);

// The width of the terminal on `fd`, or 0 when it is not a terminal (a pipe, a file).
std::size_t terminal_columns(int fd);

}  // namespace drover::os
