// The LNS operations (README "Logarithmic number formats"):
//   lnsmul:FMT        a, b -> y   the product: logs added, signs xored (exact inside the range)
//   lnsadd:FMT        a, b -> y   the sum: correctly rounded (--method exact, binary128 Gaussian
//                                 logarithms), or hardware's approximations (--method lut, mitchell)
//   lnsmac:FMT:ACC:K  a[K], b[K], c -> y   LNS-Madam: products into bins, combined into fixed-point ACC
#pragma once

#include <memory>

#include "operation.hpp"

namespace fmalab {

// Refuses the options an LNS operation would ignore (those not in `read`) and stochastic rounding.
bool check_lns_options(std::string_view name, const Options& o, std::initializer_list<std::string_view> read,
                       std::string* error);

std::unique_ptr<Operation> make_lnsmul(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error);
std::unique_ptr<Operation> make_lnsadd(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error);
std::unique_ptr<Operation> make_lnsmac(std::string_view name, std::span<const std::string_view> fields,
                                       const Options& o, std::string* error);

}  // namespace fmalab
