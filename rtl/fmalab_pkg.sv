// Shared encodings: the class codes match the golden model's Class enum (model/value.hpp), and the
// flag bits and rounding modes follow RISC-V (fflags, frm).
// Not every unit uses every constant.
/* verilator lint_off UNUSEDPARAM */
package fmalab_pkg;
  localparam logic [2:0] CLS_ZERO = 3'd0;
  localparam logic [2:0] CLS_SUBNORMAL = 3'd1;
  localparam logic [2:0] CLS_NORMAL = 3'd2;
  localparam logic [2:0] CLS_INF = 3'd3;
  localparam logic [2:0] CLS_NAN = 3'd4;

  localparam logic [2:0] RND_RNE = 3'd0;
  localparam logic [2:0] RND_RTZ = 3'd1;
  localparam logic [2:0] RND_RDN = 3'd2;
  localparam logic [2:0] RND_RUP = 3'd3;
  localparam logic [2:0] RND_RMM = 3'd4;

  // flags = {NV, DZ, OF, UF, NX}
  localparam logic [4:0] FLAG_NV = 5'b10000;
  localparam logic [4:0] FLAG_OF = 5'b00100;
  localparam logic [4:0] FLAG_UF = 5'b00010;
  localparam logic [4:0] FLAG_NX = 5'b00001;

  // Multiplier architectures (int_mul ARCH).
  localparam int MUL_ARRAY = 0;
  localparam int MUL_BOOTH4 = 1;

  // Stage numbers for fault injection (FAULT_STAGE) and for the cosimulation's report.
  localparam int STAGE_NONE = 0;
  localparam int STAGE_UNPACK = 1;
  localparam int STAGE_MULTIPLY = 2;
  localparam int STAGE_ALIGN = 3;
  localparam int STAGE_ADD = 4;
  localparam int STAGE_NORMALIZE = 5;
  localparam int STAGE_ROUND = 6;
  localparam int STAGE_PACK = 7;

  // The stage-value bus the cosimulation reads (units built with +define+FMALAB_STAGES): eleven
  // 64-bit words, see sim/rtl_units.hpp for the layout.
  localparam int STAGE_WORDS = 11;
  localparam int STAGES_W = 64 * STAGE_WORDS;

  // Whether a magnitude rounds up (model/round.hpp round_up). Modes 5..7 (reserved, DYN) act as RNE.
  function automatic logic round_up(input logic [2:0] mode, input logic sign, input logic odd,
                                    input logic half, input logic below);
    logic up;
    case (mode)
      RND_RTZ: up = 1'b0;
      RND_RDN: up = sign & (half | below);
      RND_RUP: up = ~sign & (half | below);
      RND_RMM: up = half;
      default: up = half & (below | odd);
    endcase
    round_up = up;
  endfunction
endpackage
/* verilator lint_on UNUSEDPARAM */
