// The exact term plus c, rounded once into fp32 (model/fma.cpp align and add, model/encode.cpp
// encode_float; the tail of the exact dot products): align (the term and c on one grid of W bits
// below the larger one's leading one, sticky below) -> add -> normalize -> round (rnd_i) -> pack.
// With W >= max(term width, 24) + 3 the bits the sticky takes lie at least two places below the
// rounding point, so the rounding is the exact sum's (fma_float's argument). special_i decides the
// row (NaN/Inf); an exact zero sum is zero_sign_i's zero. IEEE flags. The internals are outputs for
// the stage words.
module term_add_round #(
    parameter int TW = 40,  // term magnitude width
    parameter int EW = 12,
    parameter int W = ((TW > 24) ? TW : 24) + 3,
    parameter int MW = W + 2,
    parameter int LW = $clog2(MW + 1)
) (
    input  logic                 t_sign_i,
    input  logic [     TW-1:0]   t_mag_i,
    input  logic signed [EW-1:0] t_lsb_i,
    input  logic                 c_sign_i,
    input  logic [       23:0]   c_sig_i,
    input  logic signed [EW-1:0] c_lsb_i,
    input  logic [        2:0]   rnd_i,
    input  logic                 special_i,
    input  logic [       31:0]   special_code_i,
    input  logic [        4:0]   special_flags_i,
    input  logic                 zero_sign_i,
    // align
    output logic signed [EW-1:0] al_lsb_o,
    output logic signed [EW-1:0] al_shift_o,
    output logic [          W:0] al_t_o,
    output logic [          W:0] al_c_o,
    output logic                 al_t_lost_o,
    output logic                 al_c_lost_o,
    // add
    output logic                 sum_sign_o,
    output logic                 sum_carry_o,
    output logic [     MW-1:0]   sum_mag_o,
    // normalize
    output logic [     LW-1:0]   norm_lz_o,
    output logic signed [EW-1:0] norm_exp_o,
    output logic signed [EW-1:0] norm_q_o,
    // round
    output logic [       23:0]   rnd_kept_o,
    output logic                 rnd_half_o,
    output logic                 rnd_below_o,
    output logic                 rnd_inc_o,
    // pack
    output logic [       31:0]   y_o,
    output logic [        4:0]   flags_o
);
  localparam int CODEW = 8 + 23 + 2;

  // align: the term and c on one grid, sticky below
  fma_align #(.PW(TW), .CW(24), .W(W), .EW(EW), .STICKY(1)) u_align (
      .p_sig_i(t_mag_i), .p_lsb_i(t_lsb_i), .c_sig_i(c_sig_i), .c_lsb_i(c_lsb_i),
      .lsb_o(al_lsb_o), .shift_o(al_shift_o), .p_o(al_t_o), .c_o(al_c_o),
      .p_lost_o(al_t_lost_o), .c_lost_o(al_c_lost_o));

  // add
  logic sum_zero;
  fma_add #(.W(W)) u_add (
      .p_sign_i(t_sign_i), .p_i(al_t_o), .c_sign_i(c_sign_i), .c_i(al_c_o),
      .sign_o(sum_sign_o), .mag_o(sum_mag_o), .carry_o(sum_carry_o));
  assign sum_zero = sum_mag_o == '0;

  // normalize
  fp_normalize #(.MW(MW), .M(23), .EMIN(-126), .EW(EW)) u_normalize (
      .mag_i(sum_mag_o), .lsb_i(al_lsb_o), .lz_o(norm_lz_o), .exp_o(norm_exp_o), .quantum_o(norm_q_o));

  // round
  logic rnd_tiny;
  logic [CODEW-1:0] rnd_code;
  fp_round #(.MW(MW), .E(8), .M(23), .BIAS(127), .EW(EW)) u_round (
      .mag_i(sum_mag_o), .lsb_i(al_lsb_o), .sign_i(sum_sign_o), .exp_i(norm_exp_o), .quantum_i(norm_q_o),
      .mode_i(rnd_i), .kept_o(rnd_kept_o), .half_o(rnd_half_o), .below_o(rnd_below_o), .inc_o(rnd_inc_o),
      .code_o(rnd_code), .tiny_o(rnd_tiny));

  // pack
  fp_pack #(.E(8), .M(23)) u_pack (
      .special_i(special_i), .special_code_i(special_code_i), .special_flags_i(special_flags_i),
      .zero_i(sum_zero), .zero_sign_i(zero_sign_i), .sign_i(sum_sign_o), .code_i(rnd_code),
      .inexact_i(rnd_half_o | rnd_below_o), .tiny_i(rnd_tiny), .mode_i(rnd_i), .y_o(y_o), .flags_o(flags_o));
endmodule
