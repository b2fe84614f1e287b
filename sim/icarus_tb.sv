// Template of the registry-driven testbench (sim/bench_icarus.py, the Icarus.* tests, make bench):
// synth/testbench.py fills in the {PLACEHOLDERS} from a unit's registry row (rtl/units.json: its
// ports, any names, counts, optional rnd and flags) and a vector file's header (the columns in the
// order its fields= gives), and writes one module, icarus_tb. It drives the unit from a `fmalab
// vectors` file read with $readmemh (the header line is a // comment to it: one word per field) and
// compares every result and the flags with the file's expected ones, as the Verilator cosimulation
// does. Built with the unit's own files, package first, by these lines (OUT a directory;
// Rtl.CompileLines runs these lines):
//   python3 synth/registry.py filelist fma_e4m3_fp32 > $OUT/fma_e4m3_fp32.f
//   build/bin/fmalab vectors fma_e4m3_fp32 --count 1000 --seed 1 --round rdn -o $OUT/v.hex
//   python3 synth/testbench.py fma_e4m3_fp32 --vectors $OUT/v.hex -o $OUT/tb.sv
//   iverilog -g2012 -s icarus_tb -DMAX_VECTORS=1000 -o $OUT/tb.vvp -f $OUT/fma_e4m3_fp32.f $OUT/tb.sv
//   vvp -n $OUT/tb.vvp +vectors=$OUT/v.hex
// At run time the testbench reads the file's header line and refuses a file whose unit or fields=
// differ from the ones it was made for. The rounding mode: a round=mixed file has a rnd column, read
// per vector; otherwise every vector takes the header's round= (rne 0, rtz 1, rdn 2, rup 3, rmm 4).
// A unit without a flags port raises none: its expected flags must be 0.
// Plusargs: +vectors=FILE, +n=COUNT (vectors to run; default all, at most MAX_VECTORS). The bench
// times two counts and takes the difference, so start-up and file loading cancel.
`ifndef MAX_VECTORS
`define MAX_VECTORS 1000
`endif

module icarus_tb;
  localparam int FIELDS = {FIELDS};  // {FIELDS_TEXT}

  logic [63:0] mem[0:FIELDS*`MAX_VECTORS-1];
{DECLARATIONS}
  logic [2:0] rnd;
  logic [8*4096-1:0] header;  // the header line ($fgets takes a reg in Icarus 11, not a string)
  string path, unit, mode, fields;
  int fd, n, count, i, frm, failed, sat, sr_bits, window, sticky, ftz_in, ftz_out;

  {TOP} u_dut ({CONNECTIONS});

  initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "icarus_tb: +vectors=FILE is required");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "icarus_tb: cannot open %0s", path);
    if ($fgets(header, fd) == 0) $fatal(1, "icarus_tb: %0s is empty", path);
    $fclose(fd);
    if ($sscanf(header, "// fmalab-vectors 2 unit=%s round=%s sat=%d sr_bits=%d window=%d sticky=%d ftz_in=%d ftz_out=%d fields=%s",
                unit, mode, sat, sr_bits, window, sticky, ftz_in, ftz_out, fields) != 9)
      $fatal(1, "icarus_tb: %0s: the first line is not a fmalab-vectors 2 header", path);
    if (unit != "{UNIT}" && unit != "{OP}")
      $fatal(1, "icarus_tb: %0s holds vectors of %0s, not {UNIT}", path, unit);
    if (fields != "{FIELDS_TEXT}")
      $fatal(1, "icarus_tb: %0s has fields=%0s; this testbench was made for fields={FIELDS_TEXT}", path, fields);
    // (Icarus 11 cannot take a case on a string.) mixed: a rnd column; sr: a rand column (below).
    frm = mode == "rne" ? 0 : mode == "rtz" ? 1 : mode == "rdn" ? 2 : mode == "rup" ? 3 : mode == "rmm" ? 4 : -1;
    if ((mode == "mixed") != {HAS_RND_COLUMN} || (mode == "sr") != {HAS_RAND_COLUMN})
      $fatal(1, "icarus_tb: %0s: round=%0s does not go with fields=%0s", path, mode, fields);
    $readmemh(path, mem);
    count = 0;  // the vectors in the file: the rows $readmemh filled (the rest stay x)
    while (count < `MAX_VECTORS && !$isunknown(mem[FIELDS*count+FIELDS-1])) count = count + 1;
    if (!$value$plusargs("n=%d", n) || n > count) n = count;
    failed = 0;
    for (i = 0; i < n; i = i + 1) begin
{DRIVE}
      #1;
      if ({MISMATCH}) begin
        if (failed < 10)
          $display("MISMATCH vector %0d:{DISPLAY_FORMAT}", i{DISPLAY_ARGS});
        failed = failed + 1;
      end
    end
    $display("%0d passed, %0d failed", n - failed, failed);
    $finish;
  end
endmodule
