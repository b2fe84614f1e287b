#include "fma_kernel.hpp"

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

bool is_binary32(const Format& f) {
  return f.kind == Kind::Float && f.bits == 32 && f.exp_bits == 8 && f.man_bits == 23 && f.bias == 127 &&
         f.has_inf && f.nan == NanStyle::Ieee && f.subnormals && f.is_signed;
}

}  // namespace

FmaKernel::FmaKernel(const Format& in, const Format& acc, const Options& o)
    : in_(in), acc_(acc), opts_(o), window_(resolved_window(in, acc, o)),
      in_table_(unpack_table(in, o.ftz_in)), acc_table_(unpack_table(acc, o.ftz_in)) {
  static_assert(std::numeric_limits<double>::is_iec559, "the fast path relies on IEEE 754 binary64");
  __builtin_cpu_init();
  avx2_ = __builtin_cpu_supports("avx2");
  // The fast path needs: products exact in a double (p_in <= 26, exponents far inside binary64's
  // range), a float accumulator of at most 51 bits of precision (rounding the round-to-odd double
  // once more is then exact), and a datapath that computes the exact sum (no truncated window).
  const bool in_ok = in.kind == Kind::Float && !in_table_.empty() && in.man_bits <= 25;
  const bool acc_ok = acc.kind == Kind::Float && acc.is_signed && acc.subnormals && acc.man_bits <= 50 &&
                      (!acc_table_.empty() || is_binary32(acc));
  const bool exact = o.sticky && window_ >= exact_window(in, acc);
  if (!in_ok || !acc_ok || !exact || o.mode == Round::SR || o.ftz_out) return;
  in_value_ = value_table(in_table_);  // zeros are exact: a zero product gives s = c
  acc_value_ = value_table(acc_table_);
  acc_is_fp32_ = acc_table_.empty();
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

// The batch loop, compiled twice below: the four-lane fast path is written with GCC vector types,
// which become AVX2 instructions in run_avx2 and SSE2 pairs in run_baseline. Each is flattened so
// it holds its own copy of the whole fast path: no out-of-line template is shared between them.
[[gnu::always_inline]] inline void FmaKernel::run_body(const uint64_t* ops, size_t stride, size_t n,
                                                       Encoded* out) const {
  const bool fast_done = with_fast_mode([&]<Round M>() {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      uint64_t a[4], b[4], c[4];
      for (size_t k = 0; k < 4; ++k) {
        const uint64_t* v = ops + (i + k) * stride;
        a[k] = v[0], b[k] = v[1], c[k] = v[2];
      }
      const unsigned lanes = fast4<M>(a, b, c, &out[i]);
      if (lanes) [[unlikely]]
        for (int k = 0; k < 4; ++k)
          if (lanes >> k & 1) out[i + k] = staged(a[k], b[k], c[k], RandomBits{}, nullptr);
    }
    for (; i < n; ++i) {
      const uint64_t* v = ops + i * stride;
      if (!fast<M>(v[0], v[1], v[2], &out[i])) [[unlikely]]
        out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
    }
  });
  if (fast_done) return;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t* v = ops + i * stride;
    out[i] = staged(v[0], v[1], v[2], RandomBits{}, nullptr);
  }
}

[[gnu::target("avx2"), gnu::flatten]] void FmaKernel::run_avx2(const uint64_t* ops, size_t stride, size_t n,
                                                              Encoded* out) const {
  run_body(ops, stride, n, out);
}

[[gnu::flatten]] void FmaKernel::run_baseline(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  run_body(ops, stride, n, out);
}

void FmaKernel::run(const uint64_t* ops, size_t stride, size_t n, Encoded* out) const {
  if (avx2_) run_avx2(ops, stride, n, out);
  else run_baseline(ops, stride, n, out);
}


}  // namespace fmalab
