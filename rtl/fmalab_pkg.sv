// Shared encodings: the class codes match the golden model's Class enum (model/value.hpp), and the
// flag bits and rounding modes follow RISC-V (fflags, frm). Ports stay plain logic vectors (Yosys
// 0.23 takes no casts to user types); the enums name their values. Use the enum items in modules
// only: Yosys 0.23 silently reads them as wrong values inside a function of this package.
// Not every unit uses every constant.
/* verilator lint_off UNUSEDPARAM */
package fmalab_pkg;
  typedef enum logic [2:0] {
    CLS_ZERO = 3'd0,
    CLS_SUBNORMAL = 3'd1,
    CLS_NORMAL = 3'd2,
    CLS_INF = 3'd3,
    CLS_NAN = 3'd4
  } cls_e;

  // Rounding modes (RISC-V frm); 5..7 (reserved, DYN) act as RNE.
  typedef enum logic [2:0] {
    RND_RNE = 3'd0,
    RND_RTZ = 3'd1,
    RND_RDN = 3'd2,
    RND_RUP = 3'd3,
    RND_RMM = 3'd4
  } rnd_e;

  // Flag bits, flags = {NV, DZ, OF, UF, NX} (RISC-V fflags).
  typedef enum logic [4:0] {
    FLAG_NX = 5'b00001,
    FLAG_UF = 5'b00010,
    FLAG_OF = 5'b00100,
    FLAG_DZ = 5'b01000,
    FLAG_NV = 5'b10000
  } flag_e;

  // Where a float format keeps its NaNs (fp_unpack NAN_STYLE): IEEE, exponent all ones with a
  // nonzero mantissa; only the all-ones magnitude (OCP E4M3, S.1111.111); or nowhere (OCP FP6 and
  // FP4: every code a number).
  typedef enum int {
    NAN_IEEE = 0,
    NAN_ALL_ONES = 1,
    NAN_NONE = 2
  } nan_style_e;

  // The shared scale of an MX block (mx_dot SCALE): E8M0 (2^(x - 127), 0xFF NaN) or OCP E4M3 (NVFP4).
  typedef enum int {
    SCALE_E8M0 = 0,
    SCALE_E4M3 = 1
  } scale_e;

  // Multiplier architectures (int_mul ARCH, every unit's MUL_ARCH; rtl/units.json "variants").
  typedef enum int {
    MUL_ARRAY = 0,
    MUL_BOOTH4 = 1
  } mul_arch_e;

  // Datapath stages, for the cosimulation's report and for fault injection.
  typedef enum int {
    STAGE_NONE = 0,
    STAGE_UNPACK = 1,
    STAGE_MULTIPLY = 2,
    STAGE_ALIGN = 3,
    STAGE_ADD = 4,
    STAGE_NORMALIZE = 5,
    STAGE_ROUND = 6,
    STAGE_PACK = 7
  } stage_e;

  // The stage-value bus the cosimulation reads (units built with +define+FMALAB_STAGES): eleven
  // 64-bit words, see sim/rtl_units.hpp for the layout.
  localparam int STAGE_WORDS = 11;
  localparam int STAGES_W = 64 * STAGE_WORDS;

  // Fault injection, for the cosimulation's own test only: built with +define+FMALAB_FAULTS
  // +define+FMALAB_FAULT_STAGE=S +define+FMALAB_FAULT_BIT=B, a datapath XORs this one-bit mask into
  // stage S's value (rtl/units.json "faults"). Every use sits under `ifdef FMALAB_FAULTS, so no
  // other build has any fault logic (tests/test_synth_units.py checks the sources and netlists).
`ifdef FMALAB_FAULTS
  localparam int FAULT_W = 128;  // the masks' width: a datapath XORs in the bits it needs
`ifndef FMALAB_FAULT_STAGE
`define FMALAB_FAULT_STAGE 0
`endif
`ifndef FMALAB_FAULT_BIT
`define FMALAB_FAULT_BIT 0
`endif
  function automatic logic [FAULT_W-1:0] fault_mask(input int stage);
    fault_mask = (stage == `FMALAB_FAULT_STAGE) ? FAULT_W'(1) << `FMALAB_FAULT_BIT : '0;
  endfunction
`endif

endpackage
/* verilator lint_on UNUSEDPARAM */
