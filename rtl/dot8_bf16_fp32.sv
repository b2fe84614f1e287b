// dot8_bf16_fp32: an A100-like tensor-core block: y = sum of 8 bf16 products a_i*b_i + c in fp32
// (golden model dot:bf16:fp32:8, preset a100): products exact, aligned to the block's max exponent
// (clamped at -132) on a 25-bit window (neab 1), truncated, summed, rounded toward zero.
// a_i at a[16 i +: 16], b_i likewise. flags = {NV, DZ, OF, UF, NX}.
module dot8_bf16_fp32 #(
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
      .K(8), .IN_E(8), .IN_M(7), .IN_BIAS(127), .IN_NAN_STYLE(fmalab_pkg::NAN_IEEE), .IN_HAS_INF(1),
      .NEAB(1), .MIN_EXP(-132), .CUT(23), .ROUND(fmalab_pkg::RND_RTZ),
      .MUL_ARCH(MUL_ARCH)
  ) u_dot (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
