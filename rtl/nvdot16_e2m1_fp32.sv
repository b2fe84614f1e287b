// nvdot16_e2m1_fp32: an NVFP4 block dot product: y = X_A * X_B * sum of 16 products a_i*b_i + c,
// X_A, X_B the e4m3 block scales (their product exact: 4 x 4-bit significands), the products summed
// exactly (golden model mxdot:nvfp4:16; the per-tensor fp32 scales are the caller's), rounded once
// into fp32. rnd is RISC-V frm (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM); flags = {NV, DZ, OF, UF, NX}.
// xa, xb: the two blocks' scale codes; a_i at a[4 i +: 4], b_i likewise.
module nvdot16_e2m1_fp32 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [  7:0] xa,
    input  logic [ 63:0] a,
    input  logic [  7:0] xb,
    input  logic [ 63:0] b,
    input  logic [ 31:0] c,
    input  logic [  2:0] rnd,
    output logic [ 31:0] y,
    output logic [  4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [16*64-1:0] stages
`endif
);
`ifndef FMALAB_STAGES
  /* verilator lint_off UNUSEDSIGNAL */
  logic [16*64-1:0] stages;
  /* verilator lint_on UNUSEDSIGNAL */
`endif
  mx_dot #(
      .K(16), .IN_E(2), .IN_M(1), .IN_BIAS(1), .IN_NAN_STYLE(fmalab_pkg::NAN_NONE), .IN_HAS_INF(0),
      .SCALE(fmalab_pkg::SCALE_E4M3), .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .xa_i(xa), .a_i(a), .xb_i(xb), .b_i(b), .c_i(c), .rnd_i(rnd), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
