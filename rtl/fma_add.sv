// add (model/fma.cpp add): the signed sum of the aligned terms as sign and magnitude; carry when
// the magnitude grew past the window.
module fma_add #(
    parameter int W = 27
) (
    input  logic         p_sign_i,
    input  logic [  W:0] p_i,
    input  logic         c_sign_i,
    input  logic [  W:0] c_i,
    output logic         sign_o,
    output logic [W+1:0] mag_o,
    output logic         carry_o
);
  logic signed [W+2:0] p_s, c_s, sum;
  assign p_s = p_sign_i ? -$signed({2'b00, p_i}) : $signed({2'b00, p_i});
  assign c_s = c_sign_i ? -$signed({2'b00, c_i}) : $signed({2'b00, c_i});
  assign sum = p_s + c_s;
  assign sign_o = sum[W+2];
  assign mag_o = sign_o ? ~sum[W+1:0] + 1'b1 : sum[W+1:0];
  assign carry_o = mag_o[W+1];
endmodule
