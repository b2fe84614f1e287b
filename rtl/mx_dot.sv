// The MX block dot product (golden model mxdot:FMT:K; the MXDOTP design): y = X_A * X_B *
// sum_{i<K} P_i(A) * P_i(B) + c, rounded once into fp32 in rnd_i, for K lanes of one block whose
// scale codes are xa_i and xb_i (SCALE: E8M0, or NVFP4's e4m3). Stages: unpack (elements:
// dot_lanes; scales: mx_scale_unpack; c) -> multiply (dot_lanes) -> special (NaN/Inf over the row,
// a NaN scale counted as a NaN product) -> accumulate (dot_fixed_sum: the products exact on the
// fixed grid of the smallest product's LSB) -> scale (mx_scale: the sum times the scales' product,
// exact) -> align -> add -> normalize -> round -> pack (term_add_round: the scaled sum plus c with
// a sticky bit and one rounding). IEEE flags; an exact zero sum is -0 when every term (the products
// with the scales' sign, and c) is negative, or in RDN when their signs differ.
module mx_dot #(
    parameter int K = 8,
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int SCALE = fmalab_pkg::SCALE_E8M0,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int IW = IN_E + IN_M + 1
) (
    input  logic [       7:0] xa_i,
    input  logic [  K*IW-1:0] a_i,
    input  logic [       7:0] xb_i,
    input  logic [  K*IW-1:0] b_i,
    input  logic [      31:0] c_i,
    input  logic [       2:0] rnd_i,
    output logic [      31:0] y_o,
    output logic [       4:0] flags_o,
    output logic [16*64-1:0] stages_o
);
  localparam int EW = 12;
  localparam int P = IN_M + 1;
  localparam int PW = 2 * P;
  localparam int LSB_MIN = 1 - IN_BIAS - IN_M;                  // an element's smallest LSB exponent
  localparam int LSB_MAX = (2 ** IN_E - 1) - IN_BIAS - IN_M;    // and its largest
  localparam int FXW = PW + 2 * (LSB_MAX - LSB_MIN);            // a product on the grid 2^(2 LSB_MIN)
  localparam int SW = FXW + $clog2(K + 1) + 1;                  // the signed product sum
  localparam int SMW = SW - 1;
  localparam int SP = (SCALE == fmalab_pkg::SCALE_E4M3) ? 4 : 1;  // a scale's significand width
  localparam int XW = 2 * SP;
  localparam int TW = (SCALE == fmalab_pkg::SCALE_E4M3) ? SMW + XW : SMW;  // the scaled sum
  // The adder's window, the model's exact one (model/mx_dot.cpp exact_mx_window): the sum's bits plus
  // two scale significands' (an E8M0 significand counts one bit), at least fp32's 24, plus 3.
  localparam int SCALE_BITS = (SCALE == fmalab_pkg::SCALE_E4M3) ? 8 : 2;
  localparam int WT = SMW + SCALE_BITS;
  localparam int W = ((WT > 24) ? WT : 24) + 3;
  localparam int MW = W + 2;
  localparam int LW = $clog2(MW + 1);
  localparam logic signed [EW-1:0] ACC_LSB = EW'(2 * LSB_MIN);

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

  // unpack the scales
  logic xa_sign, xb_sign;
  logic [2:0] xa_cls, xb_cls;
  logic signed [EW-1:0] xa_lsb, xb_lsb;
  logic [SP-1:0] xa_sig, xb_sig;
  mx_scale_unpack #(.SCALE(SCALE), .EW(EW)) u_unpack_xa (
      .code_i(xa_i), .sign_o(xa_sign), .cls_o(xa_cls), .lsb_exp_o(xa_lsb), .sig_o(xa_sig));
  mx_scale_unpack #(.SCALE(SCALE), .EW(EW)) u_unpack_xb (
      .code_i(xb_i), .sign_o(xb_sign), .cls_o(xb_cls), .lsb_exp_o(xb_lsb), .sig_o(xb_sig));

  // unpack c
  logic c_sign, c_snan;
  logic [2:0] c_cls;
  logic signed [EW-1:0] c_lsb;
  logic [23:0] c_sig;
  fp_unpack #(.E(8), .M(23), .BIAS(127), .NAN_STYLE(fmalab_pkg::NAN_IEEE), .HAS_INF(1), .EW(EW)) u_unpack_c (
      .code_i(c_i), .sign_o(c_sign), .cls_o(c_cls), .lsb_exp_o(c_lsb), .sig_o(c_sig), .snan_o(c_snan));

  // special: NaN and Inf over the whole row; the scale pair enters as one more product (a NaN
  // scale makes the row NaN, quiet: no scale NaN signals)
  logic special;
  logic [31:0] special_code;
  logic [4:0] special_flags;
  dot_special #(.K(K + 1), .E(8), .M(23), .NVIDIA_NAN(0)) u_special (
      .a_cls_i({xa_cls, a_cls}), .b_cls_i({xb_cls, b_cls}), .p_sign_i({xa_sign ^ xb_sign, p_sign}),
      .snan_i({1'b0, snan}), .c_cls_i(c_cls), .c_sign_i(c_sign), .c_snan_i(c_snan),
      .special_o(special), .code_o(special_code), .flags_o(special_flags));

  // accumulate: the exact sum of the products, on the grid 2^(2 LSB_MIN)
  logic acc_sign;
  logic [SMW-1:0] acc_mag;
  dot_fixed_sum #(.K(K), .PW(PW), .FXW(FXW), .LSB0(2 * LSB_MIN), .EW(EW), .SW(SW)) u_accumulate (
      .p_sign_i(p_sign), .p_lsb_i(p_lsb), .p_sig_i(p_sig), .sign_o(acc_sign), .mag_o(acc_mag));

  // scale: the sum times X_A * X_B, exact
  logic x_sign, t_sign;
  logic signed [EW-1:0] x_lsb, t_lsb;
  logic [XW-1:0] x_sig;
  logic [TW-1:0] t_mag;
  mx_scale #(.SCALE(SCALE), .MW(SMW), .EW(EW), .MUL_ARCH(MUL_ARCH)) u_scale (
      .xa_sign_i(xa_sign), .xa_cls_i(xa_cls), .xa_lsb_i(xa_lsb), .xa_sig_i(xa_sig),
      .xb_sign_i(xb_sign), .xb_cls_i(xb_cls), .xb_lsb_i(xb_lsb), .xb_sig_i(xb_sig),
      .sum_sign_i(acc_sign), .sum_mag_i(acc_mag), .sum_lsb_i(ACC_LSB),
      .x_sign_o(x_sign), .x_lsb_o(x_lsb), .x_sig_o(x_sig), .sign_o(t_sign), .mag_o(t_mag), .lsb_o(t_lsb));

  // IEEE 754 6.3: an exact zero sum is -0 when every term X_A X_B P_i(A) P_i(B) and c is negative
  // (zero products included), else -0 only when rounding down and the signs differ.
  logic zero_sign, all_neg, all_pos;
  logic [K-1:0] t_signs;
  assign t_signs = p_sign ^ {K{x_sign}};
  assign all_neg = c_sign & (&t_signs);
  assign all_pos = ~c_sign & ~(|t_signs);
  assign zero_sign = all_neg | (~all_pos & (rnd_i == fmalab_pkg::RND_RDN));

  // align -> add -> normalize -> round -> pack: the scaled sum plus c, rounded once
  logic signed [EW-1:0] al_lsb, al_shift;
  logic [W:0] al_t, al_c;
  logic al_t_lost, al_c_lost, sum_sign, sum_carry;
  logic [MW-1:0] sum_mag;
  logic [LW-1:0] norm_lz;
  logic signed [EW-1:0] norm_exp, norm_q;
  logic [23:0] rnd_kept;
  logic rnd_half, rnd_below, rnd_inc;
  term_add_round #(.TW(TW), .EW(EW), .W(W)) u_add_round (
      .t_sign_i(t_sign), .t_mag_i(t_mag), .t_lsb_i(t_lsb), .c_sign_i(c_sign), .c_sig_i(c_sig), .c_lsb_i(c_lsb),
      .rnd_i, .special_i(special), .special_code_i(special_code), .special_flags_i(special_flags),
      .zero_sign_i(zero_sign), .al_lsb_o(al_lsb), .al_shift_o(al_shift), .al_t_o(al_t), .al_c_o(al_c),
      .al_t_lost_o(al_t_lost), .al_c_lost_o(al_c_lost), .sum_sign_o(sum_sign), .sum_carry_o(sum_carry),
      .sum_mag_o(sum_mag), .norm_lz_o(norm_lz), .norm_exp_o(norm_exp), .norm_q_o(norm_q),
      .rnd_kept_o(rnd_kept), .rnd_half_o(rnd_half), .rnd_below_o(rnd_below), .rnd_inc_o(rnd_inc),
      .y_o, .flags_o);

  // Stage values for the cosimulation (sim/stage_words.cpp, layout "mxdot"): word i at [64 i +: 64],
  // from 0: a0 b0 c xa xb product0 scale_product special product_sum term aligned_term aligned_c sum
  // normalize round pack.
  assign stages_o = {
    {11'b0, flags_o, 16'b0, y_o},
    {rnd_half, rnd_below, rnd_inc, 13'b0, 48'(rnd_kept)},
    {16'(norm_exp), 16'(norm_lz) + 16'(64 - MW), 16'(norm_q), 16'b0},
    {sum_sign, sum_carry, 2'b0, al_lsb, 48'(sum_mag)},
    {c_sign, al_c_lost, 2'b0, al_shift, 48'(al_c)},
    {t_sign, al_t_lost, 2'b0, al_lsb, 48'(al_t)},
    {t_sign, 3'b0, t_lsb, 48'(t_mag)},
    {acc_sign, 3'b0, ACC_LSB, 48'(acc_mag)},
    {63'b0, special},
    {x_sign, 3'b0, x_lsb, 48'(x_sig)},
    {p_sign[0], p_zero[0], 2'b0, p_lsb[0+:EW] + EW'(2 * IN_M), 48'(p_sig[0+:PW])},
    {xb_sign, xb_cls, xb_lsb, 48'(xb_sig)},
    {xa_sign, xa_cls, xa_lsb, 48'(xa_sig)},
    {c_sign, c_cls, c_lsb, 48'(c_sig)},
    {b_sign[0], b_cls[0+:3], b_lsb[0+:EW], 48'(b_sig[0+:P])},
    {a_sign[0], a_cls[0+:3], a_lsb[0+:EW], 48'(a_sig[0+:P])}
  };
endmodule
