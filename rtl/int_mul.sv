// Integer multiplier with the architecture as a parameter (fmalab_pkg::MUL_ARRAY or MUL_BOOTH4),
// so INT8 and FP8 units are compared on the same multiplier design.
module int_mul #(
    parameter int WA = 4,
    parameter int WB = 4,
    parameter int SIGNED = 0,
    parameter int ARCH = 0
) (
    input  logic [   WA-1:0] a_i,
    input  logic [   WB-1:0] b_i,
    output logic [WA+WB-1:0] p_o
);
  generate
    if (ARCH == fmalab_pkg::MUL_ARRAY) begin : g_array
      mul_array #(.WA(WA), .WB(WB), .SIGNED(SIGNED)) u_mul (.a_i, .b_i, .p_o);
    end else begin : g_booth4  // fmalab_pkg::MUL_BOOTH4
      mul_booth4 #(.WA(WA), .WB(WB), .SIGNED(SIGNED)) u_mul (.a_i, .b_i, .p_o);
    end
  endgenerate
endmodule
