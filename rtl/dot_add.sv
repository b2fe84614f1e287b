// add (model/dot.cpp sum_aligned): the signed sum of N aligned terms, given as sign and magnitude.
// Each negative term enters inverted and the count of negative terms is one more operand
// (two's complement without an incrementer per term); a carry-save tree reduces them to two and
// one adder adds those. Out: the sum's sign and magnitude.
module dot_add #(
    parameter int N = 5,
    parameter int AW = 15,  // term magnitude width
    parameter int SW = 19   // signed sum width: holds N terms of AW bits and a sign
) (
    input  logic [N*AW-1:0] value_i,
    input  logic [   N-1:0] sign_i,
    output logic            sign_o,
    output logic [SW-2:0]   mag_o
);
  localparam int NO = N + 1;  // operands: the terms and the count of negative ones

  function automatic logic [SW-1:0] count_ones(input logic [N-1:0] s);
    logic [SW-1:0] ones;
    ones = '0;
    for (int i = 0; i < N; i++) ones = ones + SW'(s[i]);
    count_ones = ones;
  endfunction

  logic [NO*SW-1:0] ops;
  for (genvar i = 0; i < N; i++) begin : g_term
    logic [SW-1:0] v;
    assign v = {{(SW - AW) {1'b0}}, value_i[i*AW+:AW]};
    assign ops[i*SW+:SW] = sign_i[i] ? ~v : v;
  end
  assign ops[N*SW+:SW] = count_ones(sign_i);

  logic [SW-1:0] sum, carry, total;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [SW-1:0] mag;  // its top bit is zero
  /* verilator lint_on UNUSEDSIGNAL */
  csa_tree #(.N(NO), .W(SW)) u_csa (.ops_i(ops), .sum_o(sum), .carry_o(carry));
  assign total = sum + carry;
  assign sign_o = total[SW-1];
  assign mag = sign_o ? -total : total;
  assign mag_o = mag[SW-2:0];  // |sum| < 2^(SW-1)
endmodule
