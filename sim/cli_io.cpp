#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "cli.hpp"

namespace fmalab::cli {

Output::Output(const std::string& path) : path_(path) {
  if (path_.empty()) {
    file_ = stdout;
    return;
  }
  temp_ = path_ + ".tmp." + std::to_string(getpid());
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) throw InputError("cannot write output file '" + path_ + "': " + std::strerror(errno));
}

Output::~Output() {
  if (!temp_.empty()) {  // never committed: leave nothing behind
    if (file_) std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

void Output::flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw InputError("cannot write output: " + std::string(std::strerror(errno)));
  buffer_.clear();
}

void Output::write(const std::string& text) {
  buffer_ += text;
  if (buffer_.size() >= (1u << 16)) flush();
}

void Output::commit() {
  flush();
  if (temp_.empty()) {
    std::fflush(file_);
    return;
  }
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || std::rename(temp_.c_str(), path_.c_str()) != 0)
    throw InputError("cannot write output file '" + path_ + "': " + std::strerror(errno));
  temp_.clear();
}

Input::Input(const std::string& path) {
  if (path.empty()) {
    file_ = stdin;
    return;
  }
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw InputError("cannot open input file '" + path + "': " + std::strerror(errno));
  owned_ = true;
}

Input::~Input() {
  if (owned_) std::fclose(file_);
  std::free(buf_);
}

bool Input::next_line(std::string& line) {
  const ssize_t n = getline(&buf_, &cap_, file_);
  if (n < 0) return false;
  line.assign(buf_, static_cast<size_t>(n));
  return true;
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
  auto bad = [&] { return InputError("line " + std::to_string(line) + ": malformed hex '" + token + "'"); };
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
      throw InputError("line " + std::to_string(line) + ": operand '" + token + "' is wider than 64 bits");
    v = v << 4 | static_cast<unsigned long long>(d);
  }
  return v;
}

std::string need_value(const std::vector<std::string>& a, size_t& i) {
  if (i + 1 >= a.size()) throw InputError("option '" + a[i] + "' needs a value");
  return a[++i];
}

int need_int(const std::vector<std::string>& a, size_t& i, long lo, long hi) {
  const std::string& opt = a[i];
  const std::string v = need_value(a, i);
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (*end || n < lo || n > hi)
    throw InputError(opt + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", got '" + v + "'");
  return static_cast<int>(n);
}

unsigned long long whole_number(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 0);
  if (v.empty() || *end || v[0] == '-') throw InputError(opt + " takes a whole number, got '" + v + "'");
  return n;
}

void take_unit(const std::string& arg, std::string& unit, const char* cmd) {
  if (!arg.empty() && arg[0] == '-') throw InputError("unknown option '" + arg + "' for " + cmd);
  if (!unit.empty()) throw InputError("unexpected argument '" + arg + "'; " + cmd + " takes one UNIT");
  unit = arg;
}

std::string vector_line(const Unit& u, uint64_t a, uint64_t b, uint64_t c, const Encoded& r, char sep) {
  return hex(a, u.operands[0].hex_digits()) + sep + hex(b, u.operands[1].hex_digits()) + sep +
         hex(c, u.operands[2].hex_digits()) + sep + hex(r.bits, u.result.hex_digits()) + sep + hex(r.flags, 2) + "\n";
}

std::string hex(unsigned long long v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, v);
  return buf;
}

}  // namespace fmalab::cli
