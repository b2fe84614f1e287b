// dot16_e4m3_fp32_exact: the exact fused dot product: y = sum of 16 e4m3 products a_i*b_i + c
// rounded once into fp32 (golden model dot:e4m3:fp32:16, preset exact): the products summed exactly,
// then c added with a sticky bit and one correct rounding. rnd is RISC-V frm (0 RNE, 1 RTZ, 2 RDN,
// 3 RUP, 4 RMM); flags = {NV, DZ, OF, UF, NX}. a_i at a[8 i +: 8], b_i likewise.
module dot16_e4m3_fp32_exact #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [127:0] a,
    input  logic [127:0] b,
    input  logic [31:0] c,
    input  logic [       2:0] rnd,
    output logic [31:0] y,
    output logic [ 4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [12*64-1:0] stages
`endif
);
`ifndef FMALAB_STAGES
  /* verilator lint_off UNUSEDSIGNAL */
  logic [12*64-1:0] stages;
  /* verilator lint_on UNUSEDSIGNAL */
`endif
  dot_exact #(
      .K(16), .IN_E(4), .IN_M(3), .IN_BIAS(7), .IN_NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .IN_HAS_INF(0),
      .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .a_i(a), .b_i(b), .c_i(c), .rnd_i(rnd), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
