// bins -> combine of LNS-Madam (model/lns_mac.cpp lns_mac_madam), for the K products of one call:
//   bins:    bin[s][j] = sum of (2^F + rl) << p over the lanes of sign s with rh = j, where
//            rh = r >> (F - H) and rl = r mod 2^(F-H) (H = F: every term a one-hot, 2^F << p)
//   combine: V = sum_j (bin[0][j] - bin[1][j]) * C[j],  C[j] = nearest 2^(j / 2^H + CB)
// The bins are not built: V is exact integer arithmetic, so by distributivity it equals
//   V = sum_i (-1)^s_i * KT[r_i] << p_i,  KT[r] = (2^F + rl) * C[rh]
// bit for bit, with a 2^F-entry constant table KT (the lane's bin's constant times its term) and one
// shifter per lane in place of 2 * 2^H bin adders and 2^H constant multipliers. Negative terms enter
// inverted and their count is one more operand (two's complement without an incrementer per
// term); a carry-save tree (csa_tree) reduces the K + 1 operands to two and one adder adds those.
// Lanes with zero_i set add nothing. v_o carries QB + F + CB fraction bits.
module lns_mac_combine #(
    parameter int K = 8,
    parameter int F = 3,
    parameter int H = 3,   // bin bits: 0 <= H <= F
    parameter int CB = 8,  // constant fraction bits: 1 <= CB <= 24
    parameter int PB = 5,  // width of a lane's shift p
    parameter int VW = 48  // width of v_o (signed): holds K terms below 2^(F + CB + 2 + 2^PB - 1)
) (
    input  logic [   K-1:0] zero_i,
    input  logic [   K-1:0] sign_i,
    input  logic [K*PB-1:0] p_i,
    input  logic [ K*F-1:0] r_i,
    output logic signed [VW-1:0] v_o
);
  localparam int KW = F + CB + 2;  // KT[r] < 2^(F+1) * 2^(CB+1)

  // KT[r] = (2^F + rl) C[rh] for r = 0 .. 2^F - 1, packed: entry r at [r*KW +: KW].
  // C[j], the nearest integer to 2^(CB + j / 2^H): y = floor of it is the largest y with
  // y^(2^H) <= 2^(CB 2^H + j) (bisection over [2^CB, 2^(CB+1)]); then y + 1 when (y + 1/2)^(2^H) is
  // below it. Exact in 256-bit integers for H <= 3 and CB <= 24 ((2^26)^8 = 2^208); 2^(j / 2^H) is
  // irrational for 0 < j < 2^H, so there is no tie. (One function without casts: Icarus 11
  // evaluates no other constant function.)
  function automatic logic [(2**F)*KW-1:0] term_table(input int h, input int cb);
    logic [(2**F)*KW-1:0] tab;
    logic [255:0] lo, hi, mid, pw, target;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [63:0] kt;  // KT[r] < 2^KW
    /* verilator lint_on UNUSEDSIGNAL */
    int rl;
    tab = '0;
    for (int r = 0; r < (1 << F); r++) begin
      lo = 256'd1 << cb;
      hi = 256'd1 << (cb + 1);
      target = 256'd1 << (cb * (1 << h) + (r >> (F - h)));
      for (int it = 0; it < 32; it++) begin
        if (hi - lo > 256'd1) begin
          mid = (lo + hi) >> 1;
          pw = mid;
          for (int k = 0; k < h; k++) pw = pw * pw;
          if (pw <= target) lo = mid;
          else hi = mid;
        end
      end
      pw = (lo << 1) + 256'd1;
      for (int k = 0; k < h; k++) pw = pw * pw;
      if (pw < (target << (1 << h))) lo = lo + 256'd1;  // lo = C[rh]
      rl = r & ((1 << (F - h)) - 1);
      kt = lo[63:0] * (64'd1 << F) + lo[63:0] * {32'd0, rl};
      tab[r*KW+:KW] = kt[KW-1:0];
    end
    term_table = tab;
  endfunction
  localparam logic [(2**F)*KW-1:0] KT = term_table(H, CB);

  function automatic logic [VW-1:0] count_ones(input logic [K-1:0] s);
    logic [VW-1:0] ones;
    ones = '0;
    for (int i = 0; i < K; i++) ones = ones + VW'(s[i]);
    count_ones = ones;
  endfunction

  logic [(K+1)*VW-1:0] ops;
  logic [K-1:0] neg;
  for (genvar i = 0; i < K; i++) begin : g_lane
    logic [KW-1:0] kt;
    logic [VW-1:0] term;
    assign kt = KT[r_i[i*F+:F]*KW+:KW];
    assign term = zero_i[i] ? '0 : VW'(kt) << p_i[i*PB+:PB];
    assign neg[i] = sign_i[i] & ~zero_i[i];
    assign ops[i*VW+:VW] = neg[i] ? ~term : term;
  end
  assign ops[K*VW+:VW] = count_ones(neg);

  logic [VW-1:0] sum, carry;
  csa_tree #(.N(K + 1), .W(VW)) u_csa (.ops_i(ops), .sum_o(sum), .carry_o(carry));
  assign v_o = $signed(sum + carry);
endmodule
