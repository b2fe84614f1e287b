// correction g, lut method, first half (model/lns_add_approx.cpp lns_add_lut): the table address.
// d below 2^DB is split into the entry index i = d >> S (T bits) and the step t = d mod 2^S (S = DB -
// T bits) for the interpolation; far_o when d >= 2^DB, where g is 0.
module lns_add_lut_addr #(
    parameter int DW = 15,  // width of d
    parameter int DB = 14,  // index bits: F + ceil(log2(F + 2))
    parameter int T = 8     // lut bits
) (
    input  logic [DW-1:0]     d_i,
    output logic              far_o,
    output logic [T-1:0]      idx_o,
    output logic [DB-T-1:0]   t_o
);
  assign far_o = |d_i[DW-1:DB];
  assign idx_o = d_i[DB-1:DB-T];
  assign t_o = d_i[DB-T-1:0];
endmodule
