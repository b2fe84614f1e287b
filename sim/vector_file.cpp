#include "vector_file.hpp"

#include <cstdio>
#include <cstdlib>

namespace fmalab {

namespace {


[[noreturn]] void bad(long line, const std::string& what) {
  throw cli::InputError("line " + std::to_string(line) + ": " + what);
}

int whole(const std::string& key, const std::string& v, long line, int lo, int hi) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < lo || n > hi)
    bad(line, "header field " + key + " takes a whole number from " + std::to_string(lo) + " to " +
                  std::to_string(hi) + ", got '" + excerpt(v) + "'");
  return static_cast<int>(n);
}


std::vector<Field> parse_fields(const std::string& v, long line) {
  std::vector<Field> out;
  size_t at = 0;
  while (at <= v.size()) {
    const size_t comma = std::min(v.find(',', at), v.size());
    const std::string item = v.substr(at, comma - at);
    const size_t colon = item.find(':');
    if (colon == std::string::npos || colon == 0)
      bad(line, "header fields= takes name:bits,..., got '" + excerpt(item) + "'");
    out.push_back({item.substr(0, colon), whole("fields", item.substr(colon + 1), line, 1, 64)});
    at = comma + 1;
  }
  return out;
}

}  // namespace

std::string fields_text(const std::vector<Field>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "" : ",") + f.name + ":" + std::to_string(f.bits);
  return s;
}

std::vector<Field> vector_fields(const Signature& sig, bool mixed) {
  std::vector<Field> f = sig.fields();
  if (mixed) f.insert(f.begin() + static_cast<long>(sig.operand_values()), Field{"rnd", 3});
  return f;
}

VectorHeader VectorHeader::of(const std::string& unit, const Operation& op, bool mixed) {
  Options o = op.options();
  if (mixed) o.mode = Round::RNE;
  return VectorHeader{unit, o, mixed, vector_fields(op.signature(), mixed), {}};
}

VectorRow split_row(const VectorHeader& h, const Signature& sig, std::span<const uint64_t> row) {
  const size_t values = sig.operand_values(), words = sig.operand_words();
  VectorRow r;
  if (h.mixed) {
    r.operands = row.first(values);
    r.frm = static_cast<unsigned>(row[values]);
    r.results = row.subspan(values + 1, sig.result_words());
  } else {
    r.operands = row.first(words);
    r.frm = h.options.mode == Round::SR ? 0 : static_cast<unsigned>(h.options.mode);
    r.results = row.subspan(words, sig.result_words());
  }
  r.flags = static_cast<uint8_t>(row.back());
  return r;
}

std::string VectorHeader::line() const {
  // The options every operation reads, fields=, then those only some read (when not at their default).
  std::string s = std::string(kVectorMagic) + " unit=" + unit, later;
  const Options defaults;
  for (const auto& f : option_fields()) {
    const std::string v = f.key == "round" && mixed ? "mixed" : f.get(options);
    if (f.optional && v == f.get(defaults)) continue;
    (f.optional ? later : s) += " " + std::string(f.key) + "=" + v;
  }
  s += " fields=" + fields_text(fields) + later;
  for (const auto& [k, v] : info) s += " " + k + "=" + v;
  return s + "\n";
}

bool VectorHeader::is_header(const std::string& text) { return text.rfind(kVectorMagic, 0) == 0; }

VectorHeader VectorHeader::parse(const std::string& text, long line) {
  if (!is_header(text)) bad(line, "not a vector file: the first line must start '" + std::string(kVectorMagic) + "'");
  VectorHeader h;
  const auto tok = cli::tokens_of(text.substr(std::string(kVectorMagic).size()));
  bool have_fields = false;
  for (const auto& t : tok) {
    const size_t eq = t.find('=');
    if (eq == std::string::npos || eq == 0) bad(line, "header field '" + excerpt(t) + "' is not key=value");
    const std::string k = t.substr(0, eq), v = t.substr(eq + 1);
    std::string why;
    if (k == "unit") {
      h.unit = v;
    } else if (k == "round" && v == "mixed") {
      h.mixed = true;
    } else if (const OptionField* f = find_option_field(k)) {
      if (!f->set(h.options, v, &why)) bad(line, "header field " + why);
    } else if (k == "fields") {
      h.fields = parse_fields(v, line);
      have_fields = true;
    } else {
      h.info.emplace_back(k, v);
    }
  }
  if (h.unit.empty()) bad(line, "the header names no unit=");
  if (!have_fields) bad(line, "the header names no fields=");
  return h;
}

VectorWriter::VectorWriter(cli::Output& out, const VectorHeader& h, VectorLayout layout) : out_(out), layout_(layout) {
  for (const auto& f : h.fields) digits_.push_back((f.bits + 3) / 4);
  if (layout == VectorLayout::Csv) {
    std::string names;
    for (const auto& f : h.fields) names += (names.empty() ? "" : ",") + f.name;
    out_.write(names + "\n");
  } else {
    out_.write(h.line());
  }
}

void VectorWriter::write(std::span<const uint64_t> row) {
  std::string s;
  const char sep = layout_ == VectorLayout::Csv ? ',' : layout_ == VectorLayout::Memh ? '\n' : ' ';
  char buf[24];
  for (size_t i = 0; i < row.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%0*llx", digits_[i], static_cast<unsigned long long>(row[i]));
    if (i) s += sep;
    s += buf;
  }
  out_.write(s + "\n");
}

VectorReader::VectorReader(const std::string& path)
    : owned_(std::make_unique<cli::Input>(path)), in_(owned_.get()) {
  while (in_->next_line(line_)) {
    if (cli::tokens_of(line_).empty()) continue;
    header_ = VectorHeader::parse(line_, in_->line_number());
    return;
  }
  bad(1, "not a vector file: it is empty");
}

VectorReader::VectorReader(cli::Input& in, const std::string& header, long line)
    : in_(&in), header_(VectorHeader::parse(header, line)) {}

bool VectorReader::next(std::span<uint64_t> row) {
  const auto& fields = header_.fields;
  while (in_->next_line(line_)) {
    const size_t comment = line_.find("//");
    const auto tok = cli::tokens_of(comment == std::string::npos ? line_ : line_.substr(0, comment));
    if (tok.empty()) continue;
    const long n = in_->line_number();
    if (tok.size() != fields.size())
      bad(n, "a vector of " + header_.unit + " has " + std::to_string(fields.size()) + " fields, got " +
                 std::to_string(tok.size()));
    for (size_t i = 0; i < tok.size(); ++i) {
      const size_t digits = static_cast<size_t>((fields[i].bits + 3) / 4);
      if (tok[i].size() != digits)
        bad(n, "field " + fields[i].name + " takes " + std::to_string(digits) + " hex digits, got '" +
                   excerpt(tok[i]) + "'");
      row[i] = cli::parse_hex(tok[i], n);
      if (fields[i].bits < 64 && (row[i] >> fields[i].bits) != 0)
        bad(n, "field " + fields[i].name + " '" + excerpt(tok[i]) + "' is wider than " +
                   std::to_string(fields[i].bits) + " bits");
    }
    return true;
  }
  return false;
}

}  // namespace fmalab
