// x >> amt, and whether any one bit fell off the bottom. Amounts of WIDTH or more shift out everything.
module shift_right_sticky #(
    parameter int WIDTH = 8,
    parameter int AW = 8
) (
    input  logic [WIDTH-1:0] x_i,
    input  logic [   AW-1:0] amt_i,
    output logic [WIDTH-1:0] y_o,
    output logic             lost_o
);
  assign y_o = x_i >> amt_i;
  assign lost_o = |(x_i & ~({WIDTH{1'b1}} << amt_i));
endmodule
