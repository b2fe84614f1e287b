// Independent exact oracle for the logarithmic formats lnsW_F (issue 15, first part: conversions,
// lnsmul, lnsadd exact), written from the specification alone (README "Logarithmic number formats").
// It shares no code with model/;
// float and fixed-point formats are decoded and rounded into by tests/oracle/oracle.cpp (the
// project's independent MPFR oracle for those formats).
//
// How each question is decided exactly. Let n = 2^F (destination) and y = n * log2|x|; every
// rounding question is a comparison of y with a rational (Lmin, Lmin - n, L0, L0 + 1, L0 + 1/2) or,
// for the linear domain, of y - L0 with C_F = n * log2((1 + 2^(1/n)) / 2) (|x| against the midpoint
// (lo + hi) / 2 = 2^(L0/n) (1 + 2^(1/n)) / 2).
// - |x| = 2^(K/2^G) (an LNS source, a product, a power-of-two float, the sums x + x and x - x/2): y is
//   a rational and every comparison with a rational is exact integer arithmetic. Against C_F it is
//   never equal (C_0 = log2 1.5 is irrational; for F >= 1, (1 + 2^(1/n)) / 2 is no power of 2^(1/M):
//   its norm in Q(2^(1/n)) is -2^-n) and is decided by intervals.
// - |x| a dyadic rational that is no power of two (a float or fixed-point source; an lns*_0 sum):
//   log2|x| is irrational, so never equal to a rational: decided by intervals. For F = 0 the linear
//   midpoint 3 * 2^(L0 - 1) is dyadic and compared exactly (ties happen there).
// - |x| = 2^(A/n) + 2^(B/n) or 2^(A/n) - 2^(B/n), A > B, F >= 1, not one of the exact cases: no grid
//   point, no log midpoint (2^(1/2n) is not in Q(2^(1/n))), and a linear midpoint only for the sum
//   with A - B = 1, where it is exactly the midpoint above L0 = B + n (2^(B/n) (1 + 2^(1/n))): that
//   tie is set by hand; everything else by intervals.
// Intervals: MPFR with directed rounding (RNDD / RNDU) at 256 bits, then 1024, 4096 and 16384 if a
// comparison is not yet decided; undecided at the last precision is an abort (a tie this reasoning
// did not foresee), never a guess.
#pragma once

#include <mpfr.h>

#include <cstdint>
#include <memory>
#include <string>

#include "oracle/oracle.hpp"

namespace lnso {

constexpr uint8_t NV = 0x10, DZ = 0x08, OF = 0x04, UF = 0x02, NX = 0x01;
enum Mode { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4 };
enum Domain { Log = 0, Linear = 1 };
const char* mode_name(int m);
const char* domain_name(int d);

struct Lns {
  std::string name;
  int W = 0, F = 0;
  uint64_t mask() const { return W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1; }
  uint64_t zero() const { return uint64_t{1} << (W - 2); }
  uint64_t nan() const { return uint64_t{1} << (W - 1) | uint64_t{1} << (W - 2); }
  int64_t lmax() const { return (int64_t{1} << (W - 2)) - 1; }
  int64_t lmin() const { return -lmax(); }
  int64_t n() const { return int64_t{1} << F; }
};
bool is_lns(const std::string& name);
Lns lns(const std::string& name);  // "lnsW_F", 3 <= W <= 32, 0 <= F <= W - 2; aborts otherwise

struct LnsVal {
  enum Kind { Zero, NaN, Fin } kind = Zero;
  bool neg = false;
  int64_t L = 0;
};
LnsVal decode(const Lns& f, uint64_t code);
uint64_t encode(const Lns& f, bool neg, int64_t L);  // L in [Lmin, Lmax]

struct Result {
  uint64_t bits = 0;
  uint8_t flags = 0;
  bool operator==(const Result&) const = default;
};

// The mode- and domain-independent facts of rounding a nonzero finite |x| into a destination.
struct Analysis {
  bool tiny = false;     // |x| < m_min
  int half = 0;          // tiny: sign of |x| - m_min / 2
  int64_t L0 = 0;        // floor(n log2 |x|)
  bool exact = false;    // |x| == 2^(L0/n)
  int log_half = 0;      // sign of n log2|x| - L0 - 1/2
  int lin_mid = 0;       // sign of |x| - (lo + hi) / 2
};

// An operation's outcome before the mode and domain are applied: a special result, or a signed real
// with its analysis.
struct Prepared {
  bool special = false;
  Result res;
  bool neg = false;
  Analysis an;
};

// The rounding of the spec (tiny rule, L0 / lo / hi, mode and domain, overflow saturates).
Result finish(const Lns& dst, const Prepared& p, int mode, int domain);

// The analyses of the three kinds of magnitude.
Analysis analyze_pow2(const Lns& dst, int64_t K, int G);   // |x| = 2^(K / 2^G)
Analysis analyze_dyadic(const Lns& dst, mpfr_srcptr a);    // |x| = a, exact, > 0
// |x| = 2^(A/n) + 2^(B/n) (minus = false) or 2^(A/n) - 2^(B/n), A > B, n of dst (lnsadd in dst's format),
// not an exact case (plus with A == B, minus with A - B == n).
Analysis analyze_sum(const Lns& dst, int64_t A, int64_t B, bool minus);

// cvt:SRC:lnsW_F for a float / fixed-point SRC (tests/oracle/oracle.hpp's formats).
Prepared to_lns(const oracle::Fmt& src, uint64_t code, const Lns& dst, bool saturate);
// cvt:lnsW_F:lnsW'_F'.
Prepared lns_to_lns(const Lns& src, uint64_t code, const Lns& dst);
Prepared lnsmul(const Lns& f, uint64_t a, uint64_t b);
Prepared lnsadd(const Lns& f, uint64_t a, uint64_t b);

// cvt:lnsW_F:DST for a non-LNS DST: the value 2^(L/n) held as an interval (or exactly), rounded by
// oracle::Oracle at both ends; the ends must agree (else a finer interval is taken).
class FromLns {
 public:
  FromLns();
  ~FromLns();
  FromLns(const FromLns&) = delete;
  FromLns& operator=(const FromLns&) = delete;
  void set(const Lns& src, uint64_t code);
  Result round(oracle::Oracle& dst, int mode, bool saturate);

 private:
  void bounds(int prec);
  Lns src_;
  LnsVal v_;
  int prec_ = 0;
  bool exact_ = false;
  oracle::Real lo_, hi_;
};

// Hand-worked checks of the oracle itself; "" or the first failure.
std::string self_check();

}  // namespace lnso
