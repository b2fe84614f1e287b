// The DPI-C functions' own test (ctest Dpi.Api): the error paths a testbench can hit (unknown unit,
// bad options, wrong operand count, a code wider than its field, a bad frm, class or mode, the
// wrong or a null handle) each give a nonzero status or a null handle and a one-line reason, never
// a crash; and the stage trace, one-shot and batch evaluation agree with the `fmalab eval` CLI
// (itself checked against an MPFR oracle), which this bench runs through $system on the same
// vectors. Plusargs: +fmalab=PATH (the CLI); its scratch files go in the working directory.
module dpi_api_tb;
  import fmalab_dpi::*;

  int failures = 0;
  string fmalab = "fmalab";

  function automatic void check(bit ok, string what);
    if (ok) return;
    failures++;
    $display("dpi_api_tb: FAILED: %s (fmalab_error: '%s')", what, fmalab_error());
  endfunction

  // The failing call left a reason of one line that contains `needle`.
  function automatic void check_error(string needle, string what);
    string e = fmalab_error();
    bit found = 0;
    for (int i = 0; i + needle.len() <= e.len(); i++)
      if (e.substr(i, i + needle.len() - 1) == needle) found = 1;
    for (int i = 0; i < e.len(); i++)
      if (e[i] == "\n") found = 0;
    check(found && e.len() > 0, {what, ": the error names '", needle, "'"});
    $display("dpi_api_tb: %s -> %s", what, e);
  endfunction

  task automatic error_paths();
    chandle h, src;
    longint unsigned two[2], three[3], one_out[1], none[1];
    byte unsigned f;
    int frm;
    string text;
    h = fmalab_open("fma:nope:fp32", "");
    check(h == null, "open of an unknown format fails");
    check_error("nope", "open fma:nope:fp32");
    h = fmalab_open("nosuch:unit", "");
    check(h == null, "open of an unknown kind fails");
    check_error("nosuch", "open nosuch:unit");
    h = fmalab_open("fma:e4m3:fp32", "round=sideways");
    check(h == null, "open with a bad option value fails");
    check_error("round", "open with round=sideways");
    check(fmalab_words(null, 0) == -1, "words of a null handle is -1");
    check_error("null", "words(null)");

    h = fmalab_open("fma:e4m3:fp32", "");
    check(h != null, "open fma:e4m3:fp32");
    check(fmalab_error() == "", "a call that succeeds leaves no error");
    check(fmalab_words(h, 0) == 3 && fmalab_words(h, 1) == 1, "fma:e4m3:fp32 has 3 operand and 1 result word");
    check(fmalab_field_name(h, 0, 2) == "c" && fmalab_field_bits(h, 0, 2) == 32, "operand word 2 is c:32");
    check(fmalab_field(h, 1, "y") == 0 && fmalab_field_bits(h, 1, 0) == 32, "result y is word 0 of 32 bits");
    check(fmalab_field(h, 0, "q") == -1, "no field q");
    check_error("'q'", "field q");
    check(fmalab_field_bits(h, 0, 3) == -1, "no operand word 3");

    two = '{64'h38, 64'h40};
    check(fmalab_eval(h, -1, two, one_out, f) != 0, "eval on 2 operand words fails");
    check_error("takes 3 operand words", "eval with 2 operands");
    three = '{64'h138, 64'h40, 64'h3f800000};
    check(fmalab_eval(h, -1, three, one_out, f) != 0, "eval of a 9-bit code in an 8-bit field fails");
    check_error("wider than its 8 bits", "eval of a wide code");
    three = '{64'h38, 64'h40, 64'h3f800000};
    check(fmalab_eval(h, 9, three, one_out, f) != 0, "eval with frm 9 fails");
    check_error("frm 9", "eval with frm 9");
    check(fmalab_trace(h, -1, two, text) != 0, "trace on 2 operand words fails");
    check_error("takes 3 operand words", "trace with 2 operands");
    check(fmalab_eval_name("fma:nope:fp32", "", -1, three, one_out, f) != 0, "eval_name of an unknown unit fails");
    check_error("nope", "eval_name fma:nope:fp32");
    check(fmalab_eval_name("fma:e4m3:fp32", "", -1, two, one_out, f) != 0, "eval_name on 2 operand words fails");
    check_error("takes 3 operand words", "eval_name with 2 operands");

    src = fmalab_source(h, "sideways", "", 1);
    check(src == null, "a source of an unknown class fails");
    check_error("sideways", "source of class sideways");
    src = fmalab_source(h, "random", "rne upward", 1);
    check(src == null, "a source in an unknown mode fails");
    check_error("upward", "source in mode upward");
    check(fmalab_next(h, three, frm) != 0, "next on an operation handle fails");
    check_error("vector source", "next(operation handle)");
    src = fmalab_source(h, "random", "", 1);
    check(src != null, "a source of class random");
    check(fmalab_next(src, two, frm) != 0, "next into 2 operand words fails");
    check_error("takes 3 operand words", "next into 2 words");
    check(fmalab_eval(src, -1, three, one_out, f) != 0, "eval on a source handle fails");
    check_error("operation handle", "eval(source handle)");
    fmalab_close(src);
    fmalab_close(h);
    fmalab_close(null);  // like free(NULL)
  endtask

  dpi_api_cli #(.NIN(3), .NOUT(1), .N(40)) fma ();
  dpi_api_cli #(.NIN(33), .NOUT(1), .N(10)) dot ();
  dpi_api_cli #(.NIN(19), .NOUT(1), .N(20)) mxdot ();
  dpi_api_cli #(.NIN(2), .NOUT(1), .N(20)) lns ();

  initial begin
    void'($value$plusargs("fmalab=%s", fmalab));
    error_paths();
    fma.run("fma:e4m3:fp32", "", "", "all", fmalab);
    dot.run("dot:e4m3:fp32:16", "preset=h100", "--preset h100", "", fmalab);
    mxdot.run("mxdot:mxfp8_e4m3:8", "", "", "all", fmalab);
    lns.run("lnsmul:lns8_3", "", "", "all", fmalab);
    failures += fma.failures + dot.failures + mxdot.failures + lns.failures;
    if (failures != 0) $fatal(1, "dpi_api_tb: FAIL: %0d checks failed", failures);
    $display("dpi_api_tb: PASS");
    $finish;
  end
endmodule

// One operation's vectors against the CLI. A module per word count because Verilator 5.006 passes
// only fixed-size arrays to DPI open arrays (no dynamic ones).
module dpi_api_cli #(int NIN = 1, int NOUT = 1, int N = 1);
  import fmalab_dpi::*;

  int failures = 0;

  function automatic void check(bit ok, string what);
    if (ok) return;
    failures++;
    $display("dpi_api_tb: FAILED: %s (fmalab_error: '%s')", what, fmalab_error());
  endfunction

  // The text between each "token=" and the next space: "y=0x40400000 flags=0x00" -> "0x40400000 0x00".
  function automatic string values_of(string line);
    string out = "";
    bit take = 0;
    for (int i = 0; i < line.len(); i++) begin
      if (line[i] == " ") begin
        take = 0;
        out = {out, " "};
      end else if (take) out = {out, string'(line[i])};
      else if (line[i] == "=") take = 1;
    end
    return out;
  endfunction

  // The lines of a file, without their newlines.
  function automatic void read_lines(string path, ref string lines[$]);
    int fd;
    string line;
    fd = $fopen(path, "r");
    lines.delete();
    if (fd == 0) $fatal(1, "dpi_api_tb: cannot read %s", path);
    while ($fgets(line, fd) != 0) begin
      if (line.len() > 0 && line[line.len() - 1] == "\n") line = line.substr(0, line.len() - 2);
      lines.push_back(line);
    end
    $fclose(fd);
  endfunction

  // n vectors of `unit` in each rounding mode: the trace, eval_name and eval_batch against the CLI.
  // N vectors of `unit` (all its classes, in `modes`): the trace and eval_name against the CLI in the
  // vector's mode, then eval_batch of all N in rne against eval one at a time.
  task automatic run(string unit, string options, string cli_options, string modes, string fmalab);
    chandle h, src;
    int frm;
    string mode_names[5] = '{"rne", "rtz", "rdn", "rup", "rmm"};
    longint unsigned ops[NIN], res[NOUT], all_ops[N * NIN], all_res[N * NOUT];
    byte unsigned f, all_f[N];
    h = fmalab_open(unit, options);
    if (h == null) $fatal(1, "dpi_api_tb: %s", fmalab_error());
    check(fmalab_words(h, 0) == NIN && fmalab_words(h, 1) == NOUT, {unit, ": operand and result word counts"});
    src = fmalab_source(h, "all", modes, 7);
    if (src == null) $fatal(1, "dpi_api_tb: %s", fmalab_error());
    for (int v = 0; v < N; v++) begin
      string cmd, line = "", text, want_last, cli[$], mine[$];
      int fd;
      check(fmalab_next(src, ops, frm) == 0, "next");
      for (int i = 0; i < NIN; i++) line = {line, i != 0 ? " " : "", $sformatf("%0h", ops[i])};
      fd = $fopen("in.txt", "w");
      $fdisplay(fd, "%s", line);
      $fclose(fd);
      cmd = $sformatf("%s eval %s %s --round %s --trace -i in.txt -o out.txt", fmalab, unit, cli_options,
                      mode_names[frm]);
      // Through a script of fixed name: Verilator 5.006 cannot pass a string variable to $system.
      fd = $fopen("dpi_api_cli.sh", "w");
      $fdisplay(fd, "%s", cmd);
      $fclose(fd);
      check($system("sh dpi_api_cli.sh") == 0, {"the CLI runs: ", cmd});
      read_lines("out.txt", cli);
      check(fmalab_trace(h, frm, ops, text) == 0, "trace");
      fd = $fopen("trace.txt", "w");
      $fwrite(fd, "%s", text);
      $fclose(fd);
      read_lines("trace.txt", mine);
      // CLI: "# trace line=1 stage=...", then "0x... 0x.." (results, flags); DPI: "stage=...", "y=0x... flags=0x..".
      check(cli.size() == mine.size() && cli.size() != 0,
            $sformatf("%s vector %0d: %0d trace lines, the CLI's %0d", unit, v, mine.size(), cli.size()));
      for (int i = 0; i + 1 < cli.size() && i + 1 < mine.size(); i++)
        check(cli[i] == {"# trace line=1 ", mine[i]}, {unit, ": trace line '", mine[i], "' vs the CLI's '", cli[i], "'"});
      want_last = cli.size() != 0 ? cli[cli.size() - 1] : "(none)";
      text = mine.size() != 0 ? mine[mine.size() - 1] : "";
      check(values_of(text) == want_last, {unit, ": trace result '", text, "' vs the CLI's '", want_last, "'"});
      check(fmalab_eval_name(unit, options, frm, ops, res, f) == 0, "eval_name");
      line = "";
      for (int i = 0; i < NOUT; i++) begin
        string hex = $sformatf("%016h", res[i]);
        int digits = (fmalab_field_bits(h, 1, i) + 3) / 4;
        line = {line, "0x", hex.substr(16 - digits, 15), " "};
      end
      line = {line, $sformatf("0x%02h", f)};
      check(line == want_last, {unit, ": eval_name '", line, "' vs the CLI's '", want_last, "'"});
      for (int i = 0; i < NIN; i++) all_ops[v * NIN + i] = ops[i];
    end
    check(fmalab_eval_batch(h, 0, all_ops, all_res, all_f) == 0, "eval_batch");
    for (int v = 0; v < N; v++) begin
      for (int i = 0; i < NIN; i++) ops[i] = all_ops[v * NIN + i];
      check(fmalab_eval(h, 0, ops, res, f) == 0, "eval");
      for (int i = 0; i < NOUT; i++) check(res[i] == all_res[v * NOUT + i], {unit, ": eval_batch result"});
      check(f == all_f[v], {unit, ": eval_batch flags"});
    end
    check(fmalab_eval_batch(h, 0, ops, all_res, all_f) != 0, {unit, ": eval_batch on one vector's operands for N fails"});
    fmalab_close(src);
    fmalab_close(h);
    $display("dpi_api_tb: %s: %0d vectors as the CLI, and through eval_batch", unit, N);
  endtask

endmodule
