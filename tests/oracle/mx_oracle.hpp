// Independent exact oracle for the MX / NVFP4 block formats (mxq, mxdq, mxdot), written from the
// specification (issue 14) alone. It shares no code with model/ nor with tests/oracle/oracle.cpp:
// its own element-format table and decoding, exact values in MPFR, exact scale rules (integer
// exponents and exact comparisons, never a floating-point log2), its own rounding to a format, the
// NVFP4 recipe with every step an fp32 operation (MPFR at 24 bits with subnormal emulation), and the
// block dot product as an exact MPFR sum rounded once into fp32.
#pragma once

#include <mpfr.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mxo {

// Flags as fmalab reports them: {NV, DZ, OF, UF, NX}.
constexpr uint8_t NV = 0x10, DZ = 0x08, OF = 0x04, UF = 0x02, NX = 0x01;
// Rounding modes, numbered as RISC-V frm (and fmalab's Round).
enum Mode { RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4 };
const char* mode_name(int m);

enum class NanStyle { None, Ieee, AllOnes, E8m0 };  // AllOnes: S.1111.111 (OCP e4m3); E8m0: 0xFF

// A float or fixed-point element/scale/source format, by its field layout.
struct Fmt {
  std::string name;
  bool fixed = false;
  int bits = 0;
  int ebits = 0, mbits = 0, bias = 0;  // float
  bool has_inf = false;
  NanStyle nan = NanStyle::None;
  int frac = 0;  // fixed: value = two's complement code / 2^frac
  bool is_signed = true;

  uint64_t sign_bit() const { return is_signed ? uint64_t{1} << (bits - 1) : 0; }
  int emin() const { return 1 - bias; }  // float: exponent of the smallest normal
  // Largest finite magnitude code (float) or largest positive integer code (fixed).
  uint64_t max_mag() const;
  // Exponent of the largest finite value (floor(log2(max))), fixed: floor(log2((2^(W-1)-1)/2^F)).
  int emax() const;
  uint64_t qnan() const;  // the canonical NaN (fp32 0x7FC00000)
};

// e4m3 e5m2 e3m2 e2m3 e2m1 e8m0 fp32 bf16 fp16, int8 (= fx8_0), fx8_6, generic eXmY (IEEE-like),
// eXmYfn (OCP: NaN = all ones, no Inf), fxW_F. Throws on anything else.
Fmt fmt(const std::string& name);

// A block format: element, k, scale; nvfp4 is the two-level recipe.
struct Block {
  std::string name;
  Fmt elem, scale;
  int k = 0;
  bool nvfp4 = false;
  int emax_elem = 0;
};
Block block(const std::string& name);  // the six MX names, nvfp4, mx:ELEM:K:SCALE (SCALE e8m0)

// An exact value: NaN, +-Inf or +-finite (mag >= 0, exact in MPFR).
class Val {
 public:
  enum Kind { Fin, Inf, NaN };
  explicit Val(mpfr_prec_t prec = 256);
  ~Val();
  Val(const Val&) = delete;
  Val& operator=(const Val&) = delete;
  Kind kind = Fin;
  bool neg = false;
  bool snan = false;  // a signaling NaN (IEEE-style formats: quiet bit clear)
  mpfr_t mag;
  bool zero() const { return kind == Fin && mpfr_zero_p(mag); }
};

void decode(const Fmt& f, uint64_t code, Val& out);

struct Rounded {
  uint64_t code = 0;
  uint8_t flags = 0;
  bool overflow = false;  // the result rounded with an unbounded exponent exceeded max
};

// IEEE 754 rounding of an exact finite value to f (fmalab's rules: tininess after rounding, overflow
// to Inf or max by mode, to NaN for a NaN-but-no-Inf format, to max for a format with neither;
// fixed point: round to an integer of the grid, saturate at +-(2^(W-1)-1) with OF).
Rounded round_to(const Fmt& f, bool neg, mpfr_srcptr mag, int mode);

// ---- the three operations -----------------------------------------------------------------------

struct QuantOut {
  uint64_t scale = 0;
  std::vector<uint64_t> p;
  uint8_t flags = 0;
  int E = 0;  // mx: the scale exponent after the clamp to [-127, 127]
};

enum Rule { OCP = 0, CEIL = 1, EVEN = 2 };
const char* rule_name(int r);

// The scale exponent E (before the [-127, 127] clamp) for a positive finite amax, exactly.
long scale_exponent(const Block& b, int rule, mpfr_srcptr amax);

// mxq: v holds k codes of src (fp32 or bf16); ts the fp32 code of S_enc (nvfp4 only).
QuantOut mxq(const Block& b, const Fmt& src, const std::vector<uint64_t>& v, int rule, int mode, bool clamp,
             uint32_t ts = 0x3f800000);

// mxdq: k fp32 codes.
struct DequantOut {
  std::vector<uint64_t> v;
  uint8_t flags = 0;
};
DequantOut mxdq(const Block& b, uint64_t scale, const std::vector<uint64_t>& p, uint32_t ts = 0x3f800000);

// mxdot: a and b hold K element codes; window 0 = exact.
struct DotOut {
  uint32_t y = 0;
  uint8_t flags = 0;
};
DotOut mxdot(const Block& b, uint64_t xa, const std::vector<uint64_t>& a, uint64_t xb, const std::vector<uint64_t>& bv,
             uint32_t c, int mode, int window = 0, bool sticky = true);

// fp32 arithmetic as a CUDA kernel does it (round to nearest even, subnormals, overflow to Inf):
// MPFR at 24 bits with fp32's exponent range and subnormal emulation. Codes in and out.
uint32_t fp32_div(uint32_t a, uint32_t b);
uint32_t fp32_mul(uint32_t a, uint32_t b);

// Hand-worked checks of the oracle itself; returns "" or the first failure.
std::string self_check();

}  // namespace mxo
