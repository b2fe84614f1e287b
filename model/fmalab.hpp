// The golden model's public interface, one include: <fmalab/fmalab.hpp>. Operations by unit name
// (make_operation), their signatures and options, one vector at a time (Operation::eval, with the
// stage trace) or in batches (evaluate, on columns of codes); formats and the codecs between codes
// and values. What is not reachable from here is internal and may change.
#pragma once

#include "batch.hpp"
#include "codec.hpp"
#include "format.hpp"
#include "operation.hpp"
#include "options.hpp"
