// lns8_mac_madam: LNS-Madam's multiply-accumulate of a block of 8 lns8_3 products into a 48-bit
// fixed-point accumulator with 16 fraction bits (golden model lnsmac:lns8_3:fx48_16:8, defaults
// madam_bins = full (H = 3) and madam_cbits = 8). Per call: the 8 products a_i * b_i go into bins
// (by sign and the top H bits of the log's fraction; the bins start empty every call), the bins are
// combined with the constants C[j] = nearest 2^(j / 2^H + CB) (256, 279, 304, 332, 362, 395, 431, 470
// for H = 3, CB = 8), the sum is cut (floor) to fx48_16 and added to c, wrapping: y is the
// accumulator after the block. a_i at a[8 i +: 8], b_i likewise. flags = {NV, DZ, OF, UF, NX}: NV
// (with y = 0) for a NaN operand, else 0. H and CB are parameters (the registry row uses the
// defaults; another H or CB is lnsmac's --madam-bins H --madam-cbits CB). MUL_ARCH is every unit's
// parameter; there is no multiplier here (LNS products are adds), so it changes nothing.
// lnsmac has no stage layout (Operation::stage_layout() is empty): `stages` is all zeros.
module lns8_mac_madam #(
    /* verilator lint_off UNUSEDPARAM */
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    /* verilator lint_on UNUSEDPARAM */
    parameter int H = 3,
    parameter int CB = 8
) (
    input  logic [63:0] a,
    input  logic [63:0] b,
    input  logic [47:0] c,
    output logic [47:0] y,
    output logic [ 4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [fmalab_pkg::STAGES_W-1:0] stages
`endif
);
`ifdef FMALAB_STAGES
  assign stages = '0;
`endif
  lns_mac #(.W(8), .F(3), .K(8), .ACC_W(48), .P(16), .H(H), .CB(CB)) u_mac (
      .a_i(a), .b_i(b), .c_i(c), .y_o(y), .flags_o(flags));
endmodule
