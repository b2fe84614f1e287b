// The floating-point FMA unit a*b + c with one rounding, composed from the stage modules in the
// golden model's order: unpack -> multiply -> align -> add -> normalize -> round -> pack.
// IN is any float format; ACC is an IEEE-style format (Inf, NaN, subnormals). The window is the
// model's exact default, max(2*p_in, p_acc) + 3. Built with FMALAB_FAULTS (fmalab_pkg::fault_mask)
// one bit of one stage's value flips, so the cosimulation can show that it names the stage.
module fma_float #(
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int ACC_E = 8,
    parameter int ACC_M = 23,
    parameter int ACC_BIAS = 127,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [      IN_E+IN_M:0] a_i,
    input  logic [      IN_E+IN_M:0] b_i,
    input  logic [    ACC_E+ACC_M:0] c_i,
    input  logic [              2:0] rnd_i,
    output logic [    ACC_E+ACC_M:0] y_o,
    output logic [              4:0] flags_o,
    output logic [fmalab_pkg::STAGES_W-1:0] stages_o
);
  localparam int EW = 12;
  localparam int IN_P = IN_M + 1;
  localparam int ACC_P = ACC_M + 1;
  localparam int PW = 2 * IN_P;
  localparam int W = ((PW > ACC_P) ? PW : ACC_P) + 3;
  localparam int MW = W + 2;
  localparam int LW = $clog2(MW + 1);
  localparam int CODEW = ACC_E + ACC_M + 2;
  localparam int EMIN = 1 - ACC_BIAS;


  // unpack
  logic a_sign, b_sign, c_sign, a_snan, b_snan, c_snan;
  logic [2:0] a_cls, b_cls, c_cls;
  logic signed [EW-1:0] a_lsb, b_lsb, c_lsb;
  logic [IN_M:0] a_sig, b_sig;
  logic [ACC_M:0] c_sig_raw, c_sig;
  fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_a (
      .code_i(a_i), .sign_o(a_sign), .cls_o(a_cls), .lsb_exp_o(a_lsb), .sig_o(a_sig), .snan_o(a_snan));
  fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_b (
      .code_i(b_i), .sign_o(b_sign), .cls_o(b_cls), .lsb_exp_o(b_lsb), .sig_o(b_sig), .snan_o(b_snan));
  fp_unpack #(.E(ACC_E), .M(ACC_M), .BIAS(ACC_BIAS), .NAN_STYLE(fmalab_pkg::NAN_IEEE), .HAS_INF(1), .EW(EW)) u_unpack_c (
      .code_i(c_i), .sign_o(c_sign), .cls_o(c_cls), .lsb_exp_o(c_lsb), .sig_o(c_sig_raw), .snan_o(c_snan));

  // multiply
  logic p_sign;
  logic [2:0] p_cls;
  logic signed [EW-1:0] p_lsb;
  logic [PW-1:0] p_sig_raw, p_sig;
  fma_multiply #(.SW(IN_P), .EW(EW), .ARCH(MUL_ARCH)) u_multiply (
      .a_sign_i(a_sign), .a_cls_i(a_cls), .a_lsb_i(a_lsb), .a_sig_i(a_sig),
      .b_sign_i(b_sign), .b_cls_i(b_cls), .b_lsb_i(b_lsb), .b_sig_i(b_sig),
      .sign_o(p_sign), .cls_o(p_cls), .lsb_o(p_lsb), .sig_o(p_sig_raw));

  // special values
  logic special;
  logic [ACC_E+ACC_M:0] special_code;
  logic [4:0] special_flags;
  fma_special #(.E(ACC_E), .M(ACC_M)) u_special (
      .a_cls_i(a_cls), .b_cls_i(b_cls), .c_cls_i(c_cls), .snan_i(a_snan | b_snan | c_snan),
      .p_cls_i(p_cls), .p_sign_i(p_sign), .c_sign_i(c_sign),
      .special_o(special), .code_o(special_code), .flags_o(special_flags));

  // align
  logic signed [EW-1:0] al_lsb, al_shift;
  logic [W:0] al_p, al_c_raw, al_c;
  logic al_p_lost, al_c_lost;
  fma_align #(.PW(PW), .CW(ACC_P), .W(W), .EW(EW), .STICKY(1)) u_align (
      .p_sig_i(p_sig), .p_lsb_i(p_lsb), .c_sig_i(c_sig), .c_lsb_i(c_lsb),
      .lsb_o(al_lsb), .shift_o(al_shift), .p_o(al_p), .c_o(al_c_raw),
      .p_lost_o(al_p_lost), .c_lost_o(al_c_lost));

  // add
  logic sum_sign, sum_carry, sum_zero, zero_sign;
  logic [MW-1:0] sum_mag_raw, sum_mag;
  fma_add #(.W(W)) u_add (
      .p_sign_i(p_sign), .p_i(al_p), .c_sign_i(c_sign), .c_i(al_c),
      .sign_o(sum_sign), .mag_o(sum_mag_raw), .carry_o(sum_carry));
  assign sum_zero = sum_mag == '0;
  // IEEE 754 sign of an exact zero sum: the common sign, else -0 only when rounding down.
  assign zero_sign = (p_sign == c_sign) ? p_sign : (rnd_i == fmalab_pkg::RND_RDN);

  // normalize
  logic [LW-1:0] norm_lz;
  logic signed [EW-1:0] norm_exp, norm_q_raw, norm_q;
  fp_normalize #(.MW(MW), .M(ACC_M), .EMIN(EMIN), .EW(EW)) u_normalize (
      .mag_i(sum_mag), .lsb_i(al_lsb), .lz_o(norm_lz), .exp_o(norm_exp), .quantum_o(norm_q_raw));

  // round
  logic [ACC_M:0] rnd_kept;
  logic rnd_half, rnd_below, rnd_inc, rnd_tiny;
  logic [CODEW-1:0] rnd_code;
  fp_round #(.MW(MW), .E(ACC_E), .M(ACC_M), .BIAS(ACC_BIAS), .EW(EW)) u_round (
      .mag_i(sum_mag), .lsb_i(al_lsb), .sign_i(sum_sign), .exp_i(norm_exp), .quantum_i(norm_q), .mode_i(rnd_i),
      .kept_o(rnd_kept), .half_o(rnd_half), .below_o(rnd_below), .inc_o(rnd_inc),
      .code_o(rnd_code), .tiny_o(rnd_tiny));

  // pack
  logic [ACC_E+ACC_M:0] y_raw;
  fp_pack #(.E(ACC_E), .M(ACC_M)) u_pack (
      .special_i(special), .special_code_i(special_code), .special_flags_i(special_flags),
      .zero_i(sum_zero), .zero_sign_i(zero_sign), .sign_i(sum_sign), .code_i(rnd_code),
      .inexact_i(rnd_half | rnd_below), .tiny_i(rnd_tiny), .mode_i(rnd_i), .y_o(y_raw), .flags_o(flags_o));

  // Fault injection, for the cosimulation's own test only (rtl/units.json "faults"): one bit of one
  // stage's value flips (fmalab_pkg::fault_mask). Without FMALAB_FAULTS the stages connect straight
  // through, so no other build and no netlist has any of it.
`ifdef FMALAB_FAULTS
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_UNPACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_UNPACK);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_MULTIPLY = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_MULTIPLY);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_ALIGN = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_ALIGN);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_ADD = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_ADD);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_NORMALIZE = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_NORMALIZE);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_PACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_PACK);
  assign c_sig = c_sig_raw ^ FAULT_UNPACK[ACC_M:0];
  assign p_sig = p_sig_raw ^ FAULT_MULTIPLY[PW-1:0];
  assign al_c = al_c_raw ^ FAULT_ALIGN[W:0];
  assign sum_mag = sum_mag_raw ^ FAULT_ADD[MW-1:0];
  assign norm_q = norm_q_raw ^ FAULT_NORMALIZE[EW-1:0];
  assign y_o = y_raw ^ FAULT_PACK[ACC_E+ACC_M:0];
`else
  assign c_sig = c_sig_raw;
  assign p_sig = p_sig_raw;
  assign al_c = al_c_raw;
  assign sum_mag = sum_mag_raw;
  assign norm_q = norm_q_raw;
  assign y_o = y_raw;
`endif

  // Stage values for the cosimulation (sim/rtl_units.hpp has the layout).
  assign stages_o = {
    {11'b0, flags_o, 48'(y_o)},
    {63'b0, special},
    {rnd_half, rnd_below, rnd_inc, 13'b0, 48'(rnd_kept)},
    {16'(norm_exp), 16'(norm_lz) + 16'(64 - MW), 16'(norm_q), 16'b0},
    {sum_sign, sum_carry, 2'b0, al_lsb, 48'(sum_mag)},
    {c_sign, al_c_lost, 2'b0, al_shift, 48'(al_c)},
    {p_sign, al_p_lost, 2'b0, al_lsb, 48'(al_p)},
    {p_sign, p_cls, p_lsb, 48'(p_sig)},
    {c_sign, c_cls, c_lsb, 48'(c_sig)},
    {b_sign, b_cls, b_lsb, 48'(b_sig)},
    {a_sign, a_cls, a_lsb, 48'(a_sig)}
  };
endmodule
