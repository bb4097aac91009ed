// Runs the real focalrd binary and captures its exit status, stdout and stderr.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

extern char** environ;

namespace focalrd::test {

struct Run {
  int status = -1;  // exit status; -1 if killed by a signal or not started
  std::string out;
  std::string err;
  double seconds = 0.0;  // wall time
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `focalrd <args>` (through the shell, which `exec`s it, so quote as in
// a terminal). With `signal_number`, sends that signal `signal_after` seconds
// after the start. Kills the process after `timeout` seconds.
inline Run run_cli(const std::string& args, int signal_number = 0, double signal_after = 0.0,
                   double timeout = 300.0) {
  char out_path[] = "/tmp/focalrd-cli-out-XXXXXX", err_path[] = "/tmp/focalrd-cli-err-XXXXXX";
  const int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  const std::string command = "exec " + std::string(FOCALRD_CLI) + " " + args;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  Run run;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", &actions, nullptr, const_cast<char* const*>(argv), environ) ==
      0) {
    bool signalled = signal_number == 0;
    int raw = 0;
    for (;;) {
      const pid_t done = waitpid(pid, &raw, WNOHANG);
      if (done == pid) break;
      if (!signalled && elapsed() >= signal_after) {
        kill(pid, signal_number);
        signalled = true;
      }
      if (elapsed() > timeout) kill(pid, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }
  run.seconds = elapsed();
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  std::remove(out_path);
  std::remove(err_path);
  return run;
}

}  // namespace focalrd::test
