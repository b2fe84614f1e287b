#include "vectors.hpp"

#include <algorithm>
#include <stdexcept>

namespace fmalab {

VectorStream::VectorStream(const Operation& op, uint64_t seed, std::vector<std::string> classes,
                           std::vector<unsigned> modes)
    : source_(op.vector_source(seed)), classes_(std::move(classes)), modes_(std::move(modes)),
      values_(op.signature().operand_values()), random_bits_(op.signature().random_bits),
      random_(seed ^ 0x5eedf00dULL) {
  const auto known = op.vector_classes();
  for (const auto& c : classes_)
    if (std::find(known.begin(), known.end(), c) == known.end())
      throw std::invalid_argument("operation " + op.name() + " has no vector class '" + c + "'");
}

void VectorStream::next(VectorBatch& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string& cls = classes_[index_ % classes_.size()];
    const unsigned frm = modes_[index_ % modes_.size()];
    const auto row = out.row(i);
    ClassTally& t = tally_[cls];
    ++t.drawn;
    t.reached += source_->make(cls, frm, row.first(values_)) ? 1 : 0;
    if (random_bits_ > 0) row[values_] = random_() & ((uint64_t{1} << random_bits_) - 1);
    out.frm[i] = static_cast<uint8_t>(frm);
    ++index_;
  }
}

VectorBatch generate_vectors(const Operation& op, size_t count, uint64_t seed, const std::vector<std::string>& classes,
                             const std::vector<unsigned>& modes) {
  VectorBatch out(op.signature().operand_words(), count);
  VectorStream(op, seed, classes, modes).next(out);
  return out;
}

VectorBatch sweep_vectors(const Operation& op, const std::vector<unsigned>& modes) {
  const Signature& sig = op.signature();
  VectorBatch out(sig.operand_words());
  const auto formats = sig.operand_formats();
  if (formats.size() < 2 || sig.random_bits > 0) return out;
  int bits = 0;
  for (size_t i = 0; i + 1 < formats.size(); ++i) bits += formats[i].bits;
  if (bits > 16) return out;
  // Every vector when there are at most 2^20 of them (lnsmul:lns8_3's 2^16 pairs), else every value of
  // the leading operands against the last one's corner codes.
  std::vector<uint64_t> last = corner_codes(formats.back());
  if (bits + formats.back().bits <= 20) {
    last.resize(size_t{1} << formats.back().bits);
    for (size_t i = 0; i < last.size(); ++i) last[i] = i;
  }
  std::vector<uint64_t> row(formats.size());
  for (unsigned m : modes)
    for (uint64_t x = 0; x < (uint64_t{1} << bits); ++x) {
      // The first operand is the most significant digit: (a, b) pairs in a-major order.
      int at = bits;
      for (size_t i = 0; i + 1 < formats.size(); ++i) {
        at -= formats[i].bits;
        row[i] = x >> at & formats[i].mask();
      }
      for (uint64_t c : last) {
        row.back() = c;
        out.push(row, m);
      }
    }
  return out;
}

std::vector<std::unique_ptr<Operation>> operations_per_mode(const std::string& name, const Options& o) {
  std::vector<std::unique_ptr<Operation>> ops;
  for (unsigned m = 0; m < 5; ++m) {
    Options mo = o;
    mo.mode = round_of_frm(m);
    std::string why;
    auto op = make_operation(name, mo, &why);
    if (!op) throw std::invalid_argument(why);
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace fmalab
