// x << amt, cut to WIDTH bits (amounts of WIDTH or more give zero).
module shift_left #(
    parameter int WIDTH = 8,
    parameter int AW = 8
) (
    input  logic [WIDTH-1:0] x_i,
    input  logic [   AW-1:0] amt_i,
    output logic [WIDTH-1:0] y_o
);
  assign y_o = x_i << amt_i;
endmodule
