// SPDX-License-Identifier: GPL-2.0-only
/*
 * s2fail - fail every allocation of one s2view operation in turn, with the
 * kernel's fault injection (/proc/thread-self/fail-nth), as syzkaller does.
 * For N = 1, 2, ... the Nth allocation the operation makes in this task
 * fails, until the operation runs with no failure injected. After each
 * failure s2fail checks what the kernel must still guarantee.
 *
 * USAGE: s2fail create
 *        s2fail read [-c PREFIX] FILE
 *        s2fail slots
 *        s2fail teardown
 *   create    KVM_CREATE_VM. A VM made must have its whole /sys/kernel/kvm/vmN
 *             (ranges, counters, memslots, readable) or none at all, and
 *             then the kernel says why, at most once (rate limited); a VM
 *             not made comes with no such message. The last line,
 *             "op=create logged=<n>", counts the messages.
 *   read      the first open and read of FILE, to its end. A read fails with
 *             an errno after whole lines, or returns the whole file: the same
 *             as a read with no failure; with -c (a file that changes by
 *             itself, the host view) whole lines, each full read written to
 *             PREFIX.N for the test's reader to check.
 *   slots     memslot changes (add, move, dirty logging on, delete) on a VM
 *             of s2fail's: memslots shows the old layout after a failed
 *             change, the new one after a change that worked.
 *   teardown  the VM's last close with its memslots and a counter file held
 *             open: the directory goes at once, the files read an errno,
 *             nothing or whole lines; then a ranges file read partway,
 *             which keeps the VM after its last close: the rest of it reads
 *             whole lines or an errno, and its close lets the VM go.
 *             "op=teardown held=<counters|ranges> points=<n>".
 * Prints one line per step, "op=<op> n=<N> injected=<0|1> ret=<r> <ok|FAIL>",
 * and at the end "op=<op> points=<failure points found>".
 *
 * S2FAIL_FIRST=N starts create and teardown at step N, to look at one
 * failure point (with failslab's verbose=2, the kernel logs its stack).
 *
 * Exit status: 0 when every rule held; 1 when one did not (a FAIL line) or
 * the run could not be made; 2 for bad usage. Needs CONFIG_FAULT_INJECTION
 * (the debug kernel), failslab and fail_page_alloc set to fail any
 * allocation (tests/guest/05-fault-injection.bats does that).
 *
 * BUILD: aarch64-linux-gnu-gcc -static -O2 -Wall -Wextra -Werror
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

/* The most steps an operation may take before s2fail gives up. */
#define MAX_STEPS	10000
/* The largest file s2fail reads whole, and the largest memslots file. */
#define MAX_FILE	(64 << 20)
#define MAX_SLOTS_FILE	(1 << 20)
/* One read's size: the size of a big reader's buffer. */
#define READ_SIZE	(64 << 10)
/* The memslot s2fail changes: its id, size and IPAs. */
#define SLOT_ID		1
#define SLOT_SIZE	(2 << 20)
#define SLOT_IPA	0x80000000ULL
#define SLOT_IPA_MOVED	0xc0000000ULL

static int fail_nth_fd = -1;
static int failed;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fputs("s2fail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	exit(1);
}

static void usage(void)
{
	fputs("USAGE: s2fail create | read [-c PREFIX] FILE | slots | teardown\n",
	      stderr);
	exit(2);
}

/* ---------------------------------------------------------- fail-nth */

/* The first N: $S2FAIL_FIRST, for looking at one failure point; else 1. */
static unsigned int first_step(void)
{
	const char *first = getenv("S2FAIL_FIRST");

	return first ? strtoul(first, NULL, 10) : 1;
}

/* Fail the @nth allocation from here on; 0: none. */
static void fail_nth_set(unsigned int nth)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", nth);

	if (pwrite(fail_nth_fd, buf, len, 0) != len)
		die("writing /proc/thread-self/fail-nth");
}

/* Whether the failure set was injected; clears it if not. */
static bool fail_nth_injected(void)
{
	char buf[16];
	ssize_t n = pread(fail_nth_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		die("reading /proc/thread-self/fail-nth");
	buf[n] = '\0';
	if (strtoul(buf, NULL, 10) == 0)
		return true;
	fail_nth_set(0);
	return false;
}

static void step(const char *op, unsigned int n, bool injected, long ret,
		 bool ok, const char *more)
{
	printf("op=%s n=%u injected=%d ret=%ld%s%s %s\n", op, n, injected, ret,
	       *more ? " " : "", more, ok ? "ok" : "FAIL");
	fflush(stdout);
	failed |= !ok;
}

static void points(const char *op, unsigned int n)
{
	printf("op=%s points=%u\n", op, n - 1);
}

/* ---------------------------------------------------------- files */

struct text {
	char	*buf;
	size_t	size;	/* of @buf */
	size_t	len;
	int	err;	/* errno of the read that failed, or 0 */
};

/* Reads @fd to its end, or to its first error, into @t (preallocated). */
static void read_all(int fd, struct text *t)
{
	ssize_t n;

	t->len = 0;
	t->err = 0;
	for (;;) {
		if (t->len + READ_SIZE > t->size) {
			t->err = EFBIG;
			return;
		}
		n = read(fd, t->buf + t->len, READ_SIZE);
		if (n < 0) {
			t->err = errno;
			return;
		}
		if (!n)
			return;
		t->len += n;
	}
}

static void text_init(struct text *t, size_t size)
{
	/* Touched now: a page fault of the reader would count as a step. */
	t->size = size + READ_SIZE;
	t->buf = malloc(t->size);
	if (!t->buf)
		die("malloc");
	memset(t->buf, 0, t->size);
}

static bool whole_lines(const struct text *t)
{
	return !t->len || t->buf[t->len - 1] == '\n';
}

/* Reads @path whole with no failure; exits if it cannot. */
static void read_file(const char *path, struct text *t)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("opening %s", path);
	read_all(fd, t);
	close(fd);
	if (t->err) {
		errno = t->err;
		die("reading %s", path);
	}
}

static void write_file(const char *path, const struct text *t)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(t->buf, 1, t->len, f) != t->len || fclose(f))
		die("writing %s", path);
}

/* s2fail read: the first open and read of @path. */
static void op_read(const char *path, const char *prefix)
{
	struct text ref, t;
	char more[64], out[4096];
	unsigned int n;
	bool injected, ok;
	int fd;

	text_init(&t, MAX_FILE);
	if (!prefix) {
		text_init(&ref, MAX_FILE);
		read_file(path, &ref);
	}
	for (n = 1; n <= MAX_STEPS; n++) {
		fail_nth_set(n);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			read_all(fd, &t);
			close(fd);
		}
		injected = fail_nth_injected();
		if (fd < 0) {
			/* An open may only fail for the failure injected. */
			snprintf(more, sizeof(more), "open=%s", strerror(errno));
			step("read", n, injected, -errno, injected, more);
			continue;
		}
		ok = whole_lines(&t);
		if (!prefix)
			ok = ok && t.len <= ref.len &&
			     !memcmp(t.buf, ref.buf, t.len) &&
			     (t.err || t.len == ref.len);
		else if (!t.err) {
			snprintf(out, sizeof(out), "%s.%u", prefix, n);
			write_file(out, &t);
		}
		/* Without a failure the read is whole. */
		ok = ok && (injected || !t.err);
		snprintf(more, sizeof(more), "bytes=%zu read=%s", t.len,
			 t.err ? strerror(t.err) : "whole");
		step("read", n, injected, -t.err, ok, more);
		if (!injected)
			break;
	}
	points("read", n);
}

/* ---------------------------------------------------------- VMs */

static int kvm_fd(void)
{
	static int fd = -1;

	if (fd < 0)
		fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("opening /dev/kvm");
	return fd;
}

static int create_vm(void)
{
	int vm = ioctl(kvm_fd(), KVM_CREATE_VM, 0);

	if (vm < 0)
		die("KVM_CREATE_VM");
	return vm;
}

/*
 * The /sys/kernel/kvm/vmN of s2fail's one VM (its pid file names this
 * process), into @dir; false if there is none.
 */
static bool vm_dir(char *dir, size_t size)
{
	DIR *d = opendir("/sys/kernel/kvm");
	char path[512], pid[32];
	struct dirent *e;
	bool found = false;
	ssize_t n;
	int fd;

	if (!d)
		die("opening /sys/kernel/kvm");
	while (!found && (e = readdir(d))) {
		if (strncmp(e->d_name, "vm", 2))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/kvm/%s/pid", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, pid, sizeof(pid) - 1);
		close(fd);
		if (n <= 0)
			continue;
		pid[n] = '\0';
		if (strtol(pid, NULL, 10) == getpid()) {
			snprintf(dir, size, "/sys/kernel/kvm/%s", e->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* Whether a file of @dir reads whole. */
static bool vm_file_reads(const char *dir, const char *name, struct text *t)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		t->len = 0;
		t->err = errno;
		return false;
	}
	read_all(fd, t);
	close(fd);
	return !t->err && whole_lines(t);
}

/* Whether @dir is gone, waiting up to 10 s (a VM put from a work item). */
static bool dir_goes(const char *dir)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (access(dir, F_OK) && errno == ENOENT)
			return true;
		usleep(10000);
	}
	return false;
}

/* What the kernel logs when a VM gets no directory (kvm_s2_sysfs.c). */
#define NO_VIEW_MSG	"no stage-2 sysfs view for this VM"

/* /dev/kmsg, at its end, for the records logged from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || lseek(fd, 0, SEEK_END) < 0)
		die("opening /dev/kmsg");
	return fd;
}

/* Records logged since the last call that contain @what. */
static unsigned int kmsg_count(int fd, const char *what)
{
	unsigned int count = 0;
	char rec[8192];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records lost: go on with the next */
		if (n <= 0)
			return count;
		rec[n] = '\0';
		count += !!strstr(rec, what);
	}
}

/* s2fail create: KVM_CREATE_VM. */
static void op_create(void)
{
	static const char *const files[] = {
		"memslots", "s2/mapped_bytes", "s2/table_pages", "s2/ranges",
	};
	unsigned int n, i, logged, logged_all = 0;
	char dir[300], more[320];
	int vm, err, kmsg;
	bool injected, ok;
	struct text t;

	text_init(&t, MAX_FILE);
	kvm_fd();
	kmsg = kmsg_open();
	for (n = first_step(); n <= MAX_STEPS; n++) {
		fail_nth_set(n);
		vm = ioctl(kvm_fd(), KVM_CREATE_VM, 0);
		err = errno;
		injected = fail_nth_injected();
		logged = kmsg_count(kmsg, NO_VIEW_MSG);
		logged_all += logged;
		if (vm < 0) {
			/* VM creation may only fail for the failure injected,
			 * and then not because of s2view (no VM, no message).
			 */
			step("create", n, injected, -err, injected && !logged,
			     "vm=none");
			continue;
		}
		/* At most one message per VM (rate limited: maybe none). */
		ok = logged <= 1;
		if (vm_dir(dir, sizeof(dir))) {
			/* A directory is whole: every file there and readable
			 * (ranges: an errno for a VM whose tables EL2 keeps,
			 * which has not run yet, but never a cut line).
			 */
			for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
				ok = (vm_file_reads(dir, files[i], &t) ||
				      (i == 3 && t.err && !t.len)) && ok;
			snprintf(more, sizeof(more), "vm=%s", dir + 16);
		} else {
			dir[0] = '\0';
			snprintf(more, sizeof(more), "vm=none");
			/* Only a failure injected leaves a VM without one. */
			ok = ok && injected;
		}
		close(vm);
		/* and it goes with the VM, before the next one is made: a
		 * directory left behind would pass for the next VM's
		 */
		if (dir[0])
			ok = dir_goes(dir) && ok;
		step("create", n, injected, 0, ok, more);
		if (!injected)
			break;
	}
	points("create", n);
	printf("op=create logged=%u\n", logged_all);
}

static void *slot_memory(void)
{
	void *mem = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED)
		die("mmap");
	return mem;
}

static int set_slot(int vm, uint64_t ipa, uint64_t size, uint32_t flags,
		    void *mem)
{
	struct kvm_userspace_memory_region r = {
		.slot = SLOT_ID,
		.flags = flags,
		.guest_phys_addr = ipa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};

	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* A memslot change and the change that undoes it. */
struct slot_change {
	const char	*name;
	uint64_t	ipa, size;
	uint32_t	flags;
	uint64_t	undo_ipa, undo_size;
	uint32_t	undo_flags;
};

/* memslots of @dir into @t; exits if it does not read. */
static void read_memslots(const char *dir, struct text *t)
{
	if (!vm_file_reads(dir, "memslots", t))
		die("reading %s/memslots", dir);
}

static bool same_text(const struct text *a, const struct text *b)
{
	return a->len == b->len && !memcmp(a->buf, b->buf, a->len);
}

/* Every failure of @c in turn; the slot is as before @c at the end. */
static void slot_change(int vm, const char *dir, void *mem,
			const struct slot_change *c, struct text *t)
{
	struct text before, after;
	unsigned int n;
	bool injected;
	char more[64];
	int ret;

	text_init(&before, MAX_SLOTS_FILE);
	text_init(&after, MAX_SLOTS_FILE);
	read_memslots(dir, &before);
	if (set_slot(vm, c->ipa, c->size, c->flags, mem))
		die("memslot change %s", c->name);
	read_memslots(dir, &after);
	if (set_slot(vm, c->undo_ipa, c->undo_size, c->undo_flags, mem))
		die("undoing memslot change %s", c->name);

	for (n = 1; n <= MAX_STEPS; n++) {
		fail_nth_set(n);
		ret = set_slot(vm, c->ipa, c->size, c->flags, mem);
		injected = fail_nth_injected();
		read_memslots(dir, t);
		snprintf(more, sizeof(more), "change=%s", c->name);
		/* The old layout after a failure, the new one else. */
		step("slots", n, injected, ret,
		     (ret ? injected && same_text(t, &before) :
			    same_text(t, &after)), more);
		if (!ret && set_slot(vm, c->undo_ipa, c->undo_size,
				     c->undo_flags, mem))
			die("undoing memslot change %s", c->name);
		if (!injected)
			break;
	}
	printf("op=slots change=%s points=%u\n", c->name, n - 1);
	free(before.buf);
	free(after.buf);
}

/* s2fail slots: memslot changes. */
static void op_slots(void)
{
	const struct slot_change changes[] = {
		{ "add", SLOT_IPA, SLOT_SIZE, 0, SLOT_IPA, 0, 0 },
		{ "move", SLOT_IPA_MOVED, SLOT_SIZE, 0, SLOT_IPA, SLOT_SIZE, 0 },
		{ "log-on", SLOT_IPA, SLOT_SIZE, KVM_MEM_LOG_DIRTY_PAGES,
		  SLOT_IPA, SLOT_SIZE, 0 },
		{ "delete", SLOT_IPA, 0, 0, SLOT_IPA, SLOT_SIZE, 0 },
	};
	void *mem = slot_memory();
	struct text t;
	char dir[300];
	size_t i;
	int vm;

	text_init(&t, MAX_SLOTS_FILE);
	vm = create_vm();
	if (!vm_dir(dir, sizeof(dir)))
		die("no /sys/kernel/kvm/vmN for s2fail's VM");
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		/* add starts from no slot, the others from the slot at SLOT_IPA */
		if (i == 1 && set_slot(vm, SLOT_IPA, SLOT_SIZE, 0, mem))
			die("adding the memslot");
		slot_change(vm, dir, mem, &changes[i], &t);
	}
	close(vm);
}

/* The files a teardown holds open: ranges first (it holds the VM). */
static const char *const held_files[] = {
	"s2/ranges", "memslots", "s2/table_pages",
};
#define NR_HELD		(sizeof(held_files) / sizeof(held_files[0]))

/*
 * Reads the held files from @from on, then closes them: an errno, nothing
 * or whole lines each. Says what each read in @more.
 */
static bool read_held(int *fds, unsigned int from, struct text *t,
		      char *more, size_t size, int len)
{
	bool ok = true;
	unsigned int i;

	for (i = from; i < NR_HELD; i++) {
		read_all(fds[i], t);
		ok = ok && (t->err || whole_lines(t));
		close(fds[i]);
		len += snprintf(more + len, size - len, " %s=%s:%zu",
				held_files[i],
				t->err ? strerror(t->err) : "read", t->len);
	}
	return ok;
}

/*
 * A VM with a memslot and its files open, ranges read partway, or with
 * @no_ranges not open (fds[0] = -1); returns it.
 */
static int vm_with_files(void *mem, char *dir, size_t size, int *fds,
			 bool no_ranges)
{
	char path[512], probe[16];
	unsigned int i;
	int vm = create_vm();

	if (set_slot(vm, SLOT_IPA, SLOT_SIZE, 0, mem))
		die("adding the memslot");
	if (!vm_dir(dir, size))
		die("no /sys/kernel/kvm/vmN for s2fail's VM");
	fds[0] = -1;
	for (i = no_ranges; i < NR_HELD; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, held_files[i]);
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0)
			die("opening %s", path);
	}
	/* a reader in the middle of the file */
	if (!no_ranges && read(fds[0], probe, sizeof(probe)) < 0)
		die("reading %s/s2/ranges", dir);
	return vm;
}

/*
 * s2fail teardown, counters: the VM's last close, in this task, with its
 * memslots and a counter file open. The directory goes at once.
 */
static void teardown_counters(void *mem, struct text *t)
{
	char dir[300], more[512];
	int vm, fds[NR_HELD], len;
	bool injected, ok;
	unsigned int n;

	for (n = first_step(); n <= MAX_STEPS; n++) {
		/* (an open ranges would hold the VM, and its close drops
		 * that reference later, from a work item)
		 */
		vm = vm_with_files(mem, dir, sizeof(dir), fds, true);

		fail_nth_set(n);
		close(vm);
		injected = fail_nth_injected();

		ok = access(dir, F_OK) && errno == ENOENT;
		len = snprintf(more, sizeof(more), "held=counters vm=%s dir=%s",
			       dir + 16, ok ? "gone" : "kept");
		ok = read_held(fds, 1, t, more, sizeof(more), len) && ok;
		step("teardown", n, injected, 0, ok, more);
		if (!injected)
			break;
	}
	printf("op=teardown held=counters points=%u\n", n - 1);
}

/*
 * s2fail teardown, ranges: a ranges file read partway keeps the VM after
 * its fd's close; the rest of it is read, then it is closed: the VM is put
 * from a work item and its directory goes.
 */
static void teardown_ranges(void *mem, struct text *t)
{
	char dir[300], more[512];
	int vm, fds[NR_HELD], len;
	bool injected, ok, kept;
	unsigned int n;

	for (n = first_step(); n <= MAX_STEPS; n++) {
		vm = vm_with_files(mem, dir, sizeof(dir), fds, false);
		close(vm);
		kept = !access(dir, F_OK);

		fail_nth_set(n);
		read_all(fds[0], t);
		close(fds[0]);
		injected = fail_nth_injected();

		/* the rest of ranges: an errno or whole lines */
		ok = kept && (t->err || whole_lines(t));
		len = snprintf(more, sizeof(more),
			       "held=ranges vm=%s dir=%s s2/ranges=%s:%zu",
			       dir + 16, kept ? "kept" : "gone",
			       t->err ? strerror(t->err) : "read", t->len);
		/* then the VM goes, and its directory */
		ok = dir_goes(dir) && ok;
		ok = read_held(fds, 1, t, more, sizeof(more), len) && ok;
		step("teardown", n, injected, 0, ok, more);
		if (!injected)
			break;
	}
	printf("op=teardown held=ranges points=%u\n", n - 1);
}

/* s2fail teardown: both. */
static void op_teardown(void)
{
	void *mem = slot_memory();
	struct text t;

	text_init(&t, MAX_FILE);
	teardown_counters(mem, &t);
	teardown_ranges(mem, &t);
}

int main(int argc, char **argv)
{
	const char *prefix = NULL;

	if (argc < 2)
		usage();
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (fail_nth_fd < 0)
		die("opening /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION?)");

	if (!strcmp(argv[1], "create") && argc == 2) {
		op_create();
	} else if (!strcmp(argv[1], "read") && (argc == 3 || argc == 5)) {
		if (argc == 5) {
			if (strcmp(argv[2], "-c"))
				usage();
			prefix = argv[3];
		}
		op_read(argv[argc - 1], prefix);
	} else if (!strcmp(argv[1], "slots") && argc == 2) {
		op_slots();
	} else if (!strcmp(argv[1], "teardown") && argc == 2) {
		op_teardown();
	} else {
		usage();
	}
	if (fflush(stdout))
		die("writing to stdout");
	return failed;
}
