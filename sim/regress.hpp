// Regression campaigns (fmalab regress): RTL units x rounding modes x vector classes, each case
// cut into chunks of vectors, the work items. An item's vectors come from a seed derived from the
// campaign seed and the item's identity alone, so its result never depends on which shard or
// process ran it; shards, checkpoints and merges only regroup the same items.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fmalab::regress {

// What a campaign is; identical settings give identical items and results.
struct Campaign {
  std::vector<std::string> units;  // RTL unit names, or fault:K (rtl/units.json faults[K], a planted bit flip)
  std::vector<std::string> modes;  // rounding-mode names asked for (units with an rnd port); empty: all five
  std::vector<std::string> classes;  // vector classes asked for; empty: each unit's every class
  uint64_t count = 0;        // vectors per (unit, mode, class)
  uint64_t seed = 1;
  uint64_t chunk = 1 << 20;  // vectors per item
  int arch = 0;              // rtl::variants() index

  // The one line that identifies the campaign (checkpoint header, "campaign" in the results).
  std::string id() const;
};

// One (unit, mode, class) of a campaign: a JUnit test case.
struct Case {
  std::string unit, mode, cls;
  unsigned frm = 0;  // the rnd value of the mode
};

struct Item {
  size_t case_index = 0;
  uint64_t chunk = 0;  // chunk index within the case
  uint64_t count = 0;  // vectors
};

// The campaign's cases and items in their fixed order; InputError for an unknown unit, mode or
// class, or a case no unit has.
struct Plan {
  std::vector<Case> cases;
  std::vector<Item> items;
};
Plan plan(const Campaign& c);

// The seed of an item's vectors: splitmix64 over a hash of (seed, unit, mode, class, chunk).
uint64_t item_seed(uint64_t seed, const Case& k, uint64_t chunk);

// Shard I of N (1-based) takes items k with k % N == I - 1: interleaved, so balanced.
inline bool in_shard(size_t item, unsigned shard, unsigned shards) { return item % shards == shard - 1; }

struct Mismatch {
  uint64_t item = 0, vector = 0;  // where: item index, vector within it (orders mismatches across shards)
  std::string operands, mode, want, got, stage, detail;
};

// What one item found.
struct ItemResult {
  uint64_t item = 0, passed = 0, failed = 0;
  double seconds = 0;
  std::vector<Mismatch> first;  // up to kKeep first mismatches
};
inline constexpr size_t kKeep = 3;

// Runs item `index` of the plan through the RTL unit and its golden model; tick(n) after every n
// vectors (progress). InputError when the unit is not built in the campaign's arch.
ItemResult run_item(const Campaign& c, const Plan& p, size_t index, const std::function<void(uint64_t)>& tick);

// One test case's totals, over the items that were run.
struct CaseResult {
  uint64_t index = 0;  // in the plan's cases
  std::string unit, mode, cls;
  uint64_t passed = 0, failed = 0;
  double seconds = 0;
  std::vector<Mismatch> first;  // the first kKeep by (item, vector)
};

// A run's (or a merge's) results.
struct Results {
  std::string campaign;
  unsigned shard_count = 1;
  std::vector<unsigned> shards;  // which of the shard_count shards these results hold
  uint64_t items_total = 0;
  std::vector<uint64_t> items;   // the item indices they hold, ascending
  std::vector<CaseResult> cases;  // plan order; cases with no item here left out
  uint64_t passed() const;
  uint64_t failed() const;
};

// Results of the given item results (any order) under the plan.
Results collect(const Campaign& c, const Plan& p, unsigned shard, unsigned shards, std::vector<ItemResult> items);

std::string to_json(const Results& r);
std::string to_junit(const Results& r);
// Parses a results file's text (to_json's format); InputError naming `name` and the problem.
Results from_json(const std::string& text, const std::string& name);
// Combines shard results: the same campaign, disjoint; complete when every shard is present.
// InputError otherwise.
Results merge(std::vector<Results> parts, const std::vector<std::string>& names);

// The checkpoint: a header line (the campaign and the shard), then one line per finished item,
// each written and fsync'd whole. A torn last line (a kill mid-write) is cut off on open.
class Checkpoint {
 public:
  // Opens or creates `path`; InputError when it holds another campaign or shard.
  Checkpoint(const std::string& path, const std::string& header);
  ~Checkpoint();
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;
  const std::vector<ItemResult>& done() const { return done_; }
  void append(const ItemResult& r);

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<ItemResult> done_;
};

}  // namespace fmalab::regress
