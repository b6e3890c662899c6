// Tiny "--flag value" parser shared by kws-eval and kws-tune: flags may
// repeat; unknown flags and missing values are errors naming the flag.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/result.h"

namespace kws::eval {

class CliArgs {
 public:
  // value_flags take a value; switch_flags do not. "--help" is always known.
  static Result<CliArgs> parse(int argc, char** argv, const std::set<std::string>& value_flags,
                               const std::set<std::string>& switch_flags);
  bool has(const std::string& flag) const { return values_.count(flag) != 0; }
  std::string get(const std::string& flag, const std::string& def = "") const;
  std::vector<std::string> all(const std::string& flag) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace kws::eval
