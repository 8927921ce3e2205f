#include "file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace lab {

Napi::Value LockFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "lockFile(path: string, timeoutMs: number)");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const double timeout_ms = info[1].As<Napi::Number>().DoubleValue();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Napi::Error::New(env, "lockFile: cannot open " + path + ": " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(timeout_ms);
  // Polling with LOCK_NB keeps the timeout exact without signals; compiles take ~100 ms+, so a
  // 5 ms poll costs nothing noticeable.
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return Napi::Number::New(env, fd);
    const int error = errno;
    if (error != EWOULDBLOCK && error != EINTR) {
      close(fd);
      throw Napi::Error::New(env, "lockFile: flock(" + path + ") failed: " + std::strerror(error));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      close(fd);
      return env.Null();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Napi::Value UnlockFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "unlockFile(fd: number)");
  const int fd = info[0].As<Napi::Number>().Int32Value();
  flock(fd, LOCK_UN);
  if (close(fd) != 0) throw Napi::Error::New(env, std::string("unlockFile: close failed: ") + std::strerror(errno));
  return env.Undefined();
}

}  // namespace lab
