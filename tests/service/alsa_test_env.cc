#include "tests/service/alsa_test_env.h"

#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kws::daemon::testing {

std::string install_alsa_file_config(const std::string& dir, const std::vector<FilePcm>& pcms) {
  const std::string path = dir + "/asound.conf";
  std::ofstream out(path);
  for (const FilePcm& p : pcms) {
    out << "pcm." << p.name << " {\n"
        << "  type file\n"
        << "  slave.pcm { type null }\n"
        << "  file \"/dev/null\"\n"
        << "  infile \"" << p.raw_path << "\"\n"
        << "  format \"raw\"\n"
        << "  hint { show on description \"kwsd test capture " << p.name << "\" }\n"
        << "}\n";
  }
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  ::setenv("ALSA_CONFIG_PATH", path.c_str(), 1);
  return path;
}

void write_raw_s16(const std::string& path, const std::vector<int16_t>& samples) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(samples.data()),
            static_cast<std::streamsize>(samples.size() * sizeof(int16_t)));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string make_temp_dir(const char* prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kws::daemon::testing
