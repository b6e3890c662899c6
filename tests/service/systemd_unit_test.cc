// systemd/kwsd.service parses cleanly (systemd-analyze verify prints nothing),
// alone and with the Wyoming drop-in systemd/wyoming.conf.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/service/alsa_test_env.h"

namespace {

std::string RunCapturing(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[512];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (status != 0) out += "\n(exit status " + std::to_string(status) + ")";
  return out;
}

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

TEST(SystemdUnit, VerifiesCleanly) {
  if (RunCapturing("command -v systemd-analyze >/dev/null 2>&1 && echo yes").find("yes") ==
      std::string::npos) {
    GTEST_SKIP() << "systemd-analyze not installed";
  }
  std::ifstream in(KWS_SOURCE_DIR "/systemd/kwsd.service");
  ASSERT_TRUE(in) << "systemd/kwsd.service missing";
  std::stringstream ss;
  ss << in.rdbuf();
  // verify checks that ExecStart exists: point it at a binary that does.
  std::string unit = Replace(ss.str(), "@KWSD_BINARY@", "/bin/true");
  unit = Replace(unit, "@KWSD_CONFIG@", "/etc/kwsd/kwsd.yaml");
  unit = Replace(unit, "@KWSD_DOC_DIR@", "/usr/share/doc/kwsd");
  for (const char* required :
       {"Type=notify", "WatchdogSec=", "Restart=on-failure", "ProtectSystem=strict",
        "NoNewPrivileges=yes", "PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX",
        "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service", "RuntimeDirectory=kwsd",
        "DeviceAllow=char-alsa rw"}) {
    EXPECT_NE(unit.find(required), std::string::npos) << "unit lacks " << required;
  }
  const std::string dir = kws::daemon::testing::make_temp_dir("kwsd-unit-");
  const std::string path = dir + "/kwsd.service";
  std::ofstream(path) << unit;
  // verify exits 0 even for ignored (bad) lines, so any output is a failure.
  const std::string out = RunCapturing("systemd-analyze verify '" + path + "' 2>&1");
  EXPECT_EQ(out, "") << out;
  // The Wyoming drop-in, appended as a second [Service] section (what
  // systemd does with a drop-in): still clean, and it opens TCP.
  std::ifstream drop_in(KWS_SOURCE_DIR "/systemd/wyoming.conf");
  ASSERT_TRUE(drop_in) << "systemd/wyoming.conf missing";
  std::stringstream ds;
  ds << drop_in.rdbuf();
  const std::string extra = ds.str();
  for (const char* required :
       {"PrivateNetwork=no", "RestrictAddressFamilies=\n",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "IPAddressAllow=localhost"}) {
    EXPECT_NE(extra.find(required), std::string::npos) << "drop-in lacks " << required;
  }
  std::ofstream(path) << unit << "\n" << extra;
  const std::string out2 = RunCapturing("systemd-analyze verify --man=no '" + path + "' 2>&1");
  EXPECT_EQ(out2, "") << out2;
  std::remove(path.c_str());
  std::remove(dir.c_str());
}

}  // namespace
