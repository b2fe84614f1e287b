// pack (model/encode.cpp encode_float, IEEE-style result formats): special values, exact zeros,
// overflow to Inf or the largest finite value by mode, and the flags.
module fp_pack #(
    parameter int E = 8,
    parameter int M = 23,
    parameter int CODEW = E + M + 2
) (
    input  logic             special_i,
    input  logic [  E+M:0]   special_code_i,
    input  logic [    4:0]   special_flags_i,
    input  logic             zero_i,
    input  logic             zero_sign_i,
    input  logic             sign_i,
    input  logic [CODEW-1:0] code_i,
    input  logic             inexact_i,
    input  logic             tiny_i,
    input  logic [    2:0]   mode_i,
    output logic [  E+M:0]   y_o,
    output logic [    4:0]   flags_o
);
  localparam logic [E+M-1:0] MAX_FINITE = {{(E - 1) {1'b1}}, 1'b0, {M{1'b1}}};
  localparam logic [E+M-1:0] INF = {{E{1'b1}}, {M{1'b0}}};

  logic to_inf;
  logic [E+M-1:0] code_mag;
  assign code_mag = code_i[E+M-1:0];  // outside the always_comb for Icarus 11 (constant select)
  always_comb begin
    unique case (mode_i)
      fmalab_pkg::RND_RTZ: to_inf = 1'b0;
      fmalab_pkg::RND_RUP: to_inf = !sign_i;
      fmalab_pkg::RND_RDN: to_inf = sign_i;
      fmalab_pkg::RND_RNE, fmalab_pkg::RND_RMM: to_inf = 1'b1;
      default: to_inf = 1'b1;
    endcase
    if (special_i) begin
      y_o = special_code_i;
      flags_o = special_flags_i;
    end else if (zero_i) begin
      y_o = {zero_sign_i, {(E + M) {1'b0}}};
      flags_o = '0;
    end else if (code_i > CODEW'(MAX_FINITE)) begin
      y_o = {sign_i, to_inf ? INF : MAX_FINITE};
      flags_o = fmalab_pkg::FLAG_OF | fmalab_pkg::FLAG_NX;
    end else begin
      y_o = {sign_i, code_mag};
      flags_o = (inexact_i ? fmalab_pkg::FLAG_NX : 5'b0) | ((inexact_i && tiny_i) ? fmalab_pkg::FLAG_UF : 5'b0);
    end
  end
endmodule
