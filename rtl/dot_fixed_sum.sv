// accumulate (model/op_dot.cpp exact, and the mxdot op): K exact products summed exactly on one
// fixed grid, the LSB of the smallest product (2^LSB0): each product's significand shifted left
// by its LSB exponent minus LSB0 (0 .. FXW - PW), then dot_add (negative products inverted, a
// carry-save tree and one adder): a Kulisch accumulator for the products. Out: the sum's sign and
// magnitude, on the grid 2^LSB0.
module dot_fixed_sum #(
    parameter int K = 16,
    parameter int PW = 8,    // product significand width
    parameter int FXW = 36,  // a product on the grid
    parameter int LSB0 = -18,
    parameter int EW = 12,
    parameter int SW = FXW + $clog2(K + 1) + 1  // the signed sum
) (
    input  logic [   K-1:0] p_sign_i,
    input  logic [K*EW-1:0] p_lsb_i,
    input  logic [K*PW-1:0] p_sig_i,
    output logic            sign_o,
    output logic [  SW-2:0] mag_o
);
  logic [K*FXW-1:0] p_fixed;
  for (genvar i = 0; i < K; i++) begin : g_place
    logic [EW-1:0] amt;
    assign amt = p_lsb_i[i*EW+:EW] - EW'(LSB0);
    shift_left #(.WIDTH(FXW), .AW(EW)) u_place (.x_i(FXW'(p_sig_i[i*PW+:PW])), .amt_i(amt), .y_o(p_fixed[i*FXW+:FXW]));
  end
  dot_add #(.N(K), .AW(FXW), .SW(SW)) u_add (.value_i(p_fixed), .sign_i(p_sign_i), .sign_o(sign_o), .mag_o(mag_o));
endmodule
