// Array multiplier: the plain product, which Yosys maps to its array multiplier ($__arraymul).
module mul_array #(
    parameter int WA = 4,
    parameter int WB = 4,
    parameter int SIGNED = 0
) (
    input  logic [   WA-1:0] a_i,
    input  logic [   WB-1:0] b_i,
    output logic [WA+WB-1:0] p_o
);
  generate
    if (SIGNED != 0) begin : g_signed
      assign p_o = $signed(a_i) * $signed(b_i);
    end else begin : g_unsigned
      assign p_o = a_i * b_i;
    end
  endgenerate
endmodule
