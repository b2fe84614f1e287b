// align (model/fma.cpp align): both terms on one grid of W bits whose top is the larger term's
// leading one. Each aligned term is its magnitude cut to the grid, shifted up one place, with the
// OR of the cut bits (when STICKY) in bit 0. lsb_o is the exponent of that sticky place.
module fma_align #(
    parameter int PW = 8,   // product significand width
    parameter int CW = 24,  // addend significand width
    parameter int W = 27,   // window
    parameter int EW = 12,
    parameter int STICKY = 1
) (
    input  logic [     PW-1:0]   p_sig_i,
    input  logic signed [EW-1:0] p_lsb_i,
    input  logic [     CW-1:0]   c_sig_i,
    input  logic signed [EW-1:0] c_lsb_i,
    output logic signed [EW-1:0] lsb_o,
    output logic signed [EW-1:0] shift_o,
    output logic [        W:0]   p_o,
    output logic [        W:0]   c_o,
    output logic                 p_lost_o,
    output logic                 c_lost_o
);
  localparam int PLW = $clog2(PW + 1);
  localparam int CLW = $clog2(CW + 1);
  localparam int PYW = PW + W - 1;
  localparam int CYW = CW + W - 1;

  logic [PLW-1:0] p_lz;
  logic [CLW-1:0] c_lz;
  logic p_zero, c_zero;
  logic signed [EW-1:0] anchor, p_top, c_top, p_dist, c_dist;
  logic [EW-1:0] p_amt, c_amt;
  logic [PYW-1:0] p_y;
  logic [CYW-1:0] c_y;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [PYW-1:0] p_kept;  // bits from W up are zero: no term rises above the anchor
  logic [CYW-1:0] c_kept;
  /* verilator lint_on UNUSEDSIGNAL */
  logic p_lost, c_lost;

  lzc #(.WIDTH(PW)) u_p_lzc (.in_i(p_sig_i), .cnt_o(p_lz), .empty_o(p_zero));
  lzc #(.WIDTH(CW)) u_c_lzc (.in_i(c_sig_i), .cnt_o(c_lz), .empty_o(c_zero));

  // Exponent of each term's leading one.
  assign p_top = p_lsb_i + EW'(PW - 1) - EW'(p_lz);
  assign c_top = c_lsb_i + EW'(CW - 1) - EW'(c_lz);

  // Continuous assignments rather than one always_comb: Icarus 11 re-runs an always_comb that
  // reads a variable it also writes (anchor) without end.
  assign anchor = (p_zero && c_zero) ? '0 : c_zero ? p_top : p_zero ? c_top : ((p_top > c_top) ? p_top : c_top);
  assign lsb_o = (p_zero && c_zero) ? '0 : anchor - EW'(W);
  assign shift_o = (p_zero || c_zero) ? '0 : ((p_top > c_top) ? p_top - c_top : c_top - p_top);
  // Distance from the anchor down to each term's LSB: the right shift of sig << (W-1).
  assign p_dist = anchor - p_lsb_i;
  assign c_dist = anchor - c_lsb_i;
  assign p_amt = p_zero ? '0 : p_dist;
  assign c_amt = c_zero ? '0 : c_dist;

  assign p_y = PYW'(p_sig_i) << (W - 1);
  assign c_y = CYW'(c_sig_i) << (W - 1);
  shift_right_sticky #(.WIDTH(PYW), .AW(EW)) u_p_shift (.x_i(p_y), .amt_i(p_amt), .y_o(p_kept), .lost_o(p_lost));
  shift_right_sticky #(.WIDTH(CYW), .AW(EW)) u_c_shift (.x_i(c_y), .amt_i(c_amt), .y_o(c_kept), .lost_o(c_lost));

  assign p_lost_o = p_lost;
  assign c_lost_o = c_lost;
  assign p_o = {p_kept[W-1:0], (STICKY != 0) & p_lost};
  assign c_o = {c_kept[W-1:0], (STICKY != 0) & c_lost};
endmodule
