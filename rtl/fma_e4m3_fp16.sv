// fma_e4m3_fp16: a, b in e4m3, c and y in fp16, a*b + c with one rounding (golden model fma:e4m3:fp16).
// rnd is RISC-V frm (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM); flags = {NV, DZ, OF, UF, NX}.
module fma_e4m3_fp16 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [7:0] a,
    input  logic [7:0] b,
    input  logic [15:0] c,
    input  logic [ 2:0] rnd,
    output logic [15:0] y,
    output logic [ 4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [fmalab_pkg::STAGES_W-1:0] stages
`endif
);
`ifndef FMALAB_STAGES
  /* verilator lint_off UNUSEDSIGNAL */
  logic [fmalab_pkg::STAGES_W-1:0] stages;
  /* verilator lint_on UNUSEDSIGNAL */
`endif
  fma_float #(
      .IN_E(4), .IN_M(3), .IN_BIAS(7), .IN_NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .IN_HAS_INF(0),
      .ACC_E(5), .ACC_M(10), .ACC_BIAS(15),
      .MUL_ARCH(MUL_ARCH)
  ) u_fma (
      .a_i(a), .b_i(b), .c_i(c), .rnd_i(rnd), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
