// LNS multiply (golden model lnsmul:lnsW_F, model/lns.cpp lns_mul): unpack -> product (the logs
// added, the signs xored: exact) -> finish (range: saturation above, the tiny rule below, by rnd_i).
// NaN in either operand gives NaN, flags 0; otherwise a ZERO operand gives ZERO, flags 0.
module lns_mul #(
    parameter int W = 8,
    parameter int F = 3
) (
    input  logic [W-1:0] a_i,
    input  logic [W-1:0] b_i,
    input  logic [  2:0] rnd_i,
    output logic [W-1:0] y_o,
    output logic [  4:0] flags_o
);
  localparam logic [W-1:0] ZERO = W'(1) << (W - 2);
  localparam logic [W-1:0] NAN = W'(3) << (W - 2);

  // unpack
  logic a_sign, b_sign, a_zero, b_zero, a_nan, b_nan;
  logic signed [W-2:0] a_log, b_log;
  lns_unpack #(.W(W)) u_unpack_a (.code_i(a_i), .sign_o(a_sign), .log_o(a_log), .zero_o(a_zero), .nan_o(a_nan));
  lns_unpack #(.W(W)) u_unpack_b (.code_i(b_i), .sign_o(b_sign), .log_o(b_log), .zero_o(b_zero), .nan_o(b_nan));

  // product: |La + Lb| <= 2 Lmax < 2^(W-1)
  logic signed [W-1:0] e;
  logic sign;
  assign e = W'(a_log) + W'(b_log);
  assign sign = a_sign ^ b_sign;

  // finish
  logic [W-1:0] y_range;
  logic [4:0] flags_range;
  lns_finish #(.W(W), .F(F), .RW(W)) u_finish (
      .sign_i(sign), .r_i(e), .rnd_i(rnd_i), .y_o(y_range), .flags_o(flags_range));

  always_comb begin
    if (a_nan || b_nan) begin
      y_o = NAN;
      flags_o = 5'b0;
    end else if (a_zero || b_zero) begin
      y_o = ZERO;
      flags_o = 5'b0;
    end else begin
      y_o = y_range;
      flags_o = flags_range;
    end
  end
endmodule
