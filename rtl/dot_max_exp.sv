// max exponent (model/dot.cpp max_exponent): the largest exponent of a block's terms (the nonzero
// products and c), clamped below at MIN_EXP, by a tree of comparators (depth clog2(N)).
module dot_max_exp #(
    parameter int N = 5,
    parameter int EW = 12,
    parameter int MIN_EXP = -1024
) (
    input  logic [N*EW-1:0]      exp_i,
    input  logic [   N-1:0]      valid_i,
    output logic signed [EW-1:0] max_o
);
  localparam int NP = (N < 2) ? 2 : 2 ** $clog2(N);  // leaves, a power of two

  logic [NP*EW-1:0] leaf;
  for (genvar i = 0; i < NP; i++) begin : g_leaf
    if (i < N) begin : g_term
      assign leaf[i*EW+:EW] = valid_i[i] ? exp_i[i*EW+:EW] : EW'(MIN_EXP);
    end else begin : g_pad
      assign leaf[i*EW+:EW] = EW'(MIN_EXP);
    end
  end

  // The tree as a heap in one vector (node i's children are 2i+1 and 2i+2; the leaves last), in a
  // function: Icarus 11 loops an always_comb that reads what it writes.
  function automatic logic [EW-1:0] tree(input logic [NP*EW-1:0] leaves);
    logic [(2*NP-1)*EW-1:0] heap;
    logic signed [EW-1:0] l, r;
    heap = '0;
    for (int i = 0; i < NP; i++) heap[(NP-1+i)*EW+:EW] = leaves[i*EW+:EW];
    for (int i = NP - 2; i >= 0; i--) begin
      l = heap[(2*i+1)*EW+:EW];
      r = heap[(2*i+2)*EW+:EW];
      heap[i*EW+:EW] = (l > r) ? l : r;
    end
    tree = heap[EW-1:0];
  endfunction

  assign max_o = tree(leaf);
endmodule
