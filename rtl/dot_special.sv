// NaN and Inf over a whole dot-product row (model/dot.cpp specials): a NaN operand, 0 * Inf, or
// +Inf with -Inf among the products and c gives NaN (NV for a signaling NaN, 0 * Inf and
// +Inf with -Inf); otherwise an Inf product or c gives that Inf. special_o when either decided
// the row. NVIDIA_NAN: the NaN is all ones but the sign (the tensor cores), else the canonical
// quiet NaN. The result format is IEEE-style (E, M).
module dot_special #(
    parameter int K = 4,
    parameter int E = 8,
    parameter int M = 23,
    parameter int NVIDIA_NAN = 1
) (
    input  logic [  3*K-1:0] a_cls_i,
    input  logic [  3*K-1:0] b_cls_i,
    input  logic [    K-1:0] p_sign_i,
    input  logic [    K-1:0] snan_i,    // per product: a or b is a signaling NaN
    input  logic [      2:0] c_cls_i,
    input  logic             c_sign_i,
    input  logic             c_snan_i,
    output logic             special_o,
    output logic [    E+M:0] code_o,
    output logic [      4:0] flags_o
);
  localparam logic [E+M:0] NAN_CODE = (NVIDIA_NAN != 0) ? {1'b0, {(E + M) {1'b1}}}
                                                          : {1'b0, {E{1'b1}}, 1'b1, {(M - 1) {1'b0}}};

  // {nan, pos, neg, invalid} over the products (a function: Icarus 11 loops an always_comb that
  // reads what it writes).
  function automatic logic [3:0] scan(input logic [3*K-1:0] ac, input logic [3*K-1:0] bc, input logic [K-1:0] ps,
                                      input logic [K-1:0] sn);
    logic nan, pos, neg, inv, a_nan, b_nan, a_inf, b_inf, a_zero, b_zero;
    nan = 1'b0;
    pos = 1'b0;
    neg = 1'b0;
    inv = 1'b0;
    for (int i = 0; i < K; i++) begin
      a_nan = ac[3*i+:3] == fmalab_pkg::CLS_NAN;
      b_nan = bc[3*i+:3] == fmalab_pkg::CLS_NAN;
      a_inf = ac[3*i+:3] == fmalab_pkg::CLS_INF;
      b_inf = bc[3*i+:3] == fmalab_pkg::CLS_INF;
      a_zero = ac[3*i+:3] == fmalab_pkg::CLS_ZERO;
      b_zero = bc[3*i+:3] == fmalab_pkg::CLS_ZERO;
      inv = inv | sn[i];
      if (a_nan || b_nan) begin
        nan = 1'b1;
      end else if (a_inf || b_inf) begin
        if (a_zero || b_zero) begin
          nan = 1'b1;
          inv = 1'b1;
        end else if (ps[i]) begin
          neg = 1'b1;
        end else begin
          pos = 1'b1;
        end
      end
    end
    scan = {nan, pos, neg, inv};
  endfunction

  logic [3:0] s;
  logic nan, pos, neg, invalid, to_nan;
  assign s = scan(a_cls_i, b_cls_i, p_sign_i, snan_i);
  assign nan = s[3] | (c_cls_i == fmalab_pkg::CLS_NAN);
  assign pos = s[2] | (c_cls_i == fmalab_pkg::CLS_INF && !c_sign_i);
  assign neg = s[1] | (c_cls_i == fmalab_pkg::CLS_INF && c_sign_i);
  assign invalid = s[0] | c_snan_i | (pos & neg);
  assign to_nan = nan | (pos & neg);
  assign special_o = nan | pos | neg;
  assign code_o = to_nan ? NAN_CODE : {neg, {E{1'b1}}, {M{1'b0}}};
  assign flags_o = (to_nan && invalid) ? fmalab_pkg::FLAG_NV : 5'b0;
endmodule
