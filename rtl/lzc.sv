// Leading-zero count (after PULP common_cells lzc): CNT is the number of zeros above the leading
// one; EMPTY when IN is all zeros (CNT is then WIDTH).
module lzc #(
    parameter int WIDTH = 8,
    parameter int CW = $clog2(WIDTH + 1)
) (
    input  logic [WIDTH-1:0] in_i,
    output logic [   CW-1:0] cnt_o,
    output logic             empty_o
);
  logic found;
  always_comb begin
    cnt_o = CW'(WIDTH);
    found = 1'b0;
    for (int i = WIDTH - 1; i >= 0; i--) begin
      if (!found && in_i[i]) begin
        cnt_o = CW'(WIDTH - 1 - i);
        found = 1'b1;
      end
    end
    empty_o = ~found;
  end
endmodule
