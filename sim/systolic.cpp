// The systolic array's SystemC modules (schedule and dataflow: systolic.hpp): Pe, one processing
// element; Sequencer, the edges (skewed operand feeds, C loads, drain reads, the phase counter);
// Array, the PEs and the registers between them on one clock.
#include "systolic.hpp"

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <stdexcept>

#include <systemc>

namespace fmalab {

namespace {

// What one operand register holds for a cycle: K' codes of an A row or a B column and their block scale.
struct Chunk {
  bool valid = false;
  uint32_t scale = 0;
  std::vector<uint32_t> codes;
  bool operator==(const Chunk&) const = default;
};
// sc_signal prints its value on request (sc_signal::print) and ports trace theirs into a trace file
// (VCD) when one is opened: they need these. The model opens none, so tracing records nothing.
std::ostream& operator<<(std::ostream& os, const Chunk& c) { return os << (c.valid ? "chunk" : "-"); }
void sc_trace(sc_core::sc_trace_file*, const Chunk&, const std::string&) {}

// A partial sum (ACC code) in a PE's accumulator register or on a shift link; invalid outside D.
struct Psum {
  bool valid = false;
  uint64_t code = 0;
  bool operator==(const Psum&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Psum& p) { return os << (p.valid ? p.code : 0); }
void sc_trace(sc_core::sc_trace_file*, const Psum&, const std::string&) {}

// One processing element. Each clock: in a compute cycle, when both operand registers to its left
// and above hold a chunk, it evaluates the unit with its partial sum as c and keeps the result; in a
// swap cycle it takes the partial sum of the PE above (the top edge's load for row 0) instead. The
// operands move on every cycle (its own registers feed the PE to the right and the one below).
class Pe : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk, swap;
  sc_core::sc_in<Chunk> a_in, b_in;
  sc_core::sc_out<Chunk> a_out, b_out;
  sc_core::sc_in<Psum> psum_in;
  sc_core::sc_out<Psum> psum_out;
  uint64_t busy = 0, a_hops = 0, b_hops = 0, shifts = 0;

  SC_HAS_PROCESS(Pe);
  Pe(const sc_core::sc_module_name& name, const Operation& op, const ProductSum& ps)
      : sc_core::sc_module(name), op_(op), ps_(ps), row_(op.signature().operand_words()),
        out_(op.signature().result_words()) {
    SC_METHOD(tick);
    sensitive << clk.pos();
    dont_initialize();
  }

 private:
  const Operation& op_;
  const ProductSum& ps_;
  Psum psum_;
  std::vector<uint64_t> row_, out_;

  void tick() {
    const Chunk& a = a_in.read();
    const Chunk& b = b_in.read();
    a_hops += a.valid, b_hops += b.valid;
    a_out.write(a);
    b_out.write(b);
    if (swap.read()) {
      if (a.valid || b.valid) throw std::logic_error(std::string("systolic: ") + name() + ": operands in a swap cycle");
      psum_ = psum_in.read();
      shifts += psum_.valid;
      psum_out.write(psum_);
      return;
    }
    if (!a.valid || !b.valid) return;
    if (!psum_.valid) throw std::logic_error(std::string("systolic: ") + name() + ": operands and no partial sum");
    psum_.code = evaluate(a, b);
    ++busy;
    psum_out.write(psum_);
  }

  // The unit on one operand row, laid out by the ProductSum shape (the signature's order).
  uint64_t evaluate(const Chunk& a, const Chunk& b) {
    const size_t k = static_cast<size_t>(ps_.terms);
    if (ps_.block) row_[ps_.xa_at()] = a.scale, row_[ps_.xb_at()] = b.scale;
    for (size_t q = 0; q < k; ++q) row_[ps_.a_at(q)] = a.codes[q], row_[ps_.b_at(q)] = b.codes[q];
    row_[ps_.c_at()] = psum_.code;
    op_.eval(row_, out_);
    return out_[0];
  }
};

// The array's edges and its schedule: one counter n of clock edges. The swap phase before tile j
// (cycles j (L + R) .. + R - 1) loads tile j's C values into the top edge, its bottom row first;
// the PEs take them one edge later, so the bottom edge shows tile j-1's row R - u on edge
// j (L + R) + u, 1 <= u <= R. The compute phase then feeds chunk t of tile row r at local cycle
// t + r and of tile column c at t + c.
class Sequencer : public sc_core::sc_module {
 public:
  sc_core::sc_in<bool> clk;
  sc_core::sc_out<bool> swap;
  sc_core::sc_vector<sc_core::sc_out<Chunk>> a_edge, b_edge;
  sc_core::sc_vector<sc_core::sc_out<Psum>> top;
  sc_core::sc_vector<sc_core::sc_in<Psum>> bottom;
  std::vector<uint64_t> d;
  uint64_t cycles = 0, c_loads = 0, drain_reads = 0, tiles = 0;

  SC_HAS_PROCESS(Sequencer);
  Sequencer(const sc_core::sc_module_name& name, const cli::GemmOperands& x, const BlockScales* s, size_t rows,
            size_t cols)
      : sc_core::sc_module(name), a_edge("a_edge", rows), b_edge("b_edge", cols), top("top", cols),
        bottom("bottom", cols), d(x.M * x.N), x_(x), s_(s), R_(rows), C_(cols), tiles_n_((x.N + cols - 1) / cols) {
    tiles = ((x.M + rows - 1) / rows) * tiles_n_;
    period_ = (x_.chunks + R_ + C_ - 2) + R_;  // one compute phase and one swap phase
    SC_METHOD(tick);
    sensitive << clk.pos();
    dont_initialize();
  }

 private:
  const cli::GemmOperands& x_;
  const BlockScales* s_;
  size_t R_, C_, tiles_n_;
  uint64_t period_ = 0, n_ = 0;

  size_t tile_row0(uint64_t j) const { return static_cast<size_t>(j / tiles_n_) * R_; }
  size_t tile_col0(uint64_t j) const { return static_cast<size_t>(j % tiles_n_) * C_; }

  void tick() {
    const uint64_t n = n_++;
    const uint64_t j = n / period_, u = n % period_;
    if (j >= 1 && u >= 1 && u <= R_) drain(j - 1, R_ - u);
    if (j == tiles && u == R_) {
      cycles = n;
      sc_core::sc_stop();
      return;
    }
    const bool swapping = u < R_;
    swap.write(swapping);
    for (size_t c = 0; c < C_; ++c) top[c].write(swapping ? load(j, R_ - 1 - u, c) : Psum{});
    const int64_t local = static_cast<int64_t>(u) - static_cast<int64_t>(R_);  // compute cycle, < 0 in a swap
    for (size_t r = 0; r < R_; ++r) {
      const int64_t t = local - static_cast<int64_t>(r);
      const size_t i = tile_row0(j) + r;
      a_edge[r].write(!swapping && t >= 0 && static_cast<size_t>(t) < x_.chunks && i < x_.M
                          ? chunk(x_.a, s_ ? &s_->xa : nullptr, i, static_cast<size_t>(t))
                          : Chunk{});
    }
    for (size_t c = 0; c < C_; ++c) {
      const int64_t t = local - static_cast<int64_t>(c);
      const size_t jj = tile_col0(j) + c;
      b_edge[c].write(!swapping && t >= 0 && static_cast<size_t>(t) < x_.chunks && jj < x_.N
                          ? chunk(x_.bt, s_ ? &s_->xbt : nullptr, jj, static_cast<size_t>(t))
                          : Chunk{});
    }
  }

  // Chunk t of row `o` of a K-last operand (A, or B transposed), with its block's scale.
  Chunk chunk(const std::vector<uint32_t>& m, const std::vector<uint32_t>* scales, size_t o, size_t t) const {
    Chunk ch;
    ch.valid = true;
    const auto first = m.begin() + static_cast<std::ptrdiff_t>(o * x_.kpad + t * x_.kunit);
    ch.codes.assign(first, first + static_cast<std::ptrdiff_t>(x_.kunit));
    if (scales) ch.scale = (*scales)[o * s_->blocks + t * x_.kunit / s_->k];
    return ch;
  }

  // Tile j's initial partial sum at (r, c): C's value, +0 without C, invalid outside D.
  Psum load(uint64_t j, size_t r, size_t c) {
    const size_t i = tile_row0(j) + r, jj = tile_col0(j) + c;
    if (j >= tiles || i >= x_.M || jj >= x_.N) return Psum{};
    ++c_loads;
    return Psum{true, x_.c.empty() ? uint64_t{0} : x_.c[i * x_.N + jj]};
  }

  // Tile j's row r of results from the bottom edge into D.
  void drain(uint64_t j, size_t r) {
    const size_t i = tile_row0(j) + r;
    for (size_t c = 0; c < C_; ++c) {
      const size_t jj = tile_col0(j) + c;
      if (i >= x_.M || jj >= x_.N) continue;
      const Psum p = bottom[c].read();
      if (!p.valid) throw std::logic_error("systolic: no result for D[" + std::to_string(i) + "][" + std::to_string(jj) + "]");
      d[i * x_.N + jj] = p.code;
      ++drain_reads;
    }
  }
};

// The PEs, the sequencer and the registers between them. Link (r, c) of `a` is what PE (r, c)
// reads (column 0: the left edge), of `b` likewise (row 0: the top edge); psum link (r, c) feeds PE
// (r, c) in a swap (row R: the bottom edge).
class Array : public sc_core::sc_module {
 public:
  Array(const sc_core::sc_module_name& name, const Operation& op, const ProductSum& ps, const cli::GemmOperands& x,
        const BlockScales* s, size_t rows, size_t cols)
      : sc_core::sc_module(name), clk("clk", sc_core::sc_time(1, sc_core::SC_NS)), swap("swap"),
        a("a", rows * (cols + 1)), b("b", (rows + 1) * cols), psum("psum", (rows + 1) * cols),
        seq("seq", x, s, rows, cols), R_(rows), C_(cols) {
    pes.init(rows * cols, [&](const char* nm, size_t) { return new Pe(nm, op, ps); });
    seq.clk(clk);
    seq.swap(swap);
    for (size_t r = 0; r < rows; ++r) seq.a_edge[r](a[r * (cols + 1)]);
    for (size_t c = 0; c < cols; ++c) {
      seq.b_edge[c](b[c]);
      seq.top[c](psum[c]);
      seq.bottom[c](psum[rows * cols + c]);
    }
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) {
        Pe& pe = pes[r * cols + c];
        pe.clk(clk);
        pe.swap(swap);
        pe.a_in(a[r * (cols + 1) + c]);
        pe.a_out(a[r * (cols + 1) + c + 1]);
        pe.b_in(b[r * cols + c]);
        pe.b_out(b[(r + 1) * cols + c]);
        pe.psum_in(psum[r * cols + c]);
        pe.psum_out(psum[(r + 1) * cols + c]);
      }
  }

  SystolicStats stats() const {
    SystolicStats st;
    st.rows = R_, st.cols = C_, st.tiles = seq.tiles, st.cycles = seq.cycles;
    for (const Pe& pe : pes) {
      st.busy_pe_cycles += pe.busy;
      st.a_hops += pe.a_hops, st.b_hops += pe.b_hops;
      st.psum_shifts += pe.shifts;
    }
    st.evaluations = st.psum_writes = st.busy_pe_cycles;
    st.c_loads = seq.c_loads, st.drain_reads = seq.drain_reads;
    return st;
  }

  sc_core::sc_clock clk;
  sc_core::sc_signal<bool> swap;
  sc_core::sc_vector<sc_core::sc_signal<Chunk>> a, b;
  sc_core::sc_vector<sc_core::sc_signal<Psum>> psum;
  sc_core::sc_vector<Pe> pes;
  Sequencer seq;

 private:
  size_t R_, C_;
};

}  // namespace

SystolicRun run_systolic(const Operation& op, const ProductSum& ps, const cli::GemmOperands& x,
                         const BlockScales* scales, size_t rows, size_t cols) {
  // Standard output carries the stats: no banner (read when SystemC's context is made, by the first
  // call below), no "simulation stopped" note; a SystemC warning is a bug here.
  setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
  if (sc_core::sc_start_of_simulation_invoked())
    throw std::logic_error("systolic: SystemC runs one simulation per process");
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_THROW);
  Array array("array", op, ps, x, scales, rows, cols);
  sc_core::sc_start();
  SystolicRun run{std::move(array.seq.d), array.stats()};
  run.stats.values_per_hop = static_cast<uint64_t>(ps.terms) + (ps.block ? 1 : 0);
  return run;
}

}  // namespace fmalab

// libsystemc's own main() calls sc_main; fmalab has its main(), so this is never called, but the
// shared library's reference must resolve. Weak: another SystemC user in fmalab may define it too.
extern "C" __attribute__((weak)) int sc_main(int, char*[]) {
  std::fputs("fmalab: sc_main is not an entry point\n", stderr);
  return 1;
}
