// Icarus Verilog baseline for `make bench` (sim/bench_icarus.py): one RTL unit driven from a
// `fmalab vectors` file (version 2: fixed-width hex fields, header skipped), its result and flags compared with the
// file's expected ones, as the Verilator cosimulation does. Built with the unit's own files, package
// first (Rtl.CompileLines runs these lines, with OUT a directory):
//   python3 synth/registry.py filelist fma_e4m3_fp32 > $OUT/fma_e4m3_fp32.f
//   iverilog -g2012 -s icarus_tb -DUNIT=fma_e4m3_fp32 -DIN_W=8 -DACC_W=32 -DHAS_RND -DHAS_FLAGS \
//            -DMAX_VECTORS=1000 -o $OUT/tb.vvp -f $OUT/fma_e4m3_fp32.f sim/icarus_tb.sv
// UNIT is the unit's top module, IN_W the width of a and b, ACC_W that of c and y; units without a
// rounding-mode or flags port leave out -DHAS_RND / -DHAS_FLAGS (rtl/units.json, sim/bench_icarus.py).
// Plusargs: +vectors=FILE, +n=COUNT (vectors to run, at most MAX_VECTORS), +rnd=FRM (the file's mode).
// The bench times two counts and takes the difference, so start-up and file loading cancel.
`ifndef UNIT
`define UNIT fma_e4m3_fp32
`endif
`ifndef IN_W
`define IN_W 8
`endif
`ifndef ACC_W
`define ACC_W 32
`endif
`ifndef MAX_VECTORS
`define MAX_VECTORS 1000
`endif

module icarus_tb;
  localparam int INW = `IN_W;
  localparam int ACCW = `ACC_W;
  localparam int FIELDS = 5;  // a b c result flags

  logic [63:0] mem[FIELDS*`MAX_VECTORS];
  logic [INW-1:0] a, b;
  logic [ACCW-1:0] c, y;
  logic [2:0] rnd;
  logic [4:0] flags;
  string path;
  int n, i, frm, failed;

  `UNIT u_dut (
      .a(a), .b(b), .c(c),
`ifdef HAS_RND
      .rnd(rnd),
`endif
`ifdef HAS_FLAGS
      .flags(flags),
`endif
      .y(y));
`ifndef HAS_FLAGS
  assign flags = '0;
`endif

  initial begin
    if (!$value$plusargs("vectors=%s", path)) begin
      $display("icarus_tb: +vectors=FILE is required");
      $finish;
    end
    if (!$value$plusargs("n=%d", n)) n = `MAX_VECTORS;
    if (!$value$plusargs("rnd=%d", frm)) frm = 0;
    if (n > `MAX_VECTORS) n = `MAX_VECTORS;
    rnd = frm[2:0];
    $readmemh(path, mem);
    failed = 0;
    for (i = 0; i < n; i = i + 1) begin
      a = mem[FIELDS*i][INW-1:0];
      b = mem[FIELDS*i+1][INW-1:0];
      c = mem[FIELDS*i+2][ACCW-1:0];
      #1;
      if (y !== mem[FIELDS*i+3][ACCW-1:0] || flags !== mem[FIELDS*i+4][4:0]) begin
        if (failed < 10)
          $display("MISMATCH a=%h b=%h c=%h rtl=%h/%h expected=%h/%h", a, b, c, y, flags,
                   mem[FIELDS*i+3][ACCW-1:0], mem[FIELDS*i+4][4:0]);
        failed = failed + 1;
      end
    end
    $display("%0d passed, %0d failed", n - failed, failed);
    $finish;
  end
endmodule
