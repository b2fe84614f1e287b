// The block FMA of a GPU tensor core (model/dot.cpp block_fma; background.md section 4), one block
// of K products and c into fp32, in the golden model's stages: unpack -> multiply (exact, not
// renormalised: exponent ea + eb) -> special (NaN/Inf over the row) -> max exponent (clamped below
// at MIN_EXP) -> align and cut (every term on the grid 2^(E - 23 - NEAB), truncated, no sticky)
// -> add (carry-save tree, one adder) -> normalize -> round (ROUND, into 1.CUT bits) -> pack
// (a result past the largest binade is Inf in every mode). The presets it implements: v100, a100
// and h100 into fp32 with K no larger than the preset's block (zero products drop out).
module dot_block #(
    parameter int K = 16,
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int NEAB = -10,      // extra alignment bits below fp32's 24 (negative: fewer)
    parameter int MIN_EXP = -133,  // lower clamp of the alignment exponent
    parameter int CUT = 13,        // fraction bits kept in the result (at most 23)
    parameter logic [2:0] ROUND = fmalab_pkg::RND_RTZ,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int IW = IN_E + IN_M + 1
) (
    input  logic [K*IW-1:0] a_i,
    input  logic [K*IW-1:0] b_i,
    input  logic [    31:0] c_i,
    output logic [    31:0] y_o,
    output logic [     4:0] flags_o,
    output logic [12*64-1:0] stages_o
);
  localparam int EW = 12;
  localparam int P = IN_M + 1;
  localparam int PW = 2 * P;
  localparam int WIN = 23 + NEAB;  // grid bits below the max exponent
  localparam int AW = WIN + 2;     // an aligned product is below 4 * 2^WIN
  localparam int N = K + 1;        // terms: the products and c
  localparam int SW = AW + $clog2(N + 1) + 1;
  localparam int MW = SW - 1;
  localparam int LW = $clog2(MW + 1);
  localparam int CODEW = 8 + CUT + 2;

  // unpack and multiply, per product
  logic [K-1:0] a_sign, b_sign, a_snan, b_snan, p_sign, p_zero;
  logic [3*K-1:0] a_cls, b_cls;
  logic [K*EW-1:0] a_lsb, b_lsb, p_exp;
  logic [K*P-1:0] a_sig, b_sig;
  logic [K*PW-1:0] p_sig;
  for (genvar i = 0; i < K; i++) begin : g_prod
    logic signed [EW-1:0] lsb;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [2:0] cls;  // special decides NaN/Inf over the whole row
    /* verilator lint_on UNUSEDSIGNAL */
    fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_a (
        .code_i(a_i[i*IW+:IW]), .sign_o(a_sign[i]), .cls_o(a_cls[3*i+:3]), .lsb_exp_o(a_lsb[i*EW+:EW]),
        .sig_o(a_sig[i*P+:P]), .snan_o(a_snan[i]));
    fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_b (
        .code_i(b_i[i*IW+:IW]), .sign_o(b_sign[i]), .cls_o(b_cls[3*i+:3]), .lsb_exp_o(b_lsb[i*EW+:EW]),
        .sig_o(b_sig[i*P+:P]), .snan_o(b_snan[i]));
    fma_multiply #(.SW(P), .EW(EW), .ARCH(MUL_ARCH)) u_multiply (
        .a_sign_i(a_sign[i]), .a_cls_i(a_cls[3*i+:3]), .a_lsb_i(a_lsb[i*EW+:EW]), .a_sig_i(a_sig[i*P+:P]),
        .b_sign_i(b_sign[i]), .b_cls_i(b_cls[3*i+:3]), .b_lsb_i(b_lsb[i*EW+:EW]), .b_sig_i(b_sig[i*P+:P]),
        .sign_o(p_sign[i]), .cls_o(cls), .lsb_o(lsb), .sig_o(p_sig[i*PW+:PW]));
    // The product's exponent ea + eb (each max(floor(log2|x|), emin)): its LSB's plus 2 * IN_M.
    assign p_exp[i*EW+:EW] = lsb + EW'(2 * IN_M);
    assign p_zero[i] = a_cls[3*i+:3] == fmalab_pkg::CLS_ZERO || b_cls[3*i+:3] == fmalab_pkg::CLS_ZERO;
  end

  // c as a term: its exponent max(floor(log2|c|), -126), the LSB's plus 23.
  logic c_sign, c_snan;
  logic [2:0] c_cls;
  logic signed [EW-1:0] c_lsb, c_exp;
  logic [23:0] c_sig;
  fp_unpack #(.E(8), .M(23), .BIAS(127), .NAN_STYLE(fmalab_pkg::NAN_IEEE), .HAS_INF(1), .EW(EW)) u_unpack_c (
      .code_i(c_i), .sign_o(c_sign), .cls_o(c_cls), .lsb_exp_o(c_lsb), .sig_o(c_sig), .snan_o(c_snan));
  assign c_exp = c_lsb + EW'(23);

  // special: NaN and Inf over the whole row
  logic special;
  logic [31:0] special_code;
  logic [4:0] special_flags;
  dot_special #(.K(K), .E(8), .M(23), .NVIDIA_NAN(1)) u_special (
      .a_cls_i(a_cls), .b_cls_i(b_cls), .p_sign_i(p_sign), .snan_i(a_snan | b_snan),
      .c_cls_i(c_cls), .c_sign_i(c_sign), .c_snan_i(c_snan),
      .special_o(special), .code_o(special_code), .flags_o(special_flags));

  // max exponent over the nonzero terms
  logic signed [EW-1:0] max_exp;
  dot_max_exp #(.N(N), .EW(EW), .MIN_EXP(MIN_EXP)) u_max_exp (
      .exp_i({c_exp, p_exp}), .valid_i({c_cls != fmalab_pkg::CLS_ZERO, ~p_zero}), .max_o(max_exp));

  // align and cut
  logic [N*AW-1:0] al_value;
  logic [N-1:0] al_sign, al_lost;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [N*EW-1:0] al_shift;  // for the stage words only
  /* verilator lint_on UNUSEDSIGNAL */
  for (genvar i = 0; i < K; i++) begin : g_align
    dot_align_term #(.SW(PW), .FB(2 * IN_M), .WIN(WIN), .AW(AW), .EW(EW)) u_align (
        .sig_i(p_sig[i*PW+:PW]), .exp_i(p_exp[i*EW+:EW]), .max_exp_i(max_exp),
        .shift_o(al_shift[i*EW+:EW]), .value_o(al_value[i*AW+:AW]), .lost_o(al_lost[i]));
  end
  dot_align_term #(.SW(24), .FB(23), .WIN(WIN), .AW(AW), .EW(EW)) u_align_c (
      .sig_i(c_sig), .exp_i(c_exp), .max_exp_i(max_exp),
      .shift_o(al_shift[K*EW+:EW]), .value_o(al_value[K*AW+:AW]), .lost_o(al_lost[K]));
  assign al_sign = {c_sign, p_sign};

  // add
  logic sum_sign, sum_zero;
  logic [MW-1:0] sum_mag;
  logic signed [EW-1:0] grid;
  dot_add #(.N(N), .AW(AW), .SW(SW)) u_add (.value_i(al_value), .sign_i(al_sign), .sign_o(sum_sign), .mag_o(sum_mag));
  assign sum_zero = sum_mag == '0;
  assign grid = max_exp - EW'(WIN);

  // normalize, into 1.CUT bits with fp32's range
  logic [LW-1:0] norm_lz;
  logic signed [EW-1:0] norm_exp, norm_q;
  fp_normalize #(.MW(MW), .M(CUT), .EMIN(-126), .EW(EW)) u_normalize (
      .mag_i(sum_mag), .lsb_i(grid), .lz_o(norm_lz), .exp_o(norm_exp), .quantum_o(norm_q));

  // round, in the preset's mode
  logic [CUT:0] rnd_kept;
  logic rnd_half, rnd_below, rnd_inc, rnd_tiny;
  logic [CODEW-1:0] rnd_code;
  fp_round #(.MW(MW), .E(8), .M(CUT), .BIAS(127), .EW(EW)) u_round (
      .mag_i(sum_mag), .lsb_i(grid), .sign_i(sum_sign), .exp_i(norm_exp), .quantum_i(norm_q), .mode_i(ROUND),
      .kept_o(rnd_kept), .half_o(rnd_half), .below_o(rnd_below), .inc_o(rnd_inc),
      .code_o(rnd_code), .tiny_o(rnd_tiny));

  // pack: an exact zero sum is +0; overflow is Inf whatever the rounding (fp_pack's RNE rule)
  logic [8+CUT:0] y_cut;
  logic [31:0] y_fin;
  logic [4:0] flags_fin;
  fp_pack #(.E(8), .M(CUT)) u_pack (
      .special_i(1'b0), .special_code_i({(9 + CUT) {1'b0}}), .special_flags_i(5'b0),
      .zero_i(sum_zero), .zero_sign_i(1'b0), .sign_i(sum_sign), .code_i(rnd_code),
      .inexact_i(rnd_half | rnd_below), .tiny_i(rnd_tiny), .mode_i(3'(fmalab_pkg::RND_RNE)),
      .y_o(y_cut), .flags_o(flags_fin));
  generate
    if (CUT < 23) begin : g_widen
      assign y_fin = {y_cut, {(23 - CUT) {1'b0}}};
    end else begin : g_full
      assign y_fin = y_cut;
    end
  endgenerate
  assign y_o = special ? special_code : y_fin;
  assign flags_o = special ? special_flags : flags_fin;

  // Stage values for the cosimulation (sim/stage_words.cpp, layout "dot"): word i at [64 i +: 64].
  assign stages_o = {
    {11'b0, flags_o, 16'b0, y_o},
    {rnd_half, rnd_below, rnd_inc, 13'b0, 48'(rnd_kept)},
    {16'(norm_exp), 16'(norm_lz) + 16'(64 - MW), 16'(norm_q), 16'b0},
    {sum_sign, 3'b0, grid, 48'(sum_mag)},
    {c_sign, al_lost[K], 2'b0, al_shift[K*EW+:EW], 48'(al_value[K*AW+:AW])},
    {p_sign[0], al_lost[0], 2'b0, al_shift[0+:EW], 48'(al_value[0+:AW])},
    {48'b0, 16'(max_exp)},
    {63'b0, special},
    {p_sign[0], p_zero[0], 2'b0, p_exp[0+:EW], 48'(p_sig[0+:PW])},
    {c_sign, c_cls, c_lsb, 48'(c_sig)},
    {b_sign[0], b_cls[0+:3], b_lsb[0+:EW], 48'(b_sig[0+:P])},
    {a_sign[0], a_cls[0+:3], a_lsb[0+:EW], 48'(a_sig[0+:P])}
  };
endmodule
