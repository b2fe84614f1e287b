// Helpers the fuzz targets share: the input as text, and as a file the readers can open by path.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

namespace fmalab::fuzz {

inline std::string text_of(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// The input as an anonymous in-memory file, named /proc/self/fd/N: the readers under test take a
// path (and the .npy reader maps it), and a memfd costs no disk traffic per run.
class MemFile {
 public:
  MemFile(const uint8_t* data, size_t size) : fd_(memfd_create("fuzz_input", 0)) {
    if (fd_ < 0) throw std::runtime_error("memfd_create failed");
    for (size_t at = 0; at < size;) {
      const ssize_t n = ::write(fd_, data + at, size - at);
      if (n <= 0) throw std::runtime_error("write to memfd failed");
      at += static_cast<size_t>(n);
    }
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Whether any MemFile's contents are still mapped into this process (/proc/self/maps names them
// "/memfd:fuzz_input"): a reader that maps its file must unmap it however it ends, refusals included.
inline bool memfile_mapped() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("/memfd:fuzz_input") != std::string::npos) return true;
  return false;
}

}  // namespace fmalab::fuzz
