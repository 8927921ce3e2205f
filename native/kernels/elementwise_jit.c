/*
 * The run-time compiler for hot float32 composites (elementwise_jit.h): a queue, one background
 * thread, and a cache of shared libraries named by a hash of everything that makes them — the
 * generated source, the headers it includes, the compiler's identity and flags — so a later
 * process (or another program with the same composite) loads the library instead of building it.
 * A library appears under its name by an atomic rename, so a name that exists is a whole build.
 * Libraries stay loaded for the life of the process: programs sharing a composite share one.
 */
#include "elementwise_jit.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elementwise_codegen.h"
#include "elementwise_program.h"

extern char **environ;

/* The headers the generated code includes, part of every library's name. */
static const char *const included_headers[] = {"elementwise_lanes.h", "vmath_avx512_lanes.h", "vmath.h"};
static const char *const compile_flags[] = {"-O2", "-std=c11", "-mavx512f", "-ffp-contract=off", "-fno-math-errno",
                                            "-fPIC", "-shared"};
#define N_FLAGS (sizeof compile_flags / sizeof compile_flags[0])

typedef struct job {
  lab_ew_attrs *program;
  struct job *next;
} job;

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work, idle;
  int started, running;
  job *head, *tail;
  /* Settings (lab_ew_jit_configure), read by the worker under the lock. */
  char cache_dir[4096], include_dir[4096], compiler[1024];
  _Atomic int64_t hot_elements; /* 0: off */
  /* The worker's own: the compiler's identity and the headers' text, and the compiler and
   * include folder they were read for. */
  char *fingerprint;
  char fingerprint_of[4096 + 1024 + 2];
  lab_ew_jit_stats stats;
} jit = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static void set_error(const char *format, ...) {
  va_list args;
  va_start(args, format);
  pthread_mutex_lock(&jit.lock);
  vsnprintf(jit.stats.last_error, sizeof jit.stats.last_error, format, args);
  jit.stats.failed++;
  pthread_mutex_unlock(&jit.lock);
  va_end(args);
}

static void count(int64_t *counter) {
  pthread_mutex_lock(&jit.lock);
  (*counter)++;
  pthread_mutex_unlock(&jit.lock);
}

/* 128 bits of two FNV-1a hashes with different offsets, as 32 hex digits: a file name. */
static void hash_name(const char *const *parts, int n_parts, char out[33]) {
  uint64_t h[2] = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < n_parts; i++) {
      for (const unsigned char *c = (const unsigned char *)parts[i]; *c; c++) h[k] = (h[k] ^ *c) * 0x100000001b3ull;
      h[k] = (h[k] ^ 0xff) * 0x100000001b3ull; /* a separator no text contains */
    }
  }
  snprintf(out, 33, "%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1]);
}

/* A whole file as a string, or NULL. */
static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *s = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      char *grown = realloc(s, cap);
      if (!grown) {
        free(s), fclose(f);
        return NULL;
      }
      s = grown;
    }
    memcpy(s + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!s && !(s = malloc(1))) return NULL;
  s[len] = 0;
  return s;
}

/* The compiler's `--version` and the included headers' text; NULL with the error set when the
 * compiler does not run or a header is missing. */
static char *make_fingerprint(const char *compiler, const char *include_dir) {
  char command[1200];
  snprintf(command, sizeof command, "'%s' --version 2>/dev/null", compiler);
  FILE *pipe = popen(command, "r");
  char version[512] = "";
  const size_t n = pipe ? fread(version, 1, sizeof version - 1, pipe) : 0;
  version[n] = 0;
  if (!pipe || pclose(pipe) != 0 || n == 0) {
    set_error("no C compiler for compiled composites: `%s --version` failed. Install one (Debian: apt install gcc) or "
              "set LAB_CC; composites run interpreted meanwhile, with the same results.", compiler);
    return NULL;
  }
  const size_t n_headers = sizeof included_headers / sizeof included_headers[0];
  size_t total = strlen(version) + 1;
  char *texts[sizeof included_headers / sizeof included_headers[0]] = {0};
  for (size_t i = 0; i < n_headers; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", include_dir, included_headers[i]);
    if (!(texts[i] = read_text(path))) {
      set_error("compiled composites need %s, which could not be read (%s): the engine's native/kernels folder is "
                "incomplete. Composites run interpreted.", path, strerror(errno));
      for (size_t j = 0; j < i; j++) free(texts[j]);
      return NULL;
    }
    total += strlen(texts[i]);
  }
  char *fingerprint = malloc(total);
  if (fingerprint) {
    strcpy(fingerprint, version);
    for (size_t i = 0; i < n_headers; i++) strcat(fingerprint, texts[i]);
  }
  for (size_t i = 0; i < n_headers; i++) free(texts[i]);
  return fingerprint;
}

/* Runs the compiler on source_path into library_path, its diagnostics into log_path; 0 on success. */
static int run_compiler(const char *compiler, const char *include_dir, const char *source_path,
                        const char *library_path, const char *log_path) {
  char include_flag[4200];
  snprintf(include_flag, sizeof include_flag, "-I%s", include_dir);
  const char *argv[N_FLAGS + 8];
  int argc = 0;
  argv[argc++] = compiler;
  for (size_t i = 0; i < N_FLAGS; i++) argv[argc++] = compile_flags[i];
  argv[argc++] = include_flag;
  argv[argc++] = "-o";
  argv[argc++] = library_path;
  argv[argc++] = source_path;
  argv[argc] = NULL;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid;
  const int spawned = posix_spawnp(&pid, compiler, &actions, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* mkdir -p: the folder and any missing parents (~/.cache/curriculum-lab on a fresh machine). */
static int make_folders(const char *folder) {
  char path[4096];
  snprintf(path, sizeof path, "%s", folder);
  for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
    if (slash) *slash = 0;
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return -1;
    if (!slash) return 0;
    *slash = '/';
  }
}

static int write_text(const char *path, const char *s) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  const size_t n = strlen(s);
  const int ok = fwrite(s, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* Removes what builds in processes that no longer run left behind (a process may exit while its
 * compiler runs): ew-<hash>.<pid>.c, .log and .so.partial, by the pid in the name. Once per
 * cache folder and process, before its first build there. */
static void remove_abandoned_builds(const char *cache_dir) {
  static char swept[4096];
  if (strcmp(swept, cache_dir) == 0) return;
  snprintf(swept, sizeof swept, "%s", cache_dir);
  DIR *dir = opendir(cache_dir);
  if (!dir) return;
  for (struct dirent *entry; (entry = readdir(dir));) {
    long pid;
    char suffix[16];
    if (sscanf(entry->d_name, "ew-%*32[0-9a-f].%ld.%15s", &pid, suffix) != 2 || pid <= 0 || pid == (long)getpid()) continue;
    if (strcmp(suffix, "c") != 0 && strcmp(suffix, "log") != 0 && strcmp(suffix, "so.partial") != 0) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* still running (or not ours to ask) */
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", cache_dir, entry->d_name);
    unlink(path);
  }
  closedir(dir);
}

/* Builds (or finds) and loads the program's library and publishes its function. */
static void compile_program(lab_ew_attrs *p) {
  char cache_dir[4096], include_dir[4096], compiler[1024];
  pthread_mutex_lock(&jit.lock);
  memcpy(cache_dir, jit.cache_dir, sizeof cache_dir);
  memcpy(include_dir, jit.include_dir, sizeof include_dir);
  memcpy(compiler, jit.compiler, sizeof compiler);
  pthread_mutex_unlock(&jit.lock);
  if (!cache_dir[0]) return; /* turned off while queued */
  char setting[sizeof jit.fingerprint_of];
  snprintf(setting, sizeof setting, "%s\n%s", compiler, include_dir);
  if (strcmp(jit.fingerprint_of, setting) != 0) { /* a compiler that does not run fails once, not per job */
    free(jit.fingerprint);
    jit.fingerprint = make_fingerprint(compiler, include_dir);
    strcpy(jit.fingerprint_of, setting);
  }
  if (!jit.fingerprint) return;
  const int64_t layout = atomic_load_explicit(&p->rows_layout, memory_order_relaxed);
  char *source = lab_ew_codegen_source(p, layout);
  if (!source) {
    set_error("compiled composites: out of memory generating a composite's C");
    return;
  }
  const char *parts[N_FLAGS + 2];
  int n_parts = 0;
  parts[n_parts++] = jit.fingerprint;
  for (size_t i = 0; i < N_FLAGS; i++) parts[n_parts++] = compile_flags[i];
  parts[n_parts++] = source;
  char name[33], library[4200];
  hash_name(parts, n_parts, name);
  snprintf(library, sizeof library, "%s/ew-%s.so", cache_dir, name);
  int built = 0;
  if (access(library, R_OK) != 0) {
    remove_abandoned_builds(cache_dir);
    /* This process's own file names until the rename: other processes may build the same one. */
    char source_path[4300], partial[4300], log_path[4300];
    snprintf(source_path, sizeof source_path, "%s/ew-%s.%ld.c", cache_dir, name, (long)getpid());
    snprintf(partial, sizeof partial, "%s/ew-%s.%ld.so.partial", cache_dir, name, (long)getpid());
    snprintf(log_path, sizeof log_path, "%s/ew-%s.%ld.log", cache_dir, name, (long)getpid());
    if (make_folders(cache_dir) != 0) {
      set_error("compiled composites: cannot create the cache folder %s (%s); set LAB_COMPOSITE_CACHE_DIR to a "
                "writable folder. Composites run interpreted.", cache_dir, strerror(errno));
      free(source);
      return;
    }
    if (write_text(source_path, source) != 0) {
      set_error("compiled composites: cannot write %s (%s). Composites run interpreted.", source_path, strerror(errno));
      free(source);
      return;
    }
    if (run_compiler(compiler, include_dir, source_path, partial, log_path) != 0 || rename(partial, library) != 0) {
      set_error("compiled composites: `%s` could not build %s; its messages are in %s. This composite runs "
                "interpreted, with the same results.", compiler, source_path, log_path);
      unlink(partial);
      free(source);
      return;
    }
    unlink(log_path);
    unlink(source_path);
    built = 1;
  }
  free(source);
  void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
  lab_ew_tile_fn fn = handle ? (lab_ew_tile_fn)dlsym(handle, "lab_ew_tile") : NULL;
  lab_ew_rows_fn rows_fn = handle && layout >= 0 ? (lab_ew_rows_fn)dlsym(handle, "lab_ew_rows") : NULL;
  if (!fn || (layout >= 0 && !rows_fn)) {
    set_error("compiled composites: cannot load %s (%s); delete it to have it rebuilt. This composite runs "
              "interpreted.", library, dlerror());
    return;
  }
  p->compiled_layout = layout;
  atomic_store_explicit(&p->compiled_rows, rows_fn, memory_order_relaxed);
  atomic_store_explicit(&p->compiled, fn, memory_order_release);
  count(built ? &jit.stats.compiled : &jit.stats.loaded);
}

static void *worker(void *arg) {
  (void)arg;
  pthread_mutex_lock(&jit.lock);
  for (;;) {
    while (!jit.head) pthread_cond_wait(&jit.work, &jit.lock);
    job *next = jit.head;
    jit.head = next->next;
    if (!jit.head) jit.tail = NULL;
    jit.running = 1;
    pthread_mutex_unlock(&jit.lock);
    compile_program(next->program);
    atomic_store(&next->program->jit_phase, LAB_EW_JIT_DONE);
    lab_ew_free(next->program); /* the queue's reference */
    free(next);
    pthread_mutex_lock(&jit.lock);
    jit.running = 0;
    if (!jit.head) pthread_cond_broadcast(&jit.idle);
  }
  return NULL;
}

/* Queues p with a reference of its own; 0 when it could not (it then stays interpreted). */
static int enqueue(lab_ew_attrs *p) {
  job *j = malloc(sizeof *j);
  if (!j) return 0;
  *j = (job){p, NULL};
  atomic_fetch_add(&p->refs, 1);
  pthread_mutex_lock(&jit.lock);
  if (!jit.started) {
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    jit.started = pthread_create(&thread, &attr, worker, NULL) == 0;
    pthread_attr_destroy(&attr);
    if (!jit.started) {
      pthread_mutex_unlock(&jit.lock);
      atomic_fetch_sub(&p->refs, 1);
      free(j);
      return 0;
    }
  }
  if (jit.tail) jit.tail->next = j;
  else jit.head = j;
  jit.tail = j;
  jit.stats.queued++;
  pthread_cond_signal(&jit.work);
  pthread_mutex_unlock(&jit.lock);
  return 1;
}

lab_ew_tile_fn lab_ew_jit_function(lab_ew_attrs *p, int64_t elements) {
  const lab_ew_tile_fn fn = atomic_load_explicit(&p->compiled, memory_order_acquire);
  if (fn || atomic_load_explicit(&p->jit_phase, memory_order_relaxed) != LAB_EW_JIT_COLD) return fn;
  const int64_t hot = atomic_load_explicit(&jit.hot_elements, memory_order_relaxed);
  if (hot <= 0 || atomic_fetch_add_explicit(&p->interpreted, elements, memory_order_relaxed) + elements < hot) {
    return NULL;
  }
  int cold = LAB_EW_JIT_COLD;
  if (atomic_compare_exchange_strong(&p->jit_phase, &cold, LAB_EW_JIT_QUEUED) && !enqueue(p)) {
    atomic_store(&p->jit_phase, LAB_EW_JIT_DONE);
  }
  return NULL;
}

int lab_ew_jit_configure(const char *cache_dir, const char *include_dir, const char *compiler,
                         int64_t hot_elements, char *err, size_t err_len) {
  const int on = cache_dir && cache_dir[0];
  if (on && (!include_dir || !compiler || strlen(cache_dir) >= sizeof jit.cache_dir ||
             strlen(include_dir) >= sizeof jit.include_dir || strlen(compiler) >= sizeof jit.compiler)) {
    snprintf(err, err_len, "compiled composites: the cache folder, include folder and compiler must be given, "
                           "each under 1,000 characters");
    return 1;
  }
  pthread_mutex_lock(&jit.lock);
  if (on) {
    strcpy(jit.cache_dir, cache_dir);
    strcpy(jit.include_dir, include_dir);
    strcpy(jit.compiler, compiler);
  } else {
    jit.cache_dir[0] = 0;
  }
  atomic_store(&jit.hot_elements, on ? (hot_elements > 0 ? hot_elements : 1) : 0);
  pthread_mutex_unlock(&jit.lock);
  return 0;
}

static _Atomic int64_t row_walks, prefetched_row_walks;

void lab_ew_jit_count_row_walk(int prefetch) {
  atomic_fetch_add_explicit(&row_walks, 1, memory_order_relaxed);
  if (prefetch) atomic_fetch_add_explicit(&prefetched_row_walks, 1, memory_order_relaxed);
}

void lab_ew_jit_get_stats(lab_ew_jit_stats *out) {
  pthread_mutex_lock(&jit.lock);
  *out = jit.stats;
  pthread_mutex_unlock(&jit.lock);
  out->row_walks = atomic_load_explicit(&row_walks, memory_order_relaxed);
  out->prefetched_row_walks = atomic_load_explicit(&prefetched_row_walks, memory_order_relaxed);
}

void lab_ew_jit_wait(void) {
  pthread_mutex_lock(&jit.lock);
  while (jit.head || jit.running) pthread_cond_wait(&jit.idle, &jit.lock);
  pthread_mutex_unlock(&jit.lock);
}
