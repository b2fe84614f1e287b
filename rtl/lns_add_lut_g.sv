// correction g, lut method, second half (model/lns_add_approx.cpp lns_add_lut): the entries G[i]
// (lo_i) and G[i+1] (hi_i) of the table the operation picks (Gsub for a subtraction, Gadd otherwise),
// scaled by 2^(F + GF), interpolated and rounded to the format's grid:
//   v = G[i] + floor((G[i+1] - G[i]) * t / 2^S),  g = (v + 2^(GF-1)) >> GF  (round half up)
// and g = 0 when d >= 2^DB (far_i). The product is int_mul's (MUL_ARCH: array or radix-4 Booth).
module lns_add_lut_g #(
    parameter int EW = 19,  // entry width (signed)
    parameter int S = 6,    // step bits: DB - T
    parameter int GF = 4,   // guard bits of the entries
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic signed [EW-1:0] lo_i,
    input  logic signed [EW-1:0] hi_i,
    input  logic [S-1:0]         t_i,
    input  logic                 far_i,
    output logic signed [EW-GF:0] g_o
);
  localparam int DW = EW + 1;  // G[i+1] - G[i]
  localparam int PW = DW + S + 1;

  logic signed [DW-1:0] delta, step, v;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [PW-1:0] prod;  // (G[i+1] - G[i]) t: its top bit is a sign copy, its low S bits are cut
  /* verilator lint_on UNUSEDSIGNAL */
  assign delta = DW'(hi_i) - DW'(lo_i);
  // t as a nonnegative signed operand: a signed product needs no correction for it.
  int_mul #(.WA(DW), .WB(S + 1), .SIGNED(1), .ARCH(MUL_ARCH)) u_mul (
      .a_i(delta), .b_i({1'b0, t_i}), .p_o(prod));
  // floor(delta t / 2^S), the arithmetic shift: |delta t| < |delta| 2^S, so it fits DW bits.
  assign step = $signed(prod[S+:DW]);
  // v lies between G[i] and G[i+1], so it fits DW bits too.
  assign v = lo_i + step;

  logic signed [DW-1:0] v_round;
  assign v_round = v + DW'(2 ** (GF - 1));
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [DW-1:0] g_all;  // v_round >>> GF: its top GF bits are sign copies
  /* verilator lint_on UNUSEDSIGNAL */
  assign g_all = v_round >>> GF;
  assign g_o = far_i ? '0 : g_all[EW-GF:0];
endmodule
