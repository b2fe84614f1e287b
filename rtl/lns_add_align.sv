// align for lnsadd's approximations (model/lns_add_approx.cpp align): unpack both operands, take
// the special cases, and order the rest: big is the operand with the larger log (a on equal logs),
// d = big.L - small.L >= 0, sub when the signs differ; the result takes big's sign.
// Specials (special_o, with their code in special_y_o and flags 0): NaN in either -> NaN; a ZERO
// operand -> the other operand's code; x + (-x) (d = 0 with sub) -> ZERO.
module lns_add_align #(
    parameter int W = 16
) (
    input  logic [W-1:0]        a_i,
    input  logic [W-1:0]        b_i,
    output logic                special_o,
    output logic [W-1:0]        special_y_o,
    output logic                sign_o,
    output logic                sub_o,
    output logic signed [W-2:0] big_o,
    output logic [W-2:0]        d_o   // |La - Lb| <= 2 Lmax < 2^(W-1)
);
  localparam logic [W-1:0] ZERO = W'(1) << (W - 2);
  localparam logic [W-1:0] NAN = W'(3) << (W - 2);

  logic a_sign, b_sign, a_zero, b_zero, a_nan, b_nan;
  logic signed [W-2:0] a_log, b_log;
  lns_unpack #(.W(W)) u_unpack_a (.code_i(a_i), .sign_o(a_sign), .log_o(a_log), .zero_o(a_zero), .nan_o(a_nan));
  lns_unpack #(.W(W)) u_unpack_b (.code_i(b_i), .sign_o(b_sign), .log_o(b_log), .zero_o(b_zero), .nan_o(b_nan));

  logic signed [W-1:0] diff;  // La - Lb
  logic a_big;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [W-1:0] d_abs;  // its top bit is zero
  /* verilator lint_on UNUSEDSIGNAL */
  assign diff = W'(a_log) - W'(b_log);
  assign a_big = ~diff[W-1];
  assign d_abs = a_big ? diff : -diff;
  assign d_o = d_abs[W-2:0];
  assign big_o = a_big ? a_log : b_log;
  assign sign_o = a_big ? a_sign : b_sign;
  assign sub_o = a_sign ^ b_sign;

  always_comb begin
    special_o = 1'b1;
    if (a_nan || b_nan) special_y_o = NAN;
    else if (a_zero) special_y_o = b_i;
    else if (b_zero) special_y_o = a_i;
    else if (d_o == '0 && sub_o) special_y_o = ZERO;
    else begin
      special_o = 1'b0;
      special_y_o = ZERO;
    end
  end
endmodule
