// Advisory file locks for Node (which has none): flock(2) on a lock file, used to serialise
// compiles of the same user op across processes. The kernel drops a flock when its process
// dies, however it dies, so a killed compile never leaves a stale lock.
#ifndef LAB_FILE_LOCK_H
#define LAB_FILE_LOCK_H

#include <napi.h>

namespace lab {

// lockFile(path, timeoutMs) -> fd (number), or null when another process held the lock for
// the whole timeout. Creates the file if needed; the fd is close-on-exec (a compiler started
// while holding the lock does not inherit it).
Napi::Value LockFile(const Napi::CallbackInfo &info);

// unlockFile(fd): releases the lock and closes the fd.
Napi::Value UnlockFile(const Napi::CallbackInfo &info);

}  // namespace lab

#endif  // LAB_FILE_LOCK_H
