// Independent oracle for the approximate LNS operations of /work/spec/lns_approx_spec.md (issue 15, second
// part): lnsadd:FMT with --method lut (lut_bits = T) and --method mitchell, and the LNS-Madam
// multiply-accumulate lnsmac:FMT:ACC[:K] (madam_bins = H, madam_cbits = CB). Written from the
// specification text alone; it shares no code with model/ (nor with tests/oracle/lns_oracle.*).
//
// - The table constants (Gadd / Gsub at 2^(F+GF) scale, C[j] = 2^(j/2^H) 2^CB) are nearest integers of
//   reals computed with MPFR at 256 bits; a value closer than 2^-100 to a half-integer that is not an
//   exact integer aborts (the spec says no ties occur; a tie would be a question, not a guess).
// - The integer algorithms are written as the spec states them, in __int128 (every intermediate is
//   bounded well inside it for the formats lnsW_F allows; the Madam sum checks its bound and aborts).
// - phi(d, sub) = 2^F log2(1 +- 2^(-d/2^F)), the exact Gaussian logarithm in ulps, by MPFR, for the
//   error tables: the exact real result's log is big.L + phi.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lnsa {

using i128 = __int128;
using u128 = unsigned __int128;

constexpr uint8_t NV = 0x10, DZ = 0x08, OF = 0x04, UF = 0x02, NX = 0x01;
constexpr int GF = 4;  // the lut's guard bits

// lnsW_F.
struct Lns {
  int W = 0, F = 0;
  int64_t lmax() const { return (int64_t{1} << (W - 2)) - 1; }
  int64_t one() const { return int64_t{1} << F; }
  uint64_t mask() const { return (uint64_t{1} << W) - 1; }
  uint64_t zero() const { return uint64_t{1} << (W - 2); }
  uint64_t nan() const { return (uint64_t{1} << (W - 1)) | (uint64_t{1} << (W - 2)); }
  int db() const;  // DB = F + ceil(log2(F + 2))
  int qb() const;  // QB = ceil(2 Lmax / 2^F)
};
Lns lns(const std::string& name);  // "lnsW_F"; aborts on anything else

struct Val {
  enum Kind { Zero, NaN, Fin } kind = Zero;
  bool neg = false;
  int64_t L = 0;
};
Val decode(const Lns& f, uint64_t code);
uint64_t encode(const Lns& f, bool neg, int64_t L);  // L in [-Lmax, Lmax]

struct Result {
  uint64_t bits = 0;
  uint8_t flags = 0;
  bool operator==(const Result&) const = default;
};

// Nearest integer to 2^scale * log2(1 + 2^(-d/2^F)) (sub = false) or log2(1 - 2^(-d/2^F)) (sub, d >= 1).
int64_t gauss_nearest(int F, int64_t d, bool sub, int scale);
// 2^F log2(1 +- 2^(-d/2^F)) as a double (sub needs d >= 1), and its nearest integer (ties abort).
double phi(int F, int64_t d, bool sub);
int64_t phi_rounded(int F, int64_t d, bool sub);

// The lut method's tables for lnsW_F and T = lut_bits.
class Lut {
 public:
  Lut(const Lns& f, int T);
  int T() const { return T_; }
  int S() const { return S_; }
  int64_t gadd(int64_t i) const { return i == (int64_t{1} << T_) ? 0 : add_[static_cast<size_t>(i)]; }
  int64_t gsub(int64_t i) const { return i == (int64_t{1} << T_) ? 0 : sub_[static_cast<size_t>(i)]; }
  int64_t g(int64_t d, bool sub) const;  // the spec's g for d >= 0 (not d == 0 with sub)

 private:
  Lns f_;
  int T_ = 0, S_ = 0, DB_ = 0;
  std::vector<int64_t> add_, sub_;
};

int64_t mitchell_g(int F, int64_t d, bool sub);  // the spec's g (not d == 0 with sub)

enum class Method { Lut, Mitchell };

// lnsadd with method lut (lut != nullptr) or mitchell (lut == nullptr). *R receives the unclamped
// log big.L + g when the result goes through the method (else left alone), *g_out the g.
Result lnsadd(const Lns& f, const Lut* lut, uint64_t a, uint64_t b, int64_t* R = nullptr, int64_t* g_out = nullptr);

// A fixed-point ACC of lnsmac: fxW_P, intN (int8, int32 ...): W bits two's complement, P fraction bits.
struct Acc {
  int W = 0, P = 0;
  uint64_t mask() const { return W == 64 ? ~uint64_t{0} : (uint64_t{1} << W) - 1; }
};
Acc acc(const std::string& name);  // aborts on anything else

// C[j] = nearest integer to 2^(j/2^H) 2^CB.
std::vector<int64_t> madam_c(int H, int CB);

class Madam {
 public:
  // H = -1 means the default, F.
  Madam(const Lns& f, const Acc& acc, int K, int H, int CB);
  // a[K], b[K] codes of f, c a code of acc.
  Result eval(const uint64_t* a, const uint64_t* b, uint64_t c) const;
  // V of step 3 (no accumulator), for the error study; 0 when a NaN is present.
  i128 v(const uint64_t* a, const uint64_t* b) const;
  int shift() const { return f_.qb() + f_.F + CB_; }  // V's fraction bits
  const std::vector<int64_t>& C() const { return C_; }

 private:
  Lns f_;
  Acc acc_;
  int K_, H_, CB_;
  std::vector<int64_t> C_;
};

// Hand-worked checks of the oracle; "" or the first failure.
std::string self_check();

}  // namespace lnsa
