// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2fuzz - read s2view's files from several threads at random while VMs
 * come and go: a concurrent fuzzer of the view's file operations.
 *
 * USAGE: s2fuzz SECONDS OUTDIR
 * For SECONDS:
 * - READERS threads pick a file of /sys/kernel/kvm (every VM's ranges,
 *   memslots, pid and counters, the host's), open it, then do a random
 *   sequence of pread() (random offset up to 2M, random size from 1 byte
 *   to 1M), lseek() (any whence) and whole reads (from offset 0 to the end,
 *   in chunks of random size), and close it;
 * - CHURNERS threads run the launcher (s2vm) again and again, each with
 *   one of several plans that fault memory, turn dirty logging on and off,
 *   move and delete memslots, unmap host memory, then exit, destroying the
 *   VM.
 * Checks: every whole read is whole lines; a whole read of a ranges file
 * is a chain of ranges from 0, each ending where the next begins; a read
 * fails only with an errno the view documents (a VM gone: ENODEV or
 * ENOENT; a protected VM: EACCES; none of its tables yet: ENOENT); every
 * launcher exits 0. The last whole read of a ranges file of each reader is
 * written to OUTDIR/ranges.<n>, for the tests' own reader to check.
 *
 * Prints "s2fuzz: seconds=<s> opens=<n> preads=<n> lseeks=<n>
 * whole_reads=<n> bytes=<n> vms=<n> errnos=<errno>:<n>,... ops_per_s=<n>"
 * and a line per broken rule. Exit status 0, 1 when a rule broke, 2 for
 * bad usage.
 *
 * BUILD: aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror -pthread
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define READERS		4
#define CHURNERS	2
/* Paths of the files a reader picks from, at most. */
#define MAX_FILES	512
/* The largest offset a pread() asks for, and the largest size. */
#define MAX_OFFSET	(2 << 20)
#define MAX_READ	(1 << 20)
/* The largest file a whole read keeps. */
#define MAX_FILE	(32 << 20)
/* Operations on one open file, at most. */
#define MAX_OPS		16
/* errno values counted (the largest + 1). */
#define MAX_ERRNO	160

/* The launcher's plans: each faults memory, changes it, then exits. */
static const char *const plans[][12] = {
	{ "s2vm", "-b", "thp", "-m", "8M", "-p",
	  "log-on,run,getlog,run,log-off,run", "-x", NULL },
	{ "s2vm", "-m", "4M", "-t", "every:2", "-p",
	  "move:0:0xc0000000,run,delete:0", "-x", NULL },
	{ "s2vm", "-b", "thp", "-m", "8M", "-p",
	  "dontneed:0:0:2M,run,unmap:0:2M:2M,run", "-x", NULL },
	{ "s2vm", "-s", "0x90000000:2M", "-s", "0xa0000000:4M", "-d", "-p",
	  "delete:1,run,log-off,run", "-x", NULL },
};

static const char *outdir;
static time_t deadline;
static atomic_ulong opens, preads, lseeks, whole_reads, bytes, vms;
static atomic_ulong errnos[MAX_ERRNO];
static atomic_int broken;

static void __attribute__((format(printf, 1, 2))) rule_broken(const char *fmt, ...)
{
	va_list ap;

	flockfile(stdout);
	fputs("s2fuzz: FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	funlockfile(stdout);
	atomic_store(&broken, 1);
}

static bool time_left(void)
{
	return time(NULL) < deadline;
}

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

/* ------------------------------------------------------------ the files */

/* The files of /sys/kernel/kvm now: every VM's and the host's. */
static int list_files(char files[][128], int max)
{
	static const char *const names[] = {
		"s2/ranges", "memslots", "pid", "s2/mapped_bytes",
		"s2/table_pages", "s2/pages_l3", "s2/blocks_l2", "s2/ipa_bits",
		"s2/owner_hyp_bytes", "s2/state_shared_owned_bytes",
	};
	DIR *d = opendir("/sys/kernel/kvm");
	struct dirent *e;
	int n = 0;
	size_t i;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n + (int)(sizeof(names) / sizeof(names[0])) <= max) {
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			snprintf(files[n++], 128, "/sys/kernel/kvm/%.32s/%s",
				 e->d_name, names[i]);
	}
	closedir(d);
	return n;
}

/* The errnos a read of the view may fail with (see the ABI). */
static bool documented(int err)
{
	return err == ENODEV || err == ENOENT || err == EACCES ||
	       err == EOPNOTSUPP;
}

static void count_errno(const char *path, const char *what, int err)
{
	atomic_fetch_add(&errnos[err < MAX_ERRNO ? err : 0], 1);
	if (!documented(err))
		rule_broken("%s %s: %s (errno %d)", what, path, strerror(err),
			    err);
}

/* A whole read of a ranges file: a chain of ranges from 0. */
static void check_chain(const char *path, const char *buf, size_t len)
{
	unsigned long long start, end, prev = 0;
	const char *line = buf, *nl;

	for (; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', buf + len - line);
		if (sscanf(line, "0x%llx-0x%llx ", &start, &end) != 2 ||
		    start != prev || end <= start) {
			rule_broken("%s: line %.60s does not follow 0x%llx", path,
				    line, prev);
			return;
		}
		prev = end;
	}
}

/* Reads @fd from 0 to its end in chunks of random size; checks the text. */
static void whole_read(int fd, const char *path, char *buf, unsigned int *seed,
		       int reader)
{
	size_t len = 0, chunk;
	char out[256];
	ssize_t n;
	FILE *f;

	if (lseek(fd, 0, SEEK_SET)) {
		count_errno(path, "lseek", errno);
		return;
	}
	for (;;) {
		/* mostly large, else small chunks that cut lines */
		chunk = rnd(seed, 4) ? 1 + rnd(seed, MAX_READ) : 1 + rnd(seed, 64);
		if (len + chunk > MAX_FILE)
			return;		/* (larger than any VM here) */
		n = read(fd, buf + len, chunk);
		if (n < 0) {
			count_errno(path, "read", errno);
			return;
		}
		if (!n)
			break;
		len += n;
	}
	atomic_fetch_add(&whole_reads, 1);
	atomic_fetch_add(&bytes, len);
	if (len && buf[len - 1] != '\n') {
		rule_broken("%s: a whole read of %zu bytes ends in a cut line",
			    path, len);
		return;
	}
	if (!strstr(path, "/ranges") || !len)
		return;
	check_chain(path, buf, len);
	snprintf(out, sizeof(out), "%s/ranges.%d", outdir, reader);
	f = fopen(out, "w");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		rule_broken("writing %s", out);
}

/* One open file: a random sequence of operations on it. */
static void fuzz_file(const char *path, char *buf, unsigned int *seed,
		      int reader)
{
	static const int whence[] = { SEEK_SET, SEEK_CUR, SEEK_END };
	unsigned int ops = 1 + rnd(seed, MAX_OPS), i;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		/* (the VM went between the listing and the open) */
		if (errno != ENOENT)
			count_errno(path, "open", errno);
		return;
	}
	atomic_fetch_add(&opens, 1);
	for (i = 0; i < ops; i++) {
		switch (rnd(seed, 3)) {
		case 0:
			n = pread(fd, buf, 1 + rnd(seed, MAX_READ),
				  rnd(seed, MAX_OFFSET));
			atomic_fetch_add(&preads, 1);
			if (n < 0)
				count_errno(path, "pread", errno);
			break;
		case 1:
			/* any result: an offset past the end is allowed */
			lseek(fd, rnd(seed, MAX_OFFSET) - MAX_OFFSET / 4,
			      whence[rnd(seed, 3)]);
			atomic_fetch_add(&lseeks, 1);
			break;
		default:
			whole_read(fd, path, buf, seed, reader);
			break;
		}
	}
	close(fd);
}

static void *reader_fn(void *arg)
{
	static char files[READERS][MAX_FILES][128];
	int reader = (int)(intptr_t)arg, n;
	unsigned int seed = time(NULL) ^ (reader << 16);
	char *buf = malloc(MAX_FILE + MAX_READ);

	if (!buf) {
		rule_broken("malloc");
		return NULL;
	}
	while (time_left()) {
		n = list_files(files[reader], MAX_FILES);
		if (!n) {
			usleep(1000);
			continue;
		}
		fuzz_file(files[reader][rnd(&seed, n)], buf, &seed, reader);
	}
	free(buf);
	return NULL;
}

/* ------------------------------------------------------------ the VMs */

static void *churner_fn(void *arg)
{
	unsigned int seed = time(NULL) ^ (uintptr_t)arg;
	int plan, status, devnull;
	pid_t pid;

	while (time_left()) {
		plan = rnd(&seed, sizeof(plans) / sizeof(plans[0]));
		pid = fork();
		if (pid < 0) {
			rule_broken("fork: %s", strerror(errno));
			return NULL;
		}
		if (!pid) {
			devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, 1);
			execvp(plans[plan][0], (char *const *)plans[plan]);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			rule_broken("s2vm plan %d: status 0x%x", plan, status);
		atomic_fetch_add(&vms, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[READERS + CHURNERS];
	time_t start = time(NULL);
	unsigned long ops;
	time_t elapsed;
	char *end;
	long seconds;
	int i, sep = '=';

	if (argc != 3)
		goto usage;
	seconds = strtol(argv[1], &end, 10);
	if (*end || seconds <= 0)
		goto usage;
	outdir = argv[2];
	deadline = start + seconds;

	for (i = 0; i < READERS + CHURNERS; i++)
		if (pthread_create(&threads[i], NULL,
				   i < READERS ? reader_fn : churner_fn,
				   (void *)(intptr_t)i)) {
			fprintf(stderr, "s2fuzz: pthread_create failed\n");
			return 1;
		}
	for (i = 0; i < READERS + CHURNERS; i++)
		pthread_join(threads[i], NULL);

	ops = opens + preads + lseeks + whole_reads;
	elapsed = time(NULL) - start;
	printf("s2fuzz: seconds=%ld opens=%lu preads=%lu lseeks=%lu whole_reads=%lu bytes=%lu vms=%lu errnos",
	       (long)elapsed, (unsigned long)opens,
	       (unsigned long)preads, (unsigned long)lseeks,
	       (unsigned long)whole_reads, (unsigned long)bytes,
	       (unsigned long)vms);
	for (i = 0; i < MAX_ERRNO; i++) {
		if (!errnos[i])
			continue;
		printf("%c%d:%lu", sep, i, (unsigned long)errnos[i]);
		sep = ',';
	}
	if (sep == '=')
		printf("=none");
	printf(" ops_per_s=%lu\n", ops / (unsigned long)(elapsed ? elapsed : 1));
	return broken;

usage:
	fprintf(stderr, "USAGE: s2fuzz SECONDS OUTDIR\n");
	return 2;
}
