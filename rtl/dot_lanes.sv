// unpack and multiply, per lane of a dot product (model/dot.cpp and the mxdot op: decode, then the
// exact product): K pairs of narrow float codes unpacked (fp_unpack) and multiplied (fma_multiply,
// so MUL_ARCH picks the array or the Booth multiplier). Lane i's fields at [i*width +: width].
// p_zero_o: a or b is zero (the stage words' product zero flag).
module dot_lanes #(
    parameter int K = 16,
    parameter int IN_E = 4,
    parameter int IN_M = 3,
    parameter int IN_BIAS = 7,
    parameter int IN_NAN_STYLE = fmalab_pkg::NAN_ALL_ONES,
    parameter int IN_HAS_INF = 0,
    parameter int MUL_ARCH = fmalab_pkg::MUL_ARRAY,
    parameter int EW = 12,
    parameter int IW = IN_E + IN_M + 1,
    parameter int P = IN_M + 1,
    parameter int PW = 2 * P
) (
    input  logic [K*IW-1:0] a_i,
    input  logic [K*IW-1:0] b_i,
    output logic [   K-1:0] a_sign_o,
    output logic [ 3*K-1:0] a_cls_o,
    output logic [K*EW-1:0] a_lsb_o,
    output logic [ K*P-1:0] a_sig_o,
    output logic [   K-1:0] b_sign_o,
    output logic [ 3*K-1:0] b_cls_o,
    output logic [K*EW-1:0] b_lsb_o,
    output logic [ K*P-1:0] b_sig_o,
    output logic [   K-1:0] snan_o,    // a or b is a signaling NaN
    output logic [   K-1:0] p_sign_o,
    output logic [   K-1:0] p_zero_o,
    output logic [K*EW-1:0] p_lsb_o,
    output logic [K*PW-1:0] p_sig_o
);
  for (genvar i = 0; i < K; i++) begin : g_lane
    logic a_snan, b_snan;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [2:0] cls;  // special decides NaN/Inf over the whole row
    /* verilator lint_on UNUSEDSIGNAL */
    fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_a (
        .code_i(a_i[i*IW+:IW]), .sign_o(a_sign_o[i]), .cls_o(a_cls_o[3*i+:3]), .lsb_exp_o(a_lsb_o[i*EW+:EW]),
        .sig_o(a_sig_o[i*P+:P]), .snan_o(a_snan));
    fp_unpack #(.E(IN_E), .M(IN_M), .BIAS(IN_BIAS), .NAN_STYLE(IN_NAN_STYLE), .HAS_INF(IN_HAS_INF), .EW(EW)) u_unpack_b (
        .code_i(b_i[i*IW+:IW]), .sign_o(b_sign_o[i]), .cls_o(b_cls_o[3*i+:3]), .lsb_exp_o(b_lsb_o[i*EW+:EW]),
        .sig_o(b_sig_o[i*P+:P]), .snan_o(b_snan));
    fma_multiply #(.SW(P), .EW(EW), .ARCH(MUL_ARCH)) u_multiply (
        .a_sign_i(a_sign_o[i]), .a_cls_i(a_cls_o[3*i+:3]), .a_lsb_i(a_lsb_o[i*EW+:EW]), .a_sig_i(a_sig_o[i*P+:P]),
        .b_sign_i(b_sign_o[i]), .b_cls_i(b_cls_o[3*i+:3]), .b_lsb_i(b_lsb_o[i*EW+:EW]), .b_sig_i(b_sig_o[i*P+:P]),
        .sign_o(p_sign_o[i]), .cls_o(cls), .lsb_o(p_lsb_o[i*EW+:EW]), .sig_o(p_sig_o[i*PW+:PW]));
    assign snan_o[i] = a_snan | b_snan;
    assign p_zero_o[i] = a_cls_o[3*i+:3] == fmalab_pkg::CLS_ZERO || b_cls_o[3*i+:3] == fmalab_pkg::CLS_ZERO;
  end
endmodule
