// Runs the real focalrd binary and captures its exit status, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace focalrd::test {

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

// `args` is passed through the shell, so quote as in a terminal.
inline Run run_cli(const std::string& args) {
  char err_path[] = "/tmp/focalrd-cli-XXXXXX";
  const int fd = mkstemp(err_path);
  if (fd >= 0) close(fd);
  const std::string command = std::string(FOCALRD_CLI) + " " + args + " 2>" + err_path;
  Run run;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, got);
    const int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }
  std::ifstream err(err_path);
  std::stringstream ss;
  ss << err.rdbuf();
  run.err = ss.str();
  std::remove(err_path);
  return run;
}

}  // namespace focalrd::test
