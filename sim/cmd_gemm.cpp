// fmalab gemm UNIT: D = A x B (+ C) through a unit's own datapath, K in the unit's chunks, each
// chunk's result the next chunk's c; optionally promoted into an fp32 accumulator every N products
// (the DeepSeek-V3 fix). Matrices in and out as NumPy .npy files (sim/npy.hpp). README: fmalab gemm.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "cli.hpp"
#include "npy.hpp"
#include "streams.hpp"

namespace fmalab::cli {

namespace {

struct GemmArgs {
  std::string unit, a, b, c, out;
  size_t promote = 0;  // 0: no promotion
  bool quantize = false;
  int threads = 0;  // 0: the hardware's
  Options opts;
};

GemmArgs parse_gemm_args(const std::vector<std::string>& a) {
  GemmArgs r;
  std::vector<std::string> allowed = model_option_names();
  allowed.insert(allowed.end(), {"--a", "--b", "--c", "-o", "--promote", "--quantize", "--threads"});
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    check_option(s, allowed, "gemm");
    if (take_model_option(a, i, r.opts, nullptr)) {
      if (r.opts.mode == Round::SR) throw InputError("gemm takes no stochastic rounding");
    } else if (s == "--a") {
      r.a = need_value(a, i);
    } else if (s == "--b") {
      r.b = need_value(a, i);
    } else if (s == "--c") {
      r.c = need_value(a, i);
    } else if (s == "-o") {
      r.out = need_value(a, i);
    } else if (s == "--promote") {
      r.promote = static_cast<size_t>(need_int(a, i, 1, std::numeric_limits<int>::max()));
    } else if (s == "--quantize") {
      r.quantize = true;
    } else if (s == "--threads") {
      r.threads = need_int(a, i, 1, 1024);
    } else {
      take_unit(s, r.unit, "gemm");
    }
  }
  if (r.unit.empty()) throw InputError("gemm needs a UNIT, e.g. dot:e4m3:fp32:32 --preset h100");
  if (r.a.empty() || r.b.empty()) throw InputError("gemm needs --a A.npy and --b B.npy");
  if (r.out.empty()) throw InputError("gemm needs -o D.npy");
  return r;
}

// An input matrix: 2-D, the expected dtype (codes of `f`, or floats under --quantize).
void check_matrix(const npy::Array& x, const char* name, const Format& f, bool quantize) {
  if (x.shape().size() != 2)
    throw InputError("input file " + x.shown() + ": " + name + " must be a 2-D matrix, got " +
                     std::to_string(x.shape().size()) + " dimensions");
  if (quantize) {
    if (x.kind() != 'f')
      throw InputError("input file " + x.shown() + ": dtype '" + x.descr() +
                       "'; --quantize reads float32 or float64 values");
  } else {
    const std::string want = npy::code_descr(f.bits);
    if (x.kind() != 'u' || x.item_bytes() != want[2] - '0')
      throw InputError("input file " + x.shown() + ": dtype '" + x.descr() + "'; " + name + " holds " + f.name +
                       " codes as uint" + std::to_string(8 * (want[2] - '0')) + " ('" + want +
                       "'), or float values with --quantize");
  }
}

std::string shape_text(const npy::Array& x) {
  return "(" + std::to_string(x.shape()[0]) + ", " + std::to_string(x.shape()[1]) + ")";
}

// Element i (flat) of a code matrix, checked to fit `f`.
uint64_t checked_code(const npy::Array& x, size_t i, const Format& f) {
  const uint64_t v = x.code(i);
  if (v & ~f.mask()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    throw InputError("input file " + x.shown() + ": code " + buf + " at flat index " + std::to_string(i) +
                     " is wider than " + f.name + "'s " + std::to_string(f.bits) + " bits");
  }
  return v;
}

// Element i (flat) of a value matrix, checked to be finite.
double checked_value(const npy::Array& x, size_t i) {
  const double v = x.value(i);
  if (!std::isfinite(v))
    throw InputError("input file " + x.shown() + ": value " + (std::isnan(v) ? "NaN" : "Inf") + " at flat index " +
                     std::to_string(i) + " cannot be quantized");
  return v;
}

// A (M x K) or B (K x N) as codes of `in`, laid out as rows of `kpad` (the K index last: B is
// transposed) padded with `pad` (this operand's half of a zero product that changes no result). Under --quantize the
// values are quantized with the per-tensor scale of `fmalab stream` (quantize_tensor) and *scale
// receives the scale.
std::vector<uint32_t> load_operand(const npy::Array& x, bool transpose, const Format& in, bool quantize, size_t kpad,
                                   uint64_t pad, double* scale) {
  const size_t rows = x.shape()[0], cols = x.shape()[1];
  const size_t outer = transpose ? cols : rows;
  std::vector<uint32_t> out(outer * kpad, static_cast<uint32_t>(pad));
  const auto put = [&](size_t flat, uint64_t code) {
    const size_t r = flat / cols, c = flat % cols;
    const size_t o = transpose ? c : r, kk = transpose ? r : c;
    out[o * kpad + kk] = static_cast<uint32_t>(code);
  };
  *scale = 1;
  if (!quantize) {
    for (size_t i = 0; i < x.size(); ++i) put(i, checked_code(x, i, in));
    return out;
  }
  std::vector<double> values(x.size());
  for (size_t i = 0; i < x.size(); ++i) values[i] = checked_value(x, i);
  const QuantizedTensor q = quantize_tensor(in, values);
  *scale = q.scale;
  for (size_t i = 0; i < x.size(); ++i) put(i, q.codes[i]);
  return out;
}

// An operation already built once with this name and these options (a failure is a bug).
std::unique_ptr<Operation> need_model(const std::string& name, const Options& o) {
  std::string why;
  auto op = make_operation(name, o, &why);
  if (!op) throw std::logic_error("gemm: " + why);
  return op;
}

struct Problem {
  size_t M = 0, K = 0, N = 0;
  size_t kunit = 1;     // the unit's K': products per evaluation
  size_t chunks = 0;    // ceil(K / K')
  size_t group = 0;     // chunks per promotion group (all of them without --promote)
  size_t kpad = 0;      // chunks * K'
  bool promote = false;
  std::vector<uint32_t> a, bt;  // M x kpad, N x kpad (B transposed), padded
  std::vector<uint64_t> c;      // M x N ACC codes, or empty
  Format acc, fp32;
  std::string model;
  Options opts;
};

// One worker's operations (each thread builds its own) and buffers.
class RowWorker {
 public:
  static constexpr size_t kTile = 64;  // columns evaluated in one batch

  explicit RowWorker(const Problem& p)
      : p_(p), op_(need_model(p.model, p.opts)), width_(op_->signature().operand_words()), in_(kTile * width_),
        out_(kTile), flags_(kTile), part_(kTile), acc32_(kTile) {
    if (p.promote) add_ = need_model("fma:fp32:fp32", Options{});
  }

  // Row i of D into d[0..N).
  void row(size_t i, uint64_t* d) {
    for (size_t j0 = 0; j0 < p_.N; j0 += kTile) {
      const size_t n = std::min(kTile, p_.N - j0);
      const auto c_of = [&](size_t j) { return p_.c.empty() ? uint64_t{0} : p_.c[i * p_.N + j0 + j]; };
      if (!p_.promote) {
        for (size_t j = 0; j < n; ++j) part_[j] = c_of(j);
        chunks(i, j0, n, 0, p_.chunks);
        std::copy_n(part_.begin(), n, d + j0);
        continue;
      }
      for (size_t j = 0; j < n; ++j) acc32_[j] = to_fp32(c_of(j));
      for (size_t g = 0; g < p_.chunks; g += p_.group) {
        std::fill_n(part_.begin(), n, uint64_t{0});  // each group from c = +0
        chunks(i, j0, n, g, std::min(g + p_.group, p_.chunks));
        // acc = acc + partial: one fp32 addition rounded to nearest even (partial * 1 + acc, exact product).
        for (size_t j = 0; j < n; ++j) {
          uint64_t* row = &in_[j * 3];
          row[0] = to_fp32(part_[j]), row[1] = 0x3f800000, row[2] = acc32_[j];
        }
        add_->eval_batch(std::span(in_).first(n * 3), std::span(out_).first(n), std::span(flags_).first(n));
        std::copy_n(out_.begin(), n, acc32_.begin());
      }
      std::copy_n(acc32_.begin(), n, d + j0);
    }
  }

 private:
  const Problem& p_;
  std::unique_ptr<Operation> op_, add_;
  size_t width_;
  std::vector<uint64_t> in_, out_;
  std::vector<uint8_t> flags_;
  std::vector<uint64_t> part_, acc32_;

  uint64_t to_fp32(uint64_t code) const { return convert(p_.acc, p_.fp32, code, Options{}).bits; }

  // Chunks [t0, t1) of row i against columns j0..j0+n, c chained through part_.
  void chunks(size_t i, size_t j0, size_t n, size_t t0, size_t t1) {
    const size_t k = p_.kunit;
    for (size_t t = t0; t < t1; ++t) {
      const uint32_t* a = &p_.a[i * p_.kpad + t * k];
      for (size_t j = 0; j < n; ++j) {
        uint64_t* row = &in_[j * width_];
        const uint32_t* b = &p_.bt[(j0 + j) * p_.kpad + t * k];
        for (size_t q = 0; q < k; ++q) row[q] = a[q];
        for (size_t q = 0; q < k; ++q) row[k + q] = b[q];
        row[2 * k] = part_[j];
      }
      op_->eval_batch(std::span(in_).first(n * width_), std::span(out_).first(n), std::span(flags_).first(n));
      std::copy_n(out_.begin(), n, part_.begin());
    }
  }
};

// D's rows on `threads` threads (each row by one thread: the result does not depend on the count);
// progress on stderr when the run is long.
std::vector<uint64_t> compute(const Problem& p, int threads) {
  std::vector<uint64_t> d(p.M * p.N);
  const size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(threads), p.M));
  std::atomic<size_t> next{0}, done{0};
  std::mutex m;
  std::condition_variable cv;
  size_t finished = 0;
  std::exception_ptr error;
  const auto work = [&] {
    try {
      RowWorker w(p);
      for (size_t i; (i = next++) < p.M;) {
        w.row(i, &d[i * p.N]);
        ++done;
      }
    } catch (...) {
      std::lock_guard lk(m);
      if (!error) error = std::current_exception();
      next = p.M;  // the others stop at their next row
    }
    std::lock_guard lk(m);
    ++finished;
    cv.notify_all();
  };
  std::vector<std::thread> pool;
  for (size_t t = 0; t < workers; ++t) pool.emplace_back(work);
  const bool long_run = static_cast<double>(p.M) * static_cast<double>(p.N) * static_cast<double>(p.chunks) > (1 << 22);
  {
    std::unique_lock lk(m);
    while (!cv.wait_for(lk, std::chrono::milliseconds(250), [&] { return finished == workers; }))
      if (long_run) std::fprintf(stderr, "\rgemm: %zu/%zu rows", done.load(), p.M);
  }
  for (auto& t : pool) t.join();
  if (long_run) std::fprintf(stderr, "\rgemm: %zu/%zu rows\n", done.load(), p.M);
  if (error) std::rethrow_exception(error);
  return d;
}

}  // namespace

int run_gemm(const std::vector<std::string>& args) {
  const GemmArgs r = parse_gemm_args(args);
  const auto op = need_operation(r.unit, r.opts);
  const auto ps = product_sum(op->signature());
  if (!ps)
    throw InputError("gemm takes a unit that computes sum a_i*b_i + c (fma, mac, dot), got '" + excerpt(r.unit) + "'");
  if (ps->in.bits > 32) throw InputError("gemm takes input formats of at most 32 bits, got " + ps->in.name);
  Problem p;
  p.kunit = static_cast<size_t>(ps->terms);
  p.acc = ps->acc;
  p.fp32 = *parse_format("fp32");
  p.model = op->name();
  p.opts = op->options();
  p.promote = r.promote > 0;
  if (p.promote && r.promote % p.kunit != 0)
    throw InputError("--promote " + std::to_string(r.promote) + " is not a multiple of " + op->name() + "'s K = " +
                     std::to_string(p.kunit));

  const npy::Array A(r.a), B(r.b);
  const std::optional<npy::Array> C = r.c.empty() ? std::nullopt : std::optional<npy::Array>(std::in_place, r.c);
  check_matrix(A, "A", ps->in, r.quantize);
  check_matrix(B, "B", ps->in, r.quantize);
  if (C) check_matrix(*C, "C", ps->acc, r.quantize);
  p.M = A.shape()[0], p.K = A.shape()[1], p.N = B.shape()[1];
  if (p.K == 0) throw InputError("input file " + A.shown() + ": A has no columns (K = 0)");
  if (B.shape()[0] != p.K)
    throw InputError("input file " + B.shown() + ": B is " + shape_text(B) + ", A is " + shape_text(A) + ": want " +
                     std::to_string(p.K) + " rows");
  if (C && (C->shape()[0] != p.M || C->shape()[1] != p.N))
    throw InputError("input file " + C->shown() + ": C is " + shape_text(*C) + ", want (" + std::to_string(p.M) + ", " +
                     std::to_string(p.N) + ")");
  p.chunks = (p.K + p.kunit - 1) / p.kunit;
  p.kpad = p.chunks * p.kunit;
  p.group = p.promote ? r.promote / p.kunit : p.chunks;

  // Padding: a zero product that changes no result. The GPU presets skip zero products whatever
  // their sign; exact (IEEE 754 6.3) gives an exact zero sum the sign of its terms when they agree,
  // so the pad is a -0 product (+0 x -1), which agrees with any all-negative row and, outside RDN,
  // cannot make a positive one negative; in RDN, where mixed signs give -0, it is +0 x +0.
  const Format& in = ps->in;
  uint64_t pad_a = 0, pad_b = 0;
  if (p.kpad != p.K) {
    if (!in.has_zero() || !in.is_signed)
      throw InputError("K = " + std::to_string(p.K) + " is not a multiple of " + op->name() + "'s K = " +
                       std::to_string(p.kunit) + ", and " + in.name + " has no signed zero product to pad with");
    if (op->options().mode != Round::RDN) pad_b = quantize(in, -1.0, 1.0);
  }
  double sa = 1, sb = 1;
  p.a = load_operand(A, false, in, r.quantize, p.kpad, pad_a, &sa);
  p.bt = load_operand(B, true, in, r.quantize, p.kpad, pad_b, &sb);
  // `fmalab stream`'s scale maps a tensor's max |x| to the format's max: x ~ scale * value(code),
  // so a product of codes is (a b) / (sa sb), C joins the sum as C / (sa sb) and D = sa sb value(y).
  const double scale = sa * sb;
  if (C) {
    p.c.resize(C->size());
    for (size_t i = 0; i < C->size(); ++i)
      p.c[i] = r.quantize ? quantize(p.acc, checked_value(*C, i), scale) : checked_code(*C, i, p.acc);
  }

  Output out(r.out);  // after the input checks; removed on a signal or an error
  int threads = r.threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::vector<uint64_t> d = compute(p, threads);

  const Format& dfmt = p.promote ? p.fp32 : p.acc;
  const size_t shape[] = {p.M, p.N};
  out.write(npy::header(r.quantize ? "<f4" : npy::code_descr(dfmt.bits), shape));
  const size_t bytes = r.quantize ? 4 : static_cast<size_t>(npy::code_descr(dfmt.bits)[2] - '0');
  std::string chunk;
  for (size_t i = 0; i < d.size(); ++i) {
    char b[8];
    if (r.quantize) {
      const float v = static_cast<float>(value_of(dfmt, d[i]) * scale);
      std::memcpy(b, &v, 4);
    } else {
      const uint64_t v = d[i];
      std::memcpy(b, &v, 8);  // little-endian: the low `bytes` bytes
    }
    chunk.append(b, bytes);
    if (chunk.size() >= (1u << 16)) out.write(chunk), chunk.clear();
  }
  out.write(chunk);
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
