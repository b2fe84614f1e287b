// accumulate of LNS-Madam (model/lns_mac.cpp lns_mac_madam): the combined sum V (VF fraction bits)
// cut to the accumulator's P fraction bits, X = V << (P - VF) or V >> (VF - P) (arithmetic: floor),
// and added to c, wrapping at ACC_W bits.
module lns_mac_accumulate #(
    parameter int VW = 48,
    parameter int VF = 27,
    parameter int ACC_W = 48,
    parameter int P = 16
) (
    input  logic signed [VW-1:0] v_i,
    input  logic [ACC_W-1:0]     c_i,
    output logic [ACC_W-1:0]     y_o
);
  localparam int XW = (VW > ACC_W ? VW : ACC_W) + (P > VF ? P - VF : 0);
  /* verilator lint_off UNUSEDSIGNAL */
  logic signed [XW-1:0] x_wide;  // the sum wraps at ACC_W bits: the bits above drop out
  /* verilator lint_on UNUSEDSIGNAL */
  generate
    if (P >= VF) begin : g_left
      assign x_wide = XW'(v_i) <<< (P - VF);
    end else begin : g_right
      assign x_wide = XW'(v_i) >>> (VF - P);
    end
  endgenerate
  assign y_o = c_i + x_wide[ACC_W-1:0];
endmodule
