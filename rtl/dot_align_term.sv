// align and cut one term of a dot-product block (model/dot.cpp align_term): the magnitude
// sig * 2^-FB (FB fraction bits) on the grid 2^(E - WIN), WIN bits below the block's max
// exponent E, truncated toward zero (no sticky): value = floor(sig * 2^(WIN - FB) / 2^shift),
// shift = E - exp. The scaling by 2^(WIN - FB) comes first and floors too when negative (c under
// a negative neab); lost_o says whether the shift then dropped nonzero bits.
module dot_align_term #(
    parameter int SW = 8,    // significand width
    parameter int FB = 6,    // its fraction bits
    parameter int WIN = 13,  // grid fraction bits below the max exponent (23 + neab)
    parameter int AW = 15,   // aligned value width
    parameter int EW = 12
) (
    input  logic [     SW-1:0]   sig_i,
    input  logic signed [EW-1:0] exp_i,
    input  logic signed [EW-1:0] max_exp_i,
    output logic signed [EW-1:0] shift_o,
    output logic [     AW-1:0]   value_o,
    output logic                 lost_o
);
  localparam int L = WIN - FB;
  localparam int XW = (L > 0) ? SW + L : SW;

  logic [XW-1:0] x;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [XW-1:0] y;  // the bits above AW are zero: no term rises above the max exponent's window
  /* verilator lint_on UNUSEDSIGNAL */
  generate
    if (L >= 0) begin : g_up
      assign x = XW'(sig_i) << L;
    end else begin : g_down
      assign x = sig_i >> (-L);
    end
  endgenerate
  assign shift_o = max_exp_i - exp_i;
  shift_right_sticky #(.WIDTH(XW), .AW(EW)) u_shift (.x_i(x), .amt_i(shift_o), .y_o(y), .lost_o(lost_o));
  assign value_o = AW'(y);
endmodule
