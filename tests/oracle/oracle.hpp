// Independent reference for fmalab: exact arithmetic in MPFR, written apart from model/.
// It shares no code with the datapath; its format facts come from background.md
// section 1 and its own field-layout rules, and results are found by value in a table
// of every code the format has (formats up to 16 bits) or by splitting the value into exponent
// field and significand (wider formats, up to 64 bits; fp32 is cross-checked against the host's
// float encoding).
#pragma once

#include <mpfr.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace oracle {

enum class Nan { None, ExpAllOnes, MagAllOnes, NegZeroCode };

struct Fmt {
  std::string name;
  bool fixed = false;
  int bits = 0;
  // float layout
  bool is_signed = true;
  int ebits = 0, mbits = 0, bias = 0;
  bool subnormals = true;  // false: exponent field 0 is a normal binade (e8m0)
  bool inf = false;
  Nan nan = Nan::None;
  // fixed point
  int frac = 0;
};

// Facts for a format name used in tests (the named table, e4m3fn, generic eXmY[fn|fnuz], fxW_F, intN).
Fmt fmt(const std::string& name);

// Modes are RISC-V frm codes: 0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM; 5 = stochastic.
enum Mode { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, SR = 5 };

constexpr uint8_t NV = 0x10, OF = 0x04, UF = 0x02, NX = 0x01;

struct Expect {
  uint64_t bits;
  uint8_t flags;
};

// A real number, or Inf/NaN. Exact: MPFR at a precision far above any value tested.
class Real {
 public:
  enum Kind { Finite, Inf, NaN };
  Real();
  ~Real();
  Real(const Real&) = delete;
  Real& operator=(const Real&) = delete;
  Kind kind = Finite;
  bool sign = false;  // also the sign of zero
  bool signaling = false;
  mpfr_t v;           // |value| for Finite
};

class Oracle {
 public:
  explicit Oracle(const Fmt& dst);
  ~Oracle();
  Oracle(const Oracle&) = delete;
  Oracle& operator=(const Oracle&) = delete;

  // The value a code stands for, in format f.
  static void decode(const Fmt& f, uint64_t bits, Real& out);

  // The code and flags IEEE 754 / OCP / this project's documented rules give for x in dst.
  // accumulator: a fixed-point destination wraps silently (an integer adder) instead of raising OF.
  // ftz_out: a nonzero result below 2^emin becomes a signed zero with UF NX.
  Expect round(const Real& x, int mode, bool sat, uint32_t rnd = 0, int rnd_width = 0, bool accumulator = false,
               bool ftz_out = false);

  const Fmt& dst() const { return dst_; }
  uint64_t max_mag_code() const { return max_mag_code_; }  // largest finite magnitude (floats)

 private:
  Expect round_float(const Real& x, int mode, bool sat, uint32_t rnd, int rw);
  Expect round_fixed(const Real& x, int mode, bool sat, uint32_t rnd, int rw, bool accumulator);
  bool increment(int mode, bool sign, bool odd, uint32_t rnd, int rw);  // uses frac_
  uint64_t code_of(bool sign, mpfr_srcptr mag);
  uint64_t field_code(mpfr_srcptr mag);  // positive finite value -> code, by exponent and significand
  uint64_t nan_code() const;
  uint64_t max_code(bool sign) const;

  Fmt dst_;
  std::map<double, uint64_t> codes_;  // positive finite value -> code (formats up to 16 bits)
  mpfr_t max_, t_, lo_, frac_, tmp_, minnorm_, cv_;
  Real back_;  // field_code's decode-back check
  uint64_t max_mag_code_ = 0;
};

// fused a*b + c. window = 0: exact. window > 0: the documented window rule (README "FMA datapath"):
// every term's magnitude is cut to a grid of `window` bits below the largest term's leading one, with
// the cut bits ORed into one extra place below the grid when sticky, the signed terms are added as
// integers and the sum rounded once.
struct FmaSetup {
  Fmt in, acc;
  int mode = RNE;
  bool sat = false;
  uint32_t rnd = 0;
  int rnd_width = 0;
  int window = 0;
  bool sticky = true;
  bool ftz_in = false, ftz_out = false;
};

class FmaOracle {
 public:
  explicit FmaOracle(const FmaSetup& s);
  ~FmaOracle();
  FmaOracle(const FmaOracle&) = delete;
  FmaOracle& operator=(const FmaOracle&) = delete;
  Expect operator()(uint64_t a, uint64_t b, uint64_t c);
  FmaSetup setup;
  Oracle& out() { return out_; }

 private:
  void window_sum(mpfr_t dst, bool* sign_out);
  Oracle out_;
  Real a_, b_, c_, r_;
  mpfr_t p_;
};

}  // namespace oracle
