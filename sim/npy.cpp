#include "npy.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <limits>

#include "cli.hpp"

namespace fmalab::npy {

static_assert(std::endian::native == std::endian::little, "the .npy reader and writer assume a little-endian host");

namespace {

constexpr unsigned char kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// The header's Python dict literal: {'descr': '<u2', 'fortran_order': False, 'shape': (3, 4), }.
// Only what np.save writes for a plain array: string keys, a string, True/False and a tuple of
// whole numbers as values.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& shown) : s_(text), shown_(shown) {}

  void parse(std::string& descr, bool& fortran, std::vector<size_t>& shape) {
    bool has_descr = false, has_fortran = false, has_shape = false;
    expect('{');
    while (true) {
      space();
      if (peek() == '}') break;
      const std::string key = string();
      expect(':');
      space();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"') fail("the dtype is not a plain one (descr is not a string)");
        descr = string();
        has_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        has_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        has_shape = true;
      } else {
        fail("unexpected header key '" + excerpt(key) + "'");
      }
      space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      space();
      if (peek() != '}') fail("malformed header");
    }
    expect('}');
    space();
    if (i_ != s_.size()) fail("malformed header (text after the dict)");
    if (!has_descr || !has_fortran || !has_shape) fail("header lacks descr, fortran_order or shape");
  }

 private:
  const std::string& s_;
  const std::string& shown_;
  size_t i_ = 0;

  [[noreturn]] void fail(const std::string& what) const { throw cli::InputError("input file " + shown_ + ": " + what); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    space();
    if (peek() != c) fail(std::string("malformed header (expected '") + c + "')");
    ++i_;
  }
  std::string string() {
    space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("malformed header (expected a quoted key or string)");
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("malformed header (unterminated string)");
    std::string v = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return v;
  }
  bool boolean() {
    if (s_.compare(i_, 4, "True") == 0) return i_ += 4, true;
    if (s_.compare(i_, 5, "False") == 0) return i_ += 5, false;
    fail("malformed header (fortran_order is not True or False)");
  }
  std::vector<size_t> tuple() {
    expect('(');
    std::vector<size_t> v;
    while (true) {
      space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        fail("malformed header (shape is not a tuple of whole numbers)");
      size_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const size_t d = static_cast<size_t>(s_[i_++] - '0');
        if (n > (std::numeric_limits<size_t>::max() - d) / 10) fail("shape too large");
        n = n * 10 + d;
      }
      v.push_back(n);
      space();
      if (peek() == ',') ++i_;
      else if (peek() != ')') fail("malformed header (shape is not a tuple of whole numbers)");
    }
    ++i_;
    return v;
  }
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Array::Array(const std::string& path) : path_(path), shown_("'" + excerpt(path) + "'") {
  const auto fail = [&](const std::string& what) { return cli::InputError("input file " + shown_ + ": " + what); };
  if (path.empty()) throw cli::InputError("an input file name is empty");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw cli::InputError("cannot open input file " + shown_ + ": " + errno_text());
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const std::string why = errno_text();
    close(fd);
    throw fail(why);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    throw cli::InputError("input file " + shown_ + " is a directory");
  }
  size_t size = 0;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    size = static_cast<size_t>(st.st_size);
    void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      map_.addr = m;
      map_.size = size;
      data_ = static_cast<const unsigned char*>(m);
    }
  }
  if (!map_.addr) {  // a pipe or an empty file: one read to the end
    buffer_.clear();
    unsigned char chunk[1 << 16];
    while (true) {
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const std::string why = errno_text();
        close(fd);
        throw cli::InputError("cannot read input file " + shown_ + ": " + why);
      }
      if (n == 0) break;
      buffer_.insert(buffer_.end(), chunk, chunk + n);
    }
    size = buffer_.size();
    data_ = buffer_.data();
  }
  close(fd);

  // Magic, version, header length.
  if (size < 10 || std::memcmp(data_, kMagic, sizeof kMagic) != 0) throw fail("not a NumPy .npy file (bad magic)");
  const int major = data_[6], minor = data_[7];
  if (major < 1 || major > 3 || minor != 0)
    throw fail("unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor) +
               " (want 1.0, 2.0 or 3.0)");
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = data_[8] | size_t{data_[9]} << 8;
    offset = 10;
  } else {
    if (size < 12) throw fail("truncated header");
    header_len = data_[8] | size_t{data_[9]} << 8 | size_t{data_[10]} << 16 | size_t{data_[11]} << 24;
    offset = 12;
  }
  if (header_len > size - offset) throw fail("truncated header");
  const std::string text(reinterpret_cast<const char*>(data_ + offset), header_len);
  offset += header_len;
  bool fortran = false;
  HeaderParser(text, shown_).parse(descr_, fortran, shape_);
  if (fortran) throw fail("Fortran-order array; save it in C order (np.ascontiguousarray)");

  // The dtype: byte order, kind, size.
  if (descr_.size() != 3) throw fail("dtype '" + excerpt(descr_) + "' is not an unsigned integer or float");
  const char order = descr_[0], kind = descr_[1], width = descr_[2];
  if (order == '>')
    throw fail("big-endian dtype '" + descr_ + "'; save it little-endian (arr.astype('<" + descr_.substr(1) + "'))");
  if (order != '<' && order != '|' && order != '=')
    throw fail("dtype '" + excerpt(descr_) + "' has an unknown byte order");
  if ((kind != 'u' && kind != 'f') || (width != '1' && width != '2' && width != '4' && width != '8') ||
      (kind == 'f' && width < '4'))
    throw fail("dtype '" + excerpt(descr_) + "' is not an unsigned integer (u1 u2 u4 u8) or float (f4 f8)");
  kind_ = kind;
  bytes_ = width - '0';

  count_ = 1;
  for (size_t d : shape_) {
    if (d != 0 && count_ > std::numeric_limits<size_t>::max() / 8 / d) throw fail("shape too large");
    count_ *= d;
  }
  const size_t want = count_ * static_cast<size_t>(bytes_);
  if (size - offset < want)
    throw fail("truncated: " + std::to_string(size - offset) + " bytes of data, the header says " +
               std::to_string(want));
  if (size - offset > want)
    throw fail(std::to_string(size - offset - want) + " bytes after the data the header describes");
  data_ += offset;
}

Array::Mapping::~Mapping() {
  if (addr) munmap(addr, size);
}

uint64_t Array::code(size_t i) const {
  const unsigned char* p = data_ + i * static_cast<size_t>(bytes_);
  switch (bytes_) {
    case 1: return p[0];
    case 2: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    default: { uint64_t v; std::memcpy(&v, p, 8); return v; }
  }
}

double Array::value(size_t i) const {
  const unsigned char* p = data_ + i * static_cast<size_t>(bytes_);
  if (bytes_ == 4) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  double v;
  std::memcpy(&v, p, 8);
  return v;
}

std::string header(const std::string& descr, std::span<const size_t> shape) {
  std::string dims;
  for (size_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);  // (3, 4); a 1-tuple keeps its comma: (3,)
  else if (shape.size() == 1) dims.pop_back();
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Padded with spaces and a newline so the data start at a multiple of 64 bytes.
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const size_t pre = v2 ? 12 : 10;
  const size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - pre - dict.size() - 1, ' ');
  dict.push_back('\n');
  const size_t n = dict.size();
  std::string h(reinterpret_cast<const char*>(kMagic), sizeof kMagic);
  h.push_back(static_cast<char>(v2 ? 2 : 1));
  h.push_back(0);
  h.push_back(static_cast<char>(n & 0xff));
  h.push_back(static_cast<char>((n >> 8) & 0xff));
  if (v2) {
    h.push_back(static_cast<char>((n >> 16) & 0xff));
    h.push_back(static_cast<char>((n >> 24) & 0xff));
  }
  return h + dict;
}

std::string code_descr(int bits) {
  return bits <= 8 ? "|u1" : bits <= 16 ? "<u2" : bits <= 32 ? "<u4" : "<u8";
}

}  // namespace fmalab::npy
