// Cut a magnitude (LSB exponent lsb_i) at the place with exponent q_i: the kept part, the first
// dropped bit (half) and whether any lower bit is set (below). Cutting above the magnitude's top
// keeps nothing; cutting below its LSB shifts it up exactly.
module fp_cut #(
    parameter int MW = 29,
    parameter int KW = 25,
    parameter int EW = 12
) (
    input  logic [     MW-1:0]   mag_i,
    input  logic signed [EW-1:0] lsb_i,
    input  logic signed [EW-1:0] q_i,
    output logic [     KW-1:0]   kept_o,
    output logic                 half_o,
    output logic                 below_o
);
  localparam int XW = MW + 1;
  logic signed [EW-1:0] drop;
  logic [EW-1:0] up_amt, down_amt;
  logic [XW-1:0] x, shifted;
  logic lost, shifted_lsb;

  assign drop = q_i - lsb_i;
  assign up_amt = (drop < 0) ? -drop : '0;
  assign down_amt = (drop > 0) ? drop : '0;
  // One extra bit below the magnitude: after the right shift it holds the half bit.
  assign x = {mag_i, 1'b0};
  shift_right_sticky #(.WIDTH(XW), .AW(EW)) u_shift (.x_i(x), .amt_i(down_amt), .y_o(shifted), .lost_o(lost));
  assign shifted_lsb = shifted[0];  // outside the always_comb for Icarus 11 (constant select)
  always_comb begin
    if (drop > 0) begin
      kept_o = KW'(shifted >> 1);
      half_o = shifted_lsb;
      below_o = lost;
    end else begin
      kept_o = KW'(mag_i) << up_amt;
      half_o = 1'b0;
      below_o = 1'b0;
    end
  end
endmodule
