// The fmalab driver as a user runs it: results, and one-line errors with exit status 2
// that leave no output file behind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

  // A bad-input run: status 2, exactly one line on stderr holding `what`, and no file at -o.
  void expect_rejected(const std::string& args, const std::string& input, const std::string& what) {
    const fs::path out = dir_ / "result.txt";
    const Outcome r = run(args + " -o " + out.string(), input);
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

TEST_F(Cli, UnknownUnit) { expect_rejected("eval fmx:e4m3", "1\n", "unknown unit 'fmx:e4m3'; valid units: cvt:SRC:DST, fma:IN:ACC, mac:int8"); }

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
  expect_rejected("eval fma:e4m3:fp32 --window 61", "", "--window takes a whole number from 2 to 60, got '61'");
}

TEST_F(Cli, UnknownFormat) {
  expect_rejected("eval cvt:fp32:e9q2", "1\n", "unknown format 'e9q2' in unit 'cvt:fp32:e9q2'; valid formats: fp32");
}

TEST_F(Cli, UnknownRoundingMode) { expect_rejected("eval cvt:fp32:e4m3 --round up", "1\n", "unknown rounding mode 'up'"); }

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
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 202);  // two // header lines
  const Outcome csv = run("vectors fma_e4m3_fp32 --count 3 --seed 9 --format csv");
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "a,b,c,result,flags");
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
  expect_rejected("vectors fma_e4m3_fp32 --count 10 --format xml", "", "--format takes hex or csv");
  expect_rejected("cosim fma_e4m3_fp32 --vectors /nonexistent/v.txt", "", "/nonexistent/v.txt");
  // Outside dir_, which expect_rejected checks for left-behind files.
  const fs::path bad = fs::temp_directory_path() / ("fmalab_cli_bad_" + std::to_string(getpid()) + ".txt");
  std::ofstream(bad) << "0x38 0x38 0x3f800000\n0x38 0x1ff 0x0\n";
  expect_rejected("cosim fma_e4m3_fp32 --vectors " + bad.string(), "", "line 2: operand 2 '0x1ff' is wider than e4m3");
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
    EXPECT_EQ(c, n % 4 == 0 ? "0x00000000" : prev_result) << line;
    prev_result = y;
    ++n;
  }
  EXPECT_EQ(n, 8);
  const Outcome a = run("accuracy fma_e4m3_fx48 --dist all --trials 4");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out.substr(0, a.out.find('\n')),
            "dist,sqnr_db_weights,sqnr_db_activations,rel_err_k256,rel_err_k4096,overflow_k256,overflow_k4096");
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 5);
}

TEST_F(Cli, StreamAndAccuracyRejectBadInput) {
  expect_rejected("stream fma_e4m3_fp32 --dist cauchy --count 5", "", "unknown distribution 'cauchy'");
  expect_rejected("stream fma_e4m3_fp32 --dist gaussian", "", "stream needs --count N");
  expect_rejected("accuracy fmx:e4m3", "", "unknown unit 'fmx:e4m3'");
  expect_rejected("accuracy fma_e4m3_fp32 --trials x", "", "--trials takes a whole number from 1 to");
}

}  // namespace
