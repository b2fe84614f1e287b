#include "fma_kernel.hpp"

#include <cmath>
#include <limits>

namespace fmalab {

namespace {

// The fast path's value of each code: exact, with NaN standing for Inf and NaN so that the one range
// test on the sum hands them to the staged datapath.
std::vector<double> value_table(const std::vector<Decoded>& t) {
  std::vector<double> v;
  v.reserve(t.size());
  for (const Decoded& d : t) v.push_back(is_special(d) ? std::numeric_limits<double>::quiet_NaN() : to_double(d));
  return v;
}

}  // namespace

FmaKernel::FmaKernel(const Format& in, const Format& acc, const Options& o)
    : in_(in), acc_(acc), opts_(o), window_(resolved_window(in, acc, o)),
      in_table_(unpack_table(in, o.ftz_in)), acc_table_(unpack_table(acc, o.ftz_in)) {
  static_assert(std::numeric_limits<double>::is_iec559, "the fast path relies on IEEE 754 binary64");
  __builtin_cpu_init();
  avx2_ = __builtin_cpu_supports("avx2");
  avx512_ = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vl");
  // The fast path needs: products exact in a double (p_in <= 26, exponents far inside binary64's
  // range), a float accumulator of at most 51 bits of precision (rounding the round-to-odd double
  // once more is then exact), and a datapath that computes the exact sum (no truncated window).
  // IEEE-style formats wider than 8 bits are decoded in the lanes (fp32 and tf32 have no table);
  // the 8-bit ones are read from tables of 256 doubles. Products of two inputs of up to 26 bits of
  // precision are exact in binary64 (exponents within +-300 of 1 for 8-bit exponent fields).
  in_lanes_ = lane_format(in);
  acc_lanes_ = lane_format(acc);
  const bool in_ok = in.kind == Kind::Float && (!in_table_.empty() || in_lanes_.on) && in.man_bits <= 25 &&
                     in.exp_bits <= 8;
  const bool acc_ok = acc.kind == Kind::Float && acc.is_signed && acc.subnormals && acc.man_bits <= 50 &&
                      acc.exp_bits <= 8 && (!acc_table_.empty() || acc_lanes_.on);
  const bool exact = o.sticky && window_ >= exact_window(in, acc);
  if (!in_ok || !acc_ok || !exact || o.mode == Round::SR || o.ftz_out) {
    in_lanes_ = acc_lanes_ = LaneFormat{};
    return;
  }
  fast_ = true;
  if (!in_lanes_.on) in_value_ = value_table(in_table_);  // zeros are exact: a zero product gives s = c
  if (!acc_lanes_.on) acc_value_ = value_table(acc_table_);
  acc_man_ = acc.man_bits;
  acc_bias_ = acc.bias;
  acc_emin_ = acc.emin();
  acc_max_code_ = acc.max_finite_code();
  in_mask_ = in.mask();
  acc_mask_ = acc.mask();
  acc_sign_mask_ = acc.sign_mask();
  fast_overflow_ = acc.has_inf && !o.saturate;
  acc_inf_code_ = acc.has_inf ? acc.inf_code() : 0;
}

FmaKernel::LaneFormat FmaKernel::lane_format(const Format& f) {
  LaneFormat l;
  l.on = f.kind == Kind::Float && f.bits > 8 && f.bits == 1 + f.exp_bits + f.man_bits && f.exp_bits <= 8 &&
         f.man_bits <= 52 && f.has_inf && f.nan == NanStyle::Ieee && f.subnormals && f.is_signed;
  if (!l.on) return l;
  l.man = f.man_bits;
  l.sign_at = f.bits - 1;
  l.mask = f.mask();
  l.emask = (uint64_t{1} << f.exp_bits) - 1;
  l.rebias = static_cast<uint64_t>(1023 - f.bias);
  l.sub_scale = std::ldexp(1.0, 1 - f.bias - f.man_bits);
  return l;
}

// The batch loop, compiled three times below: the N-lane fast path is written with GCC vector types,
// which become AVX-512 instructions in run_avx512 (8 lanes), AVX2 ones in run_avx2 and SSE2 pairs in
// run_baseline (4 lanes). Each is flattened so it holds its own copy of the whole fast path: no
// out-of-line template is shared between them.
template <Round M, int N>
[[gnu::always_inline]] inline void FmaKernel::run_fast(const uint64_t* ops, size_t stride, size_t n,
                                                       Encoded* out) const {
  using U = typename simd::Lanes<N>::u64;
  size_t i = 0;
  for (; i + N <= n; i += N) {
    U a, b, c;
    if (stride == 3) {
      simd::load_rows<N>(ops + i * 3, &a, &b, &c);
    } else {
      for (size_t k = 0; k < N; ++k) {
        const uint64_t* v = ops + (i + k) * stride;
        a[k] = v[0], b[k] = v[1], c[k] = v[2];
      }
    }
    const unsigned lanes = fast_lanes<M, N>(a, b, c, &out[i]);
    if (lanes) [[unlikely]]
      for (int k = 0; k < N; ++k)
        if (lanes >> k & 1) out[i + k] = staged(a[k], b[k], c[k], RandomBits{}, nullptr);
  }
  for (; i < n; ++i) {
    const uint64_t* v = ops + i * stride;
    if (!fast<M>(v[0], v[1], v[2], &out[i])) [[unlikely]]
      out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
  }
}

// The mode is a template argument of the loop, not a lambda's: a lambda's body is a function of its
// own, compiled for the baseline ISA whenever GCC does not inline it into the targeted caller.
template <int N>
[[gnu::always_inline]] inline void FmaKernel::run_body(const uint64_t* ops, size_t stride, size_t n,
                                                       Encoded* out) const {
  if (fast_) {
    switch (opts_.mode) {
      case Round::RNE: return run_fast<Round::RNE, N>(ops, stride, n, out);
      case Round::RTZ: return run_fast<Round::RTZ, N>(ops, stride, n, out);
      case Round::RDN: return run_fast<Round::RDN, N>(ops, stride, n, out);
      case Round::RUP: return run_fast<Round::RUP, N>(ops, stride, n, out);
      case Round::RMM: return run_fast<Round::RMM, N>(ops, stride, n, out);
      case Round::SR: break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* v = ops + i * stride;
    out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
  }
}

[[gnu::target("avx512f,avx512dq,avx512vl,avx2"), gnu::flatten]] void FmaKernel::run_avx512(const uint64_t* ops,
                                                                                         size_t stride, size_t n,
                                                                                         Encoded* out) const {
  run_body<8>(ops, stride, n, out);
}

[[gnu::target("avx2"), gnu::flatten]] void FmaKernel::run_avx2(const uint64_t* ops, size_t stride, size_t n,
                                                              Encoded* out) const {
  run_body<4>(ops, stride, n, out);
}

[[gnu::flatten]] void FmaKernel::run_baseline(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  run_body<4>(ops, stride, n, out);
}

void FmaKernel::run(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  if (avx512_) run_avx512(ops, stride, n, out);
  else if (avx2_) run_avx2(ops, stride, n, out);
  else run_baseline(ops, stride, n, out);
}

}  // namespace fmalab
