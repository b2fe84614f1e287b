// Integer multiply-accumulate a*b + c, wrapping (golden model mac:int8 = fma:int8:int32):
// unpack -> multiply (signed, architecture ARCH) -> add -> pack.
module mac_int #(
    parameter int IN_W = 8,
    parameter int ACC_W = 32,
    parameter int MUL_ARCH = 0,
    parameter int FAULT_STAGE = 0,
    parameter int FAULT_BIT = 0
) (
    input  logic [ IN_W-1:0] a_i,
    input  logic [ IN_W-1:0] b_i,
    input  logic [ACC_W-1:0] c_i,
    output logic [ACC_W-1:0] y_o,
    output logic [fmalab_pkg::STAGES_W-1:0] stages_o
);
  localparam int PW = 2 * IN_W;
  localparam int VW = ACC_W + 1;
  localparam logic [ACC_W-1:0] FAULT_UNPACK = (FAULT_STAGE == fmalab_pkg::STAGE_UNPACK) ? 1 << FAULT_BIT : 0;
  localparam logic [PW-1:0] FAULT_MULTIPLY = (FAULT_STAGE == fmalab_pkg::STAGE_MULTIPLY) ? 1 << FAULT_BIT : 0;
  localparam logic [VW-1:0] FAULT_ADD = (FAULT_STAGE == fmalab_pkg::STAGE_ADD) ? 1 << FAULT_BIT : 0;
  localparam logic [ACC_W-1:0] FAULT_PACK = (FAULT_STAGE == fmalab_pkg::STAGE_PACK) ? 1 << FAULT_BIT : 0;

  // unpack: the datapath uses the two's complement operands directly; the stage values report
  // them as sign and magnitude like the model.
  logic [ACC_W-1:0] c;
  logic a_sign, b_sign, c_sign;
  logic [2:0] a_cls, b_cls, c_cls;
  logic [IN_W-1:0] a_mag, b_mag;
  logic [ACC_W-1:0] c_mag;
  assign c = c_i ^ FAULT_UNPACK;
  int_unpack #(.W(IN_W)) u_unpack_a (.x_i(a_i), .sign_o(a_sign), .cls_o(a_cls), .mag_o(a_mag));
  int_unpack #(.W(IN_W)) u_unpack_b (.x_i(b_i), .sign_o(b_sign), .cls_o(b_cls), .mag_o(b_mag));
  int_unpack #(.W(ACC_W)) u_unpack_c (.x_i(c), .sign_o(c_sign), .cls_o(c_cls), .mag_o(c_mag));

  // multiply
  logic [PW-1:0] p_raw, p;
  int_mul #(.WA(IN_W), .WB(IN_W), .SIGNED(1), .ARCH(MUL_ARCH)) u_mul (.a_i(a_i), .b_i(b_i), .p_o(p_raw));
  assign p = p_raw ^ FAULT_MULTIPLY;

  // add
  logic signed [VW-1:0] sum_raw, sum;
  assign sum_raw = $signed({{(VW - PW) {p[PW-1]}}, p}) + $signed({c[ACC_W-1], c});
  assign sum = sum_raw ^ FAULT_ADD;

  // pack: wrap to the accumulator width
  assign y_o = sum[ACC_W-1:0] ^ FAULT_PACK;

  // Stage values (sim/rtl_units.hpp); magnitudes here are observability only.
  logic [PW-1:0] p_mag;
  logic [VW-1:0] sum_mag;
  logic p_zero;
  assign p_mag = p[PW-1] ? ~p + 1'b1 : p;
  assign sum_mag = sum[VW-1] ? ~sum + 1'b1 : sum;
  assign p_zero = p == '0;
  assign stages_o = {
    {16'b0, 48'(y_o)},
    64'b0,
    64'b0,
    64'b0,
    {sum[VW-1], sum[VW-1] != sum[ACC_W-1], 14'b0, 48'(sum_mag)},
    64'b0,
    64'b0,
    {a_sign ^ b_sign, p_zero ? fmalab_pkg::CLS_ZERO : fmalab_pkg::CLS_NORMAL, 12'b0, 48'(p_mag)},
    {c_sign, c_cls, 12'b0, 48'(c_mag)},
    {b_sign, b_cls, 12'b0, 48'(b_mag)},
    {a_sign, a_cls, 12'b0, 48'(a_mag)}
  };
endmodule
