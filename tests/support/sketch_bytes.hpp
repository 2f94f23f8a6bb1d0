#pragma once

// Encoded sketches no honest node makes, for tests of what a receiver refuses.
#include <cstdint>
#include <string>

namespace ioc::test {

/// A sketch encoding (format 1, relative error 0.01) that is consistent in every way but its
/// size: `count` readings, all zero.
inline std::string zeros_sketch(std::uint64_t count) {
  std::string out(1, '\1');
  const auto put_double = [&out](double d) {
    out.append(reinterpret_cast<const char*>(&d), sizeof d);
  };
  const auto put_varint = [&out](std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    out.push_back(static_cast<char>(v));
  };
  put_double(0.01);
  put_varint(count);
  for (int i = 0; i < 3; ++i) put_double(0);  // sum, min, max
  put_varint(count);                          // all of them in the zero bucket
  put_varint(0);                              // no positive buckets
  put_varint(0);                              // no negative buckets
  return out;
}

}  // namespace ioc::test
