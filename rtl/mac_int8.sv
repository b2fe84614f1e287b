// mac_int8: int8 * int8 + int32 -> int32, wrapping (golden model mac:int8).
module mac_int8 #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [ 7:0] a,
    input  logic [ 7:0] b,
    input  logic [31:0] c,
    output logic [31:0] y
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
  mac_int #(.IN_W(8), .ACC_W(32), .MUL_ARCH(MUL_ARCH)) u_mac (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .stages_o(stages));
endmodule
