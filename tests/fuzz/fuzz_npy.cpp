// Fuzz target: the .npy reader (npy::Array) on the input as a file; an array it accepts has every
// element read, as code and as value, so a header that promises more data than the file holds
// would be read past the end of the mapping (ASan) instead of passing unnoticed. Afterwards the
// file must no longer be mapped: a mapping leaked per refused file runs a long-lived process (the
// Python module, a server) out of address-space mappings.
#include <cstdint>

#include "fuzz_input.hpp"
#include "sim/cli.hpp"
#include "sim/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace fmalab;
  const fuzz::MemFile file(data, size);
  try {
    const npy::Array a(file.path());
    uint64_t sink = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a.kind() == 'u') sink += a.code(i);
      else sink += static_cast<uint64_t>(a.value(i) == a.value(i));
    }
    (void)npy::header(a.descr(), a.shape());
    volatile uint64_t keep = sink;  // the loads above must happen
    (void)keep;
  } catch (const cli::InputError&) {
  }
  if (fuzz::memfile_mapped()) __builtin_trap();  // npy::Array left its mapping behind
  return 0;
}
