/* log.c - stderr log lines (log.h). */
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int log_level = LOG_INFO;

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int log_level_parse(const char *s)
{
  for(int i = 0; i < 4; i++)
    if(s && !strcasecmp(s, level_names[i]))
      return i;
  return -1;
}

/* A pipe or socket takes at most PIPE_BUF (4 KiB) in one piece, so lines of several
 * workers sharing it never interleave; a file opened for appending takes any size in one
 * piece, and there fewer, larger writes save the file system's per-write work. */
#define BATCH_SIZE 65536u
#define BATCH_PIPE 4096u
#define LOG_LINE_MAX 768u   /* more than stamp + method + 200 + 100 + numbers + 200 */

static int batching;
static char batch[BATCH_SIZE];
static size_t batch_cap = BATCH_PIPE;
static size_t batch_len;
static time_t batch_since;

static void write_all(const char *p, size_t n)
{
  while(n) {
    ssize_t w = write(STDERR_FILENO, p, n);
    if(w <= 0)
      return;                                   /* nowhere to log: nothing to do about it */
    p += w;
    n -= (size_t)w;
  }
}

void log_flush(void)
{
  if(batch_len)
    write_all(batch, batch_len);
  batch_len = 0;
}

void log_batch(int on)
{
  if(!on)
    log_flush();
  batching = on;
  struct stat st;
  int fl = fcntl(STDERR_FILENO, F_GETFL);
  batch_cap = !fstat(STDERR_FILENO, &st) && S_ISREG(st.st_mode) && fl >= 0 &&
              (fl & O_APPEND) ? BATCH_SIZE : BATCH_PIPE;
}

/* ---- health, status, metrics, logs (§16.4): journald priorities, --log-file -------- */

static const char prio[4][4] = { "<3>", "<4>", "<6>", "<7>" };
static int journal_state = -1;  /* -1 = not checked yet */
static const char *log_path;

/* stderr is the journal's stream when JOURNAL_STREAM holds its "device:inode" (what
 * sd-daemon checks). Checked once, and again after --log-file redirects stderr. */
static int journal(void)
{
  if(journal_state >= 0)
    return journal_state;
  journal_state = 0;
  const char *e = getenv("JOURNAL_STREAM");
  struct stat st;
  unsigned long long dev, ino;
  char tail;
  if(e && sscanf(e, "%llu:%llu%c", &dev, &ino, &tail) == 2 && !fstat(STDERR_FILENO, &st) &&
     (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
    journal_state = 1;
  return journal_state;
}

static int open_log(void)
{
  int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if(fd < 0)
    return -1;
  if(fd != STDERR_FILENO) {
    dup2(fd, STDERR_FILENO);                    /* dup2 clears close-on-exec on fd 2 */
    close(fd);
  }
  return 0;
}

int log_open_file(const char *path)
{
  log_path = path;
  if(open_log())
    return -1;
  journal_state = 0;                            /* a file: no priorities */
  batch_cap = BATCH_SIZE;
  return 0;
}

/* A reopen that failed (the directory removed, or not writable by the account): stderr
 * is still the old file, and the failure's errno waits here to be logged there, once, by
 * the next log line or by log_reopen itself (the signal handler cannot log). */
static volatile sig_atomic_t reopen_failed;

static void reopen_raw(void)
{
  if(log_path && open_log())
    reopen_failed = errno ? errno : EIO;
}

static void reopen_report(void)
{
  int e = reopen_failed;
  if(!e)
    return;
  reopen_failed = 0;
  log_msg(LOG_ERROR, "SIGUSR1: cannot reopen the log file %s: %s; still logging to the "
          "file opened before", log_path, strerror(e));
}

/* open, dup2 and close are async-signal-safe: the reopen is done in the handler, so a
 * line written before it goes to the old file and every line after it to the new one */
static void on_usr1(int sig)
{
  (void)sig;
  int saved = errno;
  reopen_raw();
  errno = saved;
}

const char *log_file_path(void)
{
  return log_path;
}

int log_reopen(void)
{
  if(!log_path || !open_log())
    return 0;
  reopen_failed = errno ? errno : EIO;
  reopen_report();
  return -1;
}

void log_reopen_on_usr1(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
}

void log_usr1_block(void)
{
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, NULL);
}

void log_reopen_pending(void)
{
  sigset_t s;
  if(sigpending(&s) || !sigismember(&s, SIGUSR1))
    return;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  struct timespec zero = { 0, 0 };
  if(sigtimedwait(&s, NULL, &zero) == SIGUSR1)
    log_reopen();
}

int log_wait_poll(struct pollfd *p, unsigned n, const sigset_t *also)
{
  sigset_t open;
  sigprocmask(SIG_SETMASK, NULL, &open);
  sigdelset(&open, SIGUSR1);
  for(int sig = 1; also && sig < NSIG; sig++)
    if(sigismember(also, sig) == 1)
      sigdelset(&open, sig);
  int r = ppoll(p, n, NULL, &open);
  int saved = errno;
  reopen_report();                              /* a reopen in the handler failed */
  errno = saved;
  return r;
}

void log_msg(enum log_level l, const char *fmt, ...)
{
  if(reopen_failed)                             /* before this line, in the old file */
    reopen_report();
  if((int)l > log_level)
    return;
  log_flush();                                  /* keep the lines in order */
  char line[2048];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  size_t n = 0;
  if(journal()) {                               /* §16.4: the priority for journald */
    memcpy(line, prio[l], 3);
    n = 3;
  }
  n += strftime(line + n, sizeof(line) - n, "%Y-%m-%dT%H:%M:%SZ", &tm);
  int k = snprintf(line + n, sizeof(line) - n, " openapi-connector[%ld] %s: ", (long)getpid(),
                   level_names[l]);
  if(k > 0)
    n += (size_t)k;
  va_list ap;
  va_start(ap, fmt);
  if(n < sizeof(line))
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
  va_end(ap);
  n = strlen(line);
  /* one line, whatever the message holds */
  for(size_t i = 0; i < n; i++)
    if(line[i] == '\n' || line[i] == '\r')
      line[i] = ' ';
  if(n > sizeof(line) - 2)
    n = sizeof(line) - 2;
  line[n++] = '\n';
  /* one write(2), so lines of concurrent workers sharing the log do not interleave */
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
}

/* The time stamp changes once a second and the pid only across fork(): both are kept. */
static time_t stamp_time = (time_t)-1;
static char stamp[64];
static size_t stamp_len;
static long cached_pid;

void log_forget_pid(void)
{
  cached_pid = 0;
  stamp_time = (time_t)-1;
}

static void put(char *line, size_t *n, size_t cap, const char *s, size_t len)
{
  if(len > cap - *n)
    len = cap - *n;
  memcpy(line + *n, s, len);
  *n += len;
}

/* PUT for text from the request: a CR or LF in it must not start a forged log line. */
static void put_clean(char *line, size_t *n, size_t cap, const char *s, size_t len)
{
  size_t at = *n;
  put(line, n, cap, s, len);
  for(size_t i = at; i < *n; i++)
    if(line[i] == '\n' || line[i] == '\r')
      line[i] = ' ';
}

static void put_num(char *line, size_t *n, size_t cap, long long v)
{
  char d[24];
  size_t k = sizeof(d);
  int neg = v < 0;
  unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  do
    d[--k] = (char)('0' + u % 10);
  while(u /= 10);
  if(neg)
    d[--k] = '-';
  put(line, n, cap, d + k, sizeof(d) - k);
}

void log_request(const char *method, const char *path, size_t plen, const char *type,
                 int status, long upstream, long long dur_us, const char *problem)
{
  log_request_cause(method, path, plen, type, status, upstream, dur_us, problem, NULL);
}

void log_request_cause(const char *method, const char *path, size_t plen, const char *type,
                       int status, long upstream, long long dur_us, const char *problem,
                       const char *cause)
{
  if(reopen_failed)                             /* §16.4: a failed SIGUSR1 reopen */
    reopen_report();
  enum log_level l = status >= 500 ? LOG_WARN : LOG_INFO;
  if((int)l > log_level)
    return;
  time_t now = time(NULL);
  if(now != stamp_time || !cached_pid) {
    struct tm tm;
    gmtime_r(&now, &tm);
    if(!cached_pid)
      cached_pid = (long)getpid();
    size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    int k = snprintf(stamp + n, sizeof(stamp) - n, " openapi-connector[%ld] ", cached_pid);
    stamp_len = n + (k > 0 ? (size_t)k : 0);
    stamp_time = now;
  }
  /* A line is at most LOG_LINE_MAX bytes: built in place at the end of the batch (one buffer
   * touched, no copy), or in LOCAL when not batching. */
  char local[LOG_LINE_MAX + 1];
  char *line = local;
  if(batching) {
    if(batch_len + LOG_LINE_MAX + 1 > batch_cap || (batch_len && now - batch_since >= 1))
      log_flush();
    if(!batch_len)
      batch_since = now;
    line = batch + batch_len;
  }
  size_t n = 0, cap = LOG_LINE_MAX;
  if(journal())                                 /* §16.4: the priority for journald */
    put(line, &n, cap, prio[l], 3);
  put(line, &n, cap, stamp, stamp_len);
  put(line, &n, cap, level_names[l], strlen(level_names[l]));
  put(line, &n, cap, ": ", 2);
  put_clean(line, &n, cap, method, strnlen(method, 20));
  put(line, &n, cap, " ", 1);
  put_clean(line, &n, cap, path, plen > 200 ? 200 : plen);
  put(line, &n, cap, " type=", 6);
  put_clean(line, &n, cap, type, strnlen(type, 100));
  put(line, &n, cap, " status=", 8);
  put_num(line, &n, cap, status);
  put(line, &n, cap, " upstream=", 10);
  put_num(line, &n, cap, upstream);
  put(line, &n, cap, " ", 1);
  put_num(line, &n, cap, dur_us / 1000);
  char frac[4] = { '.', (char)('0' + (dur_us / 100) % 10), 'm', 's' };
  put(line, &n, cap, frac, 4);
  if(cause) {                                   /* §16.4: why a 502/504 */
    put(line, &n, cap, " cause=", 7);
    put(line, &n, cap, cause, strnlen(cause, 40));
  }
  if(problem) {
    put(line, &n, cap, " problem=", 9);
    put_clean(line, &n, cap, problem, strnlen(problem, 200));
  }
  line[n++] = '\n';
  if(batching)
    batch_len += n;
  else
    write_all(line, n);
}
