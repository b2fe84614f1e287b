#include "wide_sum.hpp"

#include <bit>
#include <cmath>

namespace fmalab {

WideSum::WideSum(int lsb, int top) : lsb_(lsb) {
  // 32 bits above the top for the carries of 2^32 terms, one for the sign.
  limbs_.assign(static_cast<size_t>((top - lsb + 33) / 64 + 2), 0);
}

void WideSum::clear() { std::fill(limbs_.begin(), limbs_.end(), 0); }

void WideSum::add(bool neg, u128 sig, int lsb_exp) {
  if (sig == 0) return;
  const int at = lsb_exp - lsb_;  // >= 0 by the constructor's contract
  const size_t k = static_cast<size_t>(at / 64);
  const int off = at % 64;
  // sig << off spread over three limbs.
  const uint64_t part[3] = {static_cast<uint64_t>(sig << off),
                            off ? static_cast<uint64_t>(sig >> (64 - off)) : static_cast<uint64_t>(sig >> 64),
                            off ? static_cast<uint64_t>((sig >> 64) >> (64 - off)) : 0};
  unsigned carry = neg ? 1 : 0;  // -x = ~x + 1
  for (size_t i = k; i < limbs_.size(); ++i) {
    const uint64_t term = (i - k < 3 ? part[i - k] : 0) ^ (neg ? ~uint64_t{0} : 0);
    if (i - k >= 3 && !neg && carry == 0) break;
    const u128 sum = u128{limbs_[i]} + term + carry;
    limbs_[i] = static_cast<uint64_t>(sum);
    carry = static_cast<unsigned>(sum >> 64);
  }
}

bool WideSum::is_zero() const {
  for (uint64_t w : limbs_)
    if (w) return false;
  return true;
}

bool WideSum::negative() const { return (limbs_.back() >> 63) != 0; }

std::vector<uint64_t> WideSum::magnitude() const {
  std::vector<uint64_t> m = limbs_;
  if (negative()) {
    unsigned carry = 1;
    for (uint64_t& w : m) {
      const u128 sum = u128{~w} + carry;
      w = static_cast<uint64_t>(sum);
      carry = static_cast<unsigned>(sum >> 64);
    }
  }
  return m;
}

Exact WideSum::exact() const {
  const auto m = magnitude();
  size_t top = m.size();
  while (top > 0 && m[top - 1] == 0) --top;
  if (top == 0) return Exact{false, Class::Zero, 0, 0, false};
  // The leading 64 bits from the limb holding the leading one and the one below it.
  const size_t i = top - 1;
  const int lz = std::countl_zero(m[i]);
  const uint64_t below = i > 0 ? m[i - 1] : 0;
  const uint64_t sig = lz ? (m[i] << lz) | (below >> (64 - lz)) : m[i];
  bool sticky = lz ? (below << lz) != 0 : false;
  for (size_t j = 0; j + 1 < i && !sticky; ++j) sticky = m[j] != 0;
  if (lz == 0 && i > 0) sticky = sticky || below != 0;
  const int lsb_exp = lsb_ + 64 * static_cast<int>(i) - lz;
  return Exact{negative(), Class::Normal, lsb_exp, sig, sticky};
}

long double WideSum::value() const {
  const auto m = magnitude();
  long double v = 0;
  for (size_t i = m.size(); i-- > 0;)
    if (m[i]) v += std::ldexp(static_cast<long double>(m[i]), lsb_ + 64 * static_cast<int>(i));
  return negative() ? -v : v;
}

}  // namespace fmalab
