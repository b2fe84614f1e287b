// Radix-4 (modified) Booth multiplier: ceil((WB+1)/2) partial products of -2a..2a, summed.
// Unsigned operands get a zero sign bit, so one recoder serves both signednesses.
module mul_booth4 #(
    parameter int WA = 4,
    parameter int WB = 4,
    parameter int SIGNED = 0
) (
    input  logic [   WA-1:0] a_i,
    input  logic [   WB-1:0] b_i,
    output logic [WA+WB-1:0] p_o
);
  localparam int XA = WA + 1;  // multiplicand with a sign bit
  localparam int XB = ((WB + 2) / 2) * 2;  // multiplier with a sign bit, even
  localparam int NPP = XB / 2;
  localparam int PW = XA + XB + 1;  // partial-product and sum width

  logic signed [XA-1:0] a_x;
  logic [XB:0] b_x;  // b with the implicit 0 below bit 0
  logic signed [PW-1:0] acc;
  logic [2:0] digit;
  logic signed [PW-1:0] pp, a_w;

  assign a_x = (SIGNED != 0) ? $signed({a_i[WA-1], a_i}) : $signed({1'b0, a_i});
  assign a_w = {{(PW - XA) {a_x[XA-1]}}, a_x};
  assign b_x = (SIGNED != 0) ? {{(XB - WB) {b_i[WB-1]}}, b_i, 1'b0} : {{(XB - WB) {1'b0}}, b_i, 1'b0};

  always_comb begin
    acc = '0;
    digit = '0;
    pp = '0;
    for (int i = 0; i < NPP; i++) begin
      digit = b_x[2*i+:3];
      unique case (digit)
        3'b001, 3'b010: pp = a_w;
        3'b011: pp = a_w <<< 1;
        3'b100: pp = -(a_w <<< 1);
        3'b101, 3'b110: pp = -a_w;
        default: pp = '0;
      endcase
      acc = acc + (pp <<< (2 * i));
    end
  end
  assign p_o = acc[WA+WB-1:0];
endmodule
