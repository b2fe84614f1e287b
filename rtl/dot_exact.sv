// The exact fused dot product sum_{i<K} a_i*b_i + c with one correct rounding into fp32 (golden
// model dot:IN:fp32:K, preset exact), for narrow IN: unpack -> multiply (dot_lanes) -> special
// (NaN/Inf over the row) -> accumulate (dot_fixed_sum: every product exact on the fixed grid of
// the smallest product's LSB, summed exactly by a carry-save tree and one adder: a Kulisch
// accumulator for the products) -> align (that sum and c on one grid of W bits below the larger
// one's leading one, sticky) -> add -> normalize -> round (rnd_i) -> pack (term_add_round). With
// W = max(sum width, 24) + 3 the bits the sticky takes lie at least two places below the rounding
// point, so the rounding is the exact sum's (fma_float's argument, with the product sum in the
// product's place). IEEE flags; an exact zero sum is -0 when
// every term is negative, or in RDN when they differ.
module dot_exact #(
    parameter int K = 16,
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int IW = IN_E + IN_M + 1
) (
    input  logic [K*IW-1:0] a_i,
    input  logic [K*IW-1:0] b_i,
    input  logic [    31:0] c_i,
    input  logic [     2:0] rnd_i,
    output logic [    31:0] y_o,
    output logic [     4:0] flags_o,
    output logic [12*64-1:0] stages_o
);
  localparam int EW = 12;
  localparam int P = IN_M + 1;
  localparam int PW = 2 * P;
  localparam int LSB_MIN = 1 - IN_BIAS - IN_M;                  // an input's smallest LSB exponent
  localparam int LSB_MAX = (2 ** IN_E - 1) - IN_BIAS - IN_M;    // and its largest
  localparam int FXW = PW + 2 * (LSB_MAX - LSB_MIN);            // a product on the grid 2^(2 LSB_MIN)
  localparam int SW = FXW + $clog2(K + 1) + 1;                  // the signed product sum
  localparam int SMW = SW - 1;
  localparam int W = ((SMW > 24) ? SMW : 24) + 3;
  localparam int MW = W + 2;
  localparam int LW = $clog2(MW + 1);

  // unpack and multiply, per lane
  logic [K-1:0] snan, p_sign;
  logic [3*K-1:0] a_cls, b_cls;
  logic [K*EW-1:0] p_lsb;
  logic [K*PW-1:0] p_sig;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [K-1:0] a_sign, b_sign, p_zero;  // lane 0's for the stage words only
  logic [K*EW-1:0] a_lsb, b_lsb;
  logic [K*P-1:0] a_sig, b_sig;
  /* verilator lint_on UNUSEDSIGNAL */
  dot_lanes #(.K(K), .IN_E(IN_E), .IN_M(IN_M), .IN_BIAS(IN_BIAS), .IN_NAN_STYLE(IN_NAN_STYLE), .IN_HAS_INF(IN_HAS_INF),
              .MUL_ARCH(MUL_ARCH), .EW(EW)) u_lanes (
      .a_i, .b_i, .a_sign_o(a_sign), .a_cls_o(a_cls), .a_lsb_o(a_lsb), .a_sig_o(a_sig),
      .b_sign_o(b_sign), .b_cls_o(b_cls), .b_lsb_o(b_lsb), .b_sig_o(b_sig), .snan_o(snan),
      .p_sign_o(p_sign), .p_zero_o(p_zero), .p_lsb_o(p_lsb), .p_sig_o(p_sig));

  logic c_sign, c_snan;
  logic [2:0] c_cls;
  logic signed [EW-1:0] c_lsb;
  logic [23:0] c_sig;
  fp_unpack #(.E(8), .M(23), .BIAS(127), .NAN_STYLE(fmalab_pkg::NAN_IEEE), .HAS_INF(1), .EW(EW)) u_unpack_c (
      .code_i(c_i), .sign_o(c_sign), .cls_o(c_cls), .lsb_exp_o(c_lsb), .sig_o(c_sig), .snan_o(c_snan));

  // special: NaN and Inf over the whole row
  logic special;
  logic [31:0] special_code;
  logic [4:0] special_flags;
  dot_special #(.K(K), .E(8), .M(23), .NVIDIA_NAN(0)) u_special (
      .a_cls_i(a_cls), .b_cls_i(b_cls), .p_sign_i(p_sign), .snan_i(snan),
      .c_cls_i(c_cls), .c_sign_i(c_sign), .c_snan_i(c_snan),
      .special_o(special), .code_o(special_code), .flags_o(special_flags));

  // accumulate: the exact sum of the products, on the grid 2^(2 LSB_MIN)
  localparam logic signed [EW-1:0] ACC_LSB = EW'(2 * LSB_MIN);
  logic acc_sign;
  logic [SMW-1:0] acc_mag;
  dot_fixed_sum #(.K(K), .PW(PW), .FXW(FXW), .LSB0(2 * LSB_MIN), .EW(EW), .SW(SW)) u_accumulate (
      .p_sign_i(p_sign), .p_lsb_i(p_lsb), .p_sig_i(p_sig), .sign_o(acc_sign), .mag_o(acc_mag));

  // IEEE 754 6.3: an exact zero sum is -0 when every term is negative (zero products and c
  // included), else -0 only when rounding down and the signs differ.
  logic zero_sign, all_neg, all_pos;
  assign all_neg = c_sign & (&p_sign);
  assign all_pos = ~c_sign & ~(|p_sign);
  assign zero_sign = all_neg | (~all_pos & (rnd_i == fmalab_pkg::RND_RDN));

  // align -> add -> normalize -> round -> pack: the product sum plus c, rounded once
  logic signed [EW-1:0] al_lsb, al_shift;
  logic [W:0] al_p, al_c;
  logic al_p_lost, al_c_lost, sum_sign, sum_carry;
  logic [MW-1:0] sum_mag;
  logic [LW-1:0] norm_lz;
  logic signed [EW-1:0] norm_exp, norm_q;
  logic [23:0] rnd_kept;
  logic rnd_half, rnd_below, rnd_inc;
  term_add_round #(.TW(SMW), .EW(EW), .W(W)) u_add_round (
      .t_sign_i(acc_sign), .t_mag_i(acc_mag), .t_lsb_i(ACC_LSB), .c_sign_i(c_sign), .c_sig_i(c_sig), .c_lsb_i(c_lsb),
      .rnd_i, .special_i(special), .special_code_i(special_code), .special_flags_i(special_flags),
      .zero_sign_i(zero_sign), .al_lsb_o(al_lsb), .al_shift_o(al_shift), .al_t_o(al_p), .al_c_o(al_c),
      .al_t_lost_o(al_p_lost), .al_c_lost_o(al_c_lost), .sum_sign_o(sum_sign), .sum_carry_o(sum_carry),
      .sum_mag_o(sum_mag), .norm_lz_o(norm_lz), .norm_exp_o(norm_exp), .norm_q_o(norm_q),
      .rnd_kept_o(rnd_kept), .rnd_half_o(rnd_half), .rnd_below_o(rnd_below), .rnd_inc_o(rnd_inc),
      .y_o, .flags_o);

  // Stage values for the cosimulation (sim/stage_words.cpp, layout "dot_exact"): word i at [64 i +: 64].
  assign stages_o = {
    {11'b0, flags_o, 16'b0, y_o},
    {rnd_half, rnd_below, rnd_inc, 13'b0, 48'(rnd_kept)},
    {16'(norm_exp), 16'(norm_lz) + 16'(64 - MW), 16'(norm_q), 16'b0},
    {sum_sign, sum_carry, 2'b0, al_lsb, 48'(sum_mag)},
    {c_sign, al_c_lost, 2'b0, al_shift, 48'(al_c)},
    {acc_sign, al_p_lost, 2'b0, al_lsb, 48'(al_p)},
    {acc_sign, 3'b0, ACC_LSB, 48'(acc_mag)},
    {63'b0, special},
    {p_sign[0], p_zero[0], 2'b0, p_lsb[0+:EW] + EW'(2 * IN_M), 48'(p_sig[0+:PW])},
    {c_sign, c_cls, c_lsb, 48'(c_sig)},
    {b_sign[0], b_cls[0+:3], b_lsb[0+:EW], 48'(b_sig[0+:P])},
    {a_sign[0], a_cls[0+:3], a_lsb[0+:EW], 48'(a_sig[0+:P])}
  };
endmodule
