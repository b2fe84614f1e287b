// `import fmalab`: the golden model on NumPy arrays (README: Python). eval runs any registered
// operation (or RTL unit's model) through the batch API on columns of codes, read in place from the
// arrays and with the GIL released; quantize, decode, encode, formats, units, signature and trace
// are the CLI's commands as functions. Errors are ValueError with the model's one-line message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/block_format.hpp"
#include "model/fmalab.hpp"
#include "model/quantize.hpp"

namespace py = pybind11;

namespace fmalab::python {

namespace {

// ---- options and units --------------------------------------------------------------------------

// A row of rtl/units.json, baked in at build time (sim/python.cmake).
struct RtlUnit {
  const char* name;
  const char* model;
  const char* options;
  const char* in;   // "a:8 b:8 c:32 rnd:3"
  const char* out;  // "y:32 flags:5"
};
constexpr RtlUnit kRtlUnits[] = {
#include "python_rtl_units.inc"
};

const RtlUnit* find_rtl_unit(std::string_view name) {
  for (const auto& u : kRtlUnits)
    if (name == u.name) return &u;
  return nullptr;
}

// The option a keyword names: its key (round, sat, lns_method, ...) or, for an option whose flag takes
// a value, the flag's name (method for --method, sr_bits for --sr-bits).
const OptionField* keyword_field(const std::string& kw) {
  if (const OptionField* f = find_option_field(kw)) return f;
  for (const auto& f : option_fields()) {
    if (f.flag_sets || f.flag.size() < 3) continue;
    std::string name(f.flag.substr(2));
    for (char& c : name)
      if (c == '-') c = '_';
    if (name == kw) return &f;
  }
  return nullptr;
}

std::string option_text(const std::string& key, const py::handle& v) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "1" : "0";
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::hasattr(v, "dtype") && py::str(v.attr("dtype").attr("kind")).cast<std::string>() == "b")
    return v.cast<bool>() ? "1" : "0";  // numpy.bool_
  if (py::hasattr(v, "__index__")) return std::to_string(v.attr("__index__")().cast<long long>());
  throw py::value_error("option " + key + " takes a str, int or bool, got " +
                        excerpt(py::str(py::type::of(v).attr("__name__")).cast<std::string>()));
}

// Options from keywords; None leaves an option at its default.
Options options_from(const py::kwargs& kw) {
  Options o;
  for (const auto& [k, v] : kw) {
    const std::string key = py::str(k).cast<std::string>();
    if (v.is_none()) continue;
    const OptionField* f = keyword_field(key);
    if (!f) throw py::value_error("unknown option '" + excerpt(key) + "' (keys: " + option_keys() + ")");
    std::string why;
    if (!f->set(o, option_text(key, v), &why)) throw py::value_error(std::string(f->key) + " " + why);
  }
  return o;
}

// An RTL unit's name stands for its model operation under its row's options (as `fmalab eval` takes
// it): an option the call sets must agree with the row's.
Options unit_options(const RtlUnit& u, const Options& given) {
  Options row, r = given;
  std::string why;
  if (!parse_options_text(u.options, row, &why))
    throw py::value_error("rtl/units.json: unit " + std::string(u.name) + " options: " + why);
  const Options defaults;
  for (const auto& f : option_fields()) {
    const std::string want = f.get(row), have = f.get(given);
    if (want == f.get(defaults) || have == want) continue;
    if (have != f.get(defaults))
      throw py::value_error("unit " + std::string(u.name) + " implements " + std::string(f.key) + "=" + want +
                            ", not " + std::string(f.key) + "=" + have);
    f.set(r, want, &why);
  }
  return r;
}

std::unique_ptr<Operation> operation(const std::string& unit, const py::kwargs& kw) {
  Options o = options_from(kw);
  std::string model = unit, why;
  if (const RtlUnit* u = find_rtl_unit(unit)) {
    o = unit_options(*u, o);
    model = u->model;
  }
  auto op = make_operation(model, o, &why);
  if (!op) throw py::value_error(why);
  return op;
}

// ---- arrays of codes ------------------------------------------------------------------------------

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t d = 0; d < a.ndim(); ++d) s += (d ? ", " : "") + std::to_string(a.shape(d));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// obj as an array of integer codes in native byte order (no copy when it already is one).
py::array code_array(const py::handle& obj, const std::string& what) {
  py::array a = py::array::ensure(obj);
  if (!a) throw py::value_error(what + ": not an array of integer codes");
  const char kind = a.dtype().kind();
  if (kind != 'u' && kind != 'i')
    throw py::value_error(what + ": dtype " + excerpt(py::str(a.dtype()).cast<std::string>()) +
                          "; codes are integers (uint8 ... uint64, or signed without negative values)");
  if (py::str(a.dtype().attr("byteorder")).cast<std::string>() == ">")
    a = a.attr("astype")(a.dtype().attr("newbyteorder")("=")).cast<py::array>();
  return a;
}

// The narrowest unsigned dtype that holds a field of `bits`.
py::dtype code_dtype(int bits) {
  if (bits <= 8) return py::dtype::of<uint8_t>();
  if (bits <= 16) return py::dtype::of<uint16_t>();
  if (bits <= 32) return py::dtype::of<uint32_t>();
  return py::dtype::of<uint64_t>();
}

// The first negative element of a signed column of n values, or -1.
template <class T>
long long first_negative(const Column& c, size_t n) {
  const auto* p = static_cast<const unsigned char*>(c.data);
  for (size_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, p + static_cast<std::ptrdiff_t>(i) * c.stride, sizeof v);
    if (v < 0) return static_cast<long long>(i);
  }
  return -1;
}
long long first_negative(const Column& c, size_t n) {
  switch (c.bytes) {
    case 1: return first_negative<int8_t>(c, n);
    case 2: return first_negative<int16_t>(c, n);
    case 4: return first_negative<int32_t>(c, n);
    default: return first_negative<int64_t>(c, n);
  }
}

// One operand group of eval: count values per vector, as (n,) or () when count is 1, (n, count) or
// (count,) otherwise; a scalar or a single vector is repeated for every vector (stride 0).
struct GroupArray {
  py::array array;
  std::string name;
  int count = 1;
  bool repeated = false;
  size_t rows() const { return repeated ? 1 : static_cast<size_t>(array.shape(0)); }
};

GroupArray group_array(const py::handle& obj, const std::string& name, int count, const std::string& unit) {
  GroupArray g{code_array(obj, "operand " + name), name, count};
  const py::array& a = g.array;
  const int single = count == 1 ? 0 : 1;  // the ndim of one vector's values
  const bool fits = count == 1 || (a.ndim() >= 1 && a.shape(a.ndim() - 1) == count);
  if (a.ndim() == single && fits) g.repeated = true;
  else if (a.ndim() != single + 1 || !(a.ndim() == 0 || fits))
    throw py::value_error("operand " + name + ": shape " + shape_text(a) + "; " + excerpt(unit) + " takes " + name +
                          (count == 1 ? " as (n,) or a scalar"
                                      : " as (n, " + std::to_string(count) + ") or (" + std::to_string(count) + ",)"));
  return g;
}

// Column w of a group (value w of each vector).
Column column(const GroupArray& g, int w) {
  const auto* base = static_cast<const unsigned char*>(g.array.data());
  const py::ssize_t inner = g.count == 1 ? 0 : g.array.strides(g.array.ndim() - 1);
  return Column{base + w * inner, g.repeated ? 0 : g.array.strides(0), static_cast<int>(g.array.itemsize())};
}

// ---- eval, signature, trace ------------------------------------------------------------------------

py::tuple eval(const std::string& unit, const py::args& operands, const py::kwargs& kw) {
  const auto op = operation(unit, kw);
  const Signature& sig = op->signature();
  std::vector<OperandGroup> groups = sig.operands;
  // The random word as one more group (its format is not read: evaluate checks its sr_bits width).
  if (sig.random_bits > 0) groups.push_back({"rand", *parse_format("int8"), 1});
  if (operands.size() != groups.size()) {
    std::string names;
    for (const auto& g : groups) names += (names.empty() ? "" : ", ") + g.name;
    throw py::value_error(excerpt(unit) + " takes " + std::to_string(groups.size()) + " operands (" + names +
                          "), got " + std::to_string(operands.size()));
  }
  std::vector<GroupArray> arrays;
  size_t n = 0;
  bool sized = false;
  for (size_t i = 0; i < groups.size(); ++i) {
    arrays.push_back(group_array(operands[i], groups[i].name, groups[i].count, unit));
    if (arrays.back().repeated) continue;
    const size_t rows = arrays.back().rows();
    if (sized && rows != n)
      throw py::value_error("operand " + groups[i].name + " has " + std::to_string(rows) +
                            " vectors, the operands before it " + std::to_string(n));
    n = rows, sized = true;
  }
  if (!sized) n = 1;
  std::vector<Column> in;
  std::vector<std::pair<Column, std::string>> signed_columns;  // to check for negative values
  for (const auto& g : arrays)
    for (int w = 0; w < g.count; ++w) {
      in.push_back(column(g, w));
      if (g.array.dtype().kind() == 'i')
        signed_columns.emplace_back(in.back(), g.count == 1 ? g.name : g.name + std::to_string(w));
    }

  py::list results;
  std::vector<MutableColumn> out;
  for (const auto& r : sig.results) {
    std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
    if (r.count != 1) shape.push_back(r.count);
    py::array a(code_dtype(r.format.bits), shape);
    for (int w = 0; w < r.count; ++w)
      out.push_back(MutableColumn{static_cast<unsigned char*>(a.mutable_data()) + w * a.itemsize(), a.strides(0),
                                  static_cast<int>(a.itemsize())});
    results.append(a);
  }
  py::array_t<uint8_t> flags(static_cast<py::ssize_t>(n));
  uint8_t* f = flags.mutable_data();
  {
    py::gil_scoped_release release;
    for (const auto& [c, name] : signed_columns)
      if (const long long at = first_negative(c, n); at >= 0)
        throw std::invalid_argument("operand " + name + " of vector " + std::to_string(at) +
                                    " is negative; codes are unsigned");
    evaluate(*op, n, in, out, f);
  }
  const py::object r = results.size() == 1 ? py::object(results[0]) : py::object(py::tuple(results));
  return py::make_tuple(r, flags);
}

py::dict group_dict(const OperandGroup& g) {
  py::dict d;
  d["name"] = g.name;
  d["format"] = g.format.name;
  d["bits"] = g.format.bits;
  d["count"] = g.count;
  return d;
}

py::dict signature(const std::string& unit, const py::kwargs& kw) {
  const auto op = operation(unit, kw);
  const Signature& sig = op->signature();
  py::list operands, results;
  for (const auto& g : sig.operands) operands.append(group_dict(g));
  for (const auto& g : sig.results) results.append(group_dict(g));
  py::dict d;
  d["name"] = op->name();
  d["operands"] = operands;
  d["results"] = results;
  d["random_bits"] = sig.random_bits;
  d["options"] = options_text(op->options(), false);
  return d;
}

// One vector's words from Python ints (a group of K values as a sequence of K).
std::vector<uint64_t> trace_words(const Operation& op, const std::string& unit, const py::args& operands) {
  const Signature& sig = op.signature();
  std::vector<Field> fields = sig.operand_fields();
  if (sig.random_bits > 0) fields.push_back({"rand", sig.random_bits});
  std::vector<OperandGroup> groups = sig.operands;
  if (sig.random_bits > 0) groups.push_back({"rand", *parse_format("int8"), 1});
  if (operands.size() != groups.size())
    throw py::value_error(excerpt(unit) + " takes " + std::to_string(groups.size()) + " operands, got " +
                          std::to_string(operands.size()));
  std::vector<uint64_t> words;
  for (size_t i = 0; i < groups.size(); ++i) {
    const py::array given = code_array(operands[i], "operand " + groups[i].name);
    if (given.size() != groups[i].count)
      throw py::value_error("operand " + groups[i].name + ": trace takes one vector, " + std::to_string(groups[i].count) +
                            " value" + (groups[i].count == 1 ? "" : "s") + ", got " + std::to_string(given.size()));
    if (given.dtype().kind() == 'i' && given.attr("min")().cast<long long>() < 0)
      throw py::value_error("operand " + groups[i].name + " is negative; codes are unsigned");
    const py::array a = given.attr("astype")("uint64").attr("reshape")(-1).cast<py::array>();
    const auto* v = static_cast<const uint64_t*>(a.data());
    for (py::ssize_t k = 0; k < a.size(); ++k) {
      const Field& fd = fields[words.size()];
      if (fd.bits < 64 && (v[k] >> fd.bits) != 0)
        throw py::value_error("operand " + fd.name + " is wider than its " + std::to_string(fd.bits) + " bits");
      words.push_back(v[k]);
    }
  }
  return words;
}

py::tuple trace(const std::string& unit, const py::args& operands, const py::kwargs& kw) {
  const auto op = operation(unit, kw);
  const Trace t = fmalab::trace(*op, trace_words(*op, unit, operands));
  py::list stages;
  for (const auto& [name, text] : t.stages) stages.append(py::make_tuple(name, text));
  py::tuple results(t.results.size());
  for (size_t i = 0; i < t.results.size(); ++i) results[i] = py::int_(t.results[i]);
  return py::make_tuple(stages, results, t.flags);
}

// ---- formats: decode, encode, facts -------------------------------------------------------------

Format need_format(const std::string& name) {
  auto f = parse_format(name);
  if (!f) throw py::value_error("unknown format '" + excerpt(name) + "'; valid formats: " + format_name_help());
  return *f;
}

py::array decode_codes(const std::string& fmt, const py::handle& codes) {
  const Format f = need_format(fmt);
  const py::array a = code_array(codes, "codes").attr("astype")("uint64").cast<py::array>();
  const bool had_sign = code_array(codes, "codes").dtype().kind() == 'i';
  py::array_t<uint64_t, py::array::c_style> c(a);
  py::array_t<double> out(std::vector<py::ssize_t>(a.shape(), a.shape() + a.ndim()));
  const uint64_t* in = c.data();
  double* o = out.mutable_data();
  const size_t n = static_cast<size_t>(c.size());
  {
    py::gil_scoped_release release;
    for (size_t i = 0; i < n; ++i) {
      if ((in[i] & ~f.mask()) != 0)
        throw std::invalid_argument("code at flat index " + std::to_string(i) + (had_sign && (in[i] >> 63) ? " is negative" :
                                    " is wider than " + f.name + "'s " + std::to_string(f.bits) + " bits"));
      o[i] = value_of(f, in[i]);
    }
  }
  return out;
}

py::tuple encode_values(const std::string& fmt, const py::handle& values, const py::kwargs& kw) {
  const Format f = need_format(fmt);
  const Options o = options_from(kw);
  if (const std::string extra = options_not_read(o, {"round", "sat", "ftz_out", "lns_round"}); !extra.empty())
    throw py::value_error("encode reads round, sat, ftz_out and lns_round, not " + extra);
  if (o.mode == Round::SR) throw py::value_error("encode takes no round=sr (it has no random word)");
  const py::array_t<double, py::array::c_style | py::array::forcecast> x(py::array::ensure(values));
  if (!x) throw py::value_error("encode takes an array of real values");
  const std::vector<py::ssize_t> shape(x.shape(), x.shape() + x.ndim());
  py::array codes(code_dtype(f.bits), shape);
  py::array_t<uint8_t> flags(shape);
  const double* in = x.data();
  uint8_t* fl = flags.mutable_data();
  const size_t n = static_cast<size_t>(x.size());
  auto* out = static_cast<unsigned char*>(codes.mutable_data());
  const auto bytes = static_cast<size_t>(codes.itemsize());
  {
    py::gil_scoped_release release;
    static const Format f64 = *parse_format("e11m52");
    for (size_t i = 0; i < n; ++i) {
      uint64_t bits;
      std::memcpy(&bits, &in[i], 8);
      const Encoded e = convert(f64, f, bits, o);
      std::memcpy(out + i * bytes, &e.bits, bytes);  // little-endian: the low bytes
      fl[i] = e.flags;
    }
  }
  return py::make_tuple(codes, flags);
}

const char* kind_name(Kind k) { return k == Kind::Float ? "float" : k == Kind::Fixed ? "fixed" : "lns"; }
const char* nan_name(NanStyle s) {
  switch (s) {
    case NanStyle::Ieee: return "ieee";
    case NanStyle::AllOnes: return "all_ones";
    case NanStyle::NegZero: return "neg_zero";
    default: return "none";
  }
}

py::dict format_facts(const Format& f) {
  py::dict d;
  d["name"] = f.name;
  d["kind"] = kind_name(f.kind);
  d["bits"] = f.bits;
  d["signed"] = f.is_signed;
  d["max"] = max_value(f);
  if (f.is_float()) {
    d["exp_bits"] = f.exp_bits;
    d["man_bits"] = f.man_bits;
    d["bias"] = f.bias;
    d["emin"] = f.emin();
    d["emax"] = f.emax();
    d["max_code"] = f.max_finite_code();
    d["min_subnormal"] = f.subnormals ? value_of(f, 1) : 0.0;
    d["min_normal"] = value_of(f, f.subnormals ? uint64_t{1} << f.man_bits : 0);
    d["has_inf"] = f.has_inf;
    d["inf_code"] = f.has_inf ? py::object(py::int_(f.inf_code())) : py::none();
    d["nan"] = nan_name(f.nan);
    d["nan_code"] = f.has_nan() ? py::object(py::int_(f.canonical_nan_code())) : py::none();
    d["has_zero"] = f.has_zero();
    d["has_neg_zero"] = f.has_neg_zero();
  } else {
    d["frac_bits"] = f.frac_bits;
  }
  return d;
}

py::list formats(const std::optional<std::vector<std::string>>& names) {
  py::list l;
  for (const auto& n : names ? *names : named_formats()) l.append(format_facts(need_format(n)));
  return l;
}

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> w;
  size_t at = 0;
  while (at < s.size()) {
    const size_t end = std::min(s.find(' ', at), s.size());
    if (end > at) w.emplace_back(s.substr(at, end - at));
    at = end + 1;
  }
  return w;
}

py::dict units() {
  py::list ops, rtl;
  for (const auto& k : operation_kinds()) {
    py::dict d;
    d["keyword"] = std::string(k.keyword);
    d["grammar"] = std::string(k.grammar);
    d["summary"] = std::string(k.summary);
    d["example"] = std::string(k.example);
    ops.append(d);
  }
  for (const auto& u : kRtlUnits) {
    py::dict d;
    d["name"] = u.name;
    d["model"] = u.model;
    d["options"] = u.options;
    d["in"] = words_of(u.in);
    d["out"] = words_of(u.out);
    rtl.append(d);
  }
  py::dict d;
  d["operations"] = ops;
  d["rtl_units"] = rtl;
  return d;
}

// ---- quantize -------------------------------------------------------------------------------------

py::object module_attr(const char* name) { return py::module_::import("fmalab").attr(name); }

std::vector<py::ssize_t> shape_of(const py::array& a) { return {a.shape(), a.shape() + a.ndim()}; }

// The per-tensor formats `fmalab quantize` takes: e4m3, e5m2, int8 and LNS formats of at most 16 bits.
bool per_tensor_format(const std::string& name, const std::optional<Format>& f) {
  return f && (name == "e4m3" || name == "e5m2" || name == "int8" || (f->kind == Kind::Lns && f->bits <= 16));
}

py::object quantize_per_tensor(const Format& f, const py::array_t<double, py::array::c_style>& x,
                               const std::vector<py::ssize_t>& shape) {
  const size_t n = static_cast<size_t>(x.size());
  std::vector<double> v(x.data(), x.data() + n);
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i]))
      throw py::value_error(std::string("value ") + (std::isnan(v[i]) ? "NaN" : "Inf") + " at flat index " +
                            std::to_string(i) + " cannot be quantized with a per-tensor scale");
  py::array codes(code_dtype(f.bits), shape);
  py::array_t<float> dequant(shape);
  double scale = 1, signal = 0, noise = 0;
  {
    py::gil_scoped_release release;
    const QuantizedTensor q = quantize_tensor(f, v);
    scale = q.scale;
    float* d = dequant.mutable_data();
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(static_cast<unsigned char*>(codes.mutable_data()) + i * codes.itemsize(), &q.codes[i],
                  static_cast<size_t>(codes.itemsize()));
      d[i] = static_cast<float>(q.scale * value_of(f, q.codes[i]));  // as `fmalab quantize --dequant` writes
      signal += v[i] * v[i];
      noise += (v[i] - d[i]) * (v[i] - d[i]);
    }
  }
  const double sqnr = noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  return module_attr("TensorQuantized")(codes, scale, sqnr, dequant);
}

py::object quantize_blocks_of(const BlockFormat& b, const py::array& raw, const py::kwargs& kw, bool weights_2d) {
  const Options o = options_from(kw);
  const py::array_t<double, py::array::c_style | py::array::forcecast> x(raw);
  const auto shape = shape_of(x);
  const size_t n = static_cast<size_t>(x.size()), last = static_cast<size_t>(shape.back());
  const bool f32 = raw.dtype().kind() == 'f' && raw.itemsize() == 4;
  std::vector<uint64_t> v(n);
  BlockTensor t;
  {
    py::gil_scoped_release release;
    static const Format f64 = *parse_format("e11m52"), fp32 = *parse_format("fp32");
    const double* xs = x.data();
    for (size_t i = 0; i < n; ++i) {
      uint64_t bits;
      std::memcpy(&bits, &xs[i], 8);
      // A float32 tensor's own bits; a float64 one rounded to nearest even (fmalab quantize's rule).
      v[i] = f32 ? fp32_code(xs[i]) : convert(f64, fp32, bits, Options{}).bits;
    }
    const size_t height = shape.size() >= 2 ? static_cast<size_t>(shape[shape.size() - 2]) : 0;
    t = quantize_block_tensor(b, std::span(xs, n), v, last, o, weights_2d, height);
  }
  auto sshape = shape;
  sshape.back() = static_cast<py::ssize_t>((last + static_cast<size_t>(b.k) - 1) / static_cast<size_t>(b.k));
  py::array_t<uint8_t> codes(shape), scales(sshape);
  py::array_t<float> dequant(shape);
  for (size_t i = 0; i < n; ++i) {
    codes.mutable_data()[i] = static_cast<uint8_t>(t.codes[i]);
    const auto w = static_cast<uint32_t>(t.dequant[i]);
    std::memcpy(&dequant.mutable_data()[i], &w, 4);
  }
  for (size_t i = 0; i < t.scales.size(); ++i) scales.mutable_data()[i] = static_cast<uint8_t>(t.scales[i]);
  py::object ts = py::none();
  if (b.nvfp4()) {
    const auto w = static_cast<uint32_t>(t.ts);
    float f;
    std::memcpy(&f, &w, 4);
    ts = py::float_(f);
  }
  return module_attr("BlockQuantized")(codes, scales, dequant, t.sqnr_db, ts);
}

py::object quantize(const std::string& fmt, const py::handle& values, bool weights_2d, const py::kwargs& kw) {
  std::string why;
  const auto block = parse_block_format(fmt, &why);
  const auto tensor_fmt = parse_format(fmt);
  if (!block && !per_tensor_format(fmt, tensor_fmt))
    throw py::value_error("quantize: unknown format '" + excerpt(fmt) + "'; valid: " + block_format_help() +
                          ", or the per-tensor e4m3, e5m2, int8, lnsW_F (W <= 16)");
  const py::array raw = py::array::ensure(values);
  if (!raw || (raw.dtype().kind() != 'f' && raw.dtype().kind() != 'i' && raw.dtype().kind() != 'u'))
    throw py::value_error("quantize takes an array of real values");
  if (raw.ndim() == 0 || raw.shape(raw.ndim() - 1) == 0 || raw.size() == 0)
    throw py::value_error("quantize needs at least one value along the last axis");
  if (block) return quantize_blocks_of(*block, raw, kw, weights_2d);
  for (const auto& [k, v] : kw)
    if (!v.is_none())
      throw py::value_error("quantize " + tensor_fmt->name + ": a per-tensor format takes no options (" +
                            excerpt(py::str(k).cast<std::string>()) + "=)");
  if (weights_2d) throw py::value_error("quantize " + tensor_fmt->name + ": weights_2d takes nvfp4");
  const py::array_t<double, py::array::c_style | py::array::forcecast> x(raw);
  return quantize_per_tensor(*tensor_fmt, x, shape_of(x));
}

}  // namespace

}  // namespace fmalab::python

PYBIND11_MODULE(fmalab, m) {
  using namespace fmalab::python;
  m.doc() =
      "fmalab: the bit-accurate golden model of ML arithmetic on NumPy arrays of codes.\n\n"
      "eval(unit, *operands, **options) -> (results, flags); quantize, decode, encode, formats, units,\n"
      "signature, trace. Options are the model's keys as keywords: round='rne'|'rtz'|'rdn'|'rup'|'rmm'|'sr',\n"
      "sat, sr_bits, window, sticky, ftz_in, ftz_out, preset, dot, rule, clamp, lns_round, lns_method\n"
      "(or method), lut_bits, madam_bins, madam_cbits. Bad input raises ValueError with one line.";
  const py::object namedtuple = py::module_::import("collections").attr("namedtuple");
  m.attr("TensorQuantized") = namedtuple("TensorQuantized", py::make_tuple("codes", "scale", "sqnr_db", "dequant"));
  m.attr("BlockQuantized") = namedtuple("BlockQuantized", py::make_tuple("codes", "scales", "dequant", "sqnr_db", "ts"));

  m.def("eval", &eval, py::arg("unit"),
        "eval(unit, *operands, **options) -> (results, flags)\n\n"
        "Evaluates a unit (a grammar such as 'fma:e4m3:fp32', 'dot:e4m3:fp32:16', or an RTL unit's name)\n"
        "on n vectors through the batch API, with the GIL released. One operand per operand group, in\n"
        "signature order (see signature(unit)), each an integer array of codes: shape (n,) for a group of one\n"
        "value, (n, K) for a group of K (a dot product's a and b); a scalar or a single (K,) vector is\n"
        "repeated for every vector. Under round='sr' one more operand, the random word, follows.\n"
        "results: one unsigned array per result group, (n,) or (n, K), of the narrowest dtype holding the\n"
        "result format; when the operation has several result groups (mxq: scale and p), results is a\n"
        "tuple of them in signature order. flags: uint8 (n,), RISC-V fflags (NV 0x10 DZ 8 OF 4 UF 2 NX 1).");
  m.def("signature", &signature, py::arg("unit"),
        "signature(unit, **options) -> dict: the operation's name, operand and result groups (name, format,\n"
        "bits, count), random_bits and options.");
  m.def("trace", &trace, py::arg("unit"),
        "trace(unit, *operands, **options) -> (stages, results, flags) for one vector: stages a list of\n"
        "(stage, 'key=value ...') as `fmalab eval --trace` prints them, results a tuple of the result words\n"
        "in signature order, flags an int. A group of K values is given as a sequence of K codes.");
  m.def("decode", &decode_codes, py::arg("fmt"), py::arg("codes"),
        "decode(fmt, codes) -> float64 array of the codes' values (NaN and Inf as NumPy's).");
  m.def("encode", &encode_values, py::arg("fmt"), py::arg("values"),
        "encode(fmt, values, round='rne', sat=False, ftz_out=False, lns_round='log') -> (codes, flags):\n"
        "float64 values rounded into fmt (codes: the narrowest unsigned dtype; flags uint8 per value).");
  m.def("formats", &formats, py::arg("names") = py::none(),
        "formats(names=None) -> list of dicts: every named format (or the ones named) with its bits, kind,\n"
        "largest finite value (max), and for floats exp_bits, man_bits, bias, emin, emax, min_subnormal,\n"
        "min_normal, inf/NaN codes.");
  m.def("units", &units,
        "units() -> {'operations': [{keyword, grammar, summary, example}], 'rtl_units': [{name, model,\n"
        "options, in, out}]} (the registry of model/operation.cpp and rtl/units.json).");
  m.def("quantize", &quantize, py::arg("fmt"), py::arg("x"), py::kw_only(), py::arg("weights_2d") = false,
        "quantize(fmt, x, *, round=, rule=, clamp=, weights_2d=False), as `fmalab quantize FMT`.\n\n"
        "Block formats (mxfp8_e4m3, mxfp4_e2m1, nvfp4, ...): x cut into blocks of k along its last axis ->\n"
        "BlockQuantized(codes uint8 shaped as x, scales uint8 with the last axis ceil(last / k), dequant\n"
        "float32 as x, sqnr_db, ts: NVFP4's per-tensor encode scale as a float, None for MX).\n"
        "Per-tensor formats (e4m3, e5m2, int8, lnsW_F with W <= 16) -> TensorQuantized(codes, scale,\n"
        "sqnr_db, dequant float32): one scale max|x| / max(fmt), codes rounded to nearest even, saturated.");
}
