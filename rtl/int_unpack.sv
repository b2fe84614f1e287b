// unpack a two's complement integer or fixed-point operand (model/decode.cpp decode_fixed):
// sign, class (zero or normal) and magnitude; the most negative value's magnitude still fits.
module int_unpack #(
    parameter int W = 32
) (
    input  logic [W-1:0] x_i,
    output logic         sign_o,
    output logic [  2:0] cls_o,
    output logic [W-1:0] mag_o
);
  assign sign_o = x_i[W-1];
  assign mag_o = sign_o ? ~x_i + 1'b1 : x_i;
  assign cls_o = (x_i == '0) ? fmalab_pkg::CLS_ZERO : fmalab_pkg::CLS_NORMAL;
endmodule
