#pragma once
// What the fuzz targets assert beyond "does not crash". A violated property prints the
// condition and traps, so libFuzzer keeps the input as a crash artifact.
#include <cstdio>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                       \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      __builtin_trap();                                                                        \
    }                                                                                          \
  } while (0)

namespace drover::fuzz {

// Well-formed UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing
// above U+10FFFF.
bool valid_utf8(std::string_view s);

// True when s holds a byte a terminal would act on: C0 controls, DEL, or a C1 control
// (U+0080..U+009F, encoded C2 80..C2 9F). Bytes listed in `allowed` (e.g. "\n\t") pass.
bool has_control(std::string_view s, std::string_view allowed = {});

// Number of UTF-8 code points (lead bytes) in s.
std::size_t code_points(std::string_view s);

// Every byte is in 0x20..0x7E.
bool printable_ascii(std::string_view s);

}  // namespace drover::fuzz
