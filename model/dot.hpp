// The fused dot product of GPU tensor cores, D = sum_{i<K} a_i*b_i + c, stage by stage as
// Khattak and Mikaitis measured and modelled it ("Accurate Models of NVIDIA Tensor Cores";
// background.md section 4): the products exact and not renormalised, every term of a block
// aligned to the block's largest exponent and cut to a window of 24 + neab bits below it, the
// cut terms added as integers, the sum normalised and rounded once; K in blocks of n, each
// block's result the next block's c. `exact` rounds the exact sum once instead.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec.hpp"
#include "format.hpp"

namespace fmalab {

// One GPU's block FMA (model/dot_presets.cpp names them). The defaults are no GPU's.
struct DotParams {
  int n = 8;                  // products per block
  int neab = 0;               // extra alignment bits below fp32's 24-bit significand; < 0 cuts
  Round round = Round::RTZ;   // every block result's rounding
  int min_exp = -1024;        // lower clamp of the alignment exponent
  bool sticky = false;        // one sticky bit below the window
  bool late_c = false;        // c added after the products, in a two-operand addition
  bool c_min_exp = false;     // a late c of zero still sits at exponent -126
  Round armode = Round::RTZ;  // rounding of the smaller operand of that addition (RDN, RUP, RNE, or RTZ: cut)
  bool odd_even = false;      // even- and odd-indexed products summed apart (CDNA3 FP8)
  bool prd_limit = false;     // a product >= 2^(2^(E_out-1)) makes the row Inf (NaN with both signs)
  bool in_subnormals = true;  // false: subnormal inputs read as zero
  bool out_subnormals = true;  // false: a subnormal c reads as zero and subnormal results flush
  int cut = -1;               // fraction bits kept in block results; -1: min(the output's, 23 + neab)
  std::optional<Format> inter;         // format of the results passed between blocks (none: the output)
  std::optional<Round> inter_round;    // their rounding (none: `round`)
  bool exact = false;         // one correct rounding of the exact sum (IEEE flags and overflow)
  bool nvidia_nan = true;     // NaN result: all ones but the sign (NVIDIA), or the format's quiet NaN
  bool emulated = false;      // FP8 through the fp16 tensor core (mma.sync on sm_90/sm_100), see dot.cpp
  Round c_add_round = Round::RNE;  // emulated: rounding of each chunk's addition to the accumulator
  std::string note;           // where the parameters come from
};

// The parameters of a preset for an input and output format; nullopt with *error naming what the
// part lacks. Presets: v100 a100 a2 ada l40s h100 h200 b200 mi300 exact.
std::optional<DotParams> dot_preset(const std::string& preset, const Format& in, const Format& out, std::string* error);
const std::vector<std::string>& dot_preset_names();

// Changes a preset's parameters as `--dot SPEC` says: comma-separated key=value, keys n, neab,
// round (rtz rne rdn rup rmm), min_exp, sticky (0/1), late_c (0/1), cut (fraction bits kept, -1 the
// default), inter (a format for results between blocks). false with *error naming the item.
bool apply_dot_spec(DotParams& p, std::string_view spec, std::string* error);

// A term of one block: (-1)^sign * mag * 2^(exp - fbits), aligned by exponent `exp` (a product's is
// ea + eb with its significand in [0, 4), not renormalised; c's its fp32 exponent, at least -126).
struct DotTerm {
  bool sign = false;
  int32_t exp = 0;
  u128 mag = 0;
  int32_t fbits = 0;
};

// What a block computed, for --trace.
struct DotBlockTrace {
  std::vector<DotTerm> terms;      // the products (then c, when aligned with them)
  int32_t max_exp = 0;             // the alignment exponent (clamped below at min_exp)
  std::vector<int32_t> shifts;     // each term's shift right to the block's grid
  std::vector<i128> aligned;       // each term on the grid, cut, signed
  std::vector<bool> lost;          // whether the cut dropped nonzero bits
  i128 sum = 0;                    // the integer sum
  int32_t grid = 0;                // exponent of the sum's last place
  uint64_t result = 0;             // the block's result code
};

struct DotTrace {
  bool special = false;  // NaN/Inf decided over the whole row
  std::vector<DotBlockTrace> blocks;
};

// The datapath of one preset for one input and output format, built once (the formats its block
// results are cut to included): D for K input codes a, b (format in) and c (format out). A GPU
// preset rounds as the part does (p.round); `exact` rounds as o says (mode, saturation, FTZ; rnd:
// the SR random word).
//
// Two implementations give the same bits and flags: the staged datapath (dot.cpp), which every
// parameter and --trace go through, and a fast path (dot_fast.cpp) for the common rows of the
// common datapaths (inputs of up to 16 bits decoded through tables, products in integers); it
// hands every row it does not serve to the staged one. tests/test_dot_fast.cpp holds them equal.
class DotDatapath {
 public:
  DotDatapath(const Format& in, const Format& out, const DotParams& p);
  const DotParams& params() const { return p_; }
  // One row: the fast path when it serves the row and no trace is asked for, else the staged datapath.
  Encoded operator()(const Options& o, RandomBits rnd, std::span<const uint64_t> a, std::span<const uint64_t> b,
                     uint64_t c, DotTrace* trace = nullptr) const;
  // The staged datapath alone (what --trace shows, and the fast path's reference in the tests).
  Encoded staged(const Options& o, RandomBits rnd, std::span<const uint64_t> a, std::span<const uint64_t> b,
                 uint64_t c, DotTrace* trace = nullptr) const;
  // The fast path alone: nullopt for a row it leaves to the staged datapath (dot_fast.cpp says which).
  std::optional<Encoded> fast(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                              std::span<const uint64_t> b, uint64_t c) const;
  // Whether the fast path serves this datapath at all (it may still hand single rows back).
  bool has_fast_path() const { return fast_kind_ != FastKind::None; }
  // `count` rows of `stride` words each, a0..a(k-1) b0..b(k-1) c and, under SR, the random word:
  // each row's result code in out[i] and its flags in flags[i], without per-row set-up.
  void run_rows(const Options& o, const uint64_t* rows, size_t k, size_t stride, size_t count, uint64_t* out,
                uint8_t* flags) const;

  // The fast path's input table (dot_fast.cpp), one word per code: its sign (bit 63), NaN or Inf
  // (bit 62) and its magnitude (bits 0-61; Exact), or for the GPU blocks (Window*) its magnitude in
  // bits 0-31 and, in bits 32-47, its exponent max(floor(log2|x|), emin) + kExpBias, 0 for zero (a
  // product with a zero factor then sits far below every min_exp) and kSpecialExp for NaN and Inf
  // (far above every exponent: a block whose exponent comes out past kSpecialFloor has one).
  static constexpr uint64_t kSignBit = uint64_t{1} << 63, kSpecialBit = uint64_t{1} << 62;
  static constexpr int32_t kExpBias = 16384, kSpecialExp = 0xffff, kSpecialFloor = 2048;

 private:
  // Window: GPU blocks, each product's significand shifted by its own distance to the block's
  // exponent; WindowFixed: the same with products as fixed-point integers, one shift per block;
  // Exact: one rounding of the exact integer sum.
  enum class FastKind : uint8_t { None, Window, WindowFixed, Exact };
  FastKind choose_fast_kind() const;
  void build_fast_tables();
  template <bool Fixed>
  std::optional<Encoded> fast_window(std::span<const uint64_t> a, std::span<const uint64_t> b, uint64_t c) const;
  template <class Prod, class Acc>
  std::optional<Encoded> fast_exact(const Options& o, RandomBits rnd, std::span<const uint64_t> a,
                                    std::span<const uint64_t> b, uint64_t c) const;

  Format in_, out_, inter_, out_cut_, inter_cut_;
  DotParams p_;
  FastKind fast_kind_ = FastKind::None;
  bool avx2_ = false;                // the host runs the AVX2 build of the block loops
  // By input code: the word above (magnitude: the significand for Window; |x| / 2^(emin - man_bits)
  // for WindowFixed and Exact), and whether it is subnormal (Exact, read as zero under --ftz).
  std::vector<uint64_t> fast_val_;
  std::vector<uint8_t> fast_sub_;
};

// The stages the staged datapath (dot.cpp) and the fast path (dot_fast.cpp) share, so the two
// cannot differ in how a block's result is rounded or how c is aligned.
namespace dot_stage {
// align and cut one term onto the block's grid (see dot.cpp); *shift and *lost for the trace.
i128 align_term(const DotTerm& t, int32_t E, int neab, bool sticky, int32_t* shift, bool* lost);
// c as a term of a block: exponent max(floor(log2|c|), -126); nullopt for zero.
std::optional<DotTerm> c_term(bool sign, u128 mag, int32_t lsb);
// A block's integer sum (-1)^sign * mag * 2^lsb rounded into out through its cut format.
Encoded round_result(bool sign, u128 mag, int32_t lsb, const Format& out, const Format& cut, Round mode,
                     bool subnormals);
uint64_t nan_code(const Format& f, const DotParams& p);
uint64_t inf_code(const Format& f, bool sign);
}  // namespace dot_stage

}  // namespace fmalab
