// fmalab quantize FMT: a NumPy array quantized block by block along its last axis into a block format
// (mxq, then mxdq for the dequantized values), or with one per-tensor scale into e4m3, e5m2, int8 or an
// LNS format (quantize_tensor, sim/streams.cpp). README: MX block formats and NVFP4.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "../model/block_format.hpp"
#include "../model/mx_quantize.hpp"
#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "npy.hpp"
#include "streams.hpp"

namespace fmalab::cli {

namespace {

struct QuantizeArgs {
  std::string fmt, in, out, scales, dequant;
  bool weights_2d = false;
  Options opts;
  std::vector<std::string> given;  // the model options on the command line
};

QuantizeArgs parse_quantize_args(const std::vector<std::string>& a) {
  QuantizeArgs r;
  CLI::App app("X's last axis in blocks of FMT (mxfp8_e4m3 ... nvfp4, mx:ELEM:K:SCALE) or one per-tensor scale\n"
               "(e4m3, e5m2, int8): element codes, scale codes, dequantized values; prints the SQNR.",
               "fmalab quantize");
  init_app(app);
  add_unit(app, r.fmt, "FMT", "a block format (" + block_format_help() + ") or e4m3, e5m2, int8");
  add_text(app, "--in", r.in, "X as .npy of float32 or float64 values (required)");
  add_output(app, r.out);
  add_text(app, "--scales", r.scales, "also write the scale codes as .npy");
  add_text(app, "--dequant", r.dequant, "also write the dequantized values as .npy");
  add_model_options(app, r.opts, &r.given, nullptr, {"--rule", "--round", "--no-clamp"});
  app.add_flag("--weights-2d", r.weights_2d, "NVFP4 weights: 16x16 blocks over the last two axes");
  parse(app, a);
  if (r.fmt.empty()) throw InputError("quantize needs a format, e.g. mxfp8_e4m3 (" + block_format_help() + ", or e4m3, e5m2, int8)");
  if (r.in.empty()) throw InputError("quantize needs --in X.npy");
  if (r.out.empty()) throw InputError("quantize needs -o Y.npy");
  return r;
}

const Format& fp32() {
  static const Format f = *parse_format("fp32");
  return f;
}

// Element i of X as an fp32 code (float64 rounded to nearest even through encode).
uint64_t fp32_code(const npy::Array& x, size_t i) {
  const double v = x.value(i);
  if (x.item_bytes() == 4) {
    const float f = static_cast<float>(v);
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return b;
  }
  static const Format f64 = *parse_format("e11m52");
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return convert(f64, fp32(), b, Options{}).bits;
}

float value_of_fp32(uint64_t code) {
  const uint32_t b = static_cast<uint32_t>(code);
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

std::string format_sqnr_db(double db) {
  if (std::isinf(db)) return "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", db);
  return buf;
}

std::string format_sqnr(double signal, double noise) {
  return format_sqnr_db(noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity());
}

void write_npy(Output& out, const std::string& descr, const std::vector<size_t>& shape, const void* data, size_t bytes) {
  out.write(npy::header(descr, shape));
  out.write(std::string(static_cast<const char*>(data), bytes));
}

// The whole tensor with one scale (stream's rule): e4m3, e5m2 and int8 rounding to nearest even, LNS
// formats of at most 16 bits to the nearest in log2.
int per_tensor(const QuantizeArgs& r, const npy::Array& x, const Format& f) {
  if (!r.given.empty() || r.weights_2d || !r.scales.empty())
    throw InputError("quantize " + f.name + ": a per-tensor format takes no --rule, --round, --no-clamp, "
                     "--weights-2d or --scales");
  std::vector<double> v(x.size());
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = x.value(i);
    if (!std::isfinite(v[i]))
      throw InputError("input file " + x.shown() + ": value " + (std::isnan(v[i]) ? "NaN" : "Inf") +
                       " at flat index " + std::to_string(i) + " cannot be quantized with a per-tensor scale");
  }
  const QuantizedTensor q = quantize_tensor(f, v);
  std::vector<uint16_t> y(v.size());  // codes of at most 16 bits: uint8 or uint16 in the file
  std::vector<uint8_t> y8(f.bits <= 8 ? v.size() : 0);
  std::vector<float> d(v.size());
  double signal = 0, noise = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    y[i] = static_cast<uint16_t>(q.codes[i]);
    if (!y8.empty()) y8[i] = static_cast<uint8_t>(q.codes[i]);
    d[i] = static_cast<float>(q.scale * value_of(f, q.codes[i]));
    signal += v[i] * v[i];
    noise += (v[i] - d[i]) * (v[i] - d[i]);
  }
  Output out(r.out);
  std::unique_ptr<Output> dq = r.dequant.empty() ? nullptr : std::make_unique<Output>(r.dequant);
  if (!y8.empty()) write_npy(out, "|u1", x.shape(), y8.data(), y8.size());
  else write_npy(out, "<u2", x.shape(), y.data(), y.size() * 2);
  if (dq) write_npy(*dq, "<f4", x.shape(), d.data(), d.size() * 4);
  std::printf("%s rule=- blocks=1 sqnr_db=%s\n", f.name.c_str(), format_sqnr(signal, noise).c_str());
  out.commit();
  if (dq) dq->commit();
  return 0;
}

}  // namespace

int run_quantize(const std::vector<std::string>& args) {
  const QuantizeArgs r = parse_quantize_args(args);
  std::string why;
  const auto block = parse_block_format(r.fmt, &why);
  const auto tensor_fmt = parse_format(r.fmt);
  const bool per_tensor_fmt = !block && tensor_fmt &&
                              (r.fmt == "e4m3" || r.fmt == "e5m2" || r.fmt == "int8" ||
                               (tensor_fmt->kind == Kind::Lns && tensor_fmt->bits <= 16));
  if (!block && !per_tensor_fmt)
    throw InputError("quantize: unknown format '" + excerpt(r.fmt) + "'; valid: " + block_format_help() +
                     ", or the per-tensor e4m3, e5m2, int8, lnsW_F (W <= 16)");
  const npy::Array x(r.in);
  if (x.kind() != 'f')
    throw InputError("input file " + x.shown() + ": dtype '" + x.descr() + "'; quantize reads float32 or float64 values");
  if (x.shape().empty() || x.shape().back() == 0 || x.size() == 0)
    throw InputError("input file " + x.shown() + ": quantize needs at least one value along the last axis");
  if (per_tensor_fmt) return per_tensor(r, x, *tensor_fmt);

  const BlockFormat& b = *block;
  if (r.weights_2d && (!b.nvfp4() || x.shape().size() < 2))
    throw InputError("--weights-2d (16x16 weight tiles) takes nvfp4 and an array of at least 2 dimensions");
  const size_t n = x.size(), last = x.shape().back(), blocks = n / last * ((last + b.k - 1) / b.k);
  std::vector<double> values(n);
  std::vector<uint64_t> codes32(n);
  for (size_t i = 0; i < n; ++i) values[i] = x.value(i), codes32[i] = fp32_code(x, i);
  const size_t height = x.shape().size() >= 2 ? x.shape()[x.shape().size() - 2] : 0;
  BlockTensor t;
  try {
    t = quantize_block_tensor(b, values, codes32, last, r.opts, r.weights_2d, height);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());  // the options mxq refuses (nvfp4: --rule), as eval would
  }
  std::vector<uint8_t> y(n), s(blocks);
  std::vector<float> d(n);
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(t.codes[i]), d[i] = value_of_fp32(t.dequant[i]);
  for (size_t i = 0; i < blocks; ++i) s[i] = static_cast<uint8_t>(t.scales[i]);
  const size_t nb = (last + b.k - 1) / b.k;
  std::vector<size_t> sshape = x.shape();
  sshape.back() = nb;
  Output out(r.out);
  std::unique_ptr<Output> so = r.scales.empty() ? nullptr : std::make_unique<Output>(r.scales);
  std::unique_ptr<Output> dout = r.dequant.empty() ? nullptr : std::make_unique<Output>(r.dequant);
  write_npy(out, "|u1", x.shape(), y.data(), y.size());
  if (so) write_npy(*so, "|u1", sshape, s.data(), s.size());
  if (dout) write_npy(*dout, "<f4", x.shape(), d.data(), d.size() * 4);
  std::string line = b.name + " rule=" + (b.nvfp4() ? "-" : scale_rule_name(r.opts.rule)) +
                     " blocks=" + std::to_string(blocks) + " sqnr_db=" + format_sqnr_db(t.sqnr_db);
  if (b.nvfp4()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, " ts=%.9g", static_cast<double>(value_of_fp32(t.ts)));
    line += buf;
  }
  std::printf("%s\n", line.c_str());
  out.commit();
  if (so) so->commit();
  if (dout) dout->commit();
  return 0;
}

}  // namespace fmalab::cli
