// Special operands (model/fma.cpp special_result): NaN, Inf*0 and Inf-Inf give the canonical NaN
// (NV for a signaling NaN, Inf*0 and Inf-Inf); otherwise an Inf operand gives Inf.
// special_o is set whenever an operand is Inf or NaN; the result format is IEEE-style.
module fma_special #(
    parameter int E = 8,
    parameter int M = 23
) (
    input  logic [  2:0] a_cls_i,
    input  logic [  2:0] b_cls_i,
    input  logic [  2:0] c_cls_i,
    input  logic         snan_i,
    input  logic [  2:0] p_cls_i,
    input  logic         p_sign_i,
    input  logic         c_sign_i,
    output logic         special_o,
    output logic [E+M:0] code_o,
    output logic [  4:0] flags_o
);
  localparam logic [E+M:0] QNAN = {1'b0, {E{1'b1}}, 1'b1, {(M - 1) {1'b0}}};
  logic any_nan, inf_times_zero, inf_minus_inf, a_special, b_special, c_special;
  always_comb begin
    a_special = a_cls_i == fmalab_pkg::CLS_INF || a_cls_i == fmalab_pkg::CLS_NAN;
    b_special = b_cls_i == fmalab_pkg::CLS_INF || b_cls_i == fmalab_pkg::CLS_NAN;
    c_special = c_cls_i == fmalab_pkg::CLS_INF || c_cls_i == fmalab_pkg::CLS_NAN;
    special_o = a_special || b_special || c_special;
    any_nan = a_cls_i == fmalab_pkg::CLS_NAN || b_cls_i == fmalab_pkg::CLS_NAN || c_cls_i == fmalab_pkg::CLS_NAN;
    inf_times_zero = (a_cls_i == fmalab_pkg::CLS_INF && b_cls_i == fmalab_pkg::CLS_ZERO) ||
                     (a_cls_i == fmalab_pkg::CLS_ZERO && b_cls_i == fmalab_pkg::CLS_INF);
    inf_minus_inf = p_cls_i == fmalab_pkg::CLS_INF && c_cls_i == fmalab_pkg::CLS_INF && p_sign_i != c_sign_i;
    if (any_nan || inf_times_zero || inf_minus_inf) begin
      code_o = QNAN;
      flags_o = (snan_i || inf_times_zero || inf_minus_inf) ? fmalab_pkg::FLAG_NV : 5'b0;
    end else begin
      code_o = {(p_cls_i == fmalab_pkg::CLS_INF) ? p_sign_i : c_sign_i, {E{1'b1}}, {M{1'b0}}};
      flags_o = '0;
    end
  end
endmodule
