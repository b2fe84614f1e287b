// mxdot8_e4m3_fp32: 8 lanes of an MXFP8 (e4m3) block dot product: y = 2^(xa-127) * 2^(xb-127) * sum
// of 8 products a_i*b_i + c, the products summed exactly (golden model mxdot:mxfp8_e4m3:8; a block
// of 32 is 4 calls, c threading the sum), rounded once into fp32. rnd is RISC-V frm (0 RNE, 1 RTZ,
// 2 RDN, 3 RUP, 4 RMM); flags = {NV, DZ, OF, UF, NX}. xa, xb: the two blocks' scale codes; a_i at
// a[8 i +: 8], b_i likewise.
module mxdot8_e4m3_fp32 #(
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
      .K(8), .IN_E(4), .IN_M(3), .IN_BIAS(7), .IN_NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .IN_HAS_INF(0),
      .SCALE(fmalab_pkg::SCALE_E8M0), .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .xa_i(xa), .a_i(a), .xb_i(xb), .b_i(b), .c_i(c), .rnd_i(rnd), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
