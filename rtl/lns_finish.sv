// finish (range) of an LNS result (model/lns.cpp lns_round_real at the range ends; model/
// lns_add_approx.cpp finish): the result log r, an integer in units of 2^-F, is packed with its sign
// when |r| <= Lmax = 2^(W-2) - 1, flags 0. Beyond the largest magnitude it saturates to +-max with
// OF|NX, in every mode. Below the smallest magnitude (r < -Lmax) the tiny rule picks zero or +-m_min
// (L = -Lmax) by the mode rnd_i, flags UF|NX: RTZ zero; RUP +m_min for a positive result; RDN -m_min
// for a negative one; RNE m_min above m_min/2 (r > -Lmax - 2^F; a tie goes to zero), RMM from m_min/2
// up; 5..7 act as RNE. lnsadd's lut and mitchell methods round to zero below the range, which is
// the RTZ rule: their units tie rnd_i to RTZ.
module lns_finish #(
    parameter int W = 8,
    parameter int F = 3,
    parameter int RW = 10  // width of r_i: holds every result log and -Lmax - 2^F
) (
    input  logic                 sign_i,
    input  logic signed [RW-1:0] r_i,
    input  logic [2:0]           rnd_i,
    output logic [W-1:0]         y_o,
    output logic [4:0]           flags_o
);
  localparam int LMAX = 2 ** (W - 2) - 1;
  localparam logic signed [RW-1:0] MAX_R = RW'(LMAX);
  localparam logic signed [RW-1:0] MIN_R = RW'(-LMAX);
  localparam logic signed [RW-1:0] HALF_MIN_R = RW'(-(LMAX + 2 ** F));  // log2 of m_min / 2
  localparam logic [4:0] FLAGS_OF = fmalab_pkg::FLAG_OF | fmalab_pkg::FLAG_NX;
  localparam logic [4:0] FLAGS_UF = fmalab_pkg::FLAG_UF | fmalab_pkg::FLAG_NX;

  logic over, tiny, above_half, at_half, to_min;
  logic [W-2:0] field;
  assign over = r_i > MAX_R;
  assign tiny = r_i < MIN_R;
  assign above_half = r_i > HALF_MIN_R;
  assign at_half = r_i == HALF_MIN_R;
  assign field = r_i[W-2:0];

  always_comb begin
    case (rnd_i)
      fmalab_pkg::RND_RTZ: to_min = 1'b0;
      fmalab_pkg::RND_RUP: to_min = ~sign_i;
      fmalab_pkg::RND_RDN: to_min = sign_i;
      fmalab_pkg::RND_RMM: to_min = above_half | at_half;
      default: to_min = above_half;  // RNE, and 5..7
    endcase
    if (over) begin
      y_o = {sign_i, (W - 1)'(LMAX)};
      flags_o = FLAGS_OF;
    end else if (tiny) begin
      y_o = to_min ? {sign_i, (W - 1)'(MIN_R)} : {1'b0, 1'b1, {(W - 2) {1'b0}}};
      flags_o = FLAGS_UF;
    end else begin
      y_o = {sign_i, field};
      flags_o = 5'b0;
    end
  end
endmodule
