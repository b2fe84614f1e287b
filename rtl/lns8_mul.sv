// lns8_mul: the LNS-Madam 8-bit format's multiply, lns8_3 x lns8_3 -> lns8_3 (golden model
// lnsmul:lns8_3): the logs added, exact inside the range; beyond it +-max with OF|NX in every mode;
// below it zero or +-m_min by rnd (RISC-V frm: 0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM; 5-7 act as RNE)
// with UF|NX. flags = {NV, DZ, OF, UF, NX}. MUL_ARCH is every unit's parameter; there is no
// multiplier here (the product of two LNS values is an 8-bit add), so it changes nothing.
// lnsmul has no stage layout (Operation::stage_layout() is empty): `stages` is all zeros.
module lns8_mul #(
    /* verilator lint_off UNUSEDPARAM */
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
    /* verilator lint_on UNUSEDPARAM */
) (
    input  logic [7:0] a,
    input  logic [7:0] b,
    input  logic [2:0] rnd,
    output logic [7:0] y,
    output logic [4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [fmalab_pkg::STAGES_W-1:0] stages
`endif
);
`ifdef FMALAB_STAGES
  assign stages = '0;
`endif
  lns_mul #(.W(8), .F(3)) u_mul (.a_i(a), .b_i(b), .rnd_i(rnd), .y_o(y), .flags_o(flags));
endmodule
