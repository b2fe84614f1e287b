// The SystemC testbench: Stimulus -> (sc_fifo) -> GoldenModel -> (sc_fifo) -> Scoreboard, with the
// unit's Verilated sc_module driven by Stimulus and sampled by Scoreboard. One vector per 10 ns:
// Stimulus writes the unit's input signals at t, the unit settles in the delta cycles of t, the
// model's expectation reaches the scoreboard in zero time, and the scoreboard samples at t + 5 ns.
#include "sc_cosim.hpp"

#include <exception>
#include <ostream>
#include <stdexcept>
#include <systemc>

#include "sc_units.hpp"

// libsystemc holds a main() that calls sc_main, so linking it needs an sc_main, though fmalab's own
// main() is the one that runs and never calls it. Weak, so another SystemC view linked into the same
// binary may define its own.
extern "C" __attribute__((weak)) int sc_main(int, char**) { return 1; }

namespace fmalab {

namespace {

// A vector on its way to the model: its operands and the mode on rnd; `last` ends the stream.
struct Stimulus {
  std::vector<uint64_t> operands;
  unsigned mode = 0;
  bool last = false;
};

// The model's answer to a vector, with the vector (the scoreboard reports it on a mismatch).
struct Expected {
  Stimulus vector;
  std::vector<uint64_t> results;
  uint8_t flags = 0;
};

// sc_fifo prints its contents with these.
std::ostream& operator<<(std::ostream& o, const Stimulus& s) { return o << "vector rnd=" << s.mode; }
std::ostream& operator<<(std::ostream& o, const Expected& e) { return o << e.vector << " flags=" << int{e.flags}; }

// A function, not a constant: an sc_time made at static initialization would start SystemC's kernel
// in every fmalab command.
sc_core::sc_time period() { return {10, sc_core::SC_NS}; }

// Draws the vectors, drives each onto the unit's inputs and sends it on to the model.
class Source : public sc_core::sc_module {
 public:
  sc_core::sc_fifo_out<Stimulus> to_model;

  SC_HAS_PROCESS(Source);
  Source(sc_core::sc_module_name name, const UnitBinding& b, sc::Dut& dut, const VectorSupply& next)
      : sc_module(name), binding_(b), dut_(dut), next_(next) {
    SC_THREAD(run);
  }
  // What the supply threw, rethrown after the simulation (a SystemC process must not throw).
  std::exception_ptr error;

 private:
  void run() {
    VectorBatch chunk(binding_.model(0).signature().operand_words());
    std::vector<uint64_t> in(binding_.info().in_words());
    try {
      while (next_(chunk))
        for (size_t v = 0; v < chunk.size(); ++v) {
          Stimulus s{{chunk.row(v).begin(), chunk.row(v).end()}, binding_.mode_of(chunk.frm[v])};
          binding_.inputs(s.operands, s.mode, in);
          dut_.drive(in);
          to_model->write(s);
          wait(period());
        }
    } catch (...) {
      error = std::current_exception();
    }
    Stimulus end;
    end.last = true;
    to_model->write(end);
  }

  const UnitBinding& binding_;
  sc::Dut& dut_;
  const VectorSupply& next_;
};

// The golden model: the unit's operation in the vector's mode.
class GoldenModel : public sc_core::sc_module {
 public:
  sc_core::sc_fifo_in<Stimulus> vectors;
  sc_core::sc_fifo_out<Expected> expected;

  SC_HAS_PROCESS(GoldenModel);
  GoldenModel(sc_core::sc_module_name name, const UnitBinding& b) : sc_module(name), binding_(b) { SC_THREAD(run); }

 private:
  void run() {
    for (;;) {
      Expected e;
      e.vector = vectors->read();
      if (!e.vector.last) {
        e.results.resize(binding_.result_words());
        e.flags = binding_.model(e.vector.mode).eval(e.vector.operands, e.results);
      }
      expected->write(e);
      if (e.vector.last) return;
    }
  }

  const UnitBinding& binding_;
};

// Samples the unit's outputs half a period after each vector and scores them against the model's.
class Scoreboard : public sc_core::sc_module {
 public:
  sc_core::sc_fifo_in<Expected> expected;

  SC_HAS_PROCESS(Scoreboard);
  Scoreboard(sc_core::sc_module_name name, const UnitBinding& b, const sc::Dut& dut, const ScCosimSetup& setup,
             CosimReport& report)
      : sc_module(name), binding_(b), dut_(dut), setup_(setup), report_(report) {
    SC_THREAD(run);
  }

 private:
  void run() {
    std::vector<uint64_t> out(binding_.info().out_words()), got(binding_.result_words());
    for (;;) {
      const Expected e = expected->read();
      if (e.vector.last) return;
      wait(period() / 2);
      dut_.read(out);
      const uint8_t flags = binding_.outputs(out, got);
      score(binding_, e.vector.operands, e.vector.mode, e.results, e.flags, got, flags, [&] { return dut_.stages(); },
            report_, setup_.log, setup_.max_lines);
    }
  }

  const UnitBinding& binding_;
  const sc::Dut& dut_;
  const ScCosimSetup& setup_;
  CosimReport& report_;
};

// The unit and the three testbench modules, wired by two fifos.
class Testbench : public sc_core::sc_module {
 public:
  Testbench(sc_core::sc_module_name name, const UnitBinding& b, std::unique_ptr<sc::Dut> dut, const VectorSupply& next,
            const ScCosimSetup& setup, CosimReport& report)
      : sc_module(name),
        dut_(std::move(dut)),
        source_("source", b, *dut_, next),
        model_("model", b),
        scoreboard_("scoreboard", b, *dut_, setup, report) {
    source_.to_model(to_model_);
    model_.vectors(to_model_);
    model_.expected(to_scoreboard_);
    scoreboard_.expected(to_scoreboard_);
  }
  std::exception_ptr error() const { return source_.error; }

 private:
  std::unique_ptr<sc::Dut> dut_;
  sc_core::sc_fifo<Stimulus> to_model_{"to_model", 4};
  sc_core::sc_fifo<Expected> to_scoreboard_{"to_scoreboard", 4};
  Source source_;
  GoldenModel model_;
  Scoreboard scoreboard_;
};

}  // namespace

void sc_cosim(const rtl::UnitInfo& info, const VectorSupply& next, const ScCosimSetup& setup, CosimReport& report) {
  const UnitBinding binding(info);
  const rtl::FaultBuild* fault = sc::fault_build();
  if (setup.fault && (!fault || fault->unit != info.name))
    throw std::runtime_error("RTL unit " + info.name + " has no SystemC fault build");
  auto dut = setup.fault ? sc::make_fault_dut("dut") : sc::make_dut(info.name, "dut");
  if (!dut) throw std::runtime_error("RTL unit " + info.name + " has no SystemC build");
  Testbench tb("tb", binding, std::move(dut), next, setup, report);
  // Runs until every process has ended (no clock keeps it going).
  sc_core::sc_start();
  if (tb.error()) std::rethrow_exception(tb.error());
}

std::string sc_variant(const std::string& unit) { return sc::variant_of(unit); }

const rtl::FaultBuild* sc_fault_unit() { return sc::fault_build(); }

}  // namespace fmalab
