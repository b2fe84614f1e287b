// Integer multiply-accumulate a*b + c, wrapping (golden model mac:int8 = fma:int8:int32):
// unpack -> multiply (signed, architecture ARCH) -> add -> pack.
module mac_int #(
    parameter int IN_W = 8,
    parameter int ACC_W = 32,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY
) (
    input  logic [ IN_W-1:0] a_i,
    input  logic [ IN_W-1:0] b_i,
    input  logic [ACC_W-1:0] c_i,
    output logic [ACC_W-1:0] y_o,
    output logic [fmalab_pkg::STAGES_W-1:0] stages_o
);
  localparam int PW = 2 * IN_W;
  localparam int VW = ACC_W + 1;

  // unpack: the datapath uses the two's complement operands directly; the stage values report
  // them as sign and magnitude like the model.
  logic [ACC_W-1:0] c;  // c_i, or with the unpack stage's fault
  logic a_sign, b_sign, c_sign;
  logic [2:0] a_cls, b_cls, c_cls;
  logic [IN_W-1:0] a_mag, b_mag;
  logic [ACC_W-1:0] c_mag;
  int_unpack #(.W(IN_W)) u_unpack_a (.x_i(a_i), .sign_o(a_sign), .cls_o(a_cls), .mag_o(a_mag));
  int_unpack #(.W(IN_W)) u_unpack_b (.x_i(b_i), .sign_o(b_sign), .cls_o(b_cls), .mag_o(b_mag));
  int_unpack #(.W(ACC_W)) u_unpack_c (.x_i(c), .sign_o(c_sign), .cls_o(c_cls), .mag_o(c_mag));

  // multiply
  logic [PW-1:0] p_raw, p;
  int_mul #(.WA(IN_W), .WB(IN_W), .SIGNED(1), .ARCH(MUL_ARCH)) u_mul (.a_i(a_i), .b_i(b_i), .p_o(p_raw));

  // add
  logic signed [VW-1:0] sum_raw, sum;
  assign sum_raw = $signed({{(VW - PW) {p[PW-1]}}, p}) + $signed({c[ACC_W-1], c});

  // pack: wrap to the accumulator width
  logic [ACC_W-1:0] y_raw;
  assign y_raw = sum[ACC_W-1:0];

  // Fault injection, for the cosimulation's own test only (rtl/units.json "faults"): one bit of one
  // stage's value flips (fmalab_pkg::fault_mask). Without FMALAB_FAULTS the stages connect straight
  // through, so no other build and no netlist has any of it.
`ifdef FMALAB_FAULTS
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_UNPACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_UNPACK);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_MULTIPLY = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_MULTIPLY);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_ADD = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_ADD);
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_PACK = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_PACK);
  assign c = c_i ^ FAULT_UNPACK[ACC_W-1:0];
  assign p = p_raw ^ FAULT_MULTIPLY[PW-1:0];
  assign sum = sum_raw ^ FAULT_ADD[VW-1:0];
  assign y_o = y_raw ^ FAULT_PACK[ACC_W-1:0];
`else
  assign c = c_i;
  assign p = p_raw;
  assign sum = sum_raw;
  assign y_o = y_raw;
`endif

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
