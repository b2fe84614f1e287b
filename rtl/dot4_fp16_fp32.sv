// dot4_fp16_fp32: a V100-like tensor-core block: y = sum of 4 fp16 products a_i*b_i + c in fp32
// (golden model dot:fp16:fp32:4, preset v100): products exact, aligned to the block's max exponent on a
// 24-bit window (neab 0), truncated, summed, rounded toward zero. a_i at a[16 i +: 16], b_i likewise.
// flags = {NV, DZ, OF, UF, NX}.
module dot4_fp16_fp32 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [63:0] a,
    input  logic [63:0] b,
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
      .K(4), .IN_E(5), .IN_M(10), .IN_BIAS(15), .IN_NAN_STYLE(fmalab_pkg::NAN_IEEE), .IN_HAS_INF(1),
      .NEAB(0), .MIN_EXP(-1024), .CUT(23), .ROUND(fmalab_pkg::RND_RTZ),
      .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
