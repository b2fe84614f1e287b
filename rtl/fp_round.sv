// round (model/encode.cpp encode_float and is_tiny): cut the magnitude at the quantum, round in
// the mode, and build the code (biased exponent field minus one, shifted, plus the kept
// significand, so a rounding carry moves into the exponent by itself). tiny_o is tininess after
// rounding: the value rounded to full precision with an unbounded exponent is below 2^EMIN.
module fp_round #(
    parameter int MW = 29,
    parameter int E = 8,
    parameter int M = 23,
    parameter int BIAS = 127,
    parameter int EW = 12,
    parameter int CODEW = E + M + 2
) (
    input  logic [     MW-1:0]   mag_i,
    input  logic signed [EW-1:0] lsb_i,
    input  logic                 sign_i,
    input  logic signed [EW-1:0] exp_i,
    input  logic signed [EW-1:0] quantum_i,
    input  logic [        2:0]   mode_i,
    output logic [          M:0] kept_o,
    output logic                 half_o,
    output logic                 below_o,
    output logic                 inc_o,
    output logic [  CODEW-1:0]   code_o,
    output logic                 tiny_o
);
  localparam int EMIN = 1 - BIAS;
  localparam int KW = M + 2;  // room for a rounding carry

  // Whether a magnitude rounds up (model/round.hpp round_up); modes 5..7 act as RNE. A function of
  // this module, not of fmalab_pkg: Yosys 0.23 silently reads enum items inside a package function
  // as the wrong values (the netlist then disagrees with the RTL; the gate-level tests show it).
  function automatic logic round_up(input logic [2:0] mode, input logic sign, input logic odd, input logic half,
                                    input logic below);
    logic up;
    unique case (mode)
      fmalab_pkg::RND_RTZ: up = 1'b0;
      fmalab_pkg::RND_RDN: up = sign & (half | below);
      fmalab_pkg::RND_RUP: up = ~sign & (half | below);
      fmalab_pkg::RND_RMM: up = half;
      default: up = half & (below | odd);
    endcase
    round_up = up;
  endfunction

  logic [KW-1:0] kept_cut, kept, kept2, rounded2;
  logic half2, below2, inc2, carry2;
  logic signed [EW-1:0] field;
  logic [CODEW-1:0] code_cut;

  fp_cut #(.MW(MW), .KW(KW), .EW(EW)) u_cut (
      .mag_i, .lsb_i, .q_i(quantum_i), .kept_o(kept_cut), .half_o, .below_o);
  // The kept significand; under FMALAB_FAULTS (the cosimulation's own test) with the round stage's fault.
`ifdef FMALAB_FAULTS
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_ROUND = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_ROUND);
  assign kept = kept_cut ^ FAULT_ROUND[KW-1:0];
`else
  assign kept = kept_cut;
`endif
  // The same cut at full precision, for tininess when the exponent is EMIN - 1.
  fp_cut #(.MW(MW), .KW(KW), .EW(EW)) u_cut_full (
      .mag_i, .lsb_i, .q_i(exp_i - EW'(M)), .kept_o(kept2), .half_o(half2), .below_o(below2));

  assign kept_o = kept[M:0];
  assign field = quantum_i + EW'(M + BIAS - 1);
  assign code_cut = (CODEW'(field) << M) + CODEW'(kept);
  assign inc_o = round_up(mode_i, sign_i, code_cut[0], half_o, below_o);
  assign code_o = code_cut + CODEW'(inc_o);
  assign inc2 = round_up(mode_i, sign_i, kept2[0], half2, below2);
  assign rounded2 = kept2 + KW'(inc2);
  assign carry2 = rounded2[M+1];  // outside the always_comb for Icarus 11 (constant select)

  always_comb begin
    if (exp_i >= EW'(EMIN)) tiny_o = 1'b0;
    else if (exp_i < EW'(EMIN - 1)) tiny_o = 1'b1;
    else tiny_o = !carry2;
  end
endmodule
