// A program outside the tree built against an installed fmalab (find_package or pkg-config): only
// <fmalab/fmalab.hpp>. Expected values are worked by hand, not by the library.
#include <cstdio>
#include <fmalab/fmalab.hpp>
#include <vector>

int main() {
  std::string why;
  const auto op = fmalab::make_operation("fma:e4m3:fp32", fmalab::Options{}, &why);
  if (!op) return std::fprintf(stderr, "%s\n", why.c_str()), 1;
  // e4m3 0x38 = 1.0, 0x40 = 2.0, 0x7e = 448; fp32 0x3f800000 = 1.0.
  const std::vector<uint8_t> a = {0x38, 0x40, 0x7e};
  const std::vector<uint8_t> b = {0x40, 0x40, 0x7e};
  const std::vector<uint32_t> c = {0x3f800000, 0x00000000, 0x3f800000};
  std::vector<uint32_t> y(3);
  std::vector<uint8_t> flags(3);
  const fmalab::Column in[] = {{a.data(), 1, 1}, {b.data(), 1, 1}, {c.data(), 4, 4}};
  const fmalab::MutableColumn out[] = {{y.data(), 4, 4}};
  fmalab::evaluate(*op, 3, in, out, flags.data());
  // 1*2+1 = 3 = 0x40400000; 2*2 = 4 = 0x40800000; 448*448+1 = 200705 (exact in fp32) = 0x48440040.
  const uint32_t want[] = {0x40400000, 0x40800000, 0x48440040};
  for (int i = 0; i < 3; ++i)
    if (y[i] != want[i] || flags[i] != 0)
      return std::fprintf(stderr, "vector %d: got %08x flags %x, want %08x\n", i, y[i], flags[i], want[i]), 1;
  // fp32 1/3 (0x3eaaaaab) into bf16: the cut 0xaaab is above half, so 0x3eab, inexact (NX, bit 0).
  const auto cvt = fmalab::make_operation("cvt:fp32:bf16", fmalab::Options{}, &why);
  if (!cvt) return std::fprintf(stderr, "%s\n", why.c_str()), 1;
  const uint64_t third = 0x3eaaaaab;
  uint64_t r = 0;
  const uint8_t f = cvt->eval({&third, 1}, {&r, 1});
  if (r != 0x3eab || f != 0x01) return std::fprintf(stderr, "cvt: got %llx flags %x\n", (unsigned long long)r, f), 1;
  std::printf("consumer ok\n");
  return 0;
}
