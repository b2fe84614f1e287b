#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "rtl_units.hpp"

namespace fmalab::cli {

namespace {

// A whole number below 2^64, decimal or 0x hex; nullopt for anything else (a minus sign, trailing
// text, overflow).
std::optional<unsigned long long> parse_whole(const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 0);
  if (v.empty() || *end || v[0] == '-' || errno == ERANGE) return std::nullopt;
  return n;
}

// The one temporary a run has open, for the signal handler: a fixed buffer, as only
// async-signal-safe calls may touch it there.
char g_temp[4096];
volatile sig_atomic_t g_has_temp = 0;

extern "C" void remove_temp_and_reraise(int sig) {
  if (g_has_temp) unlink(g_temp);
  signal(sig, SIG_DFL);
  raise(sig);
}

// Signals blocked while the temporary is created and registered, so none can fall in between.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t s;
    sigemptyset(&s);
    for (int sig : kSignals) sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, &old_);
  }
  ~BlockSignals() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

 private:
  sigset_t old_;
};

void install_signal_handlers() {
  for (int sig : BlockSignals::kSignals) {
    struct sigaction sa {};
    sa.sa_handler = remove_temp_and_reraise;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

std::string errno_text() { return std::strerror(errno); }

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else out.back() += c;
  }
  return out;
}

// The name an option's messages use: the first of its names ("-o" of "-o,--output").
std::string flag_of(const std::string& flags) { return flags.substr(0, flags.find(',')); }

}  // namespace

std::string error_line(const std::string& message) {
  std::string s = message;
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  if (s.size() > kMaxMessage) s = s.substr(0, kMaxMessage - 3) + "...";
  return s;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  // Words that long are not misspellings of a short name, and the distance is quadratic.
  if (word.empty() || word.size() > 64) return "";
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::string suggest_unit(const std::string& unit) {
  if (unit.size() > 64) return "";
  std::vector<std::string> rtl_names;
  for (const auto& u : rtl::units()) rtl_names.push_back(u.name);
  if (unit.find(':') == std::string::npos) {
    std::vector<std::string> names = rtl_names;
    for (const auto& k : operation_kinds()) names.emplace_back(k.example);
    return closest(unit, names);
  }
  // KEYWORD:FIELD...: the keyword and each field that is no format, replaced by the nearest known.
  std::vector<std::string> keywords;
  for (const auto& k : operation_kinds()) keywords.emplace_back(k.keyword);
  auto fields = split(unit, ':');
  if (std::find(keywords.begin(), keywords.end(), fields[0]) == keywords.end()) fields[0] = closest(fields[0], keywords);
  if (fields[0].empty()) return "";
  for (size_t i = 1; i < fields.size(); ++i) {
    std::string why;
    if (!fields[i].empty() && std::isdigit(static_cast<unsigned char>(fields[i][0]))) continue;  // K
    if (parse_format(fields[i])) continue;
    const std::string near = closest(fields[i], named_formats());
    if (!near.empty()) fields[i] = near;
  }
  std::string guess = fields[0];
  for (size_t i = 1; i < fields.size(); ++i) guess += ":" + fields[i];
  std::string why;
  if (guess == unit || !make_operation(guess, Options{}, &why)) return "";
  return guess;
}

void init_app(CLI::App& app) {
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.allow_extras(true);  // parse() names an unknown option itself, with a suggestion
  app.get_formatter()->column_width(34);
}

void parse(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
  std::string cmd = app.get_name();
  if (cmd.rfind("fmalab ", 0) == 0) cmd.erase(0, 7);
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    throw HelpShown{};
  } catch (const CLI::ParseError& e) {  // CLI11's own: a missing value, a missing argument
    throw InputError(cmd + ": " + e.what());
  } catch (const InputError& e) {  // an option's value refused by its callback
    throw InputError(cmd + ": " + e.what());
  }
  const auto extra = app.remaining(true);  // a subcommand's too (regress merge)
  if (extra.empty()) return;
  const std::string& a = extra[0];
  if (a.size() > 1 && a[0] == '-') {
    std::vector<std::string> known;
    for (const CLI::Option* o : app.get_options()) {
      for (const auto& l : o->get_lnames()) known.push_back("--" + l);
      for (const auto& s : o->get_snames()) known.push_back("-" + s);
    }
    const std::string name = a.substr(0, a.find('='));
    const std::string guess = closest(name, known);
    throw InputError("unknown option '" + excerpt(name) + "' for " + cmd +
                     (guess.empty() ? "" : " (did you mean " + guess + "?)"));
  }
  throw InputError("unexpected argument '" + excerpt(a) + "'");
}

void add_unit(CLI::App& app, std::string& unit, const std::string& what, const std::string& help) {
  app.add_option(what, unit, help);
}

namespace {

// text as a whole number from lo to hi; InputError naming the option otherwise.
unsigned long long whole_in_range(const std::string& name, const std::string& text, unsigned long long lo,
                                  unsigned long long hi) {
  const auto n = parse_whole(text);
  if (!n || *n < lo || *n > hi)
    throw InputError(name + " takes a whole number " +
                     (lo == 0 && hi == ~0ull ? std::string("below 2^64")
                                             : "from " + std::to_string(lo) + " to " + std::to_string(hi)) +
                     ", got '" + excerpt(text) + "'");
  return *n;
}

}  // namespace

void add_whole(CLI::App& app, const std::string& flags, unsigned long long& v, unsigned long long lo,
               unsigned long long hi, const std::string& help, bool* given) {
  app.add_option_function<std::string>(
         flags,
         [&v, lo, hi, given, name = flag_of(flags)](const std::string& text) {
           v = whole_in_range(name, text, lo, hi);
           if (given) *given = true;
         },
         help)
      ->type_name("N");
}

void add_count(CLI::App& app, unsigned long long& count, const std::string& help, bool* given) {
  add_whole(app, "--count", count, 0, kMaxCount, help, given);
}

void add_seed(CLI::App& app, uint64_t& seed, bool* given) {
  app.add_option_function<std::string>(
         "--seed",
         [&seed, given](const std::string& text) {
           seed = whole_in_range("--seed", text, 0, ~0ull);
           if (given) *given = true;
         },
         "the random generator's seed (0 to 2^64-1)")
      ->type_name("S");
}

void add_text(CLI::App& app, const std::string& flags, std::string& v, const std::string& help,
              std::vector<std::string> choices) {
  CLI::Option* opt = app.add_option_function<std::string>(
      flags,
      [&v, choices, name = flag_of(flags)](const std::string& text) {
        if (text.empty()) throw InputError("option '" + name + "' needs a value");
        if (!choices.empty() && std::find(choices.begin(), choices.end(), text) == choices.end()) {
          std::string list;
          for (size_t i = 0; i < choices.size(); ++i)
            list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
          throw InputError(name + " takes " + list + ", got '" + excerpt(text) + "'");
        }
        v = text;
      },
      help);
  // Every occurrence, not only the last that wins: `-o '' -o FILE` is still refused.
  opt->each([name = flag_of(flags)](const std::string& text) {
    if (text.empty()) throw InputError("option '" + name + "' needs a value");
  });
  if (!choices.empty()) {
    std::string names;
    for (const auto& c : choices) names += (names.empty() ? "" : "|") + c;
    opt->type_name(names);
  }
}

void add_output(CLI::App& app, std::string& path) {
  add_text(app, "-o,--output", path, "write to FILE (whole or not at all) instead of standard output");
  app.get_option("-o")->type_name("FILE");
}

void add_input(CLI::App& app, std::string& path) {
  add_text(app, "-i,--input", path, "read FILE instead of standard input");
  app.get_option("-i")->type_name("FILE");
}

void add_model_options(CLI::App& app, Options& o, std::vector<std::string>* given, bool* mixed,
                       const std::vector<std::string>& only) {
  const auto wanted = [&](const std::string& flag) {
    return only.empty() || std::find(only.begin(), only.end(), flag) != only.end();
  };
  for (const OptionField& f : option_fields()) {
    const std::string flag(f.flag);
    if (!wanted(flag)) continue;
    const std::string help = f.help;
    if (f.flag_sets) {
      app.add_flag_callback(flag, [&o, given, flag, f] {
        std::string why;
        if (!f.set(o, f.flag_sets, &why)) throw InputError(flag + " " + why);
        if (given) given->push_back(flag);
      }, help);
      continue;
    }
    const bool round = f.key == "round";
    app.add_option_function<std::string>(
           flag,
           [&o, given, mixed, flag, f, round](const std::string& v) {
             if (given) given->push_back(flag);
             if (round && mixed) {
               *mixed = v == "mixed";
               if (*mixed) {
                 o.mode = Round::RNE;
                 return;
               }
             }
             std::string why;
             if (v.empty() || !f.set(o, v, &why))
               throw InputError(flag + " " + (why.empty() ? "needs a value" : why) + (round && mixed ? " (or mixed)" : ""));
           },
           help)
        ->type_name(round && mixed ? "MODE|mixed" : "VALUE");
  }
  if (!wanted("--ftz")) return;
  app.add_flag_callback("--ftz", [&o, given] {
    o.ftz_in = o.ftz_out = true;
    if (given) given->push_back("--ftz");
  }, "flush subnormal inputs and outputs to zero (--ftz-in --ftz-out)");
}

Output::Output(const std::string& path) : path_(path) {
  if (path_.empty()) {
    file_ = stdout;
    return;
  }
  const std::string shown = "'" + excerpt(path_) + "'";
  struct stat st {};
  const bool exists = lstat(path_.c_str(), &st) == 0;
  if (!exists && errno != ENOENT) throw InputError("cannot write output file " + shown + ": " + errno_text());
  if (exists && S_ISDIR(st.st_mode)) throw InputError("output " + shown + " is a directory");
  if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    // A device or FIFO: written through; renaming over it would replace the device itself.
    file_ = std::fopen(path_.c_str(), "wb");
    if (!file_) throw InputError("cannot write output file " + shown + ": " + errno_text());
    return;
  }
  mode_t mode;
  if (exists && S_ISREG(st.st_mode)) {
    mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  std::string templ = dir + "." + base + ".fmalab-XXXXXX";
  if (templ.size() >= sizeof g_temp) throw InputError("output path " + shown + " is too long");
  static const bool handlers = (install_signal_handlers(), true);
  (void)handlers;
  BlockSignals block;
  const int fd = mkstemp(templ.data());  // O_CREAT | O_EXCL: never an existing file or a link
  if (fd < 0) throw InputError("cannot write output file " + shown + ": " + errno_text());
  temp_ = templ;
  std::memcpy(g_temp, temp_.c_str(), temp_.size() + 1);
  g_has_temp = 1;
  if (fchmod(fd, mode) != 0 || !(file_ = fdopen(fd, "wb"))) {
    const std::string why = errno_text();
    if (!file_) close(fd);
    throw InputError("cannot write output file " + shown + ": " + why);
  }
}

Output::~Output() {
  if (file_ && file_ != stdout) std::fclose(file_);
  if (!temp_.empty()) {  // never committed: leave nothing behind
    BlockSignals block;
    unlink(temp_.c_str());
    g_has_temp = 0;
  }
}

void Output::flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw InputError("cannot write " + (path_.empty() ? std::string("standard output") : "output file '" + excerpt(path_) + "'") +
                     ": " + errno_text());
  buffer_.clear();
}

void Output::write(const std::string& text) {
  buffer_ += text;
  if (buffer_.size() >= (1u << 16)) flush();
}

void Output::commit() {
  flush();
  if (file_ == stdout) {
    finish_stdout();
    return;
  }
  const std::string shown = "'" + excerpt(path_) + "'";
  FILE* f = file_;
  file_ = nullptr;
  if (std::fflush(f) != 0 || std::ferror(f)) {
    const std::string why = errno_text();
    std::fclose(f);
    throw InputError("cannot write output file " + shown + ": " + why);
  }
  if (std::fclose(f) != 0) throw InputError("cannot write output file " + shown + ": " + errno_text());
  if (temp_.empty()) return;  // written through
  BlockSignals block;
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw InputError("cannot write output file " + shown + ": " + errno_text());
  temp_.clear();
  g_has_temp = 0;
}

void finish_stdout() {
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    throw InputError("cannot write standard output: " + (errno ? errno_text() : std::string("write error")));
}

Input::Input(const std::string& path) : name_(path.empty() ? "standard input" : "input file '" + excerpt(path) + "'") {
  if (path.empty()) {
    file_ = stdin;
    return;
  }
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw InputError("cannot open " + name_ + ": " + errno_text());
  owned_ = true;
  struct stat st {};
  if (fstat(fileno(file_), &st) == 0 && S_ISDIR(st.st_mode)) throw InputError(name_ + " is a directory");
}

Input::~Input() {
  if (owned_) std::fclose(file_);
}

bool Input::next_line(std::string& line) {
  line.clear();
  int c;
  while ((c = getc_unlocked(file_)) != EOF) {
    if (c == '\n') break;
    if (c == 0)
      throw InputError("line " + std::to_string(line_ + 1) + ": a NUL byte at column " + std::to_string(line.size() + 1));
    if (line.size() == kMaxLine)
      throw InputError("line " + std::to_string(line_ + 1) + ": longer than " + std::to_string(kMaxLine) + " characters");
    line.push_back(static_cast<char>(c));
  }
  if (c == EOF) {
    if (std::ferror(file_)) throw InputError("cannot read " + name_ + ": " + errno_text());
    if (line.empty()) return false;
  }
  ++line_;
  return true;
}

Progress::Progress(std::string what, uint64_t total, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total), tty_(isatty(2) == 1),
      start_(Clock::now()), last_(start_) {}

Progress::~Progress() {
  if (shown_ && !finished_) std::fputc('\n', stderr);  // an exception: leave the terminal on a fresh line
}

void Progress::update(uint64_t done) {
  done_ = done;
  if (!tty_) return;
  const auto now = Clock::now();
  if (now - start_ < std::chrono::seconds(1) || (shown_ && now - last_ < std::chrono::milliseconds(250))) return;
  last_ = now;
  show();
}

void Progress::show() {
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  char buf[256];
  if (total_ == 0) {
    std::snprintf(buf, sizeof buf, "%llu %s, %.0f/s", static_cast<unsigned long long>(done_), unit_.c_str(), rate);
  } else {
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : 0;
    std::snprintf(buf, sizeof buf, "%llu/%llu %s, %.0f/s, ETA %.0fs", static_cast<unsigned long long>(done_),
                  static_cast<unsigned long long>(total_), unit_.c_str(), rate, eta);
  }
  // \33[K clears what a longer previous line left behind.
  std::fprintf(stderr, "\r%s: %s\33[K", what_.c_str(), buf);
  shown_ = true;
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!shown_) return;
  show();
  std::fputc('\n', stderr);
}

std::vector<std::string> tokens_of(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  const size_t end = std::min(line.find('#'), line.size());
  while (i < end) {
    while (i < end && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < end && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

unsigned long long parse_hex(const std::string& token, long line) {
  std::string_view s = token;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  auto bad = [&] { return InputError("line " + std::to_string(line) + ": malformed hex '" + excerpt(token) + "'"); };
  if (s.empty()) throw bad();
  unsigned long long v = 0;
  int significant = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else throw bad();
    if (significant > 0 || d != 0) ++significant;
    if (significant > 16)
      throw InputError("line " + std::to_string(line) + ": operand '" + excerpt(token) + "' is wider than 64 bits");
    v = v << 4 | static_cast<unsigned long long>(d);
  }
  return v;
}

unsigned long long whole_number(const std::string& opt, const std::string& v) {
  const auto n = parse_whole(v);
  if (!n) throw InputError(opt + " takes a whole number below 2^64, got '" + excerpt(v) + "'");
  return *n;
}

bool same_model_option(const std::string& flag, const Options& x, const Options& y) {
  for (const auto& f : option_fields())
    if (f.flag == flag || (flag == "--ftz" && (f.key == "ftz_in" || f.key == "ftz_out")))
      if (f.get(x) != f.get(y)) return false;
  return true;
}

void write_vectors(std::span<const Operation* const> ops, size_t total, const std::function<void(VectorBatch&)>& next,
                   const std::function<void(std::span<const uint64_t>)>& write) {
  constexpr size_t kChunk = size_t{1} << 16;
  Progress progress("vectors", total);
  const bool mixed = ops.size() > 1;
  const Signature& sig = ops[0]->signature();
  const size_t values = sig.operand_values(), words = sig.operand_words(), nres = sig.result_words();
  VectorBatch chunk(words, kChunk);
  std::vector<uint64_t> results(kChunk * nres), row;
  std::vector<uint8_t> flags(kChunk);
  for (size_t done = 0; done < total; done += chunk.size()) {
    chunk.resize(std::min(kChunk, total - done));
    next(chunk);
    const size_t n = chunk.size();
    if (!mixed) {
      ops[0]->eval_batch(chunk.words, std::span(results).first(n * nres), std::span(flags).first(n));
    } else {
      for (size_t i = 0; i < n; ++i)
        flags[i] = ops[chunk.frm[i] < ops.size() ? chunk.frm[i] : 0]->eval(chunk.row(i), std::span(results).subspan(i * nres, nres));
    }
    for (size_t i = 0; i < n; ++i) {
      const auto in = chunk.row(i);
      row.assign(in.begin(), in.begin() + static_cast<long>(values));
      if (mixed) row.push_back(chunk.frm[i]);
      row.insert(row.end(), in.begin() + static_cast<long>(values), in.end());  // the random word, if any
      row.insert(row.end(), results.begin() + static_cast<long>(i * nres), results.begin() + static_cast<long>((i + 1) * nres));
      row.push_back(flags[i]);
      write(row);
    }
    progress.update(done + n);
  }
  progress.finish();
}

std::string hex(unsigned long long v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, v);
  return buf;
}

}  // namespace fmalab::cli
