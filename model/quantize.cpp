#include "quantize.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "codec.hpp"
#include "lns.hpp"
#include "mx_quantize.hpp"
#include "operation.hpp"

namespace fmalab {

double value_of(const Format& f, uint64_t code) {
  if (f.kind != Kind::Lns) return to_double(decode(f, code));
  const LnsCode c = lns_unpack(f, code);
  if (c.nan) return std::numeric_limits<double>::quiet_NaN();
  if (c.zero) return 0;
  const double m = std::exp2(static_cast<double>(c.log) / static_cast<double>(int64_t{1} << f.frac_bits));
  return c.sign ? -m : m;
}

namespace {

uint64_t code_of(const Format& f, double x) {
  if (f.kind == Kind::Lns) {  // binary64's code, converted (nearest in log2, saturating)
    uint64_t bits = 0;
    std::memcpy(&bits, &x, 8);
    static const Format fp64 = *parse_format("e11m52");
    Options o;
    o.saturate = true;
    return convert(fp64, f, bits, o).bits;
  }
  if (x == 0) return 0;
  int e = 0;
  const double m = std::frexp(std::fabs(x), &e);
  const Exact v{x < 0, Class::Normal, e - 53, static_cast<uint64_t>(std::ldexp(m, 53)), false};
  Options o;
  o.saturate = true;
  return encode(f, v, o).bits;
}

uint64_t max_finite_code(const Format& f) {
  if (f.kind == Kind::Lns) return lns_pack(f, false, lns_max_log(f));
  return f.is_float() ? f.max_finite_code() : static_cast<uint64_t>(f.fixed_max()) & f.mask();
}

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}

}  // namespace

uint64_t fp32_code(double v) {
  const float f = static_cast<float>(v);
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

void quantize_block(const BlockFormat& b, std::span<const double> x, uint64_t ts, uint64_t* scale,
                    std::span<uint64_t> codes) {
  std::vector<uint64_t> v(static_cast<size_t>(b.k), 0);
  for (size_t i = 0; i < x.size(); ++i) v[i] = fp32_code(x[i]);
  mx_quantize(b, fp32(), v, ts, Options{}, scale, codes);
}

double max_value(const Format& f) { return value_of(f, max_finite_code(f)); }

double tensor_scale(const Format& f, double amax, double top) {
  return amax > 0 ? amax / (top > 0 ? top : max_value(f)) : 1.0;
}

uint64_t quantize(const Format& f, double x, double scale) { return code_of(f, x / scale); }

QuantizedBlocks quantize_blocks(const BlockFormat& b, const std::vector<double>& x) {
  QuantizedBlocks q;
  const size_t k = static_cast<size_t>(b.k), blocks = (x.size() + k - 1) / k;
  double amax = 0;
  for (double v : x) amax = std::max(amax, std::fabs(v));
  if (b.nvfp4()) q.ts = nvfp4_tensor_scale(fp32_code(amax));
  q.codes.assign(blocks * k, 0);
  q.scales.assign(blocks, 0);
  std::vector<uint64_t> deq(k);
  double signal = 0, noise = 0;
  for (size_t j = 0; j < blocks; ++j) {
    const std::span<const double> xs(x.data() + j * k, std::min(k, x.size() - j * k));
    const std::span<uint64_t> p(q.codes.data() + j * k, k);
    quantize_block(b, xs, q.ts, &q.scales[j], p);
    mx_dequantize(b, q.scales[j], p, q.ts, deq);
    for (size_t i = 0; i < xs.size(); ++i) {
      const double err = xs[i] - value_of(fp32(), deq[i]);
      signal += xs[i] * xs[i];
      noise += err * err;
    }
  }
  q.codes.resize(x.size());
  q.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return q;
}

QuantizedTensor quantize_tensor(const Format& f, const std::vector<double>& x, double top) {
  QuantizedTensor q;
  double amax = 0;
  for (double v : x) amax = std::max(amax, std::fabs(v));
  q.scale = tensor_scale(f, amax, top);
  double signal = 0, noise = 0;
  q.codes.reserve(x.size());
  for (double v : x) {
    const uint64_t c = quantize(f, v, q.scale);
    q.codes.push_back(c);
    const double err = v - q.scale * value_of(f, c);
    signal += v * v;
    noise += err * err;
  }
  q.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return q;
}

namespace {

std::unique_ptr<Operation> need_operation(const std::string& name, const Options& o) {
  std::string why;
  auto op = make_operation(name, o, &why);
  if (!op) throw std::invalid_argument(why);
  return op;
}

// NVFP4 with 16x16 weight tiles: every block of a tile quantized with the tile's amax (a NaN or an Inf
// anywhere in the tile makes the whole tile NaN). in/res: rows of mxq's operand and result words.
void quantize_tiles(const BlockFormat& b, std::span<const uint64_t> in, size_t ni, std::span<uint64_t> res, size_t no,
                    std::span<uint8_t> flags, size_t last, size_t height, uint64_t ts, const Options& o) {
  const size_t k = static_cast<size_t>(b.k), nb = (last + k - 1) / k, tile_rows = 16;
  const size_t planes = flags.size() / nb / height;
  for (size_t pl = 0; pl < planes; ++pl)
    for (size_t r0 = 0; r0 < height; r0 += tile_rows)
      for (size_t j = 0; j < nb; ++j) {
        const size_t r1 = std::min(height, r0 + tile_rows);
        uint64_t tile = 0;
        for (size_t rr = r0; rr < r1; ++rr)
          for (size_t i = 0; i < k && j * k + i < last; ++i)
            tile = std::max(tile, in[((pl * height + rr) * nb + j) * ni + i] & fp32().magnitude_mask());
        for (size_t rr = r0; rr < r1; ++rr) {
          const size_t blk = (pl * height + rr) * nb + j;
          uint64_t* out = &res[blk * no];
          if (tile >= fp32().inf_code()) {
            out[0] = b.scale.canonical_nan_code();
            std::fill(out + 1, out + 1 + k, 0);
            flags[blk] = flag::NV;
          } else {
            flags[blk] = nvfp4_encode(b, fp32(), in.subspan(blk * ni, k), tile, ts, o, &out[0],
                                      std::span<uint64_t>(out + 1, k));
          }
        }
      }
}

}  // namespace

BlockTensor quantize_block_tensor(const BlockFormat& b, std::span<const double> x, std::span<const uint64_t> v,
                                  size_t last, const Options& o, bool weights_2d, size_t height) {
  if (weights_2d && (!b.nvfp4() || height == 0))
    throw std::invalid_argument("--weights-2d (16x16 weight tiles) takes nvfp4 and an array of at least 2 dimensions");
  // The operations refuse the options they do not read (nvfp4: --rule), as eval does.
  const auto q = need_operation("mxq:" + b.name, o);
  const auto dq = need_operation("mxdq:" + b.name, Options{});
  const size_t n = v.size(), rows = last ? n / last : 0, k = static_cast<size_t>(b.k);
  const size_t nb = (last + k - 1) / k, blocks = rows * nb;
  uint64_t amax = 0;
  for (uint64_t c : v) amax = std::max(amax, c & fp32().magnitude_mask());
  BlockTensor t;
  t.ts = b.nvfp4() ? nvfp4_tensor_scale(amax) : 0x3f800000;

  const size_t ni = q->signature().operand_words(), no = q->signature().result_words();
  std::vector<uint64_t> in(blocks * ni, 0), res(blocks * no);
  std::vector<uint8_t> flags(blocks);
  for (size_t row = 0; row < rows; ++row)
    for (size_t j = 0; j < nb; ++j) {
      uint64_t* w = &in[(row * nb + j) * ni];
      for (size_t i = 0; i < k && j * k + i < last; ++i) w[i] = v[row * last + j * k + i];
      if (b.nvfp4()) w[k] = t.ts;
    }
  if (weights_2d) quantize_tiles(b, in, ni, res, no, flags, last, height, t.ts, o);
  else q->eval_batch(in, res, flags);

  // The dequantized values: mxdq on each block's codes.
  const size_t dni = dq->signature().operand_words();
  std::vector<uint64_t> dqin(blocks * dni), dqout(blocks * k);
  for (size_t i = 0; i < blocks; ++i) {
    std::copy_n(&res[i * no], no, &dqin[i * dni]);
    if (b.nvfp4()) dqin[i * dni + no] = t.ts;
  }
  std::vector<uint8_t> dflags(blocks);
  dq->eval_batch(dqin, dqout, dflags);

  t.codes.resize(n);
  t.dequant.resize(n);
  t.scales.resize(blocks);
  double signal = 0, noise = 0;
  for (size_t row = 0; row < rows; ++row)
    for (size_t j = 0; j < nb; ++j) {
      const size_t blk = row * nb + j;
      t.scales[blk] = res[blk * no];
      for (size_t i = 0; i < k && j * k + i < last; ++i) {
        const size_t at = row * last + j * k + i;
        t.codes[at] = res[blk * no + 1 + i];
        t.dequant[at] = dqout[blk * k + i];
        const double d = value_of(fp32(), t.dequant[at]);
        if (std::isfinite(x[at])) signal += x[at] * x[at], noise += (x[at] - d) * (x[at] - d);
      }
    }
  t.sqnr_db = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return t;
}

}  // namespace fmalab
