// A cycle-level SystemC model of an R x C output-stationary systolic array whose processing
// elements are one product-sum unit (fma, mac, dot, lnsmac, mxdot: any operation product_sum()
// describes). README: fmalab systolic.
//
// Dataflow. PE (r, c) holds one output's partial sum in the accumulator format. A's rows enter from
// the left edge and move one PE right per cycle, B's columns from the top edge and move one PE
// down per cycle, each as chunks of the unit's K' values (with their block scale for block
// formats); row r is delayed r cycles and column c, c cycles, so chunk t of both meets in PE (r, c)
// on the same cycle. There the PE evaluates the unit on (A chunk, B chunk, partial sum as c) and
// keeps the result as its new partial sum: chunks k = 0, 1, 2, ... in order, as `fmalab gemm` chains
// them, so D equals gemm's bit for bit.
//
// Schedule (cycles). Output tiles of R x C, row-major (tile rows of D outer). One tile's compute
// phase lasts L = T + R + C - 2 cycles for T = ceil(K / K') chunks. Between compute phases a swap
// phase of R cycles shifts every column's partial sums down one PE per cycle: the bottom row leaves
// at the bottom edge (the drain: C results a cycle) while the next tile's C values (or +0) enter at
// the top (the load). The run is swap, compute, swap, ..., compute, swap:
//   cycles = R + tiles * (L + R).
// A PE whose output lies outside D (an edge tile) sees no operands and stays idle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gemm_operands.hpp"

namespace fmalab {

// A block-scaled unit's scales: one per block of `k` values along K, A's as M x blocks, B's
// (transposed) as N x blocks.
struct BlockScales {
  size_t blocks = 0, k = 0;
  std::vector<uint32_t> xa, xbt;
};

struct SystolicStats {
  uint64_t rows = 0, cols = 0, tiles = 0;
  uint64_t cycles = 0;          // first edge drive to last drain read
  uint64_t busy_pe_cycles = 0;  // PE-cycles that evaluated the unit
  uint64_t evaluations = 0;     // unit evaluations (one per busy PE-cycle)
  uint64_t a_hops = 0, b_hops = 0;  // A / B chunks latched by a PE (the left and top edge included)
  uint64_t values_per_hop = 0;      // operand values in one chunk: K', plus its block scale
  uint64_t psum_writes = 0;         // partial sums written by an evaluation
  uint64_t psum_shifts = 0;         // partial sums shifted one PE down in a swap phase
  uint64_t c_loads = 0;             // C values (or +0) entering at the top edge
  uint64_t drain_reads = 0;         // results read at the bottom edge
  double utilization() const {
    return cycles ? static_cast<double>(busy_pe_cycles) / (static_cast<double>(rows * cols) * static_cast<double>(cycles)) : 0;
  }
};

struct SystolicRun {
  std::vector<uint64_t> d;  // M x N ACC codes
  SystolicStats stats;
};

// D = A x B (+ C) on a rows x cols array of op (shape ps); scales for a block-scaled unit, else null.
// Runs one SystemC simulation: SystemC's kernel is process-wide, so this may be called once per process.
SystolicRun run_systolic(const Operation& op, const ProductSum& ps, const cli::GemmOperands& x,
                         const BlockScales* scales, size_t rows, size_t cols);

}  // namespace fmalab
