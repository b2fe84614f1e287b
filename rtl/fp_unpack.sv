// unpack/classify one floating-point operand (model/decode.cpp decode_float).
// Value = (-1)^sign * sig * 2^lsb_exp; sig carries the hidden bit. Inf and NaN have sig 0 and
// lsb_exp -M, as in the model. NAN_STYLE (fmalab_pkg::nan_style_e): NAN_IEEE (exponent all ones,
// mantissa nonzero), NAN_ALL_ONES (the all-ones magnitude only, OCP E4M3) or NAN_NONE (no NaN, no
// Inf: OCP FP6, FP4).
module fp_unpack #(
    parameter int E = 4,
    parameter int M = 3,
    parameter int BIAS = 7,
    parameter int NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int HAS_INF = 0,
    parameter int EW = 12
) (
    input  logic [      E+M:0]   code_i,
    output logic                 sign_o,
    output logic [        2:0]   cls_o,
    output logic signed [EW-1:0] lsb_exp_o,
    output logic [          M:0] sig_o,
    output logic                 snan_o
);
  logic [E-1:0] field;
  logic [M-1:0] frac;
  logic is_nan, is_inf, quiet, mag_ones;
  assign field = code_i[E+M-1:M];
  assign frac = code_i[M-1:0];
  assign sign_o = code_i[E+M];
  // Bit selects outside the always_comb: Icarus 11 cannot take constant selects in always_* processes.
  assign quiet = frac[M-1];
  assign mag_ones = &code_i[E+M-1:0];

  always_comb begin
    if (NAN_STYLE == fmalab_pkg::NAN_IEEE) begin
      is_nan = (&field) && (|frac);
      is_inf = (HAS_INF != 0) && (&field) && !(|frac);
    end else if (NAN_STYLE == fmalab_pkg::NAN_ALL_ONES) begin
      is_nan = mag_ones;
      is_inf = 1'b0;
    end else begin  // NAN_NONE
      is_nan = 1'b0;
      is_inf = 1'b0;
    end
    snan_o = (NAN_STYLE == fmalab_pkg::NAN_IEEE) && is_nan && !quiet;
    if (is_nan || is_inf) begin
      cls_o = is_nan ? fmalab_pkg::CLS_NAN : fmalab_pkg::CLS_INF;
      sig_o = '0;
      lsb_exp_o = -EW'(M);
    end else if (field == '0) begin
      cls_o = (frac == '0) ? fmalab_pkg::CLS_ZERO : fmalab_pkg::CLS_SUBNORMAL;
      sig_o = {1'b0, frac};
      lsb_exp_o = EW'(1 - BIAS - M);
    end else begin
      cls_o = fmalab_pkg::CLS_NORMAL;
      sig_o = {1'b1, frac};
      lsb_exp_o = $signed(EW'(field)) - EW'(BIAS + M);
    end
  end
endmodule
