// The C++ side of tests/bench/bench_python.py: fmalab::evaluate on the columns the script wrote, timed
// the same way (median of repetitions), so the Python module's overhead is the ratio of the two.
//   bench_batch UNIT N REPS A B C OUT_Y
// A, B, C: raw little-endian columns of N codes (element size from the file size); OUT_Y receives
// the results (uint32) of the last repetition, for the script to compare with Python's.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "model/fmalab.hpp"

namespace {

std::vector<char> read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "bench_batch: cannot read %s\n", path);
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: bench_batch UNIT N REPS A B C OUT_Y\n");
    return 2;
  }
  const size_t n = std::strtoull(argv[2], nullptr, 10);
  const int reps = std::atoi(argv[3]);
  std::string why;
  const auto op = fmalab::make_operation(argv[1], fmalab::Options{}, &why);
  if (!op || n == 0 || reps < 1) {
    std::fprintf(stderr, "bench_batch: %s\n", op ? "N and REPS must be positive" : why.c_str());
    return 2;
  }
  std::vector<std::vector<char>> data;
  std::vector<fmalab::Column> in;
  for (int i = 4; i < 7; ++i) {
    data.push_back(read_file(argv[i]));
    const size_t bytes = data.back().size() / n;
    if (bytes * n != data.back().size() || (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8)) {
      std::fprintf(stderr, "bench_batch: %s does not hold %zu codes of 1, 2, 4 or 8 bytes\n", argv[i], n);
      return 2;
    }
    in.push_back({data.back().data(), static_cast<std::ptrdiff_t>(bytes), static_cast<int>(bytes)});
  }
  std::vector<uint32_t> y(n);
  std::vector<uint8_t> flags(n);
  const fmalab::MutableColumn out{y.data(), 4, 4};
  std::vector<double> times;
  std::string each;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fmalab::evaluate(*op, n, in, std::span(&out, 1), flags.data());
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    each += (r ? "," : "") + std::to_string(times.back());
  }
  std::ofstream(argv[7], std::ios::binary).write(reinterpret_cast<const char*>(y.data()), static_cast<std::streamsize>(n * 4));
  std::sort(times.begin(), times.end());
  std::printf("median_s=%.6f min_s=%.6f reps=%d times_s=%s\n", times[times.size() / 2], times.front(), reps, each.c_str());
  return 0;
}
