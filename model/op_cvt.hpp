// cvt:SRC:DST: one value rounded from one format into another.
#pragma once

#include "operation.hpp"

namespace fmalab {

std::unique_ptr<Operation> make_cvt(std::string_view name, std::span<const std::string_view> fields, const Options& o,
                                    std::string* error);

}  // namespace fmalab
