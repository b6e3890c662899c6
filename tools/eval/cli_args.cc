#include "tools/eval/cli_args.h"

namespace kws::eval {

Result<CliArgs> CliArgs::parse(int argc, char** argv, const std::set<std::string>& value_flags,
                               const std::set<std::string>& switch_flags) {
  CliArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    if (f == "--help" || f == "-h" || switch_flags.count(f) != 0) {
      a.values_[f == "-h" ? "--help" : f].push_back("1");
      continue;
    }
    if (value_flags.count(f) == 0) return Result<CliArgs>::failure("unknown argument '" + f + "'");
    if (i + 1 >= argc) return Result<CliArgs>::failure(f + " needs a value");
    a.values_[f].push_back(argv[++i]);
  }
  return Result<CliArgs>::success(std::move(a));
}

std::string CliArgs::get(const std::string& flag, const std::string& def) const {
  auto it = values_.find(flag);
  return it == values_.end() ? def : it->second.back();
}

std::vector<std::string> CliArgs::all(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace kws::eval
