// fmalab units: every registered operation grammar and every RTL unit, from the two registries
// (model/operation.cpp and rtl/units.json), as text or JSON.
#include <cstdio>

#include "cli.hpp"
#include "rtl_units.hpp"

namespace fmalab::cli {

namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// An RTL unit's ports, as its registry row (rtl/units.json) gives them.
std::vector<Field> rtl_ports(const rtl::UnitInfo& u) {
  std::vector<Field> ports = {{"a", u.a_bits}, {"b", u.b_bits}, {"c", u.c_bits}};
  if (u.has_rnd) ports.push_back({"rnd", 3});
  ports.push_back({"y", u.y_bits});
  if (u.has_flags) ports.push_back({"flags", 5});
  return ports;
}

}  // namespace

int run_units(const std::vector<std::string>& args) {
  bool json = false;
  std::string out_path;
  for (size_t i = 0; i < args.size(); ++i) {
    check_option(args[i], {"--json", "-o"}, "units");
    if (args[i] == "--json") json = true;
    else if (args[i] == "-o") out_path = need_value(args, i);
    else throw InputError("unexpected argument '" + excerpt(args[i]) + "'; units takes no UNIT");
  }
  Output out(out_path);
  if (json) {
    std::string s = "{\n  \"operations\": [";
    const char* sep = "\n";
    for (const auto& k : operation_kinds()) {
      s += sep + std::string("    {\"grammar\": ") + json_string(k.grammar) + ", \"summary\": " + json_string(k.summary) + "}";
      sep = ",\n";
    }
    s += "\n  ],\n  \"rtl_units\": [";
    sep = "\n";
    for (const auto& u : rtl::units()) {
      s += sep + std::string("    {\"name\": ") + json_string(u.name) + ", \"model\": " + json_string(u.model) +
           ", \"ports\": {";
      const char* psep = "";
      for (const auto& p : rtl_ports(u)) {
        s += psep;
        s += json_string(p.name) + ": " + std::to_string(p.bits);
        psep = ", ";
      }
      s += "}}";
      sep = ",\n";
    }
    out.write(s + "\n  ]\n}\n");
  } else {
    std::string s = "# operations (fmalab eval UNIT)\n";
    char line[256];
    for (const auto& k : operation_kinds()) {
      std::snprintf(line, sizeof line, "%-16.*s %.*s\n", static_cast<int>(k.grammar.size()), k.grammar.data(),
                    static_cast<int>(k.summary.size()), k.summary.data());
      s += line;
    }
    s += "# RTL units (fmalab cosim UNIT): name, model operation, ports\n";
    for (const auto& u : rtl::units()) {
      std::string ports;
      for (const auto& p : rtl_ports(u)) {
        if (!ports.empty()) ports += ' ';
        ports += p.name + ":" + std::to_string(p.bits);
      }
      std::snprintf(line, sizeof line, "%-16s %-18s %s\n", u.name.c_str(), u.model.c_str(), ports.c_str());
      s += line;
    }
    out.write(s);
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
