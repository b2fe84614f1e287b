// A small reader and writer of NumPy .npy files (format versions 1.0, 2.0 and 3.0): C-order,
// little-endian arrays of unsigned integers (raw format codes) or floats (values). The reader maps
// the file (or reads it whole when it is a pipe) and refuses, with one line naming the file and the
// problem, anything else: bad magic, a malformed header, Fortran order, big-endian or other dtypes,
// a file shorter or longer than its header says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fmalab::npy {

class Array {
 public:
  // Reads `path`; cli::InputError naming the file and the problem when it is not a .npy file of
  // the kind above.
  explicit Array(const std::string& path);
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;

  const std::string& path() const { return path_; }
  // "'A.npy'": the path as quoted in messages (at most 40 characters of it).
  const std::string& shown() const { return shown_; }
  char kind() const { return kind_; }          // 'u' unsigned integer, 'f' float
  int item_bytes() const { return bytes_; }    // 1, 2, 4 or 8
  const std::string& descr() const { return descr_; }  // as the header gives it, e.g. "<u2", "|u1"
  const std::vector<size_t>& shape() const { return shape_; }
  size_t size() const { return count_; }  // elements

  // Element i (flat, C order) of an unsigned array, or of a float array as a double.
  uint64_t code(size_t i) const;
  double value(size_t i) const;

 private:
  std::string path_, shown_, descr_;
  char kind_ = 0;
  int bytes_ = 0;
  std::vector<size_t> shape_;
  size_t count_ = 0;
  const unsigned char* data_ = nullptr;
  // The file's mapping, unmapped by its own destructor: a constructor that refuses the file (and so
  // never runs ~Array) leaves no mapping behind.
  struct Mapping {
    void* addr = nullptr;
    size_t size = 0;
    Mapping() = default;
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping();
  } map_;
  std::vector<unsigned char> buffer_;  // a file that could not be mapped, read whole
};

// The header of a C-order, little-endian array of `descr` ("<u4", "<f4", "|u1") and this shape:
// version 1.0 (2.0 when the header needs it), padded so the data start at a multiple of 64 bytes.
std::string header(const std::string& descr, std::span<const size_t> shape);

// The descr of unsigned codes of `bits` bits: the narrowest of |u1, <u2, <u4, <u8 that holds them.
std::string code_descr(int bits);

}  // namespace fmalab::npy
