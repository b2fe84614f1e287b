// lns16_add_lut: lns16_10 + lns16_10 -> lns16_10 by table and linear interpolation of the Gaussian
// logarithm (golden model lnsadd:lns16_10 --method lut --lut-bits T, model/lns_add_approx.cpp):
//   align (lns_add_align: specials; big, d = |La - Lb|, sub)
//   -> correction g (lns_add_lut_addr: i = d >> S, t = d mod 2^S, S = 14 - T; two reads of the ROM
//      rtl/lns16_10_lut_rom.sv, generated from the model's tables by synth/lns_rom.py, at i and i + 1;
//      lns_add_lut_g: the sign's table, G[i] + floor((G[i+1] - G[i]) t / 2^S), rounded off 4 guard bits)
//   -> finish (lns_finish: R = big.L + g; above Lmax +-max with OF|NX, below -Lmax ZERO with UF|NX).
// No rounding mode (the method has its own rounding), so no rnd port: lns_finish's tiny rule is tied
// to RTZ, which is the method's ZERO. flags = {NV, DZ, OF, UF, NX}; the approximation error raises
// none. T (lut bits, 2^T entries per table) must be one of the ROM's (4..10) and equal the registry
// row's lut_bits. MUL_ARCH picks the interpolation's multiplier (19 x 7 bits for T = 8).
// lnsadd has no stage layout (Operation::stage_layout() is empty): `stages` is all zeros.
module lns16_add_lut #(
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int T = 8
) (
    input  logic [15:0] a,
    input  logic [15:0] b,
    output logic [15:0] y,
    output logic [ 4:0] flags
`ifdef FMALAB_STAGES
    ,
    output logic [fmalab_pkg::STAGES_W-1:0] stages
`endif
);
`ifdef FMALAB_STAGES
  assign stages = '0;
`endif
  localparam int W = 16;
  localparam int F = 10;
  localparam int DB = F + $clog2(F + 2);  // 14: beyond 2^DB, g rounds to 0
  localparam int S = DB - T;
  localparam int GF = 4;
  localparam int EW = 19;  // rtl/lns16_10_lut_rom.sv's entry width
  localparam int RW = W + 1;

  // align
  logic special, sign, sub;
  logic [W-1:0] special_y;
  logic signed [W-2:0] big;
  logic [W-2:0] d;
  lns_add_align #(.W(W)) u_align (
      .a_i(a), .b_i(b), .special_o(special), .special_y_o(special_y), .sign_o(sign), .sub_o(sub), .big_o(big),
      .d_o(d));

  // correction g: address, table reads, interpolation
  logic far;
  logic [T-1:0] idx;
  logic [S-1:0] t;
  lns_add_lut_addr #(.DW(W - 1), .DB(DB), .T(T)) u_addr (.d_i(d), .far_o(far), .idx_o(idx), .t_o(t));

  logic signed [EW-1:0] lo_add, lo_sub, hi_add, hi_sub;
  lns16_10_lut_rom #(.T(T)) u_rom_lo (.idx_i({1'b0, idx}), .add_o(lo_add), .sub_o(lo_sub));
  lns16_10_lut_rom #(.T(T)) u_rom_hi (.idx_i({1'b0, idx} + 1'b1), .add_o(hi_add), .sub_o(hi_sub));

  logic signed [EW-GF:0] g;
  lns_add_lut_g #(.EW(EW), .S(S), .GF(GF), .MUL_ARCH(MUL_ARCH)) u_g (
      .lo_i(sub ? lo_sub : lo_add), .hi_i(sub ? hi_sub : hi_add), .t_i(t), .far_i(far), .g_o(g));

  // finish
  logic signed [RW-1:0] r;
  logic [W-1:0] y_range;
  logic [4:0] flags_range;
  assign r = RW'(big) + RW'(g);
  lns_finish #(.W(W), .F(F), .RW(RW)) u_finish (
      .sign_i(sign), .r_i(r), .rnd_i(3'(fmalab_pkg::RND_RTZ)), .y_o(y_range), .flags_o(flags_range));

  assign y = special ? special_y : y_range;
  assign flags = special ? 5'b0 : flags_range;
endmodule
