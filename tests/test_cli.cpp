// The fmalab driver as a user runs it: results, and one-line errors with exit status 2
// that leave no output file behind.
#include <gtest/gtest.h>

#include <set>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class Cli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fmalab_cli_" + std::to_string(getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Outcome run(const std::string& args, const std::string& input = "") {
    std::ofstream(dir_ / "stdin") << input;
    const std::string cmd = std::string(FMALAB_BIN) + " " + args + " < " + (dir_ / "stdin").string() + " > " +
                            (dir_ / "stdout").string() + " 2> " + (dir_ / "stderr").string();
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }

  // A bad-input run: status 2, exactly one line on stderr holding `what`, and no file at -o
  // (cosim takes no -o: its report goes to standard output).
  void expect_rejected(const std::string& args, const std::string& input, const std::string& what) {
    const fs::path out = dir_ / "result.txt";
    const Outcome r = run(args.rfind("cosim", 0) == 0 ? args : args + " -o " + out.string(), input);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.err.find(what), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stderr: " << r.err;
    EXPECT_EQ(r.err.rfind("fmalab: ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty());
    for (const auto& e : fs::directory_iterator(dir_))
      EXPECT_TRUE(e.path().filename() == "stdin" || e.path().filename() == "stdout" ||
                  e.path().filename() == "stderr")
          << "left behind: " << e.path();
  }

  fs::path dir_;
};

TEST_F(Cli, IssueExample) {
  const Outcome r = run("eval cvt:fp32:e4m3", "0x43e00000\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x7e 0x00\n");
}

TEST_F(Cli, LineFormatCommentsBlankLinesAndPadding) {
  const Outcome r = run("eval cvt:e4m3:fp32 --round rtz",
                    "# a comment\n\n  38  # 1.0 without 0x\n0x7F\n0X01\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x3f800000 0x00\n0x7fc00000 0x00\n0x3b000000 0x00\n");
}

TEST_F(Cli, FlagsAndModesAndSaturation) {
  // 480 into e4m3: overflow gives NaN, or 448 when saturating; OF|NX either way.
  EXPECT_EQ(run("eval cvt:fp32:e4m3", "43f00000\n").out, "0x7f 0x05\n");
  EXPECT_EQ(run("eval cvt:fp32:e4m3 --sat", "43f00000\n").out, "0x7e 0x05\n");
  EXPECT_EQ(run("eval cvt:fp32:e5m2 --round rtz", "47800000\n").out, "0x7b 0x05\n");
  EXPECT_EQ(run("eval cvt:fp32:e5m2 --round rna", "3f900000\n").out, "0x3d 0x01\n");  // 1.125 tie away
  EXPECT_EQ(run("eval cvt:fp32:e5m2 --round rne", "3f900000\n").out, "0x3c 0x01\n");  // 1.125 tie to even
  // Stochastic rounding takes the random word as an extra operand.
  EXPECT_EQ(run("eval cvt:fp32:e5m2 --round sr --sr-bits 2", "3f900000 1\n3f900000 2\n").out,
            "0x3c 0x01\n0x3d 0x01\n");
}

TEST_F(Cli, OutputFileAppearsWhole) {
  const fs::path out = dir_ / "o.txt";
  const Outcome r = run("eval cvt:fp16:fp32 -o " + out.string(), "3c00\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(slurp(out), "0x3f800000 0x00\n");
}

TEST_F(Cli, InputFile) {
  std::ofstream(dir_ / "in.txt") << "0x3c00\n";
  const Outcome r = run("eval cvt:fp16:e4m3 -i " + (dir_ / "in.txt").string());
  EXPECT_EQ(r.out, "0x38 0x00\n");
}

TEST_F(Cli, Trace) {
  const Outcome r = run("eval cvt:fp16:e4m3 --trace", "3c00\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("# trace line=1 stage=decode sign=0 class=normal exp=0 sig=0x400"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n0x38 0x00\n"), std::string::npos) << r.out;
}

TEST_F(Cli, FormatsListsEveryFormat) {
  const Outcome r = run("formats");
  EXPECT_EQ(r.status, 0);
  for (const char* n : {"fp32", "fp16", "bf16", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz", "e3m2", "e2m3", "e2m1",
                        "e8m0", "int8", "int32"})
    EXPECT_NE(r.out.find(std::string("\n") + n + " "), std::string::npos) << n;
  EXPECT_NE(r.out.find("448 0x7e"), std::string::npos);
}

TEST_F(Cli, UnknownUnit) { expect_rejected("eval fmx:e4m3", "1\n", "unknown unit 'fmx:e4m3'; valid units: cvt:SRC:DST, fma:IN:ACC, dot:IN:ACC:K, mac:int8"); }

TEST_F(Cli, FmaAndMacUnits) {
  EXPECT_EQ(run("eval fma:e4m3:fp32", "38 38 3f800000\n").out, "0x40000000 0x00\n");  // 1*1 + 1
  EXPECT_EQ(run("eval fma:e4m3:fx48_18", "38 38 000000040000\n").out, "0x000000080000 0x00\n");
  EXPECT_EQ(run("eval mac:int8", "7f 7f 7fffffff\n").out, "0x80003f00 0x00\n");  // wraps silently
  EXPECT_EQ(run("eval mac:int8 --sat", "7f 7f 7fffffff\n").out, "0x7fffffff 0x04\n");
  EXPECT_EQ(run("eval fma:e5m2:fp16", "7c 00 3c00\n").out, "0x7e00 0x10\n");  // Inf*0: invalid
}

TEST_F(Cli, FmaTraceNamesEveryStageInOrder) {
  const Outcome r = run("eval fma:e4m3:fp32 --trace", "40 40 c0000000\n");
  EXPECT_EQ(r.status, 0) << r.err;
  size_t at = 0;
  for (const char* stage : {"unpack.a", "unpack.b", "unpack.c", "multiply", "align", "add", "normalize", "round",
                            "pack"}) {
    const size_t next = r.out.find(std::string("# trace line=1 stage=") + stage + " ", at);
    ASSERT_NE(next, std::string::npos) << stage << " in\n" << r.out;
    at = next;
  }
  EXPECT_NE(r.out.find("stage=multiply sign=0 exp=2 sig=0x40 lsb=-4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n0x40000000 0x00\n"), std::string::npos) << r.out;
}

TEST_F(Cli, FmaOperandCount) {
  expect_rejected("eval fma:e4m3:fp32", "38 38\n", "line 1: fma:e4m3:fp32 takes 3 operands, got 2");
}

TEST_F(Cli, FmaAccumulatorOperandWidth) {
  expect_rejected("eval fma:e4m3:fp16", "38 38 10000\n", "line 1: operand 3 '10000' is wider than fp16 (16 bits)");
}

TEST_F(Cli, WindowOutOfRange) {
  expect_rejected("eval fma:e4m3:fp32 --window 126", "", "--window takes 0 (exact) or a whole number from 2 to 125, got '126'");
}

TEST_F(Cli, UnknownFormat) {
  expect_rejected("eval cvt:fp32:e9q2", "1\n", "unknown format 'e9q2' in unit 'cvt:fp32:e9q2' (did you mean cvt:fp32:e5m2?); valid formats: fp32");
}

TEST_F(Cli, UnknownRoundingMode) { expect_rejected("eval cvt:fp32:e4m3 --round up", "1\n", "--round takes rne, rtz, rdn, rup, rmm (rna) or sr, got 'up'"); }

TEST_F(Cli, MalformedHex) { expect_rejected("eval cvt:fp32:e4m3", "0x3f800000\n0x3g\n", "line 2: malformed hex '0x3g'"); }

TEST_F(Cli, BareOxIsMalformed) { expect_rejected("eval cvt:fp32:e4m3", "0x\n", "line 1: malformed hex '0x'"); }

TEST_F(Cli, OperandWiderThanFormat) {
  expect_rejected("eval cvt:e4m3:fp32", "# skip\n0x100\n", "line 2: operand 1 '0x100' is wider than e4m3 (8 bits)");
}

TEST_F(Cli, OperandWiderThan64Bits) {
  expect_rejected("eval cvt:fp32:e4m3", "0x10000000000000000\n", "line 1: operand '0x10000000000000000' is wider than 64 bits");
}

TEST_F(Cli, WrongOperandCount) {
  expect_rejected("eval cvt:fp32:e4m3", "0x1 0x2\n", "line 1: cvt:fp32:e4m3 takes 1 operand, got 2");
}

TEST_F(Cli, MissingRandomWordForStochasticRounding) {
  expect_rejected("eval cvt:fp32:e4m3 --round sr", "0x1\n", "line 1: cvt:fp32:e4m3 takes 2 operands (the last: random bits), got 1");
}

TEST_F(Cli, MissingInputFile) {
  expect_rejected("eval cvt:fp32:e4m3 -i /nonexistent/in.txt", "", "cannot open input file '/nonexistent/in.txt'");
}

TEST_F(Cli, UnknownCommandAndOption) {
  expect_rejected("frobnicate", "", "unknown command 'frobnicate'");
  expect_rejected("eval cvt:fp32:e4m3 --fast", "", "unknown option '--fast'");
}

TEST_F(Cli, ErrorAfterGoodLinesLeavesNoFile) {
  expect_rejected("eval cvt:fp32:e4m3", "0x3f800000\n0x3f800000\nzz\n", "line 3: malformed hex 'zz'");
}

}  // namespace

namespace {

TEST_F(Cli, VectorsSameSeedSameFile) {
  const Outcome a = run("vectors fma_e4m3_fp32 --count 200 --seed 9 --classes all");
  const Outcome b = run("vectors fma_e4m3_fp32 --count 200 --seed 9 --classes all");
  const Outcome c = run("vectors fma_e4m3_fp32 --count 200 --seed 10 --classes all");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 201);  // the // fmalab-vectors 2 header
  const Outcome csv = run("vectors fma_e4m3_fp32 --count 3 --seed 9 --format csv");
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "a,b,c,y,flags");
}

TEST_F(Cli, CosimOfGeneratedAndFileVectors) {
  const Outcome g = run("cosim fma_e4m3_bf16 --count 5000 --seed 3 --arch booth4");
  EXPECT_EQ(g.status, 0) << g.err;
  EXPECT_NE(g.out.find("5000 passed, 0 failed"), std::string::npos) << g.out;
  const Outcome v = run("vectors fma_e4m3_bf16 --count 300 --seed 4 --round rdn -o " + (dir_ / "v.txt").string());
  ASSERT_EQ(v.status, 0) << v.err;
  const Outcome f = run("cosim fma_e4m3_bf16 --round rdn --vectors " + (dir_ / "v.txt").string());
  EXPECT_EQ(f.status, 0) << f.err;
  EXPECT_NE(f.out.find("300 passed, 0 failed"), std::string::npos) << f.out;
}

TEST_F(Cli, VectorsAndCosimRejectBadInput) {
  expect_rejected("cosim fma_e9m9_fp32 --count 10", "", "unknown RTL unit 'fma_e9m9_fp32'");
  expect_rejected("vectors fma_e4m3_fp32 --count 10 --classes ties,bogus", "", "unknown vector class 'bogus'");
  expect_rejected("vectors fma_e4m3_fp32", "", "vectors needs --count N");
  expect_rejected("vectors fma_e4m3_fp32 --count 10 --format xml", "", "--format takes hex, csv or memh");
  expect_rejected("cosim fma_e4m3_fp32 --vectors /nonexistent/v.txt", "", "/nonexistent/v.txt");
  // Outside dir_, which expect_rejected checks for left-behind files.
  const fs::path bad = fs::temp_directory_path() / ("fmalab_cli_bad_" + std::to_string(getpid()) + ".txt");
  std::ofstream(bad) << "// fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne fields=a:8,b:8,c:32,y:32,flags:5\n"
                        "38 38 3f800000 40000000 00\n38 1ff 00000000 00000000 00\n";
  expect_rejected("cosim fma_e4m3_fp32 --vectors " + bad.string(), "", "line 3: field b takes 2 hex digits, got '1ff'");
  std::ofstream(bad) << "38 38 3f800000\n";
  expect_rejected("cosim fma_e4m3_fp32 --vectors " + bad.string(), "",
                  "line 1: not a vector file: the first line must start '// fmalab-vectors 2'");
  fs::remove(bad);
}

TEST_F(Cli, StreamAccumulatesAndAccuracyIsCsv) {
  // c of each vector is the previous result, and restarts from zero every -k terms.
  const Outcome s = run("stream fma_e4m3_fp32 --dist gaussian --count 8 --seed 2 -k 4");
  ASSERT_EQ(s.status, 0) << s.err;
  std::istringstream in(s.out);
  std::string line, prev_result;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("//", 0) == 0) continue;
    std::istringstream f(line);
    std::string a, b, c, y, flags;
    f >> a >> b >> c >> y >> flags;
    EXPECT_EQ(c, n % 4 == 0 ? "00000000" : prev_result) << line;
    prev_result = y;
    ++n;
  }
  EXPECT_EQ(n, 8);
  const Outcome a = run("accuracy fma_e4m3_fx48 --dist all --trials 4");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out.substr(0, a.out.find('\n')),
            "dist,sqnr_db_weights,sqnr_db_activations,rel_err_k256,rel_err_k4096,overflow_k256,overflow_k4096,"
            "wrap_k256,wrap_k4096,sat_k256,sat_k4096");  // the wrap/sat columns: helper D's accuracy change
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 5);
}

// Block dot units (mxdot): the stream quantizes each block of 32 (NVFP4: 16) values as mxq does and feeds
// it K elements a call with its scale; c threads through and restarts every -k products.
TEST_F(Cli, StreamFeedsBlockDotUnits) {
  struct Case {
    const char* unit;
    int lanes, block;
    unsigned mag_mask, top_lo, top_hi;  // every block's largest element magnitude code lies in [top_lo, top_hi]
  };
  // ocp scale: the block's amax lands in [2^emax, 2^(emax+1)), clamped to the element's max:
  // e4m3 [256, 448] = codes 0x78..0x7e; e2m1 [4, 6] = codes 6..7. NVFP4's recipe maps amax to 6 (code 7).
  for (const Case& t : {Case{"mxdot8_e4m3_fp32", 8, 32, 0x7f, 0x78, 0x7e}, Case{"mxdot16_e2m1_fp32", 16, 32, 0x7, 6, 7},
                        Case{"nvdot16_e2m1_fp32", 16, 16, 0x7, 7, 7}}) {
    SCOPED_TRACE(t.unit);
    const int rows = 24, k = 64;
    const Outcome s = run(std::string("stream ") + t.unit + " --dist gaussian --count " + std::to_string(rows) +
                          " --seed 3 -k " + std::to_string(k));
    ASSERT_EQ(s.status, 0) << s.err;
    std::istringstream in(s.out);
    std::string line, prev_y, block_xa, block_xb;
    unsigned top_a = 0, top_b = 0;
    const int calls_per_block = t.block / t.lanes;
    int n = 0;
    while (std::getline(in, line)) {
      if (line.rfind("//", 0) == 0) continue;
      std::istringstream f(line);
      std::vector<std::string> w;
      for (std::string x; f >> x;) w.push_back(x);
      ASSERT_EQ(w.size(), static_cast<size_t>(2 * t.lanes + 5)) << line;
      const std::string xa = w[0], xb = w[static_cast<size_t>(1 + t.lanes)], c = w[static_cast<size_t>(2 + 2 * t.lanes)];
      if (n % calls_per_block == 0) block_xa = xa, block_xb = xb, top_a = top_b = 0;
      EXPECT_EQ(xa, block_xa) << "row " << n << ": a block's calls share its scale";
      EXPECT_EQ(xb, block_xb) << "row " << n;
      for (int i = 0; i < t.lanes; ++i) {
        top_a = std::max(top_a, static_cast<unsigned>(std::stoul(w[static_cast<size_t>(1 + i)], nullptr, 16)) & t.mag_mask);
        top_b = std::max(top_b, static_cast<unsigned>(std::stoul(w[static_cast<size_t>(2 + t.lanes + i)], nullptr, 16)) & t.mag_mask);
      }
      if (n % calls_per_block == calls_per_block - 1) {
        EXPECT_GE(top_a, t.top_lo) << "row " << n;
        EXPECT_LE(top_a, t.top_hi) << "row " << n;
        EXPECT_GE(top_b, t.top_lo) << "row " << n;
        EXPECT_LE(top_b, t.top_hi) << "row " << n;
      }
      EXPECT_EQ(c, (n * t.lanes) % k == 0 ? "00000000" : prev_y) << "row " << n;
      prev_y = w[static_cast<size_t>(3 + 2 * t.lanes)];
      ++n;
    }
    EXPECT_EQ(n, rows);
    // Uniform: random bits in every operand, scales included.
    EXPECT_EQ(run(std::string("stream ") + t.unit + " --dist uniform --count 4").status, 0);
    // Accuracy: the unit's fp32 sum against the exact sum of the same scaled products.
    const Outcome a = run(std::string("accuracy ") + t.unit + " --dist gaussian --trials 8");
    ASSERT_EQ(a.status, 0) << a.err;
    std::istringstream row(a.out.substr(a.out.find('\n') + 1));
    std::vector<double> v;
    for (std::string cell; std::getline(row, cell, ',');)
      if (cell != "gaussian") v.push_back(std::stod(cell));
    ASSERT_EQ(v.size(), 10u) << a.out;
    EXPECT_GT(v[1], 15.0) << a.out;  // activation SQNR: 4-bit elements give ~18-20 dB, 8-bit ~31
    EXPECT_LT(v[1], 40.0) << a.out;
    EXPECT_LT(v[3], 1e-5) << a.out;  // K = 4096 into fp32: an error near fp32's precision at most
  }
}

// LNS units: the rounding options they read, and one-line refusals of the rest.
TEST_F(Cli, LnsUnitsAndTheirRefusals) {
  const Outcome r = run("eval cvt:fp32:lns8_3 --lns-round linear", "3fc00000\n7f800000\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("0x05 0x01"), std::string::npos) << r.out;  // 1.5 above the mean of 2^(4/8), 2^(5/8)
  EXPECT_NE(r.out.find("0xc0 0x10"), std::string::npos) << r.out;  // Inf: NaN, NV
  expect_rejected("eval cvt:fp32:lns8_3 --round sr", "3f800000\n", "(LNS rounding) takes rne, rtz, rdn, rup or rmm, not sr");
  expect_rejected("eval lnsmul:fp32", "1 1\n", "lnsmul takes an LNS format (lnsW_F), got fp32");
  expect_rejected("eval cvt:fp32:fp16 --lns-round linear", "1\n", "takes no --lns-round (options of the MX quantizer and LNS operations)");
  expect_rejected("eval cvt:fp32:lns8_3 --lns-round mid", "1\n", "--lns-round takes log or linear, got 'mid'");
  expect_rejected("eval lnsmul:lns8_3 --sat", "1 1\n", "unit 'lnsmul:lns8_3' takes no --sat");
  expect_rejected("eval lnsadd:lns16_0", "1 1\n", "unknown format 'lns16_0'");  // log2 range beyond 2^13
  expect_rejected("eval lnsadd:lns8_3", "1 100\n", "operand 2 '100' is wider than lns8_3 (8 bits)");
}

// lnsadd's approximations and LNS-Madam's MAC, with values worked by hand from the README's rules.
TEST_F(Cli, LnsApproximationsAndMadam) {
  // lut on lns8_3 (DB = 6 = T: no interpolation): 1 + 0.5, d = 8, Gadd[8] = round(128 log2 1.5) = 75,
  // g = (75 + 8) >> 4 = 5: 2^(5/8) (the exact sum's code too). 1 + 1: d = 0, g = 2^F: exactly 2.
  Outcome r = run("eval lnsadd:lns8_3 --method lut", "00 78\n00 00\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x05 0x00\n0x08 0x00\n");
  // mitchell: 1 + 0.5: n = 1, f = 0, g = (16 - 0 + 2) >> 2 = 4 (2^(4/8) = 1.41 for 1.5); 1 - 0.5: Q = 5,
  // Z = 32 - 16 = 16, k = 4, g = -8 + 0: exactly 0.5 (Mitchell is exact at powers of two).
  r = run("eval lnsadd:lns8_3 --method mitchell", "00 78\n00 f8\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x04 0x00\n0x78 0x00\n");
  // lnsmac:lns8_3:fx48_16:2 (QB = 16, value fraction bits 16 + 3 + 8 = 27, cut to 16): 1*1 + 2*(-1) = -1 onto
  // c = 1: 0. 2^(1/8) * 1 (r = 1: bin 1, C[1] = round(256 * 2^(1/8)) = 279): 8 << 16 * 279 >> 11 = 0x11700.
  // A NaN (0xc0) anywhere: 0 with NV.
  r = run("eval lnsmac:lns8_3:fx48_16:2", "00 08 00 80 000000010000\n01 40 00 00 000000000000\nc0 00 00 00 000000000005\n");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x000000000000 0x00\n0x000000011700 0x00\n0x000000000000 0x10\n");
  // The tables: Gadd[0] = 2^14 exactly, Gsub at d = 1024 (x = 1) = 2^14 log2(1/2) exactly, Gadd there
  // round(16384 log2 1.5) = 9584.
  r = run("lnslut lns16_10 --lut-bits 4", "");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("\n0 0 16384 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1 1024 9584 -16384\n"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2 + 16);
  expect_rejected("lnslut fp32", "", "lnslut takes an LNS format (lnsW_F), got 'fp32'");
  expect_rejected("eval lnsadd:lns8_3 --method lut --lut-bits 7", "00 00\n", "--lut-bits takes 1 to 6 for lns8_3");
  expect_rejected("eval lnsadd:lns8_3 --method lut --round rtz", "00 00\n", "takes no --round");
  expect_rejected("eval lnsadd:lns8_3 --lut-bits 4", "00 00\n", "takes no --lut-bits");
  expect_rejected("eval lnsadd:lns8_3 --method table", "00 00\n", "--method takes exact, lut or mitchell, got 'table'");
  expect_rejected("eval fma:e4m3:fp32 --method lut", "00 00 0\n", "takes no --method");
  expect_rejected("eval lnsmac:lns8_3:fp32", "00 00 0\n", "lnsmac accumulates in fixed point");
  expect_rejected("eval lnsmac:lns8_3:fx48_16:8 --madam-bins 4", "", "--madam-bins takes full or 0 to 3");
  expect_rejected("eval lnsmac:lns8_3:fx48_16:0", "", "K takes a whole number from 1 to 65536, got '0'");
  expect_rejected("eval lnsmac:lns24_12:fx64_0", "", "its bins would need");
  expect_rejected("eval lnsmac:lns8_3:fx48_16 --round rup", "", "takes no --round");
}

// The LNS units in streams: a multiplier's operands scaled so no product saturates, an adder's running
// sum threaded through b and restarted at the zero code every k, lns8 quantization near the uniform-in-log
// figure: relative error uniform over +-1/16 octave, 10 log10(3 / (ln 2 / 16)^2) = 32.0 dB.
TEST_F(Cli, StreamsFeedLnsUnits) {
  Outcome s = run("stream lnsmul:lns8_3 --dist gaussian --count 2000", "");
  ASSERT_EQ(s.status, 0) << s.err;
  std::istringstream in(s.out);
  std::string line;
  int rows = 0, top = -100;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '/') continue;
    unsigned a = 0, b = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%x %x", &a, &b), 2) << line;
    for (unsigned c : {a, b}) top = std::max(top, static_cast<int>(static_cast<int8_t>((c & 0x7f) << 1) >> 1));
    ++rows;
  }
  EXPECT_EQ(rows, 2000);
  EXPECT_EQ(top, 31);  // the largest at the code below 2^(63/16): 2 * 31 <= 63
  s = run("stream lnsadd:lns16_10 --method lut --dist gaussian --count 600 -k 256", "");
  ASSERT_EQ(s.status, 0) << s.err;
  std::istringstream in2(s.out);
  unsigned prev_y = 0;
  rows = 0;
  while (std::getline(in2, line)) {
    if (line.empty() || line[0] == '/') continue;
    unsigned a = 0, b = 0, y = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "%x %x %x", &a, &b, &y), 3) << line;
    EXPECT_EQ(b, rows % 256 == 0 ? 0x4000u : prev_y) << "row " << rows;
    prev_y = y;
    ++rows;
  }
  EXPECT_EQ(rows, 600);
  const Outcome a = run("accuracy lnsmac:lns8_3:fx48_16:8 --dist gaussian --trials 20", "");
  ASSERT_EQ(a.status, 0) << a.err;
  std::vector<double> v;
  std::istringstream row(a.out.substr(a.out.find("gaussian,") + 9));
  for (std::string cell; std::getline(row, cell, ',');) v.push_back(std::stod(cell));
  ASSERT_GE(v.size(), 4u) << a.out;
  EXPECT_NEAR(v[0], 32.0, 0.5) << a.out;
  EXPECT_GT(v[2], 0.0) << a.out;   // the 8-bit bin constants cost accuracy...
  EXPECT_LT(v[2], 4e-3) << a.out;  // ...at most 2^-9 of each bin's sum
}

TEST_F(Cli, StreamAndAccuracyRejectBadInput) {
  expect_rejected("stream fma_e4m3_fp32 --dist cauchy --count 5", "", "unknown distribution 'cauchy'");
  expect_rejected("stream fma_e4m3_fp32 --dist gaussian", "", "stream needs --count N");
  expect_rejected("accuracy fmx:e4m3", "", "unknown unit 'fmx:e4m3'");
  expect_rejected("accuracy fma_e4m3_fp32 --trials x", "", "--trials takes a whole number from 1 to");
}

}  // namespace

// Issue 11: the defects a reliability campaign found, each as it was reported.
namespace {

// Peak memory is not the program's own under AddressSanitizer (shadow memory, quarantine).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kUnderAsan = true;
#else
constexpr bool kUnderAsan = false;
#endif

// A child run without a shell, for its peak memory and for signals: status and ru_maxrss (KiB).
struct Spawned {
  pid_t pid;
};

Spawned spawn(const std::vector<std::string>& args, const fs::path& in, const fs::path& out, const fs::path& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(in.c_str(), "r", stdin) || !freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr))
      _exit(127);
    std::vector<char*> argv;
    std::string bin = FMALAB_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return {pid};
}

struct Finished {
  int status;  // exit status, or -signal
  long max_rss_kib;
};

Finished finish(Spawned s) {
  int st = 0;
  struct rusage ru {};
  wait4(s.pid, &st, 0, &ru);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st), ru.ru_maxrss};
}

std::vector<std::string> split_args(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> v;
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

TEST_F(Cli, WideFormatsComputeCorrectly) {
  // Inputs of 30 or more bits of precision once overflowed the 64-bit adder.
  EXPECT_EQ(run("eval fma:int32:fp32", "2 3 0\n").out, "0x40c00000 0x00\n");
  EXPECT_EQ(run("eval fma:int31:fp32", "2 3 0\n").out, "0x40c00000 0x00\n");
  EXPECT_EQ(run("eval fma:int30:fp32", "2 3 0\n").out, "0x40c00000 0x00\n");
  EXPECT_EQ(run("eval fma:e2m29fn:fp32", "20000000 20000000 0\n").out, "0x3f800000 0x00\n");  // 1*1+0
  // int32's most negative squared: 2^62 exactly, with a tiny addend that only makes sticky.
  EXPECT_EQ(run("eval fma:int32:fp32", "80000000 80000000 00000001\n").out, "0x5e800000 0x01\n");
  // A fixed accumulator: 2^62 * 2^-126 is half of fx64_63's last place, a tie to even (1 -> 2).
  EXPECT_EQ(run("eval fma:fx32_63:fx64_63", "80000000 80000000 0000000000000001\n").out, "0x0000000000000002 0x01\n");
  // 8.0 overflows e2m61 (max 7.99...): Inf with OF NX; 4.0 overflows e1m62fn to its NaN.
  EXPECT_EQ(run("eval cvt:fp32:e2m61", "41000000\n").out, "0x6000000000000000 0x05\n");
  EXPECT_EQ(run("eval cvt:fp32:e1m62fn", "40800000\n").out, "0x7fffffffffffffff 0x05\n");
}

TEST_F(Cli, FixedAccumulatorWiderThanItsFraction) {
  // fx64_126: one is not representable; the corner addends once shifted by 126.
  const Outcome r = run("vectors fma:e4m3:fx64_126 --count 50");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 51);
}

TEST_F(Cli, AccuracyOfWideInputFormats) {
  // Products of fp32, bf16 and e11m20 values overflowed the __int128 exact sum.
  for (const char* u : {"fma:fp32:fp32", "fma:bf16:fp32", "fma:e11m20:fp32", "fma:e4m3:fp32"}) {
    const Outcome r = run(std::string("accuracy ") + u + " --trials 4");
    EXPECT_EQ(r.status, 0) << u << ": " << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << u;
  }
  // e4m3 into fp32 over K=4096 products: a relative error near fp32's precision, not NaN or zero.
  const Outcome r = run("accuracy fma:e4m3:fp32 --trials 8 --dist gaussian");
  std::istringstream row(r.out.substr(r.out.find('\n') + 1));
  std::string field;
  for (int i = 0; i < 5; ++i) std::getline(row, field, ',');
  const double err = std::stod(field);
  EXPECT_GT(err, 0.0) << r.out;
  EXPECT_LT(err, 1e-5) << r.out;
}

TEST_F(Cli, FailedWritesToStandardOutputAreErrors) {
  for (const std::string args : {"formats", "eval cvt:fp16:fp32", "accuracy fma_e4m3_fp32 --trials 2",
                                 "cosim fma_e4m3_fp32 --count 10 --seed 1", "--help"}) {
    const std::string cmd = std::string(FMALAB_BIN) + " " + args + " < /dev/null > /dev/full 2> " +
                            (dir_ / "stderr").string();
    std::ofstream(dir_ / "in") << "3c00\n";
    const std::string with_input = args.rfind("eval", 0) == 0
                                       ? std::string(FMALAB_BIN) + " " + args + " < " + (dir_ / "in").string() +
                                             " > /dev/full 2> " + (dir_ / "stderr").string()
                                       : cmd;
    const int rc = std::system(with_input.c_str());
    EXPECT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 2) << args;
    const std::string err = slurp(dir_ / "stderr");
    // The error is the last line (cosim also reports its seed and rate on stderr).
    EXPECT_TRUE(err.ends_with("\nfmalab: cannot write standard output: No space left on device\n") ||
                err == "fmalab: cannot write standard output: No space left on device\n")
        << args << ": " << err;
  }
}

TEST_F(Cli, OutputKeepsTheExistingFilesMode) {
  const fs::path out = dir_ / "o.txt";
  std::ofstream(out) << "old\n";
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_EQ(run("eval cvt:fp16:fp32 -o " + out.string(), "3c00\n").status, 0);
  EXPECT_EQ(slurp(out), "0x3f800000 0x00\n");
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  // A new file gets 0666 less the umask, not mkstemp's 0600.
  const fs::path fresh = dir_ / "new.txt";
  const mode_t mask = umask(022);
  ASSERT_EQ(run("eval cvt:fp16:fp32 -o " + fresh.string(), "3c00\n").status, 0);
  umask(mask);
  EXPECT_EQ(fs::status(fresh).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
}

TEST_F(Cli, OutputOntoADeviceWritesThroughIt) {
  const fs::path dev = dir_ / "null";
  if (mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) GTEST_SKIP() << "mknod needs root";
  const Outcome r = run("eval cvt:fp16:fp32 -o " + dev.string(), "3c00\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_character_file(dev)) << "the device was replaced";
}

TEST_F(Cli, OutputRefusesADirectoryAndAnEmptyPath) {
  fs::create_directories(dir_ / "d");
  const Outcome r = run("eval cvt:fp16:fp32 -o " + (dir_ / "d").string(), "3c00\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  fs::remove(dir_ / "d");
  expect_rejected("eval cvt:fp16:fp32 -o ''", "3c00\n", "option '-o' needs a value");
}

TEST_F(Cli, PlantedSymlinkAtTheTemporaryIsNotFollowed) {
  // The temporary was OUT.tmp.PID: a link planted at the next PIDs redirected the write.
  const fs::path victim = dir_ / "victim";
  std::ofstream(victim) << "precious\n";
  long last = 0;
  std::ifstream("/proc/sys/kernel/ns_last_pid") >> last;
  const fs::path out = dir_ / "o.txt";
  for (long pid = last + 1; pid <= last + 200; ++pid)
    fs::create_symlink(victim, out.string() + ".tmp." + std::to_string(pid));
  const Outcome r = run("eval cvt:fp16:fp32 -o " + out.string(), "3c00\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(victim), "precious\n");
  EXPECT_EQ(slurp(out), "0x3f800000 0x00\n");
  EXPECT_FALSE(fs::is_symlink(out));
}

TEST_F(Cli, SignalsRemoveTheTemporary) {
  for (int sig : {SIGTERM, SIGINT}) {
    const fs::path out = dir_ / "o.txt";
    std::ofstream(dir_ / "in");
    Spawned s = spawn(split_args("vectors fma_e4m3_fp32 --count 100000000 -o " + out.string()), dir_ / "in",
                      dir_ / "out", dir_ / "err");
    // Wait until the temporary holds some data, then interrupt.
    bool started = false;
    for (int i = 0; i < 400 && !started; ++i) {
      usleep(25000);
      for (const auto& e : fs::directory_iterator(dir_))
        if (e.path().filename().string().rfind(".o.txt", 0) == 0 || e.path().filename().string().rfind("o.txt.", 0) == 0)
          started = started || fs::file_size(e.path()) > 100000;
    }
    EXPECT_TRUE(started) << "no temporary seen";
    kill(s.pid, sig);
    const Finished f = finish(s);
    EXPECT_EQ(f.status, -sig);
    for (const auto& e : fs::directory_iterator(dir_))
      EXPECT_TRUE(e.path().filename() == "in" || e.path().filename() == "out" || e.path().filename() == "err")
          << "left behind after signal " << sig << ": " << e.path();
  }
}

TEST_F(Cli, ADirectoryIsBadInput) {
  fs::create_directories(dir_ / "d");
  const Outcome e = run("eval cvt:fp16:fp32 -i " + (dir_ / "d").string());
  EXPECT_EQ(e.status, 2);
  EXPECT_NE(e.err.find("is a directory"), std::string::npos) << e.err;
  const Outcome c = run("cosim fma_e4m3_fp32 --vectors " + (dir_ / "d").string());
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("is a directory"), std::string::npos) << c.err;
  EXPECT_EQ(c.out, "");
}

TEST_F(Cli, OptionsACommandDoesNotUseAreRefused) {
  expect_rejected("cosim fma_e4m3_fp32 --count 10 -o " + (dir_ / "c.txt").string(), "", "unknown option '-o' for cosim");
  expect_rejected("cosim fma_e4m3_fp32 --count 10 --format csv", "", "unknown option '--format' for cosim");
  expect_rejected("vectors fma_e4m3_fp32 --count 10 --arch booth4", "", "unknown option '--arch' for vectors");
  expect_rejected("stream fma_e4m3_fp32 --count 10 --trials 3", "", "unknown option '--trials' for stream");
  expect_rejected("accuracy fma_e4m3_fp32 --count 10", "", "unknown option '--count' for accuracy");
  expect_rejected("accuracy fma_e4m3_fp32 -k 4", "", "unknown option '-k' for accuracy");
}

TEST_F(Cli, CountsBeyondTheLimitAreOneLine) {
  expect_rejected("vectors fma_e4m3_fp32 --count 18446744073709551615", "",
                  "--count takes a whole number from 0 to 9007199254740992, got '18446744073709551615'");
  expect_rejected("stream fma_e4m3_fp32 --count 99999999999999999999", "", "--count takes a whole number from 0 to");
  expect_rejected("vectors fma_e4m3_fp32 --count 10 --seed 99999999999999999999", "",
                  "--seed takes a whole number below 2^64, got '99999999999999999999'");
}

TEST_F(Cli, AHugeLineIsRefusedWithoutReadingItAll) {
  {
    std::ofstream f(dir_ / "big");
    f << "3c00\n" << std::string(20u << 20, '1') << "\n";
  }
  const Finished r = finish(spawn({"eval", "cvt:fp16:fp32"}, dir_ / "big", dir_ / "out", dir_ / "err"));
  EXPECT_EQ(r.status, 2);
  const std::string err = slurp(dir_ / "err");
  EXPECT_EQ(err, "fmalab: line 2: longer than 1048576 characters\n");
  if (!kUnderAsan) {
    EXPECT_LT(r.max_rss_kib, 60 * 1024) << "one 20 MB line";
  }
}

// Peak memory of a run, in KiB.
long peak_kib(const fs::path& dir, const std::vector<std::string>& args) {
  std::ofstream(dir / "in");
  const Finished r = finish(spawn(args, dir / "in", dir / "out", dir / "err"));
  EXPECT_EQ(r.status, 0) << slurp(dir / "err");
  return r.max_rss_kib;
}

TEST_F(Cli, StreamAndCosimRunInBoundedMemory) {
  if (kUnderAsan) GTEST_SKIP() << "peak memory under ASan";
  const long s1 = peak_kib(dir_, split_args("stream fma_e4m3_fp32 --dist gaussian --count 250000 -o " + (dir_ / "s1.txt").string()));
  const long s4 = peak_kib(dir_, split_args("stream fma_e4m3_fp32 --dist gaussian --count 1000000 -o " + (dir_ / "s4.txt").string()));
  EXPECT_LT(s4 - s1, 8 * 1024) << "stream: " << s1 << " KiB for 0.25M vectors, " << s4 << " KiB for 1M";
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors fma_e4m3_fp32 --count 1000000 --seed 5 -o " + v.string()).status, 0);
  {
    std::ifstream in(v);
    std::ofstream part(dir_ / "v_short.txt");
    std::string line;
    for (int i = 0; i < 250002 && std::getline(in, line); ++i) part << line << "\n";
  }
  const long c1 = peak_kib(dir_, {"cosim", "fma_e4m3_fp32", "--vectors", (dir_ / "v_short.txt").string()});
  const long c4 = peak_kib(dir_, {"cosim", "fma_e4m3_fp32", "--vectors", v.string()});
  EXPECT_LT(c4 - c1, 8 * 1024) << "cosim --vectors: " << c1 << " KiB for 0.25M lines, " << c4 << " KiB for 1M";
  EXPECT_NE(slurp(dir_ / "out").find("1000000 passed, 0 failed"), std::string::npos);
}

}  // namespace

// Issue 12: one vector format for any operation, read back by eval and cosim.
namespace {

TEST_F(Cli, VectorFilesVersion2) {
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors fma_e4m3_fp32 --count 1000 --seed 1 -o " + v.string()).status, 0);
  std::ifstream in(v);
  std::string header;
  std::getline(in, header);
  ASSERT_EQ(header.rfind("// fmalab-vectors 2 unit=fma_e4m3_fp32 round=rne ", 0), 0u) << header;
  const size_t at = header.find(" fields=");
  ASSERT_NE(at, std::string::npos);
  std::string fields = header.substr(at + 8, header.find(' ', at + 8) - at - 8);
  EXPECT_EQ(fields, "a:8,b:8,c:32,y:32,flags:5");
  // Every line: fixed-width hex fields, single spaces, widths from fields=.
  const std::vector<size_t> digits = {2, 2, 8, 8, 2};
  long lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    std::istringstream f(line);
    std::string tok;
    for (size_t i = 0; i < digits.size(); ++i) {
      ASSERT_TRUE(f >> tok) << line;
      EXPECT_EQ(tok.size(), digits[i]) << line;
      EXPECT_EQ(tok.find_first_not_of("0123456789abcdef"), std::string::npos) << line;
    }
    EXPECT_FALSE(f >> tok) << line;
    EXPECT_EQ(line.find("  "), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 1000);
  // eval reads the file back and agrees with every expected column; so does the RTL.
  const Outcome chk = run("eval fma_e4m3_fp32 --check -i " + v.string());
  EXPECT_EQ(chk.status, 0) << chk.out << chk.err;
  EXPECT_NE(chk.out.find("1000 passed, 0 failed"), std::string::npos) << chk.out;
  const Outcome ev = run("eval fma:e4m3:fp32 -i " + v.string());
  EXPECT_EQ(std::count(ev.out.begin(), ev.out.end(), '\n'), 1000);
  const Outcome cs = run("cosim fma_e4m3_fp32 --vectors " + v.string());
  EXPECT_EQ(cs.status, 0) << cs.err;
  EXPECT_NE(cs.out.find("1000 passed, 0 failed"), std::string::npos) << cs.out;
  // memh: one field per line.
  const Outcome m = run("vectors fma_e4m3_fp32 --count 3 --seed 1 --format memh");
  EXPECT_EQ(std::count(m.out.begin(), m.out.end(), '\n'), 1 + 3 * 5);
}

TEST_F(Cli, VectorFileSettingsDecideAndConflictsAreRefused) {
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors fma_e4m3_fp32 --count 300 --seed 2 --round rtz -o " + v.string()).status, 0);
  // The file's rtz holds without a word on the command line ...
  EXPECT_NE(run("cosim fma_e4m3_fp32 --vectors " + v.string()).out.find("300 passed, 0 failed"), std::string::npos);
  EXPECT_NE(run("eval fma_e4m3_fp32 --check -i " + v.string()).out.find("300 passed, 0 failed"), std::string::npos);
  // ... and a different mode on the command line is refused, not silently used.
  for (const auto& [args, what] :
       {std::pair{"cosim fma_e4m3_fp32 --round rne --vectors ", "--round rne conflicts with the file's round=rtz"},
        {"eval fma_e4m3_fp32 --round rne -i ", "--round conflicts with the vector file's header"},
        {"eval fma:e5m2:fp32 -i ", "the vector file is for unit fma_e4m3_fp32, not fma:e5m2:fp32"}}) {
    const Outcome r = run(args + v.string());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

// vectors takes every option eval does; the header carries them and eval and cosim take them from it.
TEST_F(Cli, VectorsTakeEveryResultChangingOption) {
  const fs::path v = dir_ / "v.txt";
  const Outcome w = run("vectors fma:e4m3:fp16 --count 400 --seed 5 --window 8 --no-sticky --ftz --sat --round rup -o " +
                        v.string());
  ASSERT_EQ(w.status, 0) << w.err;
  std::ifstream in(v);
  std::string header;
  std::getline(in, header);
  EXPECT_NE(header.find("round=rup sat=1 sr_bits=8 window=8 sticky=0 ftz_in=1 ftz_out=1 fields=a:8,b:8,c:16,y:16,flags:5"),
            std::string::npos) << header;
  EXPECT_NE(run("eval fma:e4m3:fp16 --check -i " + v.string()).out.find("400 passed, 0 failed"), std::string::npos);
  // The same vectors without the window give other results somewhere: the header's options are used.
  std::ifstream again(v);
  std::string text((std::istreambuf_iterator<char>(again)), {});
  const size_t at = text.find("window=8");
  text.replace(at, 8, "window=0");
  std::ofstream(dir_ / "w0.txt") << text;
  EXPECT_EQ(run("eval fma:e4m3:fp16 --check -i " + (dir_ / "w0.txt").string()).status, 1);
  // Stochastic rounding: the random word is a column of its own.
  const Outcome sr = run("vectors cvt:fp32:e4m3 --count 100 --seed 6 --round sr --sr-bits 12 -o " + v.string());
  ASSERT_EQ(sr.status, 0) << sr.err;
  std::ifstream srin(v);
  std::getline(srin, header);
  EXPECT_NE(header.find("round=sr sat=0 sr_bits=12 "), std::string::npos) << header;
  EXPECT_NE(header.find("fields=a:32,rand:12,y:8,flags:5"), std::string::npos) << header;
  EXPECT_NE(run("eval cvt:fp32:e4m3 --check -i " + v.string()).out.find("100 passed, 0 failed"), std::string::npos);
  // An RTL unit implements the exact datapath: a file made with other options is refused by cosim.
  ASSERT_EQ(run("vectors fma_e4m3_fp32 --count 10 --window 8 -o " + v.string()).status, 0);
  const Outcome c = run("cosim fma_e4m3_fp32 --vectors " + v.string());
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("has options the RTL unit fma_e4m3_fp32 does not implement"), std::string::npos) << c.err;
}

// --round mixed: every deterministic mode, each vector's in an rnd column, read back by eval and cosim.
TEST_F(Cli, MixedModesCarryAnRndColumn) {
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors fma_e4m3_bf16 --count 500 --seed 7 --round mixed -o " + v.string()).status, 0);
  std::ifstream in(v);
  std::string header, line;
  std::getline(in, header);
  EXPECT_NE(header.find("round=mixed "), std::string::npos) << header;
  EXPECT_NE(header.find("fields=a:8,b:8,c:16,rnd:3,y:16,flags:5"), std::string::npos) << header;
  std::set<std::string> modes;
  while (std::getline(in, line)) modes.insert(line.substr(11, 1));  // "aa bb cccc r ..."
  EXPECT_EQ(modes, (std::set<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_NE(run("eval fma_e4m3_bf16 --check -i " + v.string()).out.find("500 passed, 0 failed"), std::string::npos);
  EXPECT_NE(run("cosim fma_e4m3_bf16 --vectors " + v.string()).out.find("500 passed, 0 failed"), std::string::npos);
  const Outcome r = run("cosim fma_e4m3_bf16 --round rtz --vectors " + v.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--round rtz conflicts with the file's round=mixed"), std::string::npos) << r.err;
}

// A class the unit cannot reach in its mode is reported, not silently missed.
TEST_F(Cli, VectorsReportClassesTheModelCannotConfirm) {
  const Outcome r = run("vectors fma_e4m3_fp32 --count 90 --seed 1 -o " + (dir_ / "v.txt").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("class overflow: the model confirms 0 of 10 vectors reach it"), std::string::npos) << r.err;
  const Outcome up = run("vectors fma_e4m3_fp32 --count 90 --seed 1 --classes special,random -o " + (dir_ / "v.txt").string());
  EXPECT_EQ(up.err, "");
}

// A dot product is an operation like any other: eval, vectors (its header carries preset=), eval
// --check, stream and accuracy take it with no code of their own.
TEST_F(Cli, DotProductsThroughEveryTool) {
  const Outcome e = run("eval dot:fp16:fp32:4 --preset a100", "3c00 4000 0 0 3c00 3c00 0 0 3f800000\n");
  EXPECT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(e.out, "0x40800000 0x00\n");
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors dot:e4m3:fp32:32 --preset h100 --count 200 --seed 2 -o " + v.string()).status, 0);
  std::ifstream in(v);
  std::string header;
  std::getline(in, header);
  EXPECT_NE(header.find(" preset=h100"), std::string::npos) << header;
  EXPECT_NE(header.find("fields=a0:8,"), std::string::npos) << header;
  EXPECT_NE(run("eval dot:e4m3:fp32:32 --check -i " + v.string()).out.find("200 passed, 0 failed"), std::string::npos);
  // Another preset on the command line conflicts with the file's.
  const Outcome c = run("eval dot:e4m3:fp32:32 --preset b200 --check -i " + v.string());
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.err.find("--preset conflicts with the vector file's header"), std::string::npos) << c.err;
  const Outcome s = run("stream dot:e4m3:fp32:32 --preset h100 --dist gaussian --count 100 -k 64");
  EXPECT_EQ(s.status, 0) << s.err;
  const Outcome a = run("accuracy dot:e4m3:fp32:32 --preset h100 --dist gaussian --trials 20");
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_NE(a.out.find("gaussian,"), std::string::npos) << a.out;
  fs::remove(v);  // expect_rejected checks that dir_ holds nothing else
  expect_rejected("eval dot:e4m3:fp32:32 --preset v100", "", "preset v100 has no dot product of e4m3 into fp32");
}

TEST_F(Cli, CheckReportsMismatchesWithExitOne) {
  const fs::path v = dir_ / "v.txt";
  ASSERT_EQ(run("vectors fma_e4m3_fp16 --count 50 --seed 3 -o " + v.string()).status, 0);
  // Corrupt one expected result: the result column of the third vector.
  std::ifstream in(v);
  std::string text, line;
  for (int n = 0; std::getline(in, line); ++n) {
    if (n == 3) line.replace(line.size() - 7, 4, line.substr(line.size() - 7, 4) == "7c00" ? "7c01" : "7c00");
    text += line + "\n";
  }
  in.close();
  std::ofstream(v) << text;
  const Outcome r = run("eval fma_e4m3_fp16 --check -i " + v.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("MISMATCH line 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("49 passed, 1 failed"), std::string::npos) << r.out;
}

TEST_F(Cli, UnitsListsOperationsAndRtlUnits) {
  const Outcome t = run("units");
  EXPECT_EQ(t.status, 0) << t.err;
  for (const char* s : {"cvt:SRC:DST", "fma:IN:ACC", "mac:int8", "fma_e4m3_fp32", "mac_int8"})
    EXPECT_NE(t.out.find(s), std::string::npos) << s << " in\n" << t.out;
  EXPECT_NE(t.out.find("a:8 b:8 c:32 rnd:3 -> y:32 flags:5"), std::string::npos) << t.out;
  const Outcome j = run("units --json");
  EXPECT_EQ(j.status, 0) << j.err;
  EXPECT_NE(j.out.find("\"grammar\": \"fma:IN:ACC\""), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("{\"name\": \"fma_e4m3_fp32\", \"model\": \"fma:e4m3:fp32\", \"options\": \"\", \"in\": [\"a:8\", \"b:8\", "
                       "\"c:32\", \"rnd:3\"], \"out\": [\"y:32\", \"flags:5\"]}"),
            std::string::npos) << j.out;
}


// --- fmalab quantize (README "MX block formats and NVFP4") -------------------------------------------

// A float32 .npy file (format 1.0, C order) of this shape.
void write_f4(const fs::path& p, const std::vector<size_t>& shape, const std::vector<float>& v) {
  std::string dims;
  for (size_t d : shape) dims += std::to_string(d) + ", ";
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::ofstream f(p, std::ios::binary);
  f.write("\x93NUMPY\x01\x00", 8);
  const uint16_t n = static_cast<uint16_t>(h.size());
  f.write(reinterpret_cast<const char*>(&n), 2);
  f << h;
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
}

// A .npy file's header text and data bytes.
std::pair<std::string, std::string> read_npy(const fs::path& p) {
  const std::string s = slurp(p);
  if (s.size() < 10) return {};
  const size_t n = static_cast<unsigned char>(s[8]) | static_cast<size_t>(static_cast<unsigned char>(s[9])) << 8;
  return {s.substr(10, n), s.substr(10 + n)};
}

// The rules on mxfp4_e2m1 (largest value 6 = 1.5 * 2^2, emax_elem 2), worked out by hand. Block amax
// 7.5, just below the power of two 8, where ocp and ceil part (just above a power of two, e.g. 4.1,
// they agree: both E = 0):
//   ocp:  E = floor(log2 7.5) - 2 = 0, scale code 127 (0x7f). 7.5 > 6 clamps to 6 (0 11 1 = 0x7);
//         3 = 1.5 * 2 (0 10 1 = 0x5); -1.25 is halfway between 1 (0x2) and 1.5 (0x3): even 1 -> 0xa;
//         0.5 the subnormal 0x1.
//   ceil: the smallest E with 7.5 <= 6 * 2^E is 1 (0x80). 3.75 -> 4 (0 11 0 = 0x6; halfway is 3.5);
//         1.5 -> 0x3; -0.625 -> -0.5 (halfway is 0.75) = 0x9; 0.25, halfway between 0 and 0.5 -> 0.
TEST_F(Cli, QuantizeOcpAndCeilScalesDifferOnMxfp4) {
  std::vector<float> x(32, 0.0f);
  x[0] = 7.5f, x[1] = 3.0f, x[2] = -1.25f, x[3] = 0.5f;
  write_f4(dir_ / "x.npy", {1, 32}, x);
  const std::string io = " --in " + (dir_ / "x.npy").string() + " -o " + (dir_ / "y.npy").string() + " --scales " +
                         (dir_ / "s.npy").string() + " --dequant " + (dir_ / "d.npy").string();
  Outcome r = run("quantize mxfp4_e2m1" + io);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mxfp4_e2m1 rule=ocp blocks=1 sqnr_db=", 0), 0u) << r.out;
  auto [sh, s] = read_npy(dir_ / "s.npy");
  EXPECT_NE(sh.find("'descr': '|u1'"), std::string::npos) << sh;
  EXPECT_NE(sh.find("'shape': (1, 1)"), std::string::npos) << sh;
  EXPECT_EQ(s, std::string("\x7f", 1));
  auto [yh, y] = read_npy(dir_ / "y.npy");
  EXPECT_NE(yh.find("'shape': (1, 32)"), std::string::npos) << yh;
  EXPECT_EQ(y.substr(0, 5), std::string("\x07\x05\x0a\x01\x00", 5));
  auto [dh, d] = read_npy(dir_ / "d.npy");
  ASSERT_EQ(d.size(), 128u);
  float dv[4];
  std::memcpy(dv, d.data(), 16);
  EXPECT_EQ(dv[0], 6.0f);
  EXPECT_EQ(dv[1], 3.0f);
  EXPECT_EQ(dv[2], -1.0f);
  EXPECT_EQ(dv[3], 0.5f);
  r = run("quantize mxfp4_e2m1 --rule ceil" + io);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mxfp4_e2m1 rule=ceil blocks=1 sqnr_db=", 0), 0u) << r.out;
  EXPECT_EQ(read_npy(dir_ / "s.npy").second, std::string("\x80", 1));
  EXPECT_EQ(read_npy(dir_ / "y.npy").second.substr(0, 5), std::string("\x06\x03\x09\x00\x00", 5));
}

TEST_F(Cli, QuantizePadsTheLastAxisAndPrintsNvfp4sTensorScale) {
  // 2 x 40 values into blocks of 32: two blocks a row (the second padded), scales of shape (2, 2).
  std::vector<float> x(80);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7) - 3.0f;
  write_f4(dir_ / "x.npy", {2, 40}, x);
  Outcome r = run("quantize mxfp8_e4m3 --in " + (dir_ / "x.npy").string() + " -o " + (dir_ / "y.npy").string() +
                  " --scales " + (dir_ / "s.npy").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "mxfp8_e4m3 rule=ocp blocks=4 sqnr_db=inf\n");  // small integers: exact in e4m3
  EXPECT_NE(read_npy(dir_ / "s.npy").first.find("'shape': (2, 2)"), std::string::npos);
  EXPECT_NE(read_npy(dir_ / "y.npy").first.find("'shape': (2, 40)"), std::string::npos);
  // nvfp4: amax_tensor 12 -> S_enc = fp32(2688 / 12) = 224.
  std::vector<float> w(16, 1.0f);
  w[3] = -12.0f;
  write_f4(dir_ / "w.npy", {16}, w);
  r = run("quantize nvfp4 --in " + (dir_ / "w.npy").string() + " -o " + (dir_ / "y.npy").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("nvfp4 rule=- blocks=1 sqnr_db=", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" ts=224\n"), std::string::npos) << r.out;
  // A per-tensor format: stream's scale rule.
  r = run("quantize e4m3 --in " + (dir_ / "w.npy").string() + " -o " + (dir_ / "y.npy").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("e4m3 rule=- blocks=1 sqnr_db=", 0), 0u) << r.out;
  // lns8_3: scale 12 / 2^7.875; 1 -> 2^7.875 / 12 = 2^4.290, L = round(34.32) = 34 (0x22); -12 -> -max (0xbf).
  r = run("quantize lns8_3 --in " + (dir_ / "w.npy").string() + " -o " + (dir_ / "y.npy").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("lns8_3 rule=- blocks=1 sqnr_db=", 0), 0u) << r.out;
  const auto [shape, codes] = read_npy(dir_ / "y.npy");
  ASSERT_EQ(codes.size(), 16u);
  EXPECT_EQ(static_cast<unsigned char>(codes[0]), 0x22);
  EXPECT_EQ(static_cast<unsigned char>(codes[3]), 0xbf);
}

TEST_F(Cli, QuantizeRejectsBadInput) {
  const fs::path x = dir_.string() + "_x.npy";  // beside the directory expect_rejected checks is left empty
  write_f4(x, {4, 16}, std::vector<float>(64, 1.0f));
  const std::string in = " --in " + x.string();
  expect_rejected("quantize mxfp9" + in, "", "unknown format 'mxfp9'");
  expect_rejected("quantize nvfp4 --rule ceil" + in, "", "takes no --rule");
  expect_rejected("quantize mxfp8_e4m3 --weights-2d" + in, "", "--weights-2d");
  expect_rejected("quantize mxfp8_e4m3 --rule up" + in, "", "--rule takes ocp, ceil or even, got 'up'");
  expect_rejected("quantize mxfp8_e4m3 --window 8" + in, "", "unknown option '--window'");
  expect_rejected("quantize e4m3 --rule ceil" + in, "", "per-tensor format takes no --rule");
  expect_rejected("quantize mxfp8_e4m3 --in " + (dir_ / "missing.npy").string(), "", "cannot open input file");
  expect_rejected("quantize mxfp8_e4m3", "", "quantize needs --in X.npy");
  fs::remove(x);
}

TEST_F(Cli, MxOperationsThroughEvalAndVectors) {
  // mxdot:mxfp8_e4m3:8: X_A = 1, X_B = 2, (1*3 + 2*(-0.5)) * 2 + 1 = 5.
  Outcome r = run("eval mxdot:mxfp8_e4m3:8", "7f 38 40 0 0 0 0 0 0 80 44 b0 0 0 0 0 0 0 3f800000\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0x40a00000 0x00\n");
  r = run("vectors mxq:mxfp8_e4m3 --count 40 --seed 3 --rule ceil");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("fields=v0:32,"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_NE(r.out.find("v31:32,scale:8,p0:8,"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_NE(r.out.find(" rule=ceil"), std::string::npos) << r.out.substr(0, 300);
  EXPECT_EQ(r.out.find(" clamp="), std::string::npos) << r.out.substr(0, 300);  // at its default: left out
  expect_rejected("eval fma:e4m3:fp32 --no-clamp", "38 38 0\n", "takes no --no-clamp (options of the MX quantizer and LNS operations)");
  expect_rejected("eval mxdq:mxfp8_e4m3 --round rtz", "", "takes no --round");
  expect_rejected("vectors mxdq:mxint8 --count 3 --round mixed", "", "--round mixed: unit 'mxdq:mxint8' takes no --round");
}

// Issue 17: a command line people can trust.
TEST_F(Cli, VersionAndHelpGoToStdoutWithStatus0) {
  const Outcome v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("fmalab 0.", 0), 0u) << v.out;
  EXPECT_NE(v.out.find("(commit "), std::string::npos) << v.out;
  EXPECT_EQ(v.err, "");
  const Outcome h = run("eval --help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("Usage: fmalab eval"), std::string::npos) << h.out;
  EXPECT_NE(h.out.find("--trace"), std::string::npos) << h.out;
  EXPECT_EQ(h.err, "");
  EXPECT_EQ(run("help eval").out, h.out);
  const Outcome top = run("--help");
  EXPECT_EQ(top.status, 0);
  for (const char* cmd : {"eval", "formats", "units", "vectors", "cosim", "stream", "accuracy", "gemm", "systolic",
                          "quantize", "lnslut", "regress"})
    EXPECT_NE(top.out.find(std::string("\n  ") + cmd + " "), std::string::npos) << cmd;
}

TEST_F(Cli, EachCommandsUsageListsItsOwnOptions) {
  const Outcome f = run("formats --help");
  EXPECT_EQ(f.status, 0);
  EXPECT_EQ(f.out.find("--window"), std::string::npos) << f.out;
  const Outcome c = run("cosim --help");
  EXPECT_EQ(c.status, 0);
  EXPECT_NE(c.out.find("--arch"), std::string::npos) << c.out;
  EXPECT_EQ(c.out.find("--window"), std::string::npos) << c.out;
  EXPECT_EQ(run("vectors --help").out.find("--arch"), std::string::npos);
}

TEST_F(Cli, OptEqualsValue) {
  const Outcome a = run("vectors fma_e4m3_fp32 --count=5 --seed=3");
  const Outcome b = run("vectors fma_e4m3_fp32 --count 5 --seed 3");
  EXPECT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 6) << a.out;  // the header and 5 vectors
  EXPECT_EQ(run("eval cvt:fp32:e5m2 --round=rtz", "47800000\n").out, "0x7b 0x05\n");
}

TEST_F(Cli, DidYouMean) {
  expect_rejected("evl cvt:fp32:e4m3", "", "unknown command 'evl' (did you mean eval?)");
  expect_rejected("eval fma:e4m3:fp23", "1\n", "(did you mean fma:e4m3:fp32?)");
  expect_rejected("eval fmaa:e4m3:fp32", "1\n", "(did you mean fma:e4m3:fp32?)");
  expect_rejected("cosim fma_e4m3_fp23 --count 1", "", "unknown RTL unit 'fma_e4m3_fp23' (did you mean fma_e4m3_fp32?)");
  expect_rejected("eval cvt:fp32:e4m3 --trac", "", "unknown option '--trac' for eval (did you mean --trace?)");
}

// One bad input of each kind: status 2, one line of at most 300 bytes, naming the line when it has one.
class CliBadInput : public Cli {
 protected:
  void expect_short(const std::string& args, const std::string& input, const std::string& what) {
    expect_rejected(args, input, what);
    const Outcome r = run(args, input);
    EXPECT_LE(r.err.size(), 300u) << r.err;
  }
};

TEST_F(CliBadInput, EveryClassIsOneShortLine) {
  const std::string long_name(200, 'x');
  expect_short("eval fmx:" + long_name, "1\n", "unknown unit 'fmx:xxxx");
  expect_short("cosim " + long_name, "", "unknown RTL unit 'xxxx");
  expect_short("eval cvt:fp32:e9q2", "1\n", "unknown format 'e9q2'");
  expect_short("eval cvt:fp32:e4m3", "1\n\n0x3g\n", "line 3: malformed hex '0x3g'");
  expect_short("eval cvt:e4m3:fp32", "0x100\n", "line 1: operand 1 '0x100' is wider than e4m3 (8 bits)");
  expect_short("eval fma:e4m3:fp32", "38 38 0\n\n38 38\n", "line 3: fma:e4m3:fp32 takes 3 operands, got 2");
  expect_short("eval cvt:fp32:e4m3 -i /nonexistent/in.txt", "", "cannot open input file '/nonexistent/in.txt'");
  expect_short("eval cvt:fp32:e4m3 --fast", "", "unknown option '--fast'");
  expect_short("eval cvt:fp32:e4m3 --round", "", "--round");
  expect_short("vectors fma_e4m3_fp32 --count 3 --seed 18446744073709551616", "", "--seed takes a whole number below 2^64");
  expect_short("vectors fma_e4m3_fp32 --count 3 --seed=-1", "", "--seed takes a whole number below 2^64");
  expect_short("eval cvt:fp32:e4m3", std::string("1\n2\n3\0 4\n", 9), "line 3: a NUL byte at column 2");
  const std::string big(100000, 'f');
  const Outcome r = run("eval cvt:fp32:e4m3", "1\n" + big + "\n");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("line 2: operand 'ffff"), std::string::npos) << r.err.substr(0, 400);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
  EXPECT_LE(r.err.size(), 300u);
  const Outcome h = run("eval cvt:fp32:e4m3", "1\n0x" + big + "g\n");
  EXPECT_NE(h.err.find("line 2: "), std::string::npos) << h.err.substr(0, 400);
  EXPECT_LE(h.err.size(), 300u);
}

}  // namespace
