// multiply: sign xor, exponent add, exact significand product (model/fma.cpp multiply).
module fma_multiply #(
    parameter int SW = 4,  // operand significand width (with hidden bit)
    parameter int EW = 12,
    parameter int ARCH = 0
) (
    input  logic                 a_sign_i,
    input  logic [        2:0]   a_cls_i,
    input  logic signed [EW-1:0] a_lsb_i,
    input  logic [     SW-1:0]   a_sig_i,
    input  logic                 b_sign_i,
    input  logic [        2:0]   b_cls_i,
    input  logic signed [EW-1:0] b_lsb_i,
    input  logic [     SW-1:0]   b_sig_i,
    output logic                 sign_o,
    output logic [        2:0]   cls_o,
    output logic signed [EW-1:0] lsb_o,
    output logic [   2*SW-1:0]   sig_o
);
  int_mul #(.WA(SW), .WB(SW), .SIGNED(0), .ARCH(ARCH)) u_mul (.a_i(a_sig_i), .b_i(b_sig_i), .p_o(sig_o));
  assign sign_o = a_sign_i ^ b_sign_i;
  assign lsb_o = a_lsb_i + b_lsb_i;
  always_comb begin
    if (a_cls_i == fmalab_pkg::CLS_NAN || b_cls_i == fmalab_pkg::CLS_NAN) cls_o = fmalab_pkg::CLS_NAN;
    else if (a_cls_i == fmalab_pkg::CLS_INF || b_cls_i == fmalab_pkg::CLS_INF) cls_o = fmalab_pkg::CLS_INF;
    else if (sig_o == '0) cls_o = fmalab_pkg::CLS_ZERO;
    else cls_o = fmalab_pkg::CLS_NORMAL;
  end
endmodule
