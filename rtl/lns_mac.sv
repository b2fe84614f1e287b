// LNS-Madam multiply-accumulate (golden model lnsmac:lnsW_F:fxACC_W_P:K, model/lns_mac.cpp): K
// products of lnsW_F operands into bins by sign and the top H bits of their log's fraction, the
// bins combined with the constants C[j] = 2^(j / 2^H) (CB fraction bits), the sum cut (floor) to the
// accumulator's P fraction bits and added to c, wrapping; all for this call's K products:
//   product (lns_mac_product, per lane: e = La + Lb, s, q, r)
//   -> bins -> combine (lns_mac_combine: the bins' constants applied per term, see there)
//   -> accumulate (lns_mac_accumulate: y = c + (V cut to P fraction bits)).
// A NaN operand anywhere gives y = 0 with NV (as fmalab's fma into a fixed-point accumulator);
// otherwise flags are 0. Lane i's operands at a_i[i*W +: W], b_i[i*W +: W].
module lns_mac #(
    parameter int W = 8,
    parameter int F = 3,
    parameter int K = 8,
    parameter int ACC_W = 48,
    parameter int P = 16,
    parameter int H = 3,
    parameter int CB = 8
) (
    input  logic [K*W-1:0]   a_i,
    input  logic [K*W-1:0]   b_i,
    input  logic [ACC_W-1:0] c_i,
    output logic [ACC_W-1:0] y_o,
    output logic [4:0]       flags_o
);
  localparam int LMAX = 2 ** (W - 2) - 1;
  localparam int QB = (2 * LMAX + 2 ** F - 1) / 2 ** F;  // ceil(2 Lmax / 2^F): q + QB >= 0
  localparam int PMAX = QB + (2 * LMAX) / 2 ** F;        // the largest shift q + QB
  localparam int PB = $clog2(PMAX + 1);
  localparam int VF = QB + F + CB;                       // fraction bits of V
  localparam int VW = F + CB + 2 + PMAX + $clog2(K) + 1;  // K terms below 2^(F+CB+2+PMAX), signed

  // product
  logic [K-1:0] nan, zero, sign;
  logic [K*PB-1:0] p;
  logic [K*F-1:0] r;
  for (genvar i = 0; i < K; i++) begin : g_lane
    lns_mac_product #(.W(W), .F(F), .QB(QB), .PB(PB)) u_product (
        .a_i(a_i[i*W+:W]), .b_i(b_i[i*W+:W]), .nan_o(nan[i]), .zero_o(zero[i]), .sign_o(sign[i]),
        .p_o(p[i*PB+:PB]), .r_o(r[i*F+:F]));
  end

  // bins -> combine
  logic signed [VW-1:0] v;
  lns_mac_combine #(.K(K), .F(F), .H(H), .CB(CB), .PB(PB), .VW(VW)) u_combine (
      .zero_i(zero), .sign_i(sign), .p_i(p), .r_i(r), .v_o(v));

  // accumulate
  logic [ACC_W-1:0] y_acc;
  lns_mac_accumulate #(.VW(VW), .VF(VF), .ACC_W(ACC_W), .P(P)) u_accumulate (.v_i(v), .c_i(c_i), .y_o(y_acc));

  assign y_o = |nan ? '0 : y_acc;
  assign flags_o = |nan ? 5'(fmalab_pkg::FLAG_NV) : 5'b0;
endmodule
