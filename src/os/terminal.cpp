#include "os/terminal.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace drover::os {

std::string local_time_of_day(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (::localtime_r(&secs, &tm) == nullptr) return "??:??:??";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string local_date_time(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (::localtime_r(&secs, &tm) == nullptr) return format_timestamp(t);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

TimePoint local_day_start(std::chrono::year_month_day day) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(day.year()) - 1900;
  tm.tm_mon = static_cast<int>(static_cast<unsigned>(day.month())) - 1;
  tm.tm_mday = static_cast<int>(static_cast<unsigned>(day.day()));
  tm.tm_isdst = -1;  // let the zone say whether that day starts in summer time
  std::time_t secs = std::mktime(&tm);
  return std::chrono::system_clock::from_time_t(secs);
}

TimePoint local_day_start_of(TimePoint now) {
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  if (::localtime_r(&secs, &tm) == nullptr) return now;
  return local_day_start(
      std::chrono::year_month_day{std::chrono::year{tm.tm_year + 1900},
                                  std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                  std::chrono::day{static_cast<unsigned>(tm.tm_mday)}});
}

std::size_t terminal_columns(int fd) {
  if (::isatty(fd) == 0) return 0;
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 80;
  return ws.ws_col;
}

}  // namespace drover::os
