/* snapshot.h - shared caches (product.md §16.3): a long-running worker maps an immutable,
 * verified copy of each cache, shared by every worker of the host, instead of a private copy.
 *
 * After caches.c has read and fully verified a cache file into private memory, it calls
 * snapshot_adopt(): the image's SHA-256 names the snapshot <dir>/<sha256 hex>.cache. If it
 * does not exist it is written (temporary name ".<hex>.XXXXXX", mode 0444, fsync, then
 * renameat2(RENAME_NOREPLACE): of two workers writing the same snapshot at once, the first
 * rename wins and the second maps the winner's file, so they share its pages; plain rename
 * where the file system lacks it). An existing snapshot is trusted only after it passed the
 * checks below and compares equal, byte for byte, with the verified private image: a
 * regular file, not a symbolic link, exactly the image's size, no write permission bit,
 * owned by the worker's effective user or root (another account could truncate its own
 * file under the mapping). A snapshot that fails is replaced (a new file renamed over it, never rewritten in place);
 * if that fails too the worker keeps its private copy. So a tampered or truncated snapshot
 * found on disk is never served and never crashes a worker. The private image is then
 * unmapped and the snapshot mapped PROT_READ, MAP_SHARED.
 *
 * While a worker maps a snapshot it holds a read lease on it (fcntl F_SETLEASE): whoever
 * opens it for writing or truncates it (root; the owner after a chmod) is held back by the
 * kernel until a signal handler has swapped the shared mapping for a private copy of the
 * still intact bytes, at the same address (mremap), and released the lease: a request
 * reading it at that moment reads the verified bytes, never SIGBUS. snapshot_check() (once
 * a second, before requests use it) then reports it, and caches.c loads the cache again.
 * A FastCGI worker holds the signal while libfcgi reads or writes; held past
 * lease-break-time the kernel lets the truncation through first: the handler then copies
 * only the bytes still in the file (never SIGBUS), and the next request's check reports
 * the snapshot damaged (snapshot_lost_pending) and loads the cache again.
 *
 * Each lease keeps its snapshot open: one file descriptor per mapped snapshot. At the first
 * lease the soft RLIMIT_NOFILE is raised towards the hard limit (at most 1024 + 4096 + 128,
 * what the lease table can use). Above 1024 the lease descriptors are moved to numbers >=
 * 1024 (F_DUPFD_CLOEXEC), so every number below FD_SETSIZE stays free for the sockets that
 * libfcgi select()s, for curl and for files; budget: min(4096, limit - 1024). With a limit
 * of 1024 or less they stay low and 128 descriptors are kept free; budget: limit - 128.
 * Past the budget a snapshot is mapped without a lease, with one warning per process that
 * names the limit and how to raise it (LimitNOFILE=, ulimit -Hn).
 * Without a lease (a file system without leases, past the budget, another owner)
 * the check still catches a truncated, replaced or writable snapshot within a second and
 * the cache is never read from it again; only a truncation during that second could hurt a
 * worker. The operator's cache files are never mapped by a long-running worker, so
 * rewriting or truncating them never can.
 *
 * Holders refresh a snapshot's mtime every 10 minutes (snapshot_touch); a process that
 * writes a new snapshot removes those whose mtime is more than an hour old, and temporary
 * files left by a crashed writer as old.
 *
 * A directory that cannot be used (missing and not creatable, not writable, read-only file
 * system) is reported with one warning per process; the workers then keep private copies,
 * as before. So is a directory another account could change: owned by neither the worker's
 * effective user nor root, or writable by its group or by others (sticky or not: another
 * account could take a snapshot's name first), a "permission problem". CGI processes never use snapshots: they map the cache file (§6.2).
 */
#ifndef OAC_SNAPSHOT_H
#define OAC_SNAPSHOT_H

#include <stddef.h>
#include <sys/types.h>
#include "../cache/cache.h"

/* The process's snapshot directory (copied); NULL or "" turns snapshots off. */
void snapshot_set_dir(const char *dir);
const char *snapshot_dir(void);

/* What snapshot_adopt made of a cache. */
struct snapshot_ref {
  char name[72];         /* "<sha256 hex>.cache" in the directory; "" when private */
  dev_t dev;
  ino_t ino;
  int lease;             /* 1 + its slot in snapshot.c's lease table; 0: no lease */
  time_t touched;        /* monotonic seconds of the last mtime refresh */
};

/* C holds a verified private image (cache_open with CACHE_VERIFY_ALL). On success C's
 * image is replaced by the shared snapshot's mapping (C's file identity and path stay the
 * cache file's) and REF describes it; otherwise C is left as it was and REF->name is "".
 * Never fails in a way the caller must handle: the private copy is the fallback. */
void snapshot_adopt(struct cache *c, struct snapshot_ref *ref);

/* The signal the kernel sends when a snapshot's lease is broken. serve_fcgi holds it (with
 * SIGHUP and SIGTERM) while libfcgi reads or writes: libfcgi drops a connection whose
 * first wait for data is interrupted by any signal. */
int snapshot_lease_signal(void);

/* 1 (once) when a lease break found its snapshot already cut short (its signal held past
 * lease-break-time): that mapping has zeros past the cut, and snapshot_check reports it
 * with 2; the caches are to be checked before the next request, not within a second. */
int snapshot_lost_pending(void);

/* Gives up REF's lease (before the cache's mapping is closed or replaced) and clears REF.
 * A REF that is all zeros or already released is fine. */
void snapshot_release(struct snapshot_ref *ref);

/* 0 while REF's snapshot file is the one mapped, with the mapped size and no write bit;
 * 1 when the name now holds another file or none (the mapping is still sound: the cache is
 * loaded again when it can be); 2 when the mapped file itself was truncated, grown or made
 * writable (the mapping must not be read again). */
int snapshot_check(const struct snapshot_ref *ref, size_t size);

/* Refreshes the snapshot's mtime when the last refresh is 10 minutes old (NOW: monotonic
 * seconds), so that no process removes a snapshot still in use. */
void snapshot_touch(struct snapshot_ref *ref, time_t now);

/* Removes DIR's snapshots and temporary files whose mtime is older than MAX_AGE seconds;
 * the number removed. Called after writing a new snapshot (MAX_AGE 3600); tests call it. */
int snapshot_cleanup(const char *dir, time_t max_age);

#endif
