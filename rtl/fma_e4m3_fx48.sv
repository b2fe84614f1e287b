// fma_e4m3_fx48: the e4m3 product added exactly into a 48-bit fixed-point accumulator with 18
// fraction bits (golden model fma:e4m3:fx48_18); e4m3 products always lie on that grid.
// flags = {NV, DZ, OF, UF, NX}: NV for NaN operands; the sum wraps without OF like the model's
// default (non-saturating) accumulator.
module fma_e4m3_fx48 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [ 7:0] a,
    input  logic [ 7:0] b,
    input  logic [47:0] c,
    output logic [47:0] y,
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
  fma_fixed #(
      .IN_E(4), .IN_M(3), .IN_BIAS(7), .IN_NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .IN_HAS_INF(0), .ACC_W(48), .F(18),
      .MUL_ARCH(MUL_ARCH)
  ) u_fma (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .flags_o(flags), .stages_o(stages));
endmodule
