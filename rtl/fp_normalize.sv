// normalize (model/encode.cpp encode_float): exponent of the leading one, and the quantum (the
// exponent of the result's last place) with the subnormal limit applied.
module fp_normalize #(
    parameter int MW = 29,  // magnitude width
    parameter int M = 23,   // result mantissa bits
    parameter int EMIN = -126,
    parameter int EW = 12,
    parameter int LW = $clog2(MW + 1)
) (
    input  logic [     MW-1:0]   mag_i,
    input  logic signed [EW-1:0] lsb_i,
    output logic [     LW-1:0]   lz_o,
    output logic signed [EW-1:0] exp_o,
    output logic signed [EW-1:0] quantum_o
);
  /* verilator lint_off UNUSEDSIGNAL */
  logic empty;  // a zero sum never reaches the result: pack takes the exact-zero path
  /* verilator lint_on UNUSEDSIGNAL */
  logic signed [EW-1:0] eq;
  lzc #(.WIDTH(MW)) u_lzc (.in_i(mag_i), .cnt_o(lz_o), .empty_o(empty));
  assign exp_o = lsb_i + EW'(MW - 1) - EW'(lz_o);
  assign eq = (exp_o < EW'(EMIN)) ? EW'(EMIN) : exp_o;
  assign quantum_o = eq - EW'(M);
endmodule
