/* bench_util.h - the two helpers the bench programs (hello_fcgi, hello_cgi, relay_fcgi)
 * share; header-only, so each stays one standalone source file plus this. */
#ifndef OAC_BENCH_UTIL_H
#define OAC_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole file, NULL on any error (the caller says which file). */
static inline char *bench_read_file(const char *path, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if(fd < 0)
    return NULL;
  struct stat st;
  char *data = NULL;
  if(fstat(fd, &st) == 0 && st.st_size >= 0 && (data = malloc((size_t)st.st_size + 1))) {
    size_t n = 0;
    while(n < (size_t)st.st_size) {
      ssize_t r = read(fd, data + n, (size_t)st.st_size - n);
      if(r < 0 && errno == EINTR)
        continue;
      if(r <= 0)
        break;
      n += (size_t)r;
    }
    *len = n;
  }
  close(fd);
  return data;
}

/* CONTENT_LENGTH: -1 when absent or not a number (same rule as the worker). */
static inline long bench_content_length(const char *s)
{
  if(!s || !*s)
    return -1;
  char *end;
  long n = strtol(s, &end, 10);
  return *end || n < 0 ? -1 : n;
}

#endif
