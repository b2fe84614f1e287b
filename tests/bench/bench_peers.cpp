// make bench: fmalab beside its peers, every figure measured in this run on the same vectors.
// Peers (built from the archives at FMALAB_PEERS by tests/bench/peers.cmake; a row whose peer is
// missing says so): Berkeley SoftFloat 3e (f32_mulAdd, f16_mulAdd), Siemens ac_types
// (ac_std_float<8,5>::fma) and Stillwater universal (cfloat<8,5>). Beside them, the host's own
// hardware paths for what fmalab computes (F16C + binary32 round-to-odd for fp16; gather + FMA for
// 8-bit inputs into fp32), the speed a golden model cannot beat but should come near.
// Repetitions are interleaved (peer, fmalab, peer, ...) so load drifts hit both alike; the table
// gives min and median of each. Every peer's results are compared with fmalab's, flags included
// where the peer has them; fmalab itself is checked against MPFR by make test, not here.
//
// bench_peers [--reps N] [--json FILE]
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/op_fma.hpp"

#ifdef FMALAB_HAVE_SOFTFLOAT
extern "C" {
#include "softfloat.h"
}
#endif
#ifdef FMALAB_HAVE_AC_TYPES
#include <ac_std_float.h>
#endif
#ifdef FMALAB_HAVE_UNIVERSAL
#include <universal/number/cfloat/cfloat.hpp>
#endif

namespace {

using namespace fmalab;
using Clock = std::chrono::steady_clock;

std::unique_ptr<Operation> need(const std::string& name, Round mode = Round::RNE) {
  Options o;
  o.mode = mode;
  std::string err;
  auto op = make_operation(name, o, &err);
  if (!op) throw std::runtime_error(err);
  return op;
}

// One contender's timings over the interleaved repetitions.
struct Timing {
  std::string who;
  std::vector<double> seconds;
  double min() const { return *std::min_element(seconds.begin(), seconds.end()); }
  double median() const {
    std::vector<double> s = seconds;
    std::sort(s.begin(), s.end());
    return s.size() % 2 ? s[s.size() / 2] : (s[s.size() / 2 - 1] + s[s.size() / 2]) / 2;
  }
};

// Runs each contender once per repetition, in turn, and times it.
std::vector<Timing> interleave(int reps, const std::vector<std::pair<std::string, std::function<void()>>>& runs) {
  std::vector<Timing> t;
  for (const auto& r : runs) t.push_back({r.first, {}});
  for (const auto& r : runs) r.second();  // warm caches, tables and page faults outside the timing
  for (int rep = 0; rep < reps; ++rep)
    for (size_t i = 0; i < runs.size(); ++i) {
      const auto t0 = Clock::now();
      runs[i].second();
      t[i].seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
  return t;
}

struct Row {
  std::string work, peer, fmalab, target;
  double ratio = 0;       // fmalab's speed over the peer's (medians), > 1: fmalab is faster
  double target_ratio;    // the ratio the issue asks for
  bool measured = true;
  std::string agreement;  // the peer's results beside fmalab's
};

std::string fmt_time(double s, size_t n) {
  char b[96];
  if (s >= 0.01) std::snprintf(b, sizeof b, "%.1f ms (%.2f ns/vec)", s * 1e3, s * 1e9 / static_cast<double>(n));
  else std::snprintf(b, sizeof b, "%.3f ms (%.2f ns/vec)", s * 1e3, s * 1e9 / static_cast<double>(n));
  return b;
}

std::string fmt_timing(const Timing& t, size_t n) {
  return t.who + " " + fmt_time(t.median(), n) + ", min " + fmt_time(t.min(), n);
}

Row make_row(std::string work, const Timing& peer, const Timing& ours, size_t n, double target, std::string target_text,
             std::string agreement) {
  Row r;
  r.work = std::move(work);
  r.peer = fmt_timing(peer, n);
  r.fmalab = fmt_timing(ours, n);
  r.ratio = peer.median() / ours.median();
  r.target_ratio = target;
  r.target = std::move(target_text);
  r.agreement = std::move(agreement);
  return r;
}

Row missing_row(std::string work, std::string peer) {
  Row r;
  r.work = std::move(work);
  r.peer = std::move(peer) + ": not built (its archive is not at FMALAB_PEERS)";
  r.measured = false;
  return r;
}

std::string disagreements(size_t bad, size_t n, const std::string& what) {
  char b[160];
  if (bad == 0) std::snprintf(b, sizeof b, "agrees on all %zu (%s)", n, what.c_str());
  else std::snprintf(b, sizeof b, "DISAGREES on %zu of %zu (%.3f%%; %s)", bad, n, 100.0 * bad / n, what.c_str());
  return b;
}

// ---- every finite E5M2 triple -------------------------------------------------------------------

std::vector<uint64_t> finite_e5m2() {
  std::vector<uint64_t> f;
  for (uint64_t c = 0; c < 256; ++c)
    if ((c & 0x7c) != 0x7c) f.push_back(c);
  return f;
}

void e5m2_rows(std::vector<Row>& rows, int reps) {
  const auto op = need("fma:e5m2:e5m2");
  const auto fin = finite_e5m2();
  const size_t m = fin.size(), n = m * m * m;
  std::vector<uint8_t> ours(n), ours_call(n);
  // Batch: the rows of one a (every b, every c) at a time, as a caller streaming vectors would.
  std::vector<uint64_t> ops(3 * m * m), out(m * m);
  std::vector<uint8_t> flags(m * m);
  auto batch = [&] {
    for (size_t ia = 0; ia < m; ++ia) {
      for (size_t ib = 0; ib < m; ++ib)
        for (size_t ic = 0; ic < m; ++ic) {
          uint64_t* v = &ops[3 * (ib * m + ic)];
          v[0] = fin[ia], v[1] = fin[ib], v[2] = fin[ic];
        }
      op->eval_batch(ops, out, flags);
      for (size_t k = 0; k < m * m; ++k) ours[ia * m * m + k] = static_cast<uint8_t>(out[k]);
    }
  };
  auto per_call = [&] {
    uint64_t in[3], y[1];
    size_t k = 0;
    for (uint64_t a : fin)
      for (uint64_t b : fin)
        for (uint64_t c : fin) {
          in[0] = a, in[1] = b, in[2] = c;
          op->eval(in, y);
          ours_call[k++] = static_cast<uint8_t>(y[0]);
        }
  };
  std::vector<std::pair<std::string, std::function<void()>>> runs = {{"fmalab batch", batch},
                                                                     {"fmalab eval()", per_call}};
#ifdef FMALAB_HAVE_AC_TYPES
  std::vector<uint8_t> ac(n);
  runs.push_back({"ac_std_float<8,5>::fma", [&] {
                    using T = ac_std_float<8, 5>;
                    T v[256];
                    for (size_t i = 0; i < m; ++i) v[i].set_data(ac_int<8, true>(static_cast<int>(fin[i])));
                    size_t k = 0;
                    for (size_t a = 0; a < m; ++a)
                      for (size_t b = 0; b < m; ++b)
                        for (size_t c = 0; c < m; ++c)
                          ac[k++] = static_cast<uint8_t>(v[a].fma<AC_RND_CONV, false>(v[b], v[c]).data().to_int());
                  }});
#endif
#ifdef FMALAB_HAVE_UNIVERSAL
  std::vector<uint8_t> uni(n);
  runs.push_back({"universal cfloat<8,5>", [&] {
                    using T = sw::universal::cfloat<8, 5, uint8_t, true, false, false>;
                    T v[256];
                    for (size_t i = 0; i < m; ++i) v[i].setbits(fin[i]);
                    size_t k = 0;
                    for (size_t a = 0; a < m; ++a)
                      for (size_t b = 0; b < m; ++b)
                        for (size_t c = 0; c < m; ++c) uni[k++] = sw::universal::fma(v[a], v[b], v[c]).block(0);
                  }});
#endif
  const auto t = interleave(reps, runs);
  size_t call_bad = 0;
  for (size_t k = 0; k < n; ++k) call_bad += ours[k] != ours_call[k];
  if (call_bad) std::fprintf(stderr, "bench_peers: eval() and the batch disagree on %zu e5m2 triples\n", call_bad);
  const std::string work = "exhaustive E5M2 x E5M2 + E5M2, " + std::to_string(n) + " triples";
#ifdef FMALAB_HAVE_AC_TYPES
  {
    size_t bad = 0;
    for (size_t k = 0; k < n; ++k) bad += ac[k] != ours[k];
    rows.push_back(make_row(work + ", batch", t[2], t[0], n, 10, ">= 10x faster", disagreements(bad, n, "results")));
    rows.push_back(make_row(work + ", one call per vector", t[2], t[1], n, 1, "faster",
                            disagreements(bad + call_bad, n, "results")));
  }
#else
  rows.push_back(missing_row(work, "ac_std_float<8,5>"));
#endif
#ifdef FMALAB_HAVE_UNIVERSAL
  {
    // Where the peer differs, by kind: fmalab's result is Inf (IEEE overflow; the peer gives
    // another code), the two are one code apart (the peer's double rounding), or anything else.
    size_t bad = 0, overflow = 0, one_ulp = 0;
    for (size_t k = 0; k < n; ++k) {
      if (uni[k] == ours[k]) continue;
      ++bad;
      if ((ours[k] & 0x7f) == 0x7c) ++overflow;
      else if ((uni[k] & 0x80) == (ours[k] & 0x80) && ((uni[k] & 0x7f) + 1 == (ours[k] & 0x7f) ||
                                                       (ours[k] & 0x7f) + 1 == (uni[k] & 0x7f)))
        ++one_ulp;
    }
    char why[200];
    std::snprintf(why, sizeof why, "results: %zu where fmalab overflows to Inf, %zu one code apart (double rounding), %zu other",
                  overflow, one_ulp, bad - overflow - one_ulp);
    rows.push_back(make_row(work + ", batch", t.back(), t[0], n, 1, "faster (exactness reported)",
                            disagreements(bad, n, why)));
  }
#else
  rows.push_back(missing_row(work, "universal cfloat<8,5>"));
#endif
}

// ---- IEEE a*b+c against SoftFloat ---------------------------------------------------------------

// Random triples that exercise alignment and cancellation: exponents near each other most of the
// time, plus raw bit patterns (specials, subnormals, far-apart terms).
std::vector<uint64_t> ieee_rows(int ebits, int mbits, size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int bits = 1 + ebits + mbits;
  const uint64_t mask = (uint64_t{1} << bits) - 1, emax = (uint64_t{1} << ebits) - 1, bias = emax / 2;
  auto with_exp = [&](uint64_t v, int64_t e) {
    e = std::clamp<int64_t>(e, 1, static_cast<int64_t>(emax) - 1);
    return (v & ~(emax << mbits)) | (static_cast<uint64_t>(e) << mbits);
  };
  std::vector<uint64_t> v(3 * n);
  const int64_t spread = std::min<int64_t>(static_cast<int64_t>(bias) / 2, 20);
  for (size_t i = 0; i < n; ++i) {
    uint64_t a = rng() & mask, b = rng() & mask, c = rng() & mask;
    if (rng() % 8) {
      const int64_t ea = static_cast<int64_t>(bias) + static_cast<int64_t>(rng() % (2 * spread + 1)) - spread;
      const int64_t eb = static_cast<int64_t>(bias) + static_cast<int64_t>(rng() % (2 * spread + 1)) - spread;
      a = with_exp(a, ea), b = with_exp(b, eb);
      c = with_exp(c, ea + eb - static_cast<int64_t>(bias) + static_cast<int64_t>(rng() % (2 * mbits + 5)) - mbits - 2);
    }
    v[3 * i] = a, v[3 * i + 1] = b, v[3 * i + 2] = c;
  }
  return v;
}

struct Results {
  std::vector<uint64_t> y;
  std::vector<uint8_t> flags;
  explicit Results(size_t n) : y(n), flags(n) {}
};

size_t count_differences(const Results& a, const Results& b, bool flags) {
  size_t bad = 0;
  for (size_t i = 0; i < a.y.size(); ++i) bad += a.y[i] != b.y[i] || (flags && a.flags[i] != b.flags[i]);
  return bad;
}

#ifdef FMALAB_HAVE_SOFTFLOAT
template <class F>
void softfloat_run(const std::vector<uint64_t>& ops, Results& r, Round mode, F mul_add) {
  softfloat_roundingMode = static_cast<uint_fast8_t>(mode);  // both number the modes as RISC-V frm does
  softfloat_detectTininess = softfloat_tininess_afterRounding;
  for (size_t i = 0; i < r.y.size(); ++i) {
    softfloat_exceptionFlags = 0;
    r.y[i] = mul_add(ops[3 * i], ops[3 * i + 1], ops[3 * i + 2]);
    r.flags[i] = softfloat_exceptionFlags;  // NV DZ OF UF NX in bits 4..0, as RISC-V fflags
  }
}
#endif

void fp32_rows(std::vector<Row>& rows, int reps, size_t n) {
  const auto ops = ieee_rows(8, 23, n, 32);
  for (Round mode : {Round::RNE, Round::RTZ, Round::RDN, Round::RUP, Round::RMM}) {
    const std::string work = std::string("fp32 a*b+c, ") + round_name(mode) + ", flags";
#ifdef FMALAB_HAVE_SOFTFLOAT
    const auto op = need("fma:fp32:fp32", mode);
    Results ours(n), peer(n);
    const auto t = interleave(reps, {{"fmalab batch", [&] { op->eval_batch(ops, ours.y, ours.flags); }},
                                     {"SoftFloat f32_mulAdd", [&] {
                                        softfloat_run(ops, peer, mode, [](uint64_t a, uint64_t b, uint64_t c) {
                                          return f32_mulAdd({static_cast<uint32_t>(a)}, {static_cast<uint32_t>(b)},
                                                            {static_cast<uint32_t>(c)}).v;
                                        });
                                      }}});
    rows.push_back(make_row(work, t[1], t[0], n, 3, ">= 3x faster, flags exact",
                            disagreements(count_differences(ours, peer, true), n, "results and flags")));
#else
    rows.push_back(missing_row(work, "SoftFloat f32_mulAdd"));
#endif
  }
}

// ---- the host's hardware paths ------------------------------------------------------------------

// fp16 a*b+c rounded to nearest even, the fastest correct way this host has: F16C widens to
// binary32, where the product (22 bits) is exact; TwoSum gives the sum's error exactly and round to
// odd keeps it in the last bit (24 >= 11 + 2 bits: one more rounding is exact); F16C narrows.
// No flags. Reads and writes the rows fmalab's batch API reads and writes.
[[gnu::target("avx2,f16c,fma")]] void fp16_hardware(const uint64_t* ops, size_t n, uint64_t* y) {
  size_t i = 0;
  alignas(32) uint16_t a[8], b[8], c[8], r[8];
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const uint64_t* v = ops + 3 * (i + k);
      a[k] = static_cast<uint16_t>(v[0]), b[k] = static_cast<uint16_t>(v[1]), c[k] = static_cast<uint16_t>(v[2]);
    }
    const __m256 fa = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(a)));
    const __m256 fb = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(b)));
    const __m256 fc = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(c)));
    const __m256 p = _mm256_mul_ps(fa, fb);
    const __m256 s = _mm256_add_ps(p, fc);
    const __m256 bv = _mm256_sub_ps(s, p);
    const __m256 e = _mm256_add_ps(_mm256_sub_ps(p, _mm256_sub_ps(s, bv)), _mm256_sub_ps(fc, bv));
    const __m256i sb = _mm256_castps_si256(s), eb = _mm256_castps_si256(e);
    // Inexact with an even last bit: one ulp toward the exact sum (+1 when e has s's sign, else -1).
    const __m256i inexact = _mm256_castps_si256(_mm256_cmp_ps(e, _mm256_setzero_ps(), _CMP_NEQ_OQ));
    const __m256i even = _mm256_cmpeq_epi32(_mm256_and_si256(sb, _mm256_set1_epi32(1)), _mm256_setzero_si256());
    const __m256i away = _mm256_or_si256(_mm256_srai_epi32(_mm256_xor_si256(sb, eb), 31), _mm256_set1_epi32(1));
    const __m256i odd = _mm256_add_epi32(sb, _mm256_and_si256(_mm256_and_si256(inexact, even), away));
    _mm_store_si128(reinterpret_cast<__m128i*>(r), _mm256_cvtps_ph(_mm256_castsi256_ps(odd), _MM_FROUND_TO_NEAREST_INT));
    for (int k = 0; k < 8; ++k) y[i + k] = r[k];
  }
  for (; i < n; ++i) {
    const uint64_t* v = ops + 3 * i;
    const float p = _cvtsh_ss(static_cast<uint16_t>(v[0])) * _cvtsh_ss(static_cast<uint16_t>(v[1]));
    const float fc = _cvtsh_ss(static_cast<uint16_t>(v[2]));
    const float s = p + fc, bv = s - p, e = (p - (s - bv)) + (fc - bv);
    uint32_t sb;
    std::memcpy(&sb, &s, 4);
    if (e != 0 && !(sb & 1)) sb += ((e < 0) == (s < 0)) ? 1 : -1;
    float odd;
    std::memcpy(&odd, &sb, 4);
    y[i] = _cvtss_sh(odd, _MM_FROUND_TO_NEAREST_INT);
  }
}

// 8-bit inputs into fp32, rounded to nearest even: both products of 8-bit codes are exact in
// binary32, so one hardware FMA per vector gives the correctly rounded result. No flags.
[[gnu::target("avx2,fma")]] void fp8_fp32_hardware(const float* value, const uint64_t* ops, size_t n, uint64_t* y) {
  size_t i = 0;
  alignas(32) int32_t a[8], b[8];
  alignas(32) uint32_t c[8], r[8];
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const uint64_t* v = ops + 3 * (i + k);
      a[k] = static_cast<int32_t>(v[0] & 0xff), b[k] = static_cast<int32_t>(v[1] & 0xff);
      c[k] = static_cast<uint32_t>(v[2]);
    }
    const __m256 fa = _mm256_i32gather_ps(value, _mm256_load_si256(reinterpret_cast<const __m256i*>(a)), 4);
    const __m256 fb = _mm256_i32gather_ps(value, _mm256_load_si256(reinterpret_cast<const __m256i*>(b)), 4);
    const __m256 fc = _mm256_load_ps(reinterpret_cast<const float*>(c));
    _mm256_store_ps(reinterpret_cast<float*>(r), _mm256_fmadd_ps(fa, fb, fc));
    for (int k = 0; k < 8; ++k) y[i + k] = r[k];
  }
  for (; i < n; ++i) {
    const uint64_t* v = ops + 3 * i;
    float fc;
    const uint32_t cb = static_cast<uint32_t>(v[2]);
    std::memcpy(&fc, &cb, 4);
    const float s = std::fma(value[v[0] & 0xff], value[v[1] & 0xff], fc);
    uint32_t sb;
    std::memcpy(&sb, &s, 4);
    y[i] = sb;
  }
}

// Results of a hardware path beside fmalab's: the same bits, except that IEEE NaN payloads are not
// canonical on the host (fmalab's NaN is RISC-V's canonical one), so any NaN matches any NaN.
size_t hardware_differences(const std::vector<uint64_t>& hw, const Results& ours, int bits, int man) {
  const uint64_t exp = ((uint64_t{1} << (bits - 1)) - 1) & ~((uint64_t{1} << man) - 1);
  auto is_nan = [&](uint64_t v) { return (v & exp) == exp && (v & ((uint64_t{1} << man) - 1)) != 0; };
  size_t bad = 0;
  for (size_t i = 0; i < hw.size(); ++i) bad += hw[i] != ours.y[i] && !(is_nan(hw[i]) && is_nan(ours.y[i]));
  return bad;
}

void fp16_rows(std::vector<Row>& rows, int reps, size_t n) {
  const auto ops = ieee_rows(5, 10, n, 16);
  const auto op = need("fma:fp16:fp16");
  Results ours(n), peer(n);
  std::vector<uint64_t> hw(n);
  std::vector<std::pair<std::string, std::function<void()>>> runs = {
      {"fmalab batch", [&] { op->eval_batch(ops, ours.y, ours.flags); }}};
  const bool f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
  if (f16c) runs.push_back({"F16C + binary32 round-to-odd", [&] { fp16_hardware(ops.data(), n, hw.data()); }});
#ifdef FMALAB_HAVE_SOFTFLOAT
  runs.push_back({"SoftFloat f16_mulAdd", [&] {
                    softfloat_run(ops, peer, Round::RNE, [](uint64_t a, uint64_t b, uint64_t c) {
                      return static_cast<uint64_t>(f16_mulAdd({static_cast<uint16_t>(a)}, {static_cast<uint16_t>(b)},
                                                              {static_cast<uint16_t>(c)}).v);
                    });
                  }});
#endif
  const auto t = interleave(reps, runs);
#ifdef FMALAB_HAVE_SOFTFLOAT
  rows.push_back(make_row("fp16 a*b+c, rne, flags", t.back(), t[0], n, 1, "faster",
                          disagreements(count_differences(ours, peer, true), n, "results and flags")));
#else
  rows.push_back(missing_row("fp16 a*b+c, rne, flags", "SoftFloat f16_mulAdd"));
#endif
  if (f16c)
    rows.push_back(make_row("fp16 a*b+c, rne (hardware: no flags)", t[1], t[0], n, 0.5, "within 2x",
                            disagreements(hardware_differences(hw, ours, 16, 10), n, "results, any NaN = any NaN")));
}

void fp8_fp32_rows(std::vector<Row>& rows, int reps, size_t n) {
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  for (const char* in : {"e4m3", "e5m2"}) {
    const std::string name = std::string("fma:") + in + ":fp32";
    const auto op = need(name);
    const Format f = as_fma(*op)->shape().in;
    std::vector<float> value(256);
    for (uint64_t code = 0; code < 256; ++code) value[code] = static_cast<float>(to_double(decode(f, code)));
    // Finite codes and fp32 addends near the products, as a dot product's partial sums are.
    std::mt19937_64 rng(8);
    std::vector<uint64_t> ops(3 * n);
    for (size_t i = 0; i < n; ++i) {
      uint64_t a, b;
      do a = rng() & 0xff; while (!std::isfinite(value[a]));
      do b = rng() & 0xff; while (!std::isfinite(value[b]));
      ops[3 * i] = a, ops[3 * i + 1] = b;
      ops[3 * i + 2] = (rng() & 0x807fffffu) | static_cast<uint64_t>(110 + rng() % 36) << 23;
    }
    Results ours(n);
    std::vector<uint64_t> hw(n);
    const std::string work = std::string(in) + " x " + in + " + fp32, rne (hardware: no flags)";
    if (!avx2) {
      rows.push_back(missing_row(work, "gather + FMA (the host has no AVX2/FMA)"));
      continue;
    }
    const auto t = interleave(reps, {{"fmalab batch", [&] { op->eval_batch(ops, ours.y, ours.flags); }},
                                     {"gather + vfmadd", [&] { fp8_fp32_hardware(value.data(), ops.data(), n, hw.data()); }}});
    rows.push_back(make_row(work, t[1], t[0], n, 0.5, "within 2x",
                            disagreements(hardware_differences(hw, ours, 32, 23), n, "results")));
  }
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one.empty() ? "unknown" : one + " " + five + " " + fifteen;
}

void print(const std::vector<Row>& rows, int reps, const std::string& load_before, const std::string& load_after) {
  std::printf("\nfmalab beside its peers, all measured in this run on the same vectors (%d interleaved repetitions;"
              " median, min; one core)\nload average before %s, after %s\n",
              reps, load_before.c_str(), load_after.c_str());
  for (const Row& r : rows) {
    std::printf("\n  %s\n", r.work.c_str());
    std::printf("    peer:   %s\n", r.peer.c_str());
    if (!r.measured) continue;
    std::printf("    fmalab: %s\n", r.fmalab.c_str());
    const bool met = r.ratio >= r.target_ratio;
    if (r.ratio >= 1) std::printf("    fmalab %.2fx faster   target %s: %s\n", r.ratio, r.target.c_str(), met ? "met" : "NOT MET");
    else std::printf("    fmalab %.2fx SLOWER   target %s: %s\n", 1 / r.ratio, r.target.c_str(), met ? "met" : "NOT MET");
    std::printf("    peer beside fmalab: %s\n", r.agreement.c_str());
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw std::runtime_error("cannot write the table to stdout");
}

void write_json(const std::string& path, const std::vector<Row>& rows, int reps, const std::string& load) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << "{\"repetitions\": " << reps << ", \"load\": \"" << load << "\", \"rows\": [";
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      f << (i ? ",\n" : "\n") << "  {\"work\": \"" << r.work << "\", \"peer\": \"" << r.peer << "\", \"measured\": "
        << (r.measured ? "true" : "false");
      if (r.measured)
        f << ", \"fmalab\": \"" << r.fmalab << "\", \"ratio\": " << r.ratio << ", \"target_ratio\": " << r.target_ratio
          << ", \"met\": " << (r.ratio >= r.target_ratio ? "true" : "false") << ", \"agreement\": \"" << r.agreement
          << "\"";
      f << "}";
    }
    f << "\n]}\n";
    if (!f.flush()) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    int reps = 7;
    std::string json;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--reps" && i + 1 < argc) reps = std::stoi(argv[++i]);
      else if (a == "--json" && i + 1 < argc) json = argv[++i];
      else throw std::invalid_argument("unknown argument '" + a.substr(0, 40) + "' (bench_peers [--reps N] [--json FILE])");
    }
    if (reps < 1) throw std::invalid_argument("--reps takes a positive count");
    __builtin_cpu_init();
    const std::string before = load_average();
    std::vector<Row> rows;
    e5m2_rows(rows, reps);
    fp32_rows(rows, reps, size_t{1} << 20);
    fp16_rows(rows, reps, size_t{1} << 20);
    fp8_fp32_rows(rows, reps, size_t{1} << 20);
    const std::string after = load_average();
    print(rows, reps, before, after);
    if (!json.empty()) write_json(json, rows, reps, before + " / " + after);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "bench_peers: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_peers: %s\n", e.what());
    return 1;
  }
  return 0;
}
