// scale (the mxdot op, MXDOTP-style): the exact product sum times the two block scales, still exact.
// The scales' product is a sign, an exponent sum and (SCALE_E4M3: NVFP4's e4m3 scales) a 4 x 4-bit
// significand product (fma_multiply, MUL_ARCH's multiplier); the sum's magnitude is multiplied by
// that significand product (int_mul), or passes through (SCALE_E8M0: a power of two, significand
// 1). The scaled sum = (-1)^sign_o * mag_o * 2^lsb_o. NaN scales are the special stage's.
module mx_scale #(
    parameter int SCALE = fmalab_pkg::SCALE_E8M0,
    parameter int MW = 40,  // the product sum's magnitude width
    parameter int EW = 12,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int SP = (SCALE == fmalab_pkg::SCALE_E4M3) ? 4 : 1,
    parameter int XW = 2 * SP,  // the scales' significand product
    parameter int TW = (SCALE == fmalab_pkg::SCALE_E4M3) ? MW + XW : MW
) (
    input  logic                 xa_sign_i,
    input  logic [        2:0]   xa_cls_i,
    input  logic signed [EW-1:0] xa_lsb_i,
    input  logic [     SP-1:0]   xa_sig_i,
    input  logic                 xb_sign_i,
    input  logic [        2:0]   xb_cls_i,
    input  logic signed [EW-1:0] xb_lsb_i,
    input  logic [     SP-1:0]   xb_sig_i,
    input  logic                 sum_sign_i,
    input  logic [     MW-1:0]   sum_mag_i,
    input  logic signed [EW-1:0] sum_lsb_i,
    // the scales' product
    output logic                 x_sign_o,
    output logic signed [EW-1:0] x_lsb_o,
    output logic [     XW-1:0]   x_sig_o,
    // the scaled sum
    output logic                 sign_o,
    output logic [     TW-1:0]   mag_o,
    output logic signed [EW-1:0] lsb_o
);
  generate
    if (SCALE == fmalab_pkg::SCALE_E4M3) begin : g_e4m3
      /* verilator lint_off UNUSEDSIGNAL */
      logic [2:0] x_cls;  // NaN scales are decided in the special stage
      /* verilator lint_on UNUSEDSIGNAL */
      fma_multiply #(.SW(SP), .EW(EW), .ARCH(MUL_ARCH)) u_multiply (
          .a_sign_i(xa_sign_i), .a_cls_i(xa_cls_i), .a_lsb_i(xa_lsb_i), .a_sig_i(xa_sig_i),
          .b_sign_i(xb_sign_i), .b_cls_i(xb_cls_i), .b_lsb_i(xb_lsb_i), .b_sig_i(xb_sig_i),
          .sign_o(x_sign_o), .cls_o(x_cls), .lsb_o(x_lsb_o), .sig_o(x_sig_o));
      int_mul #(.WA(MW), .WB(XW), .SIGNED(0), .ARCH(MUL_ARCH)) u_mul (.a_i(sum_mag_i), .b_i(x_sig_o), .p_o(mag_o));
    end else begin : g_e8m0  // powers of two: an exponent sum, the magnitude passes through
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused_cls;  // NaN scales are decided in the special stage
      /* verilator lint_on UNUSEDSIGNAL */
      logic [SP-1:0] sig;
      assign unused_cls = ^{xa_cls_i, xb_cls_i};
      assign x_sign_o = xa_sign_i ^ xb_sign_i;
      assign x_lsb_o = xa_lsb_i + xb_lsb_i;
      assign sig = xa_sig_i & xb_sig_i;  // 1, or 0 for a NaN scale (the model's decode)
      assign x_sig_o = XW'(sig);
      assign mag_o = sum_mag_i;
    end
  endgenerate
  assign sign_o = sum_sign_i ^ x_sign_o;
  assign lsb_o = sum_lsb_i + x_lsb_o;
endmodule
