// The vector classes land where their names say (background.md section 8): each class's vectors
// are judged by what the golden model's stage trace shows (the model itself is checked against
// MPFR in test_fma), and every class must hit its target in at least 90% of its vectors.
#include <gtest/gtest.h>

#include <bit>
#include <cstdio>
#include <algorithm>
#include <set>
#include <stdexcept>

#include "sim/rtl_units.hpp"
#include "sim/vectors.hpp"
#include "test_support.hpp"

namespace fmalab {
namespace {

// One FMA vector as the judges read it.
struct Vector {
  uint64_t a = 0, b = 0, c = 0;
  unsigned rnd = 0;
};

std::vector<Vector> rows_of(const VectorBatch& batch) {
  std::vector<Vector> v;
  for (size_t i = 0; i < batch.size(); ++i) v.push_back({batch.row(i)[0], batch.row(i)[1], batch.row(i)[2], batch.frm[i]});
  return v;
}

std::unique_ptr<Operation> op_of(const std::string& unit, Round mode = Round::RNE) {
  Options o;
  o.mode = mode;
  std::string why;
  auto op = make_operation(unit, o, &why);
  if (!op) throw std::runtime_error(why);
  return op;
}

struct Judged {
  const FmaShape& u;
  const Vector& v;
  const FmaStages& st;
  const Encoded& r;
};

bool is_special_code(const Format& f, uint64_t x) {
  if (!f.is_float()) {  // zero, one unit of the last place, the extremes
    const int64_t sv = static_cast<int64_t>(x << (64 - f.bits)) >> (64 - f.bits);
    const int64_t max = static_cast<int64_t>(f.mask() >> 1);
    return (sv >= -1 && sv <= 1) || sv == max || sv <= -max;
  }
  const Decoded d = decode(f, x);
  return d.cls == Class::Zero || d.cls == Class::Inf || d.cls == Class::NaN || d.cls == Class::Subnormal ||
         (x & f.magnitude_mask()) == f.max_finite_code();
}

// Magnitude of a result code relative to its format's range, as the index of its leading bit
// (fixed point: of the two's-complement magnitude; float: the exponent field).
int64_t result_field(const Format& f, uint64_t y) {
  if (f.is_float()) return static_cast<int64_t>((y & f.magnitude_mask()) >> f.man_bits);
  const bool neg = (y >> (f.bits - 1)) & 1;
  const uint64_t mag = (neg ? ~y + 1 : y) & f.mask();
  return 64 - std::countl_zero(mag);
}

int64_t top_field(const Format& f) {
  return f.is_float() ? static_cast<int64_t>(f.max_finite_code() >> f.man_bits) : f.bits - 1;
}

bool wrapped(const Judged& j) {
  // Terms of one sign whose sum came out with the other.
  const Format& f = j.u.acc;
  const bool c_neg = (j.v.c >> (f.bits - 1)) & 1, y_neg = (j.r.bits >> (f.bits - 1)) & 1;
  return j.st.product.sig != 0 && j.st.product.sign == c_neg && y_neg != c_neg;
}

bool hits(const std::string& cls, const Judged& j) {
  const Format& in = j.u.in;
  const Format& acc = j.u.acc;
  const Aligned& al = j.st.aligned;
  if (cls == "special")
    return is_special_code(in, j.v.a) || is_special_code(in, j.v.b) || is_special_code(acc, j.v.c);
  if (cls == "overflow")  // OF, a wrap, or a result in the top binade of the range
    return (j.r.flags & flag::OF) || (!acc.is_float() && wrapped(j)) ||
           (!j.st.special && result_field(acc, j.r.bits) >= top_field(acc) - (acc.is_float() ? 0 : 1));
  if (cls == "underflow")  // a nonzero result below the normal range or in its lowest binade
    return !j.st.special && j.st.sum.mag != 0 &&
           (acc.is_float() ? result_field(acc, j.r.bits) <= 1 : result_field(acc, j.r.bits) <= acc.frac_bits);
  if (cls == "ties") return j.st.normalize_round.half && !j.st.normalize_round.below;
  if (cls == "sticky") return j.st.normalize_round.below && (al.p_sticky || al.c_sticky);
  if (cls == "carry") return j.st.sum.carry;
  if (cls == "cancel" && !acc.is_float()) {  // |y| at least two binades below the larger term
    const int64_t p_field = j.st.product.sig ? std::bit_width(j.st.product.sig) + j.st.product.lsb_exp + acc.frac_bits : 0;
    return !j.st.special && result_field(acc, j.r.bits) + 2 <= std::max(p_field, result_field(acc, j.v.c));
  }
  if (cls == "cancel") {  // the sum's leading one at least two places below the larger term's
    const u128 big = std::max(al.p, al.c);
    return !j.st.special && big != 0 && (j.st.sum.mag == 0 || bit_width128(j.st.sum.mag) + 2 <= bit_width128(big));
  }
  if (cls == "shift") return !j.st.special && al.p != 0 && al.c != 0;
  return true;  // random
}

bool reachable(const std::string& cls, const FmaShape& u) {
  // Fixed-point and integer accumulators add exactly on one grid: nothing rounds, aligns or
  // carries past a window; an integer has nothing below its unit either.
  if (!u.acc.is_float())
    return cls != "ties" && cls != "sticky" && cls != "shift" && cls != "carry" &&
           (cls != "underflow" || u.acc.frac_bits > 0);
  return true;
}

TEST(VectorClasses, EachClassHitsItsTarget) {
  constexpr size_t kPerClass = 4000;
  for (const auto& info : rtl::units()) {
    // The FMA classes, judged by the FMA kernel's stages; other operations have classes of their own.
    if (info.model.rfind("fma:", 0) != 0 && info.model.rfind("mac:", 0) != 0) continue;
    const FmaShape u = test::fma_shape(info.model);
    const auto op = op_of(info.model);
    std::vector<FmaKernel> kernels;
    for (unsigned m = 0; m < 5; ++m) {
      Options o;
      o.mode = static_cast<Round>(m);
      kernels.emplace_back(u.in, u.acc, o);
    }
    for (const auto& cls : op->vector_classes()) {
      const auto vecs = rows_of(generate_vectors(*op, kPerClass, 77, {cls}, {0, 1, 2, 3, 4}));
      size_t hit = 0;
      std::set<int32_t> shifts;
      for (const Vector& v : vecs) {
        FmaStages st;
        const Encoded r = kernels[v.rnd](v.a, v.b, v.c, {}, &st);
        hit += hits(cls, Judged{u, v, st, r});
        if (!st.special && st.aligned.p && st.aligned.c) shifts.insert(st.aligned.shift);
      }
      const double rate = static_cast<double>(hit) / kPerClass;
      std::printf("[ classes  ] %-14s %-9s %5.1f%%%s\n", info.name.c_str(), cls.c_str(), 100 * rate,
                  reachable(cls, u) ? "" : " (no such case in this unit)");
      if (!reachable(cls, u)) continue;
      EXPECT_GE(rate, 0.9) << info.name << " " << cls;
      if (cls == "shift" && u.acc.is_float()) {
        // Alignment shifts from 0 to beyond the window.
        EXPECT_TRUE(shifts.count(0)) << info.name;
        EXPECT_GT(*shifts.rbegin(), exact_window(u.in, u.acc)) << info.name;
      }
    }
  }
}

// The generator's own confirmation of a class (the tally `fmalab vectors` reports) agrees with
// the judges above where a class cannot be reached: fma:e4m3:fp32 never overflows in RNE (its
// largest product is far below half an ulp of fp32's max) but does in RUP.
TEST(VectorStream, ReportsUnreachableClasses) {
  for (const auto& [mode, reach] : {std::pair{Round::RNE, false}, std::pair{Round::RUP, true}}) {
    const auto op = op_of("fma:e4m3:fp32", mode);
    VectorStream s(*op, 3, {"overflow", "random"}, {static_cast<unsigned>(mode)});
    VectorBatch b(op->signature().operand_words(), 2000);
    s.next(b);
    const auto& t = s.tally();
    EXPECT_EQ(t.at("overflow").drawn, 1000u);
    EXPECT_EQ(t.at("random").reached, 1000u);
    // In RUP only c = +max with a positive product overflows: about one vector in eight.
    if (reach) EXPECT_GT(t.at("overflow").reached, 50u);
    else EXPECT_EQ(t.at("overflow").reached, 0u);
  }
  // A fixed-point accumulator never rounds: ties cannot be reached.
  const auto fx = op_of("fma:e4m3:fx48_18");
  VectorStream s(*fx, 3, {"ties"}, {0});
  VectorBatch b(3, 100);
  s.next(b);
  EXPECT_EQ(s.tally().at("ties").reached, 0u);
}

// Operations without classes of their own get the generic ones, from their signature.
TEST(VectorStream, GenericClassesForAnyOperation) {
  const auto cvt = op_of("cvt:fp32:e4m3");
  EXPECT_EQ(cvt->vector_classes(), (std::vector<std::string>{"special", "random"}));
  const auto b = generate_vectors(*cvt, 1000, 4, cvt->vector_classes(), {0});
  ASSERT_EQ(b.width, 1u);
  const auto specials = special_codes(*parse_format("fp32"));
  size_t special = 0;
  for (size_t i = 0; i < b.size(); i += 2) special += std::count(specials.begin(), specials.end(), b.row(i)[0]) > 0;
  EXPECT_EQ(special, 500u);
}

TEST(VectorStream, ChunkingDoesNotChangeTheSequence) {
  const auto op = op_of("fma:e4m3:bf16");
  const auto whole = rows_of(generate_vectors(*op, 1000, 5, op->vector_classes(), {0, 3}));
  VectorStream s(*op, 5, op->vector_classes(), {0, 3});
  std::vector<Vector> parts;
  for (size_t n : {1, 7, 300, 692}) {
    VectorBatch chunk(3, n);
    s.next(chunk);
    const auto rows = rows_of(chunk);
    parts.insert(parts.end(), rows.begin(), rows.end());
  }
  ASSERT_EQ(parts.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(parts[i].a, whole[i].a) << i;
    EXPECT_EQ(parts[i].b, whole[i].b) << i;
    EXPECT_EQ(parts[i].c, whole[i].c) << i;
    EXPECT_EQ(parts[i].rnd, whole[i].rnd) << i;
  }
}

// A stream outlives the operation it was made from: test_cosim once handed VectorStream a
// temporary that it kept by reference (a use after free that make sanitize reports).
TEST(VectorStream, OwnsItsUnit) {
  const auto named = op_of("fma:e4m3:fp16");
  VectorStream from_named(*named, 9, named->vector_classes(), {0, 1, 2, 3, 4});
  VectorStream from_temporary(*op_of("fma:e4m3:fp16"), 9, named->vector_classes(), {0, 1, 2, 3, 4});
  VectorBatch a(3, 2000), b(3, 2000);
  from_named.next(a);
  from_temporary.next(b);
  EXPECT_EQ(a.words, b.words);
  EXPECT_EQ(a.frm, b.frm);
}

}  // namespace
}  // namespace fmalab
