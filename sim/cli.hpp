// Shared pieces of the fmalab command-line driver.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "../model/fma.hpp"  // kMaxWindow
#include "../model/operation.hpp"
#include "vectors.hpp"

namespace CLI {
class App;
}

namespace fmalab::cli {

// Bad input or usage: main prints "fmalab: <what>" and exits with status 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown once a command's --help printed its usage on standard output: main exits 0.
struct HelpShown {};

// An error message as main prints it: one line (control characters shown as '?') of at most
// kMaxMessage bytes, the end cut to "..." when longer; with its newline, 300 bytes of stderr.
inline constexpr size_t kMaxMessage = 299;
std::string error_line(const std::string& message);

// The candidate nearest to `word` by edit distance, when near enough to be a likely misspelling;
// "" otherwise.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);
// A unit name close to a misspelled one: an RTL unit's name, or the operation name with its keyword
// and formats replaced by the nearest known ones; "" when none is close or valid.
std::string suggest_unit(const std::string& unit);

// --- Option parsing (CLI11): each command builds its own CLI::App with these. ---
// Settings every command shares: usage formatting, the last of a repeated option wins, unknown
// arguments collected for parse() to name.
void init_app(CLI::App& app);
// Parses args into app; HelpShown after --help; InputError for anything else wrong, in one line
// (an unknown option named with the nearest known one).
void parse(CLI::App& app, const std::vector<std::string>& args);
// The positional UNIT (or another name given by `what`, e.g. FMT).
void add_unit(CLI::App& app, std::string& unit, const std::string& what, const std::string& help);
// A whole-number option from lo to hi (decimal or 0x hex); a value out of range is an InputError.
void add_whole(CLI::App& app, const std::string& flags, unsigned long long& v, unsigned long long lo,
               unsigned long long hi, const std::string& help, bool* given = nullptr);
void add_count(CLI::App& app, unsigned long long& count, const std::string& help, bool* given);  // 0 to kMaxCount
void add_seed(CLI::App& app, uint64_t& seed, bool* given = nullptr);
void add_output(CLI::App& app, std::string& path);  // -o FILE
void add_input(CLI::App& app, std::string& path);   // -i FILE
// An option taking a non-empty string (one of `choices` when given).
void add_text(CLI::App& app, const std::string& flags, std::string& v, const std::string& help,
              std::vector<std::string> choices = {});
// The options that change a result (option_fields(), and --ftz for both halves of flush-to-zero),
// each appended to *given when set; `mixed` non-null: --round also takes `mixed`, which sets *mixed.
// `only` non-empty: just those flags (cosim: --round).
void add_model_options(CLI::App& app, Options& o, std::vector<std::string>* given, bool* mixed = nullptr,
                       const std::vector<std::string>& only = {});

// Standard output, or a file that appears whole or not at all. A regular file (or a new one) is
// written to a temporary created exclusively beside it (mkstemp: no name to predict, no symlink
// followed), given the old file's mode (a new file's: 0666 less the umask), and renamed over it by
// commit(); the temporary is removed if never committed, and on SIGINT, SIGTERM and SIGHUP. A
// character device or FIFO (/dev/null, a pipe) is written through, never replaced; a directory is
// refused. Every write is checked: a failed one is an InputError (exit 2).
class Output {
 public:
  explicit Output(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  void write(const std::string& text);
  void commit();

 private:
  std::string path_, temp_;
  FILE* file_ = nullptr;
  std::string buffer_;
  void flush();
};

// Flushes standard output and checks that every write to it succeeded (printf, puts and Output
// alike); InputError naming the failure otherwise. main calls it before exiting.
void finish_stdout();

// Standard input, or the named file (InputError if it cannot be opened, or is a directory).
// Lines longer than kMaxLine are refused with their line number, so one huge line cannot take
// the memory; a read error is an InputError, not an end of input.
class Input {
 public:
  static constexpr size_t kMaxLine = size_t{1} << 20;
  explicit Input(const std::string& path);
  ~Input();
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  bool next_line(std::string& line);  // false at end of input
  long line_number() const { return line_; }  // of the line next_line returned last

 private:
  std::string name_;
  FILE* file_ = nullptr;
  bool owned_ = false;
  long line_ = 0;
};

// Progress of a long run on stderr, "what: done/total vectors, R/s, ETA Ts" rewritten in place.
// Only when stderr is a terminal (a log file gets no carriage returns) and only once the run has
// lasted a second (short runs stay silent); at most a few updates a second, so update() is cheap
// to call per chunk. total 0: unknown (no ETA). `unit` names what is counted.
class Progress {
 public:
  Progress(std::string what, uint64_t total, std::string unit = "vectors");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void update(uint64_t done);
  void finish();  // the last count and a newline, if anything was shown

 private:
  using Clock = std::chrono::steady_clock;
  std::string what_, unit_;
  uint64_t total_, done_ = 0;
  bool tty_, shown_ = false, finished_ = false;
  Clock::time_point start_, last_;
  void show();
};

// Splits a vector line into tokens, dropping a '#' comment; empty for blank lines.
std::vector<std::string> tokens_of(const std::string& line);

// Parses hex with or without 0x; InputError naming the line and token when malformed.
unsigned long long parse_hex(const std::string& token, long line);

// "0x" + value zero-padded to `digits` hex digits.
std::string hex(unsigned long long v, int digits);

// The largest --count any command takes: 2^53, beyond any run that could finish.
inline constexpr unsigned long long kMaxCount = 1ull << 53;

// v, the value of option opt, as a whole number (decimal or 0x hex); InputError otherwise.
unsigned long long whole_number(const std::string& opt, const std::string& v);

// Whether x and y agree on what the command-line option `flag` sets.
bool same_model_option(const std::string& flag, const Options& x, const Options& y);

// Writes `total` vectors through `write`, one row of vector_fields() each (operands, rnd when
// ops has five entries, the random word, results, flags), with the results and flags of ops[0]
// (one operation) or ops[frm] (five, one per frm: mixed modes). Draws them a chunk at a time from
// next(batch); progress on stderr when the run is long.
void write_vectors(std::span<const Operation* const> ops, size_t total, const std::function<void(VectorBatch&)>& next,
                   const std::function<void(std::span<const uint64_t>)>& write);

// The golden-model operation a unit name stands for: an RTL unit's (by its registry name) or the
// name itself, under options o; InputError naming the problem otherwise.
std::string model_of(const std::string& unit);
// o with the options an RTL unit implements (its registry row's "options"); InputError when o sets one otherwise.
Options options_of(const std::string& unit, const Options& o);
std::unique_ptr<Operation> need_operation(const std::string& unit, const Options& o);

// One vector line's operand words for op (the random word last under SR) into `words`; InputError
// naming the line for a wrong operand count or an operand wider than its field.
void parse_vector(const std::vector<std::string>& tok, const Operation& op, long line, std::span<uint64_t> words);

int run_eval(const std::vector<std::string>& args);
int run_formats(const std::vector<std::string>& args);
int run_lnslut(const std::vector<std::string>& args);
int run_units(const std::vector<std::string>& args);
int run_vectors(const std::vector<std::string>& args);
int run_cosim(const std::vector<std::string>& args);
int run_stream(const std::vector<std::string>& args);
int run_accuracy(const std::vector<std::string>& args);
int run_gemm(const std::vector<std::string>& args);
int run_systolic(const std::vector<std::string>& args);
int run_quantize(const std::vector<std::string>& args);
int run_regress(const std::vector<std::string>& args);  // sim/cmd_regress.cpp (helper B)

}  // namespace fmalab::cli
