// Carry-save reduction of N operands of W bits to two (sum_o + carry_o equals their sum modulo
// 2^W): levels of 3:2 compressors (full adders), each level taking n operands to n - floor(n/3),
// so only the one adder after the tree propagates carries. Operand i at ops_i[i*W +: W].
module csa_tree #(
    parameter int N = 4,
    parameter int W = 16
) (
    input  logic [N*W-1:0] ops_i,
    output logic [  W-1:0] sum_o,
    output logic [  W-1:0] carry_o
);
  // Operands at level l (level 0: the inputs).
  function automatic int level_n(input int l);
    int cnt;
    cnt = N;
    for (int i = 0; i < l; i++) cnt = (cnt > 2) ? cnt - cnt / 3 : cnt;
    level_n = cnt;
  endfunction
  // Where level l starts in `node` (in operands).
  function automatic int level_off(input int l);
    int o, cnt;
    o = 0;
    cnt = N;
    for (int i = 0; i < l; i++) begin
      o = o + cnt;
      cnt = (cnt > 2) ? cnt - cnt / 3 : cnt;
    end
    level_off = o;
  endfunction
  function automatic int level_count(input int n);
    int cnt, levels;
    cnt = n;
    levels = 0;
    for (int i = 0; i < n; i++) begin
      if (cnt > 2) begin
        cnt = cnt - cnt / 3;
        levels = levels + 1;
      end
    end
    level_count = levels;
  endfunction

  localparam int LEVELS = level_count(N);
  localparam int LAST = level_off(LEVELS);  // the last level: one or two operands
  localparam int TOTAL = LAST + level_n(LEVELS);

  // Every level's operands, one after another (split so that Verilator sees no loop in it).
  logic [TOTAL*W-1:0] node  /*verilator split_var*/;
  assign node[0+:N*W] = ops_i;
  for (genvar l = 0; l < LEVELS; l++) begin : g_level
    localparam int NI = level_n(l);
    localparam int G = NI / 3;
    localparam int OI = level_off(l);
    localparam int OO = level_off(l + 1);
    for (genvar g = 0; g < G; g++) begin : g_fa
      logic [W-1:0] x, y, z;
      assign x = node[(OI+3*g)*W+:W];
      assign y = node[(OI+3*g+1)*W+:W];
      assign z = node[(OI+3*g+2)*W+:W];
      assign node[(OO+2*g)*W+:W] = x ^ y ^ z;
      assign node[(OO+2*g+1)*W+:W] = ((x & y) | (x & z) | (y & z)) << 1;
    end
    for (genvar r = 3 * G; r < NI; r++) begin : g_pass
      assign node[(OO+2*G+r-3*G)*W+:W] = node[(OI+r)*W+:W];
    end
  end
  assign sum_o = node[LAST*W+:W];
  generate
    if (TOTAL - LAST > 1) begin : g_two
      assign carry_o = node[(LAST+1)*W+:W];
    end else begin : g_one
      assign carry_o = '0;
    end
  endgenerate
endmodule
