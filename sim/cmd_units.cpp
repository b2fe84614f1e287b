// fmalab units: every registered operation grammar and every RTL unit, from the two registries
// (model/operation.cpp and rtl/units.json), as text or JSON.
#include <cstdio>

#include <CLI/CLI.hpp>

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

// A port as its registry row (rtl/units.json) writes it: "a:8", "a:8x32".
std::string port_text(const rtl::Port& p) {
  std::string s = p.name + ":" + std::to_string(p.bits);
  if (p.count != 1) s += "x" + std::to_string(p.count);
  return s;
}

std::string port_list(const std::vector<rtl::Port>& ports, bool json) {
  std::string s;
  for (const auto& p : ports) {
    if (!s.empty()) s += json ? ", " : " ";
    s += json ? json_string(port_text(p)) : port_text(p);
  }
  return s;
}

}  // namespace

int run_units(const std::vector<std::string>& args) {
  bool json = false;
  std::string out_path;
  CLI::App app("Every operation grammar and every RTL unit with its model, options and ports.", "fmalab units");
  init_app(app);
  app.add_flag("--json", json, "as JSON: {operations: [{grammar, summary}], rtl_units: [{name, model, options, in, out}]}");
  add_output(app, out_path);
  parse(app, args);
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
           ", \"options\": " + json_string(u.options) + ", \"in\": [" + port_list(u.in, true) + "], \"out\": [" + port_list(u.out, true) + "]}";
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
    s += "# RTL units (fmalab cosim UNIT): name, model operation and options, input ports -> output ports\n";
    for (const auto& u : rtl::units()) {
      s += u.name;
      s.append(u.name.size() < 16 ? 17 - u.name.size() : 1, ' ');
      const std::string model = u.model + (u.options.empty() ? "" : " " + u.options);
      s += model;
      s.append(model.size() < 18 ? 19 - model.size() : 1, ' ');
      s += port_list(u.in, false);
      s += " -> ";
      s += port_list(u.out, false);
      s += "\n";
    }
    out.write(s);
  }
  out.commit();
  return 0;
}

}  // namespace fmalab::cli
