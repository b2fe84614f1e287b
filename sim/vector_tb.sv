// Checks unit fma_e4m3_fp32 against the golden model: reads a vector file that
// `fmalab vectors fma_e4m3_fp32 --round MODE` wrote (+vectors=FILE), drives a, b, c and rnd,
// and compares y and flags with the file's, line by line.
module vector_tb;
  logic [7:0] a, b, a_in, b_in;
  logic [31:0] c, c_in, y, y_want;
  logic [2:0] rnd;
  logic [4:0] flags, flags_want;
  logic [8*256-1:0] line;  // Icarus's $fgets wants a reg; Verilator reads at most 256 characters of one as text
  string path, header, unit, mode;
  int fd, passed = 0, failed = 0;

  fma_e4m3_fp32 dut (.a(a), .b(b), .c(c), .rnd(rnd), .y(y), .flags(flags));

  initial begin
    if (!$value$plusargs("vectors=%s", path)) $fatal(1, "usage: +vectors=FILE");
    fd = $fopen(path, "r");
    if (fd == 0) $fatal(1, "cannot open %0s", path);
    // The header: // fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne ... fields=a:8,b:8,c:32,y:32,flags:5 ...
    if ($fgets(line, fd) == 0) $fatal(1, "%0s is empty", path);
    header = string'(line);  // without the reg's leading zero bytes
    if ($sscanf(header, "// fmalab-vectors 2 unit=%s round=%s", unit, mode) != 2 || unit != "fma_e4m3_fp32")
      $fatal(1, "%0s: not a vector file of fma_e4m3_fp32", path);
    while (line[7:0] != "\n")  // the rest of a header longer than line
      if ($fgets(line, fd) == 0) $fatal(1, "%0s: no vectors", path);
    rnd = mode == "rne" ? 3'd0 : mode == "rtz" ? 3'd1 : mode == "rdn" ? 3'd2 : mode == "rup" ? 3'd3
        : mode == "rmm" ? 3'd4 : 3'd7;
    if (rnd == 3'd7) $fatal(1, "%0s: round=%0s, want one of rne rtz rdn rup rmm", path, mode);
    // One vector a line: a b c y flags, in hex.
    while ($fscanf(fd, "%h %h %h %h %h\n", a_in, b_in, c_in, y_want, flags_want) == 5) begin
      {a, b, c} = {a_in, b_in, c_in};  // (Verilator does not see $fscanf change a port's input)
      #1;
      if (y === y_want && flags === flags_want) passed++;
      else begin
        failed++;
        if (failed <= 10)
          $display("MISMATCH a=%h b=%h c=%h: y=%h flags=%h, want %h %h", a, b, c, y, flags, y_want, flags_want);
      end
    end
    $fclose(fd);
    $display("%0d passed, %0d failed", passed, failed);
    if (failed != 0 || passed == 0) $fatal(1, "%0s: %0d of %0d vectors failed", path, failed, passed + failed);
    $finish;
  end
endmodule
