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

#include "cli.hpp"

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

}  // namespace

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

std::string need_value(const std::vector<std::string>& a, size_t& i) {
  if (i + 1 >= a.size() || a[i + 1].empty()) throw InputError("option '" + excerpt(a[i]) + "' needs a value");
  return a[++i];
}

unsigned long long need_count(const std::vector<std::string>& a, size_t& i) {
  const std::string opt = a[i];
  const std::string v = need_value(a, i);
  const auto n = parse_whole(v);
  if (!n || *n > kMaxCount)
    throw InputError(opt + " takes a whole number from 0 to " + std::to_string(kMaxCount) + ", got '" + excerpt(v) + "'");
  return *n;
}

void check_option(const std::string& opt, std::initializer_list<const char*> allowed, const char* cmd) {
  check_option(opt, std::vector<std::string>(allowed.begin(), allowed.end()), cmd);
}

void check_option(const std::string& opt, const std::vector<std::string>& allowed, const char* cmd) {
  if (opt.empty() || opt[0] != '-') return;
  for (const auto& a : allowed)
    if (opt == a) return;
  throw InputError("unknown option '" + excerpt(opt) + "' for " + cmd);
}

int need_int(const std::vector<std::string>& a, size_t& i, long lo, long hi) {
  const std::string& opt = a[i];
  const std::string v = need_value(a, i);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (*end || n < lo || n > hi)
    throw InputError(opt + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", got '" + excerpt(v) + "'");
  return static_cast<int>(n);
}

unsigned long long whole_number(const std::string& opt, const std::string& v) {
  const auto n = parse_whole(v);
  if (!n) throw InputError(opt + " takes a whole number below 2^64, got '" + excerpt(v) + "'");
  return *n;
}

void take_unit(const std::string& arg, std::string& unit, const char* cmd) {
  if (!arg.empty() && arg[0] == '-') throw InputError("unknown option '" + excerpt(arg) + "' for " + cmd);
  if (!unit.empty()) throw InputError("unexpected argument '" + excerpt(arg) + "'; " + cmd + " takes one UNIT");
  unit = arg;
}

const std::vector<std::string>& model_option_names() {
  static const std::vector<std::string> n = [] {
    std::vector<std::string> v;
    for (const auto& f : option_fields()) v.emplace_back(f.flag);
    v.emplace_back("--ftz");
    return v;
  }();
  return n;
}

bool take_model_option(const std::vector<std::string>& a, size_t& i, Options& o, std::vector<std::string>* given,
                       bool* mixed) {
  const std::string& s = a[i];
  if (s == "--ftz") {  // both halves of flush-to-zero
    if (given) given->push_back(s);
    o.ftz_in = o.ftz_out = true;
    return true;
  }
  const OptionField* f = nullptr;
  for (const auto& x : option_fields())
    if (x.flag == s) f = &x;
  if (!f) return false;
  if (given) given->push_back(s);
  const std::string v = f->flag_sets ? f->flag_sets : need_value(a, i);
  if (f->key == "round" && mixed) {
    *mixed = v == "mixed";
    if (*mixed) {
      o.mode = Round::RNE;
      return true;
    }
  }
  std::string why;
  if (!f->set(o, v, &why)) throw InputError(s + " " + why + (f->key == "round" && mixed ? " (or mixed)" : ""));
  return true;
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
