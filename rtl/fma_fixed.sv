// A floating-point product added exactly into a two's complement fixed-point accumulator of
// ACC_W bits with F fraction bits: unpack -> multiply -> add (fx_accumulate) -> pack. The input
// format's smallest product must lie on the grid (2 * (1 - IN_BIAS - IN_M) + F >= 0), so there is
// no rounding; overflow wraps. NaN operands give 0 with NV, Inf products the range limit with NV.
module fma_fixed #(
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int ACC_W = 48,
    parameter int F = 18,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [IN_E+IN_M:0] a_i,
    input  logic [IN_E+IN_M:0] b_i,
    input  logic [  ACC_W-1:0] c_i,
    output logic [  ACC_W-1:0] y_o,
    output logic [        4:0] flags_o,
    output logic [fmalab_pkg::STAGES_W-1:0] stages_o
);
  localparam int EW = 12;
  localparam int IN_P = IN_M + 1;
  localparam int PW = 2 * IN_P;
  localparam int IN_LSB_MAX = (1 << IN_E) - 1 - IN_BIAS - IN_M;  // bounds the product's shift
  localparam int VW = ((ACC_W > PW + 2 * IN_LSB_MAX + F) ? ACC_W : PW + 2 * IN_LSB_MAX + F) + 2;
  localparam logic [ACC_W-1:0] ACC_MAX = {1'b0, {(ACC_W - 1) {1'b1}}};
  localparam logic [ACC_W-1:0] ACC_MIN = {1'b1, {(ACC_W - 1) {1'b0}}};

  // unpack
  logic a_sign, b_sign, c_sign;
  /* verilator lint_off UNUSEDSIGNAL */
  logic a_snan, b_snan;  // every NaN raises NV here, signaling or not
  /* verilator lint_on UNUSEDSIGNAL */
  logic [2:0] a_cls, b_cls, c_cls;
  logic signed [EW-1:0] a_lsb, b_lsb;
  logic [IN_M:0] a_sig, b_sig;
  logic [ACC_W-1:0] c, c_mag;
  fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_a (
      .code_i(a_i), .sign_o(a_sign), .cls_o(a_cls), .lsb_exp_o(a_lsb), .sig_o(a_sig), .snan_o(a_snan));
  fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_b (
      .code_i(b_i), .sign_o(b_sign), .cls_o(b_cls), .lsb_exp_o(b_lsb), .sig_o(b_sig), .snan_o(b_snan));
  int_unpack #(.W(ACC_W)) u_unpack_c (.x_i(c), .sign_o(c_sign), .cls_o(c_cls), .mag_o(c_mag));

  // multiply
  logic p_sign;
  logic [2:0] p_cls;
  logic signed [EW-1:0] p_lsb;
  logic [PW-1:0] p_sig_raw, p_sig;
  fma_multiply #(.SW(IN_P), .EW(EW), .ARCH(MUL_ARCH)) u_multiply (
      .a_sign_i(a_sign), .a_cls_i(a_cls), .a_lsb_i(a_lsb), .a_sig_i(a_sig),
      .b_sign_i(b_sign), .b_cls_i(b_cls), .b_lsb_i(b_lsb), .b_sig_i(b_sig),
      .sign_o(p_sign), .cls_o(p_cls), .lsb_o(p_lsb), .sig_o(p_sig_raw));

  // add
  logic sum_sign, sum_overflow;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [VW-1:0] sum_mag;  // observability only; the stage word carries its low 48 bits, as the model's
  /* verilator lint_on UNUSEDSIGNAL */
  logic [ACC_W-1:0] sum_y;
  fx_accumulate #(.PW(PW), .ACC_W(ACC_W), .VW(VW), .EW(EW)) u_add (
      .p_sign_i(p_sign), .p_sig_i(p_sig), .p_shift_i(p_lsb + EW'(F)), .c_i(c),
      .sign_o(sum_sign), .mag_o(sum_mag), .overflow_o(sum_overflow), .y_o(sum_y));

  // pack
  logic [ACC_W-1:0] y_raw;
  always_comb begin
    if (p_cls == fmalab_pkg::CLS_NAN || (p_cls == fmalab_pkg::CLS_INF && (a_cls == fmalab_pkg::CLS_ZERO ||
                                                                          b_cls == fmalab_pkg::CLS_ZERO))) begin
      y_raw = '0;
      flags_o = fmalab_pkg::FLAG_NV;
    end else if (p_cls == fmalab_pkg::CLS_INF) begin
      y_raw = p_sign ? ACC_MIN : ACC_MAX;
      flags_o = fmalab_pkg::FLAG_NV;
    end else begin
      y_raw = sum_y;
      flags_o = '0;
    end
  end

  // Fault injection, for the cosimulation's own test only (rtl/units.json "faults"): one bit of one
  // stage's value flips (fmalab_pkg::fault_mask). Without FMALAB_FAULTS the stages connect straight
  // through, so no other build and no netlist has any of it.
`ifdef FMALAB_FAULTS
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_UNPACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_UNPACK);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_MULTIPLY = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_MULTIPLY);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_PACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_PACK);
  assign c = c_i ^ FAULT_UNPACK[ACC_W-1:0];
  assign p_sig = p_sig_raw ^ FAULT_MULTIPLY[PW-1:0];
  assign y_o = y_raw ^ FAULT_PACK[ACC_W-1:0];
`else
  assign c = c_i;
  assign p_sig = p_sig_raw;
  assign y_o = y_raw;
`endif

  // Stage values for the cosimulation (sim/rtl_units.hpp has the layout); align, normalize and
  // round do not exist in this datapath.
  assign stages_o = {
    {11'b0, flags_o, 48'(y_o)},
    {63'b0, p_cls == fmalab_pkg::CLS_NAN || p_cls == fmalab_pkg::CLS_INF},
    64'b0,
    64'b0,
    {sum_sign, sum_overflow, 2'b0, -EW'(F), 48'(sum_mag)},
    64'b0,
    64'b0,
    {p_sign, p_cls, p_lsb, 48'(p_sig)},
    {c_sign, c_cls, -EW'(F), 48'(c_mag)},
    {b_sign, b_cls, b_lsb, 48'(b_sig)},
    {a_sign, a_cls, a_lsb, 48'(a_sig)}
  };
endmodule
