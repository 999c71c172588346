// fault_cost: what a page fault costs on this machine (docs/performance.md). Not a test:
// it asserts nothing.
//
//   fault_cost [PAGES] [ROUNDS]
//
// Maps PAGES (default 200) fresh anonymous pages and writes one byte to each, ROUNDS times
// (default 5) for each of three ways: faulted one by one on first touch; populated first
// with madvise(MADV_POPULATE_WRITE); mapped with MAP_POPULATE. Prints, per way, the median
// µs per page (populating and touching together).
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace {

double now_us() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// One round: µs per page, or a negative value if the kernel refused the way.
double round_us(std::size_t pages, int way) {
  std::size_t size = pages * 4096;
  double t0 = now_us();
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | (way == 2 ? MAP_POPULATE : 0);
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (m == MAP_FAILED) return -1;
  auto* p = static_cast<volatile char*>(m);
  if (way == 1 && madvise(m, size, MADV_POPULATE_WRITE) != 0) {
    munmap(m, size);
    return -1;
  }
  for (std::size_t i = 0; i < size; i += 4096) p[i] = 1;
  double us = (now_us() - t0) / static_cast<double>(pages);
  munmap(m, size);
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t pages = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (pages == 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: fault_cost [PAGES] [ROUNDS]\n");
    return 2;
  }
  const char* names[] = {"first touch", "MADV_POPULATE_WRITE, then touch",
                         "MAP_POPULATE, then touch"};
  for (int way = 0; way < 3; ++way) {
    std::vector<double> us;
    for (int r = 0; r < rounds; ++r) us.push_back(round_us(pages, way));
    std::sort(us.begin(), us.end());
    double median = us[us.size() / 2];
    if (median < 0) std::printf("%s: refused by the kernel\n", names[way]);
    else
      std::printf("%s: %.2f µs per page (%zu pages, median of %d)\n", names[way], median, pages,
                  rounds);
  }
  return 0;
}
