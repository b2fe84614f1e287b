#include "regress.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <tuple>

#include "cli.hpp"
#include "cosim.hpp"
#include "rtl_units.hpp"
#include "vectors.hpp"

namespace fmalab::regress {

using cli::InputError;

// A reader of the JSON this file writes (results files, checkpoint lines): objects, arrays,
// strings, numbers, true/false/null. No JSON library is among the project's dependencies.
namespace json {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Value {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  std::string text;  // a string's value, a number's digits
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;

  const Value& at(const std::string& key) const {
    if (kind != Object) throw Error("expected an object holding \"" + key + "\"");
    for (const auto& [k, v] : members)
      if (k == key) return v;
    throw Error("missing \"" + key + "\"");
  }
  const std::vector<Value>& arr() const {
    if (kind != Array) throw Error("expected an array");
    return items;
  }
  const std::string& str() const {
    if (kind != String) throw Error("expected a string");
    return text;
  }
  double num() const {
    if (kind != Number) throw Error("expected a number");
    return std::strtod(text.c_str(), nullptr);
  }
  uint64_t u64() const {
    if (kind != Number || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19)
      throw Error("expected a whole number");
    return std::stoull(text);
  }
};

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}
  Value document() {
    Value v = value(0);
    space();
    if (at_ != s_.size()) fail("text after the value");
    return v;
  }

 private:
  const std::string& s_;
  size_t at_ = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(what + " at offset " + std::to_string(at_));
  }
  void space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\t' || s_[at_] == '\r')) ++at_;
  }
  char peek() {
    space();
    if (at_ >= s_.size()) fail("unexpected end");
    return s_[at_];
  }
  void expect(char ch) {
    if (peek() != ch) fail(std::string("expected '") + ch + "'");
    ++at_;
  }
  bool word(const char* w) {
    const size_t n = std::strlen(w);
    if (s_.compare(at_, n, w) != 0) return false;
    at_ += n;
    return true;
  }
  std::string string() {
    expect('"');
    std::string o;
    while (at_ < s_.size() && s_[at_] != '"') {
      char ch = s_[at_++];
      if (ch == '\\') {
        if (at_ >= s_.size()) break;
        const char e = s_[at_++];
        if (e == 'n') ch = '\n';
        else if (e == 't') ch = '\t';
        else if (e == 'u') {
          if (at_ + 4 > s_.size()) fail("bad \\u escape");
          const unsigned long c = std::strtoul(s_.substr(at_, 4).c_str(), nullptr, 16);
          if (c > 0x7f) fail("non-ASCII \\u escape");
          ch = static_cast<char>(c);
          at_ += 4;
        } else ch = e;
      }
      o += ch;
    }
    if (at_ >= s_.size()) fail("unterminated string");
    ++at_;
    return o;
  }
  Value value(int depth) {
    if (depth > 32) fail("nested too deep");
    Value v;
    const char ch = peek();
    if (ch == '{') {
      v.kind = Value::Object;
      ++at_;
      if (peek() == '}') return ++at_, v;
      for (;;) {
        std::string k = string();
        expect(':');
        v.members.emplace_back(std::move(k), value(depth + 1));
        if (peek() == ',') { ++at_; continue; }
        expect('}');
        return v;
      }
    }
    if (ch == '[') {
      v.kind = Value::Array;
      ++at_;
      if (peek() == ']') return ++at_, v;
      for (;;) {
        v.items.push_back(value(depth + 1));
        if (peek() == ',') { ++at_; continue; }
        expect(']');
        return v;
      }
    }
    if (ch == '"') {
      v.kind = Value::String;
      v.text = string();
      return v;
    }
    if (word("true") || word("false")) return v.kind = Value::Bool, v;
    if (word("null")) return v;
    const size_t start = at_;
    while (at_ < s_.size() && std::strchr("+-.eE0123456789", s_[at_])) ++at_;
    if (at_ == start) fail("unexpected character");
    v.kind = Value::Number;
    v.text = s_.substr(start, at_ - start);
    return v;
  }
};

Value parse(const std::string& text) { return Parser(text).document(); }

}  // namespace json

namespace {

const char* const kModes[] = {"rne", "rtz", "rdn", "rup", "rmm"};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s.append(s.empty() ? "" : ",").append(x);
  return s;
}

// A campaign unit: an RTL unit by name, or fault:K, the K-th planted-fault build of one.
struct UnitRef {
  const rtl::UnitInfo* info = nullptr;
  long fault = -1;
};

UnitRef resolve(const std::string& name) {
  UnitRef r;
  if (name.rfind("fault:", 0) == 0) {
    const std::string k = name.substr(6);
    const auto& faults = rtl::fault_builds();
    if (k.empty() || k.size() > 4 || k.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(k) >= faults.size())
      throw InputError("unknown fault build '" + excerpt(name) + "'; there are " + std::to_string(faults.size()) +
                       " (fault:0 ...)");
    r.fault = static_cast<long>(std::stoul(k));
    r.info = rtl::find_unit(faults[static_cast<size_t>(r.fault)].unit);
  } else {
    r.info = rtl::find_unit(name);
  }
  if (!r.info) throw InputError("unknown RTL unit '" + excerpt(name) + "' (fmalab units lists them; or all)");
  return r;
}

std::unique_ptr<UnitBinding> bind(const rtl::UnitInfo& info) {
  try {
    return std::make_unique<UnitBinding>(info);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ull;
  return h;
}

std::string hex_words(std::span<const uint64_t> w, uint8_t flags, bool with_flags) {
  std::string s;
  for (uint64_t x : w) s.append(s.empty() ? "" : " ").append(cli::hex(x, 1));
  if (with_flags) s += " flags=" + cli::hex(flags, 2);
  return s;
}

}  // namespace

std::string Campaign::id() const {
  return "fmalab-regress 1 units=" + joined(units) + " modes=" + (modes.empty() ? "all" : joined(modes)) +
         " classes=" + (classes.empty() ? "all" : joined(classes)) + " count=" + std::to_string(count) +
         " seed=" + std::to_string(seed) + " chunk=" + std::to_string(chunk) + " arch=" +
         rtl::variants()[static_cast<size_t>(arch)];
}

Plan plan(const Campaign& c) {
  for (const auto& m : c.modes)
    if (std::find(std::begin(kModes), std::end(kModes), m) == std::end(kModes))
      throw InputError("unknown rounding mode '" + excerpt(m) + "'; valid: rne, rtz, rdn, rup, rmm, all");
  Plan p;
  std::set<std::string> seen_classes;
  for (const auto& name : c.units) {
    const UnitRef u = resolve(name);
    if (u.fault < 0 && !rtl::make_unit(name, c.arch))  // a row's "variants" may leave this arch out
      throw InputError("RTL unit " + name + " is not built with --arch " + rtl::variants()[static_cast<size_t>(c.arch)]);
    const auto b = bind(*u.info);
    std::vector<std::pair<std::string, unsigned>> modes;
    if (u.info->has_rnd()) {
      for (unsigned f = 0; f < 5; ++f)
        if (c.modes.empty() || std::find(c.modes.begin(), c.modes.end(), kModes[f]) != c.modes.end())
          modes.emplace_back(kModes[f], f);
    } else {
      // No rnd port: the unit's one rounding (which may be no IEEE mode: a preset's truncation),
      // run whatever --modes asks.
      modes.emplace_back("fixed", 0);
    }
    const auto classes = b->model(0).vector_classes();
    for (const auto& [mode, frm] : modes)
      for (const auto& cls : classes) {
        if (!c.classes.empty() && std::find(c.classes.begin(), c.classes.end(), cls) == c.classes.end()) continue;
        seen_classes.insert(cls);
        p.cases.push_back({name, mode, cls, frm});
      }
  }
  for (const auto& cls : c.classes)
    if (!seen_classes.count(cls)) throw InputError("no unit of the campaign has vector class '" + excerpt(cls) + "'");
  const uint64_t chunks = c.count == 0 ? 0 : (c.count + c.chunk - 1) / c.chunk;
  for (size_t k = 0; k < p.cases.size(); ++k)
    for (uint64_t j = 0; j < chunks; ++j) p.items.push_back({k, j, std::min(c.chunk, c.count - j * c.chunk)});
  return p;
}

uint64_t item_seed(uint64_t seed, const Case& k, uint64_t chunk) {
  const uint64_t h = fnv1a(k.unit + '\0' + k.mode + '\0' + k.cls + '\0' + std::to_string(chunk));
  return splitmix64(splitmix64(seed) ^ h);
}

ItemResult run_item(const Campaign& c, const Plan& p, size_t index, const std::function<void(uint64_t)>& tick) {
  const Item& it = p.items[index];
  const Case& k = p.cases[it.case_index];
  const UnitRef u = resolve(k.unit);
  std::unique_ptr<rtl::Unit> rtl = u.fault >= 0 ? rtl::make_fault_build(static_cast<size_t>(u.fault))
                                                : rtl::make_unit(u.info->name, c.arch);
  if (!rtl)
    throw InputError("RTL unit " + u.info->name + " is not built with --arch " +
                     rtl::variants()[static_cast<size_t>(c.arch)]);
  // plan() has bound this unit's ports to its model already, so Cosim's constructor cannot refuse them here.
  Cosim cosim(*u.info, *rtl);
  const UnitBinding& b = cosim.binding();
  VectorStream stream(b.model(0), item_seed(c.seed, k, it.chunk), {k.cls}, {k.frm});

  ItemResult r;
  r.item = index;
  CosimReport counts;
  const bool flags = u.info->has_flags();
  cosim.on_mismatch([&](const MismatchSeen& x) {
    if (r.first.size() >= kKeep) return;
    Mismatch m;
    m.item = index;
    m.vector = counts.passed + counts.failed - 1;  // score() has counted this vector already
    m.operands = b.operands_text(x.operands);
    m.mode = k.mode;
    m.want = hex_words(x.want, x.want_flags, flags);
    m.got = hex_words(x.got, x.got_flags, flags);
    m.stage = x.stage;
    m.detail = x.detail;
    r.first.push_back(std::move(m));
  });
  const auto t0 = std::chrono::steady_clock::now();
  VectorBatch batch(b.model(0).signature().operand_words());
  constexpr uint64_t kBatch = 1 << 14;
  for (uint64_t done = 0; done < it.count; done += batch.size()) {
    batch.resize(static_cast<size_t>(std::min(kBatch, it.count - done)));
    stream.next(batch);
    cosim.run(batch, counts);
    tick(batch.size());
  }
  r.passed = counts.passed;
  r.failed = counts.failed;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

uint64_t Results::passed() const {
  uint64_t n = 0;
  for (const auto& k : cases) n += k.passed;
  return n;
}

uint64_t Results::failed() const {
  uint64_t n = 0;
  for (const auto& k : cases) n += k.failed;
  return n;
}

namespace {

bool earlier(const Mismatch& x, const Mismatch& y) { return std::tie(x.item, x.vector) < std::tie(y.item, y.vector); }

void add_to(CaseResult& k, uint64_t passed, uint64_t failed, double secs, const std::vector<Mismatch>& first) {
  k.passed += passed;
  k.failed += failed;
  k.seconds += secs;
  k.first.insert(k.first.end(), first.begin(), first.end());
  std::sort(k.first.begin(), k.first.end(), earlier);
  if (k.first.size() > kKeep) k.first.resize(kKeep);
}

}  // namespace

Results collect(const Campaign& c, const Plan& p, unsigned shard, unsigned shards, std::vector<ItemResult> items) {
  Results r;
  r.campaign = c.id();
  r.shard_count = shards;
  r.shards = {shard};
  r.items_total = p.items.size();
  std::sort(items.begin(), items.end(), [](const ItemResult& x, const ItemResult& y) { return x.item < y.item; });
  std::map<size_t, CaseResult> by_case;
  for (const auto& it : items) {
    r.items.push_back(it.item);
    const size_t ci = p.items[it.item].case_index;
    CaseResult& k = by_case[ci];
    k.index = ci;
    k.unit = p.cases[ci].unit;
    k.mode = p.cases[ci].mode;
    k.cls = p.cases[ci].cls;
    add_to(k, it.passed, it.failed, it.seconds, it.first);
  }
  for (auto& [ci, k] : by_case) r.cases.push_back(std::move(k));
  return r;
}

// ---- JSON -------------------------------------------------------------------------------------

namespace {

std::string quoted(const std::string& s) {
  std::string o = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\', o += static_cast<char>(ch);
    else if (ch == '\n') o += "\\n";
    else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      o += buf;
    } else o += static_cast<char>(ch);
  }
  return o + "\"";
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string mismatch_json(const Mismatch& m) {
  return "{\"item\": " + std::to_string(m.item) + ", \"vector\": " + std::to_string(m.vector) +
         ", \"operands\": " + quoted(m.operands) + ", \"mode\": " + quoted(m.mode) + ", \"want\": " + quoted(m.want) +
         ", \"got\": " + quoted(m.got) + ", \"stage\": " + quoted(m.stage) + ", \"detail\": " + quoted(m.detail) + "}";
}

std::string mismatches_json(const std::vector<Mismatch>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s.append(i ? ", " : "").append(mismatch_json(v[i]));
  return s + "]";
}

Mismatch mismatch_of(const json::Value& v) {
  Mismatch m;
  m.item = v.at("item").u64();
  m.vector = v.at("vector").u64();
  m.operands = v.at("operands").str();
  m.mode = v.at("mode").str();
  m.want = v.at("want").str();
  m.got = v.at("got").str();
  m.stage = v.at("stage").str();
  m.detail = v.at("detail").str();
  return m;
}

std::vector<Mismatch> mismatches_of(const json::Value& v) {
  std::vector<Mismatch> out;
  for (const auto& m : v.arr()) out.push_back(mismatch_of(m));
  return out;
}

std::string item_line(const ItemResult& r) {
  return "{\"item\": " + std::to_string(r.item) + ", \"passed\": " + std::to_string(r.passed) + ", \"failed\": " +
         std::to_string(r.failed) + ", \"time\": " + seconds_text(r.seconds) +
         ", \"first_mismatches\": " + mismatches_json(r.first) + "}\n";
}

ItemResult item_of(const json::Value& v) {
  ItemResult r;
  r.item = v.at("item").u64();
  r.passed = v.at("passed").u64();
  r.failed = v.at("failed").u64();
  r.seconds = v.at("time").num();
  r.first = mismatches_of(v.at("first_mismatches"));
  return r;
}

}  // namespace

std::string to_json(const Results& r) {
  std::string s = "{\n  \"campaign\": " + quoted(r.campaign) + ",\n";
  const std::string n = std::to_string(r.shard_count);
  s += "  \"shard\": " +
       quoted(r.shards.size() == 1 ? std::to_string(r.shards[0]) + "/" + n
                                   : "merged " + std::to_string(r.shards.size()) + " of " + n) + ",\n";
  s += "  \"shard_count\": " + std::to_string(r.shard_count) + ",\n  \"shards\": [";
  for (size_t i = 0; i < r.shards.size(); ++i) s.append(i ? ", " : "").append(std::to_string(r.shards[i]));
  s += "],\n  \"items_total\": " + std::to_string(r.items_total) + ",\n  \"items\": [";
  for (size_t i = 0; i < r.items.size(); ++i) s.append(i ? ", " : "").append(std::to_string(r.items[i]));
  s += "],\n  \"totals\": {\"passed\": " + std::to_string(r.passed()) + ", \"failed\": " + std::to_string(r.failed()) +
       "},\n  \"cases\": [";
  for (size_t i = 0; i < r.cases.size(); ++i) {
    const CaseResult& k = r.cases[i];
    s += std::string(i ? "," : "") + "\n    {\"case\": " + std::to_string(k.index) + ", \"unit\": " + quoted(k.unit) + ", \"mode\": " + quoted(k.mode) +
         ", \"class\": " + quoted(k.cls) + ", \"passed\": " + std::to_string(k.passed) +
         ", \"failed\": " + std::to_string(k.failed) + ", \"time\": " + seconds_text(k.seconds) +
         ", \"first_mismatches\": " + mismatches_json(k.first) + "}";
  }
  return s + "\n  ]\n}\n";
}

Results from_json(const std::string& text, const std::string& name) {
  try {
    const json::Value v = json::parse(text);
    Results r;
    r.campaign = v.at("campaign").str();
    r.shard_count = static_cast<unsigned>(v.at("shard_count").u64());
    for (const auto& s : v.at("shards").arr()) r.shards.push_back(static_cast<unsigned>(s.u64()));
    r.items_total = v.at("items_total").u64();
    for (const auto& i : v.at("items").arr()) r.items.push_back(i.u64());
    for (const auto& c : v.at("cases").arr()) {
      CaseResult k;
      k.index = c.at("case").u64();
      k.unit = c.at("unit").str();
      k.mode = c.at("mode").str();
      k.cls = c.at("class").str();
      k.passed = c.at("passed").u64();
      k.failed = c.at("failed").u64();
      k.seconds = c.at("time").num();
      k.first = mismatches_of(c.at("first_mismatches"));
      r.cases.push_back(std::move(k));
    }
    if (r.shard_count == 0) throw json::Error("shard_count 0");
    return r;
  } catch (const json::Error& e) {
    throw InputError("results file '" + excerpt(name) + "': " + e.what());
  }
}

Results merge(std::vector<Results> parts, const std::vector<std::string>& names) {
  if (parts.empty()) throw InputError("merge needs at least one shard results file");
  Results r;
  r.campaign = parts[0].campaign;
  r.shard_count = parts[0].shard_count;
  r.items_total = parts[0].items_total;
  std::set<unsigned> shards;
  std::set<uint64_t> items;
  std::map<uint64_t, CaseResult> cases;  // by case index: the campaign's order
  for (size_t i = 0; i < parts.size(); ++i) {
    const Results& p = parts[i];
    const std::string n = "'" + excerpt(names[i]) + "'";
    if (p.campaign != r.campaign || p.shard_count != r.shard_count || p.items_total != r.items_total)
      throw InputError(n + " is of another campaign than '" + excerpt(names[0]) + "'");
    for (unsigned s : p.shards)
      if (!shards.insert(s).second) throw InputError(n + " overlaps another file: shard " + std::to_string(s) + " twice");
    for (uint64_t it : p.items)
      if (!items.insert(it).second) throw InputError(n + " overlaps another file: item " + std::to_string(it) + " twice");
  }
  if (shards.size() == r.shard_count && items.size() != r.items_total)
    throw InputError("every shard is present but " + std::to_string(r.items_total - items.size()) + " of " +
                     std::to_string(r.items_total) + " items are missing");
  r.shards.assign(shards.begin(), shards.end());
  r.items.assign(items.begin(), items.end());
  for (const auto& p : parts)
    for (const auto& k : p.cases) {
      auto [at, fresh] = cases.try_emplace(k.index);
      if (fresh) {
        at->second.index = k.index;
        at->second.unit = k.unit;
        at->second.mode = k.mode;
        at->second.cls = k.cls;
      } else if (at->second.unit != k.unit || at->second.mode != k.mode || at->second.cls != k.cls) {
        throw InputError("case " + std::to_string(k.index) + " differs between the files (" + excerpt(k.unit) + ")");
      }
      add_to(at->second, k.passed, k.failed, k.seconds, k.first);
    }
  for (auto& [i, k] : cases) r.cases.push_back(std::move(k));
  return r;
}

// ---- JUnit ------------------------------------------------------------------------------------

namespace {

std::string xml(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

}  // namespace

std::string to_junit(const Results& r) {
  std::map<std::string, std::vector<const CaseResult*>> suites;
  std::vector<std::string> order;
  for (const auto& k : r.cases) {
    if (!suites.count(k.unit)) order.push_back(k.unit);
    suites[k.unit].push_back(&k);
  }
  uint64_t tests = 0, failures = 0;
  double total = 0;
  for (const auto& k : r.cases) tests += 1, failures += k.failed ? 1 : 0, total += k.seconds;
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"fmalab regress\" tests=\"" +
                  std::to_string(tests) + "\" failures=\"" + std::to_string(failures) + "\" time=\"" +
                  seconds_text(total) + "\">\n";
  for (const auto& unit : order) {
    const auto& ks = suites[unit];
    uint64_t f = 0;
    double t = 0;
    for (const auto* k : ks) f += k->failed ? 1 : 0, t += k->seconds;
    s += "  <testsuite name=\"" + xml(unit) + "\" tests=\"" + std::to_string(ks.size()) + "\" failures=\"" +
         std::to_string(f) + "\" errors=\"0\" time=\"" + seconds_text(t) + "\">\n";
    for (const auto* k : ks) {
      s += "    <testcase classname=\"" + xml(unit) + "\" name=\"" + xml(k->mode + "/" + k->cls) + "\" time=\"" +
           seconds_text(k->seconds) + "\">";
      if (k->failed) {
        const std::string stage = k->first.empty() ? "none" : k->first[0].stage;
        s += "\n      <failure type=\"mismatch\" message=\"" +
             xml(std::to_string(k->failed) + " of " + std::to_string(k->passed + k->failed) +
                 " vectors mismatch; first differing stage " + stage) +
             "\">";
        for (const auto& m : k->first)
          s += xml("operands " + m.operands + " mode " + m.mode + ": want " + m.want + ", got " + m.got + "; stage " +
                   m.stage + ": " + m.detail) +
               "\n";
        s += "</failure>\n    ";
      }
      s += "<system-out>" + xml(std::to_string(k->passed) + " passed, " + std::to_string(k->failed) + " failed") +
           "</system-out></testcase>\n";
    }
    s += "  </testsuite>\n";
  }
  return s + "</testsuites>\n";
}

// ---- checkpoint -------------------------------------------------------------------------------

namespace {

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw InputError("cannot write checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) throw InputError("cannot sync checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
}

std::string read_all(int fd, const std::string& path) {
  std::string s;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw InputError("cannot read checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
    if (n == 0) return s;
    s.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

Checkpoint::Checkpoint(const std::string& path, const std::string& header) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw InputError("cannot open checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
  const std::string text = read_all(fd_, path);
  // Keep the whole lines that parse; a kill mid-write leaves at most the last one torn.
  size_t good = 0;
  const size_t eol = text.find('\n');
  if (eol != std::string::npos) {
    if (text.substr(0, eol) != header) {
      ::close(fd_);
      fd_ = -1;
      throw InputError("checkpoint '" + excerpt(path) + "' is of another campaign or shard: " +
                       excerpt(text.substr(0, eol)));
    }
    good = eol + 1;
    for (size_t at = good, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
      try {
        done_.push_back(item_of(json::parse(text.substr(at, end - at))));
      } catch (const json::Error&) {
        break;
      }
      good = end + 1;
    }
  }
  if (good < text.size() || good == 0) {
    if (::ftruncate(fd_, static_cast<off_t>(good)) != 0)
      throw InputError("cannot truncate checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
  }
  if (::lseek(fd_, static_cast<off_t>(good), SEEK_SET) < 0)
    throw InputError("cannot seek checkpoint '" + excerpt(path) + "': " + std::strerror(errno));
  if (good == 0) write_all(fd_, header + "\n", path);
}

Checkpoint::~Checkpoint() {
  if (fd_ >= 0) ::close(fd_);
}

void Checkpoint::append(const ItemResult& r) { write_all(fd_, item_line(r), path_); }

}  // namespace fmalab::regress
