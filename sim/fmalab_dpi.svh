// fmalab_dpi: the golden model's DPI-C functions (libfmalab_dpi.so, sim/fmalab_dpi.cpp) for a
// SystemVerilog testbench. Compile this file before the testbench and `import fmalab_dpi::*;`.
//
// Conventions: an operation is opened by its model name ("fma:e4m3:fp32", "dot:e4m3:fp32:16") and
// options text ("round=rtz sat=1", "preset=h100"); its operand words are its operand fields in
// order (the stochastic-rounding random word `rand` last), its result words its result fields;
// flags are RISC-V fflags {NV, DZ, OF, UF, NX}. frm -1 evaluates in the options' rounding mode,
// 0..7 in that RISC-V frm (0 rne, 1 rtz, 2 rdn, 3 rup, 4 rmm; 5..7 act as rne, as the RTL's rnd).
// Functions returning int return 0 on success, nonzero (or -1 where a count is returned) on
// failure; a null chandle is a failure too. fmalab_error() then holds the one-line reason.
`ifndef FMALAB_DPI_SVH
`define FMALAB_DPI_SVH
package fmalab_dpi;

  // The reason the last call of this thread failed; "" after one that succeeded.
  import "DPI-C" function string fmalab_error();

  // An operation by model name and options text; null on failure (fmalab_error says why).
  import "DPI-C" function chandle fmalab_open(input string unit, input string options);
  // Frees an operation or a vector source.
  import "DPI-C" function void fmalab_close(input chandle h);

  // Operand (results = 0) or result (results = 1) words per vector; -1 on failure.
  import "DPI-C" function int fmalab_words(input chandle h, input int results);
  // Word i's width in bits and field name ("a", "b3", "c", "rand", "y").
  import "DPI-C" function int fmalab_field_bits(input chandle h, input int results, input int i);
  import "DPI-C" function string fmalab_field_name(input chandle h, input int results, input int i);
  // The index of the field with this name; -1 when there is none.
  import "DPI-C" function int fmalab_field(input chandle h, input int results, input string name);

  // One vector: operands holds fmalab_words(h, 0) words, results receives fmalab_words(h, 1).
  import "DPI-C" function int fmalab_eval(input chandle h, input int frm, input longint unsigned operands[],
                                          output longint unsigned results[], output byte unsigned flags);
  // size(flags) vectors, their operand words one vector after another, likewise the results.
  import "DPI-C" function int fmalab_eval_batch(input chandle h, input int frm, input longint unsigned operands[],
                                                output longint unsigned results[], output byte unsigned flags[]);
  // One vector without a handle: the library opens (unit, options) on first use and keeps it.
  import "DPI-C" function int fmalab_eval_name(input string unit, input string options, input int frm,
                                               input longint unsigned operands[],
                                               output longint unsigned results[], output byte unsigned flags);

  // A vector source of operation h: classes ("random", "special", ...; "" or "all" for every class
  // the operation has), each in turn, in the rounding modes named ("rne rup", "all"; "" for the
  // options' mode) in turn; the same seed gives the same vectors.
  import "DPI-C" function chandle fmalab_source(input chandle h, input string classes, input string modes,
                                                input longint unsigned seed);
  // The next vector: its operand words, and the frm it was drawn for (drive it on rnd, pass it to eval).
  import "DPI-C" function int fmalab_next(input chandle src, output longint unsigned operands[], output int frm);

  // The datapath stages of one vector, one "stage=NAME key=value ..." line each (as
  // `fmalab eval --trace`), then the results and flags: "y=0x40400000 flags=0x00".
  import "DPI-C" function int fmalab_trace(input chandle h, input int frm, input longint unsigned operands[],
                                           output string text);

endpackage
`endif
