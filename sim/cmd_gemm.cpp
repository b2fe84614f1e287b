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

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "gemm_operands.hpp"
#include "npy.hpp"
#include "streams.hpp"

namespace fmalab::cli {

namespace {

struct GemmArgs : GemmCommand {
  size_t promote = 0;  // 0: no promotion
  bool quantize = false;
  int threads = 0;  // 0: the hardware's
};

GemmArgs parse_gemm_args(const std::vector<std::string>& a) {
  GemmArgs r;
  CLI::App app("D = A x B (+ C) on .npy matrices through the unit's datapath, K in the unit's chunks (README: fmalab gemm).",
               "fmalab gemm");
  init_app(app);
  add_gemm_command(app, r, "a unit computing sum a_i*b_i + c (fma, mac, dot, mxdot, lnsmac) or its RTL unit",
                 "A (M x K) as .npy of operand codes (float values with --quantize)");
  unsigned long long promote = 0, threads = 0;
  add_whole(app, "--promote", promote, 1, std::numeric_limits<int>::max(),
            "add each N-product partial sum into an fp32 accumulator");
  app.add_flag("--quantize", r.quantize, "read float values and quantize them to the unit's input format");
  add_whole(app, "--threads", threads, 1, 1024, "worker threads (default: the hardware's)");
  parse(app, a);
  r.promote = static_cast<size_t>(promote);
  r.threads = static_cast<int>(threads);
  check_gemm_command(r, "gemm", "dot:e4m3:fp32:32 --preset h100");
  return r;
}

// An operation already built once with this name and these options (a failure is a bug).
std::unique_ptr<Operation> need_model(const std::string& name, const Options& o) {
  std::string why;
  auto op = make_operation(name, o, &why);
  if (!op) throw std::logic_error("gemm: " + why);
  return op;
}

struct Problem : GemmOperands {
  size_t group = 0;  // chunks per promotion group (all of them without --promote)
  bool promote = false;
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
  Progress progress("gemm", p.M, "rows");
  {
    std::unique_lock lk(m);
    while (!cv.wait_for(lk, std::chrono::milliseconds(250), [&] { return finished == workers; }))
      progress.update(done.load());
  }
  for (auto& t : pool) t.join();
  progress.update(done.load());
  progress.finish();
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

  static_cast<GemmOperands&>(p) = load_gemm_operands(*op, *ps, GemmFiles{r.a, r.b, r.c, r.quantize});
  p.group = p.promote ? r.promote / p.kunit : p.chunks;

  Output out(r.out);  // after the input checks; removed on a signal or an error
  int threads = r.threads;
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::vector<uint64_t> d = compute(p, threads);

  write_matrix(out, d, p.M, p.N, p.promote ? p.fp32 : p.acc, r.quantize ? std::optional<double>(p.scale) : std::nullopt);
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
