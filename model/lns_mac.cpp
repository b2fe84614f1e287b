#include "lns_mac.hpp"

#include <quadmath.h>

#include <bit>

#include "lns.hpp"

namespace fmalab {

std::string madam_make(const Format& in, const Format& acc, int terms, int bins, int cbits, Madam* out) {
  Madam m;
  m.in = in, m.acc = acc, m.terms = terms, m.bins = bins, m.cbits = cbits;
  const int64_t one = int64_t{1} << in.frac_bits, lmax = lns_max_log(in);
  m.q_bias = static_cast<int>((2 * lmax + one - 1) / one);
  // A bin holds K terms below 2^(F + 1 + 2 QB); times a constant below 2^(CB + 1), summed over 2^H bins.
  const int width = in.frac_bits + 1 + 2 * m.q_bias + std::bit_width(static_cast<unsigned>(terms)) + cbits + 1 +
                    bins + 1;
  if (width > 126)
    return "its bins would need " + std::to_string(width) + " bits (at most 126): a narrower log range, please";
  for (int j = 0; j < (1 << bins); ++j)
    m.constants.push_back(static_cast<int64_t>(
        roundq(exp2q(static_cast<__float128>(j) / static_cast<__float128>(1 << bins) + cbits))));
  *out = std::move(m);
  return {};
}

Encoded lns_mac_madam(const Madam& m, std::span<const uint64_t> a, std::span<const uint64_t> b, uint64_t c) {
  const int frac = m.in.frac_bits, low = frac - m.bins;
  std::vector<unsigned __int128> pos(m.constants.size()), neg(m.constants.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const LnsCode x = lns_unpack(m.in, a[i]), y = lns_unpack(m.in, b[i]);
    if (x.nan || y.nan) return {0, flag::NV};
    if (x.zero || y.zero) continue;
    const int64_t e = x.log + y.log, q = e >> frac, r = e & ((int64_t{1} << frac) - 1);
    const int64_t rh = r >> low, rl = r & ((int64_t{1} << low) - 1);
    const auto term = static_cast<unsigned __int128>((int64_t{1} << frac) + rl) << (q + m.q_bias);
    ((x.sign != y.sign) ? neg : pos)[static_cast<size_t>(rh)] += term;
  }
  __int128 v = 0;
  for (size_t j = 0; j < m.constants.size(); ++j)
    v += (static_cast<__int128>(pos[j]) - static_cast<__int128>(neg[j])) * m.constants[j];
  const int shift = m.acc.frac_bits - m.value_frac();
  const __int128 x = shift >= 0 ? static_cast<__int128>(static_cast<unsigned __int128>(v) << shift) : v >> -shift;
  return {(c + static_cast<uint64_t>(x)) & m.acc.mask(), 0};
}

}  // namespace fmalab
