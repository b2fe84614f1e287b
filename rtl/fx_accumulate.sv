// add for a fixed-point accumulator (model/fma.cpp fma_fixed): the product, whose LSB lies on or
// above the accumulator's grid, joins it exactly; the sum wraps like an integer adder.
// overflow_o says the exact sum left the accumulator's range (the model's carry).
module fx_accumulate #(
    parameter int PW = 8,      // product magnitude width
    parameter int ACC_W = 48,
    parameter int VW = 52,     // exact sum width: holds the largest shifted product plus the addend
    parameter int EW = 12
) (
    input  logic                 p_sign_i,
    input  logic [     PW-1:0]   p_sig_i,
    input  logic [     EW-1:0]   p_shift_i,  // product LSB above the grid LSB (never negative)
    input  logic [  ACC_W-1:0]   c_i,
    output logic                 sign_o,
    output logic [     VW-1:0]   mag_o,
    output logic                 overflow_o,
    output logic [  ACC_W-1:0]   y_o
);
  logic signed [VW-1:0] p_val, c_val, sum;
  logic [VW-1:0] p_mag;
  assign p_mag = VW'(p_sig_i) << p_shift_i;
  assign p_val = p_sign_i ? -$signed(p_mag) : $signed(p_mag);
  assign c_val = {{(VW - ACC_W) {c_i[ACC_W-1]}}, c_i};
  // Under FMALAB_FAULTS (the cosimulation's own test) with the add stage's fault.
`ifdef FMALAB_FAULTS
  localparam logic [fmalab_pkg::FAULT_W-1:0] FAULT_ADD = fmalab_pkg::fault_mask(fmalab_pkg::STAGE_ADD);
  assign sum = (p_val + c_val) ^ FAULT_ADD[VW-1:0];
`else
  assign sum = p_val + c_val;
`endif
  assign sign_o = sum[VW-1];
  assign mag_o = sign_o ? ~sum + 1'b1 : sum;
  // In range when every bit from ACC_W-1 up equals the sign.
  assign overflow_o = !((&sum[VW-1:ACC_W-1]) || !(|sum[VW-1:ACC_W-1]));
  assign y_o = sum[ACC_W-1:0];
endmodule
