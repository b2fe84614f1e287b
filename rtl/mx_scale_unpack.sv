// unpack one MX block scale code (model/decode.cpp decode_float on the scale format): SCALE
// (fmalab_pkg::scale_e) SCALE_E8M0: 2^(x - 127), sign 0, significand 1, code 0xFF NaN (sig 0, lsb
// exponent 0, as the model decodes it); SCALE_E4M3: an OCP e4m3 value (NVFP4's block scale,
// fp_unpack; 0x7F and 0xFF NaN). Value = (-1)^sign * sig * 2^lsb_exp_o.
module mx_scale_unpack #(
    parameter int SCALE = fmalab_pkg::SCALE_E8M0,
    parameter int EW = 12,
    parameter int SP = (SCALE == fmalab_pkg::SCALE_E4M3) ? 4 : 1  // significand width
) (
    input  logic [        7:0]   code_i,
    output logic                 sign_o,
    output logic [        2:0]   cls_o,
    output logic signed [EW-1:0] lsb_exp_o,
    output logic [     SP-1:0]   sig_o
);
  generate
    if (SCALE == fmalab_pkg::SCALE_E4M3) begin : g_e4m3
      /* verilator lint_off UNUSEDSIGNAL */
      logic snan;  // an e4m3 NaN is never signaling
      /* verilator lint_on UNUSEDSIGNAL */
      fp_unpack #(.E(4), .M(3), .BIAS(7), .NAN_STYLE(fmalab_pkg::NAN_ALL_ONES), .HAS_INF(0), .EW(EW)) u_unpack (
          .code_i(code_i), .sign_o(sign_o), .cls_o(cls_o), .lsb_exp_o(lsb_exp_o), .sig_o(sig_o), .snan_o(snan));
    end else begin : g_e8m0
      logic nan;
      assign nan = &code_i;
      assign sign_o = 1'b0;
      assign cls_o = nan ? fmalab_pkg::CLS_NAN : fmalab_pkg::CLS_NORMAL;
      assign lsb_exp_o = nan ? '0 : $signed(EW'(code_i)) - EW'(127);
      assign sig_o = SP'(~nan);
    end
  endgenerate
endmodule
