// fmalab regress: a campaign of RTL units x rounding modes x vector classes against the golden
// model, sharded (--shard I/N), resumable (--checkpoint), with JSON and JUnit XML results; `merge`
// combines shards; --slurm writes (and --submit submits) a Slurm job array and its merge job.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli.hpp"
#include "regress.hpp"
#include "rtl_units.hpp"

namespace fmalab::cli {

namespace {

using regress::Campaign;

struct Args {
  std::string units = "all", modes = "all", classes = "all", count, seed = "1", chunk = "1048576", shard = "1/1",
              checkpoint, json, junit, arch = "array";
  std::string slurm, shards, partition, time;
  bool submit = false;
  // merge
  std::string merge_json, merge_junit;
  std::vector<std::string> files;
};

std::vector<std::string> list_of(const std::string& s, const char* opt) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) out.push_back(x);
  if (out.empty()) throw InputError(std::string(opt) + " needs at least one name");
  return out;
}

// I/N with 1 <= I <= N.
std::pair<unsigned, unsigned> parse_shard(const std::string& s) {
  const auto bad = [&] { return InputError("--shard takes I/N with 1 <= I <= N, got '" + excerpt(s) + "'"); };
  const size_t slash = s.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == s.size() || slash > 6 || s.size() - slash > 7 ||
      s.find_first_not_of("0123456789/") != std::string::npos || s.find('/', slash + 1) != std::string::npos)
    throw bad();
  const unsigned i = static_cast<unsigned>(std::stoul(s.substr(0, slash)));
  const unsigned n = static_cast<unsigned>(std::stoul(s.substr(slash + 1)));
  if (n == 0 || i == 0 || i > n) throw bad();
  return {i, n};
}

Campaign campaign_of(const Args& a) {
  Campaign c;
  if (a.count.empty()) throw InputError("needs --count N (vectors per unit, mode and class)");
  c.count = whole_number("--count", a.count);
  if (c.count > kMaxCount) throw InputError("--count is above 2^53");
  c.seed = whole_number("--seed", a.seed);
  c.chunk = whole_number("--chunk", a.chunk);
  if (c.chunk == 0 || c.chunk > kMaxCount) throw InputError("--chunk takes 1 .. 2^53 vectors");
  const auto& variants = rtl::variants();
  const auto v = std::find(variants.begin(), variants.end(), a.arch);
  if (v == variants.end()) throw InputError("--arch takes array or booth4, got '" + excerpt(a.arch) + "'");
  c.arch = static_cast<int>(v - variants.begin());
  if (a.units == "all") {
    // Every registry unit built in this arch (the dot units exist in booth4 only).
    for (const auto& u : rtl::units())
      if (rtl::make_unit(u.name, c.arch)) c.units.push_back(u.name);
  } else {
    c.units = list_of(a.units, "--units");
  }
  if (a.modes != "all") c.modes = list_of(a.modes, "--modes");
  if (a.classes != "all") c.classes = list_of(a.classes, "--classes");
  return c;
}

void write_file(const std::string& path, const std::string& text) {
  Output out(path);
  out.write(text);
  out.commit();
}

std::string read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError("'" + excerpt(path) + "' is a directory, not a results file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open results file '" + excerpt(path) + "': " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError("cannot read results file '" + excerpt(path) + "'");
  return ss.str();
}

void write_outputs(const regress::Results& r, const std::string& json, const std::string& junit) {
  if (!json.empty()) write_file(json, regress::to_json(r));
  if (!junit.empty()) write_file(junit, regress::to_junit(r));
}

// The summary on standard output: each failing case, then the totals. Exit status 1 when any failed.
int summarize(const regress::Results& r) {
  for (const auto& k : r.cases)
    if (k.failed)
      std::printf("FAIL %s %s/%s: %llu of %llu vectors; first differing stage %s\n", k.unit.c_str(), k.mode.c_str(),
                  k.cls.c_str(), static_cast<unsigned long long>(k.failed),
                  static_cast<unsigned long long>(k.passed + k.failed),
                  k.first.empty() ? "none" : k.first[0].stage.c_str());
  std::printf("%llu passed, %llu failed (%zu cases, %zu of %llu items)\n", static_cast<unsigned long long>(r.passed()),
              static_cast<unsigned long long>(r.failed()), r.cases.size(), r.items.size(),
              static_cast<unsigned long long>(r.items_total));
  return r.failed() ? 1 : 0;
}

int run_campaign(const Args& a) {
  const Campaign c = campaign_of(a);
  const auto [shard, shards] = parse_shard(a.shard);
  const regress::Plan p = regress::plan(c);
  std::vector<size_t> mine;
  uint64_t vectors = 0;
  for (size_t k = 0; k < p.items.size(); ++k)
    if (regress::in_shard(k, shard, shards)) mine.push_back(k), vectors += p.items[k].count;

  std::unique_ptr<regress::Checkpoint> ckpt;
  std::vector<regress::ItemResult> results;
  std::vector<bool> done(p.items.size());
  uint64_t vectors_done = 0;
  if (!a.checkpoint.empty()) {
    ckpt = std::make_unique<regress::Checkpoint>(a.checkpoint,
                                                 c.id() + " shard=" + std::to_string(shard) + "/" + std::to_string(shards));
    for (const auto& r : ckpt->done()) {
      if (r.item >= p.items.size() || !regress::in_shard(r.item, shard, shards) || done[r.item])
        throw InputError("checkpoint '" + excerpt(a.checkpoint) + "' holds item " + std::to_string(r.item) +
                         ", not one of this shard's");
      done[r.item] = true;
      vectors_done += p.items[r.item].count;
      results.push_back(r);
    }
  }
  Progress progress("fmalab regress " + std::to_string(shard) + "/" + std::to_string(shards), vectors);
  progress.update(vectors_done);
  for (size_t k : mine) {
    if (done[k]) continue;
    regress::ItemResult r = regress::run_item(c, p, k, [&](uint64_t n) { progress.update(vectors_done += n); });
    if (ckpt) ckpt->append(r);
    results.push_back(std::move(r));
  }
  progress.finish();
  const regress::Results r = regress::collect(c, p, shard, shards, std::move(results));
  write_outputs(r, a.json, a.junit);
  return summarize(r);
}

int run_merge(const Args& a) {
  std::vector<regress::Results> parts;
  for (const auto& f : a.files) parts.push_back(regress::from_json(read_file(f), f));
  const regress::Results r = regress::merge(std::move(parts), a.files);
  write_outputs(r, a.merge_json, a.merge_junit);
  return summarize(r);
}

// ---- Slurm ------------------------------------------------------------------------------------

std::string sh_quote(const std::string& s) {
  std::string o = "'";
  for (char ch : s) o += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return o + "'";
}

std::string self_exe() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw InputError(std::string("cannot find the fmalab binary (/proc/self/exe): ") + std::strerror(errno));
  return std::string(buf, static_cast<size_t>(n));
}

std::string absolute_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    throw InputError("cannot create --slurm directory '" + excerpt(dir) + "': " + std::strerror(errno));
  char buf[PATH_MAX];
  if (!::realpath(dir.c_str(), buf))
    throw InputError("cannot resolve --slurm directory '" + excerpt(dir) + "': " + std::strerror(errno));
  struct stat st {};
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) throw InputError("--slurm '" + excerpt(dir) + "' is not a directory");
  return buf;
}

std::string sbatch_header(const Args& a, const std::string& name, const std::string& log) {
  std::string s = "#!/bin/bash\n#SBATCH --job-name=" + name + "\n#SBATCH --output=" + log + "\n";
  if (!a.partition.empty()) s += "#SBATCH --partition=" + a.partition + "\n";
  if (!a.time.empty()) s += "#SBATCH --time=" + a.time + "\n";
  return s;
}

// Runs argv, returning its standard output; InputError when it cannot run or fails.
std::string run_capture(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe(fds) != 0) throw InputError(std::string("pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) throw InputError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> v;
    for (const auto& s : argv) v.push_back(const_cast<char*>(s.c_str()));
    v.push_back(nullptr);
    ::execvp(v[0], v.data());
    ::_exit(127);  // the parent names the problem
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    throw InputError("cannot run " + argv[0] + " (is Slurm installed and on PATH?)");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw InputError(argv[0] + " " + excerpt(argv.back()) + " failed (status " +
                     std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")");
  return out;
}

std::string job_id(const std::string& parsable) {
  const std::string id = parsable.substr(0, parsable.find_first_of(";\n"));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw InputError("sbatch printed no job id: '" + excerpt(parsable) + "'");
  return id;
}

int run_slurm(const Args& a) {
  const Campaign c = campaign_of(a);
  regress::plan(c);  // a bad unit, mode or class is refused now, not in every array task
  if (a.shards.empty()) throw InputError("--slurm needs --shards N");
  const unsigned n = parse_shard("1/" + a.shards).second;
  const std::string dir = absolute_dir(a.slurm), exe = self_exe(), N = std::to_string(n);
  std::string campaign = " --units " + sh_quote(a.units) + " --modes " + sh_quote(a.modes) + " --classes " +
                         sh_quote(a.classes) + " --count " + std::to_string(c.count) + " --seed " +
                         std::to_string(c.seed) + " --chunk " + std::to_string(c.chunk) + " --arch " + sh_quote(a.arch);
  const std::string d = sh_quote(dir);
  std::string shards = sbatch_header(a, "fmalab-regress", dir + "/shard-%a.log") + "#SBATCH --array=1-" + N +
                       "\n#SBATCH --requeue\n"
                       "# A requeued or resubmitted task resumes from its checkpoint.\n"
                       "i=$SLURM_ARRAY_TASK_ID\n" +
                       sh_quote(exe) + " regress" + campaign + " --shard \"$i/" + N + "\" --checkpoint " + d +
                       "/shard-\"$i\".ckpt --json " + d + "/shard-\"$i\".json\n"
                       "s=$?\n"
                       "# Status 1 is mismatches found, a result for the merge to report, not a failed task.\n"
                       "if [ \"$s\" -le 1 ]; then exit 0; fi\nexit \"$s\"\n";
  std::string merge = sbatch_header(a, "fmalab-regress-merge", dir + "/merge.log") + sh_quote(exe) +
                      " regress merge --json " + d + "/results.json --junit " + d + "/results.xml";
  for (unsigned i = 1; i <= n; ++i) merge += " " + d + "/shard-" + std::to_string(i) + ".json";
  merge += "\n";
  write_file(dir + "/shards.sbatch", shards);
  write_file(dir + "/merge.sbatch", merge);
  if (!a.submit) {
    std::printf("wrote %s/shards.sbatch and %s/merge.sbatch\n", dir.c_str(), dir.c_str());
    return 0;
  }
  const std::string array = job_id(run_capture({"sbatch", "--parsable", dir + "/shards.sbatch"}));
  std::printf("shards job %s\n", array.c_str());
  std::fflush(stdout);
  const std::string merged =
      job_id(run_capture({"sbatch", "--parsable", "--dependency=afterok:" + array, dir + "/merge.sbatch"}));
  std::printf("merge job %s\n", merged.c_str());
  return 0;
}

}  // namespace

int run_regress(const std::vector<std::string>& args) {
  Args a;
  CLI::App app{"fmalab regress: sharded, resumable regression campaigns of the RTL units against the golden model",
               "fmalab regress"};
  init_app(app);
  app.add_option("--units", a.units, "RTL units, comma-separated, or all (fault:K: a planted-fault build)");
  app.add_option("--modes", a.modes, "rounding modes of units with an rnd port (rne,rtz,rdn,rup,rmm) or all");
  app.add_option("--classes", a.classes, "vector classes, comma-separated, or all");
  app.add_option("--count", a.count, "vectors per (unit, mode, class) test case");
  app.add_option("--seed", a.seed, "campaign seed (default 1)");
  app.add_option("--chunk", a.chunk, "vectors per work item (default 1048576)");
  app.add_option("--shard", a.shard, "run the I-th of N interleaved slices of the items (default 1/1)");
  app.add_option("--checkpoint", a.checkpoint, "record finished items here; a rerun resumes from it");
  app.add_option("--json", a.json, "write the results as JSON");
  app.add_option("--junit", a.junit, "write the results as JUnit XML");
  app.add_option("--arch", a.arch, "multiplier variant: array or booth4");
  app.add_option("--slurm", a.slurm, "write DIR/shards.sbatch and DIR/merge.sbatch instead of running");
  app.add_option("--shards", a.shards, "--slurm: the number of shards (array tasks)");
  app.add_option("--partition", a.partition, "--slurm: the partition");
  app.add_option("--time", a.time, "--slurm: each task's time limit");
  app.add_flag("--submit", a.submit, "--slurm: submit the array and a merge job that depends on it");
  CLI::App* merge = app.add_subcommand("merge", "combine shard results files");
  merge->add_option("--json", a.merge_json, "the merged results as JSON")->required();
  merge->add_option("--junit", a.merge_junit, "the merged results as JUnit XML");
  merge->add_option("files", a.files, "shard results files (JSON)");

  parse(app, args);  // --help shows merge's usage when merge was named
  if (merge->parsed()) {
    if (app.count("--count") || app.count("--units") || app.count("--shard") || app.count("--checkpoint") ||
        app.count("--slurm") || app.count("--json"))
      throw InputError("merge takes only --json OUT, --junit OUT and the shard results files");
    if (a.files.empty()) throw InputError("merge needs the shard results files (JSON) to combine");
    return run_merge(a);
  }
  if (!a.slurm.empty()) {
    if (app.count("--shard") || app.count("--checkpoint") || app.count("--json") || app.count("--junit"))
      throw InputError("--slurm writes the shards' --shard, --checkpoint and --json itself; drop them");
    return run_slurm(a);
  }
  if (app.count("--shards") || app.count("--partition") || app.count("--time") || a.submit)
    throw InputError("--shards, --partition, --time and --submit go with --slurm DIR");
  return run_campaign(a);
}

}  // namespace fmalab::cli
