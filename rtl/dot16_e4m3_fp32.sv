// dot16_e4m3_fp32: the H100 FP8 tensor-core window: y = sum of 16 e4m3 products a_i*b_i + c in
// fp32 (golden model dot:e4m3:fp32:16, preset h100, whose block of 32 takes the 16 products and 16
// zeros): products exact, aligned to the block's max exponent on a 14-bit window (neab -10),
// truncated, summed, rounded toward zero to 13 fraction bits. a_i at a[8 i +: 8], b_i likewise.
// flags = {NV, DZ, OF, UF, NX}.
module dot16_e4m3_fp32 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [127:0] a,
    input  logic [127:0] b,
    input  logic [31:0] c,
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
  dot_block #(
      .K(16), .IN_E(4), .IN_M(3), .IN_BIAS(7), .IN_NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .IN_HAS_INF(0),
      .NEAB(-10), .MIN_EXP(-133), .CUT(13), .ROUND(fmalab_pkg::RND_RTZ),
      .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
