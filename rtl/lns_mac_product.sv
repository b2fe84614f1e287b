// product of one LNS-Madam lane (model/lns_mac.cpp lns_mac_madam): the logs added, e = La + Lb, the
// signs xored, s = sa xor sb, e split into q = e >> F (floor) and r = e mod 2^F; p_o = q + QB >= 0 is
// the term's shift (QB = ceil(2 Lmax / 2^F)). zero_o: a ZERO operand (the lane adds nothing); nan_o:
// a NaN operand (the whole call gives 0 with NV).
module lns_mac_product #(
    parameter int W = 8,
    parameter int F = 3,
    parameter int QB = 16,
    parameter int PB = 5  // width of p_o: holds QB + floor(2 Lmax / 2^F)
) (
    input  logic [W-1:0]  a_i,
    input  logic [W-1:0]  b_i,
    output logic          nan_o,
    output logic          zero_o,
    output logic          sign_o,
    output logic [PB-1:0] p_o,
    output logic [F-1:0]  r_o
);
  logic a_sign, b_sign, a_zero, b_zero, a_nan, b_nan;
  logic signed [W-2:0] a_log, b_log;
  lns_unpack #(.W(W)) u_unpack_a (.code_i(a_i), .sign_o(a_sign), .log_o(a_log), .zero_o(a_zero), .nan_o(a_nan));
  lns_unpack #(.W(W)) u_unpack_b (.code_i(b_i), .sign_o(b_sign), .log_o(b_log), .zero_o(b_zero), .nan_o(b_nan));

  logic signed [W-1:0] e;  // |La + Lb| <= 2 Lmax < 2^(W-1)
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [W-1:0] q_biased;  // q + QB, in [0, 2^PB): the bits above PB are zero
  /* verilator lint_on UNUSEDSIGNAL */
  assign e = W'(a_log) + W'(b_log);
  assign q_biased = (e >>> F) + W'(QB);
  assign p_o = q_biased[PB-1:0];
  assign r_o = e[F-1:0];
  assign sign_o = a_sign ^ b_sign;
  assign zero_o = a_zero | b_zero;
  assign nan_o = a_nan | b_nan;
endmodule
