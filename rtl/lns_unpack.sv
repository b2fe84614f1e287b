// unpack one lnsW_F operand (model/lns.cpp lns_unpack): the sign bit and the (W-1)-bit two's
// complement log2 magnitude L (F fraction bits, which this stage does not need). The most negative
// L, field 10...0, is reserved: ZERO with the sign clear, NaN with it set.
module lns_unpack #(
    parameter int W = 8
) (
    input  logic [W-1:0]        code_i,
    output logic                sign_o,
    output logic signed [W-2:0] log_o,
    output logic                zero_o,
    output logic                nan_o
);
  logic reserved;
  assign sign_o = code_i[W-1];
  assign log_o = $signed(code_i[W-2:0]);
  assign reserved = code_i[W-2:0] == {1'b1, {(W - 2) {1'b0}}};
  assign zero_o = reserved & ~sign_o;
  assign nan_o = reserved & sign_o;
endmodule
