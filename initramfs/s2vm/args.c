/*
 * args.c - s2vm's usage and arguments: the one place that says what the
 * options mean (s2vm -h prints it).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "s2vm.h"

const char *const backing_names[] = {
	[BACKING_4K] = "4k",
	[BACKING_THP] = "thp",
	[BACKING_HUGETLB] = "hugetlb",
	[BACKING_CONTROL] = "control",
};

/* ---------------------------------------------------------------- usage */

static void usage(FILE *f)
{
	fprintf(f,
"USAGE: s2vm [-i IPA_BITS] [-b 4k|thp|hugetlb] [-o OFFSET] [-m SIZE]\n"
"            [-s BASE:SIZE]... [-t SPEC] [-d] [-e CHUNK] [-w] [-p STEPS]\n"
"            [-x [-k]] [-P] [-h]\n"
"Creates a KVM VM whose stage-2 layout is known, runs the steps of -p, then\n"
"waits for SIGTERM.\n"
"  -i IPA_BITS  VM IPA size, %d..%d (KVM_VM_TYPE_ARM_IPA_SIZE); default 0 =\n"
"               KVM's default (%d bits). Above KVM_CAP_ARM_VM_IPA_SIZE: exit 1.\n"
"  -b BACKING   host memory of the data slots: 4k (anonymous, MADV_NOHUGEPAGE;\n"
"               default), thp (anonymous, MADV_HUGEPAGE) or hugetlb\n"
"               (MAP_HUGETLB with HUGE pages, needs /proc/sys/vm/nr_hugepages).\n"
"  -o OFFSET    the host address of each data slot is congruent to its IPA\n"
"               plus OFFSET modulo HUGE, whatever the backing; OFFSET is a\n"
"               multiple of PAGE below HUGE, default 0. 0 lets KVM map blocks;\n"
"               any other OFFSET (e.g. PAGE: one page off) never does\n"
"               (misaligned). hugetlb backing: must be 0 (else exit 2).\n"
"  -m SIZE      size of the default data slot at IPA 0x%" PRIx64 " (used only\n"
"               without -s); default %" PRIu64 "M.\n"
"  -s BASE:SIZE add a data slot at IPA BASE; repeatable, up to %d slots, in\n"
"               that order (slot 0 is the first -s). Slots must not overlap\n"
"               each other, the control slot or the exit window.\n"
"  -t SPEC      pages of each data slot the guest writes: all (default),\n"
"               none, every:N (pages 0, N, 2N, ...), first:N (pages 0..N-1).\n"
"  -d           dirty logging: data slots get KVM_MEM_LOG_DIRTY_PAGES; after\n"
"               the first pass s2vm calls KVM_GET_DIRTY_LOG on each slot\n"
"               (which write-protects the touched pages again) and runs a\n"
"               second pass writing touched pages 0, 2, 4, ... again:\n"
"               alternating writable and read-only pages.\n"
"  -e CHUNK     eager page splitting: before any memslot exists, enable\n"
"               KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE with CHUNK, so that turning\n"
"               dirty logging on for a slot (-d, log-on) splits its blocks\n"
"               into pages at once, CHUNK bytes at a time, instead of at the\n"
"               guest's next write to each. CHUNK: a power of two, at least\n"
"               PAGE (else exit 2), among KVM's block sizes (4K, 2M, 1G with 4K\n"
"               pages: KVM_CAP_ARM_SUPPORTED_BLOCK_SIZES); one KVM lacks, or a\n"
"               KVM without eager splitting: exit 1.\n"
"  -w           wait before running the guest: print 's2vm: waiting\n"
"               pid=<pid> vm=<vmN>' once the VM exists with nothing mapped,\n"
"               and run the guest on SIGUSR1.\n"
"  -p STEPS     after the ready line, run STEPS, a comma-separated list of\n"
"               the steps below, in order; each says when it is done.\n"
"  -x           exit (status 0) as soon as the layout is ready and the steps\n"
"               of -p have run; without -x s2vm then waits for SIGTERM or\n"
"               SIGINT, then exits 0.\n"
"  -k           with -x: before exiting, fork a holder that keeps the VM's\n"
"               file descriptors open until SIGTERM or SIGINT and print\n"
"               's2vm: holder pid=<pid>'. The VM outlives s2vm, whose\n"
"               address space (and with it the VM's stage-2 tables) goes.\n"
"  -P           a protected VM (KVM_VM_TYPE_ARM_PROTECTED; pKVM on Linux\n"
"               6.14 and later), whose stage-2 the host may not see.\n"
"  -h           this help on stdout.\n"
"Numbers are decimal or 0x-hex with an optional K, M or G suffix (1024-based).\n"
"BASE and SIZE must be multiples of PAGE, SIZE > 0. PAGE is the host's page\n"
"size (%" PRIu64 "K here: the stage-2 granule), HUGE its PMD-sized huge page\n"
"(%" PRIu64 "M here: THP, hugetlb and a level-2 block). Pages are PAGE bytes.\n"
"\n"
"Steps of -p. SLOT is a data slot's number; OFF, LEN and BASE are multiples\n"
"of PAGE, LEN > 0, bytes OFF..OFF+LEN-1 inside the slot, BASE as for -s (in\n"
"the IPA space, overlapping no other slot, the control slot or the exit\n"
"window). s2vm checks the whole plan before creating the VM: a bad step,\n"
"or one naming a deleted slot, is a bad argument (exit 2).\n"
"  pause          print 's2vm: paused step=<n>' and wait for SIGUSR1 (SIGTERM\n"
"                 or SIGINT: exit 0). SIGUSR1 sent earlier ends it at once.\n"
"  run            one more guest pass: writes each touched page (-t) of each\n"
"                 slot not deleted, at its IPA now, again.\n"
"  log-on         set KVM_MEM_LOG_DIRTY_PAGES on every data slot: KVM write-\n"
"                 protects its mappings (with -e: and splits its blocks).\n"
"  log-off        clear it on every data slot.\n"
"  getlog         KVM_GET_DIRTY_LOG on every data slot, which write-protects\n"
"                 again the pages written since. Needs dirty logging on (-d or\n"
"                 an earlier log-on, no log-off since).\n"
"  dontneed:SLOT:OFF:LEN\n"
"                 madvise(MADV_DONTNEED) those bytes of the slot's host memory\n"
"                 (KVM unmaps them at stage 2). 4k or thp backing only.\n"
"  unmap:SLOT:OFF:LEN\n"
"                 munmap them, then map fresh anonymous memory at the same\n"
"                 address with the backing's advice: the memslot stays usable.\n"
"                 4k or thp backing only.\n"
"  delete:SLOT    delete the slot's memslot; later runs skip the slot, later\n"
"                 steps must not name it.\n"
"  move:SLOT:BASE move the slot's memslot to IPA BASE (its host memory stays:\n"
"                 blocks only when BASE moves it by a multiple of HUGE).\n"
"  stats          print the VM's stage-2 stats (KVM_GET_STATS_FD); below.\n"
"log-on, log-off and getlog skip deleted slots. The guest reads its slot\n"
"tables past the cache, so s2vm writes them all before it first runs:\n"
"control page 1 holds %u/<slots> of them (rounded down), one for the first\n"
"pass and one for each run that follows a delete or move; a plan needing\n"
"more is a bad argument.\n"
"\n"
"Control slot (memslot %d): IPA 0x%08" PRIx64 ", 64K; the guest maps its pages 0\n"
"(code, vectors) and 1 (slot tables), 4K each, only (one host page when\n"
"PAGE is 16K or 64K: touched= says how many). Exit window (no memslot): IPA\n"
"0x%08" PRIx64 "..0x%08" PRIx64 ". Data slot i is memslot i.\n"
"\n"
"Examples:\n"
"  s2vm -x                        16M slot at 0x80000000, all 4096 pages\n"
"  s2vm -s 0x80000000:2M -s 0x80400000:2M -t every:2\n"
"                                 two 2M slots with a 2M hole between them,\n"
"                                 pages 0, 2, 4, ... of each written\n"
"  s2vm -b thp -m 1G              1G THP-backed slot: 512 2M blocks\n"
"  s2vm -d -m 4M                  4M of alternating writable/read-only 4K\n"
"                                 pages (worst case for coalescing)\n"
"  s2vm -i 48 -s 0x800000000000:2M -t first:1\n"
"                                 one page just above 2^47\n"
"  s2vm -b thp -m 32M -p pause,log-on,run,pause,getlog,log-off,run,pause\n"
"                                 16 2M blocks; dirty logging and a run leave\n"
"                                 4K pages; getlog write-protects them, so the\n"
"                                 run after log-off maps 2M blocks again\n"
"  s2vm -b thp -m 4M -e 2M -p log-on,stats\n"
"                                 2 blocks, split into 4K pages by log-on\n"
"\n"
"Output (stdout; the tests parse these lines): one line per data slot, then\n"
"one for the control slot, then the ready line:\n"
"  s2vm: slot <i> ipa=0x<016 hex> size=<bytes> backing=<4k|thp|hugetlb> touched=<n>\n"
"  s2vm: slot c ipa=0x%016" PRIx64 " size=%" PRIu64 " backing=control touched=%" PRIu64 "\n"
"  s2vm: ready pid=<pid> slots=<n> touched=<pages> ipa_bits=<bits> vm=<vmN|none>\n"
"vmN is the VM's /sys/kernel/kvm/vmN (none without the s2 view). touched= of\n"
"a data slot counts the pages the guest wrote (the first pass; the second\n"
"pass of -d writes a subset of them), of the control slot the pages the guest\n"
"accesses there. ipa_bits= is the IPA size the VM really has: %d for -i 0,\n"
"and KVM's limit (KVM_CAP_ARM_VM_IPA_SIZE) in protected mode, where KVM\n"
"ignores -i.\n"
"\n"
"The steps of -p print, after the ready line:\n"
"  s2vm: paused step=<n>\n"
"  s2vm: step <n> <step, as given> done\n"
"  s2vm: statdesc name=<name> type=<cumulative|instant|peak|linear_hist|log_hist|?> unit=<none|bytes|seconds|cycles|boolean|?> base=<pow10|pow2|?> exponent=<e> size=<n>\n"
"  s2vm: stats stage2_blocks_l1=<n> stage2_blocks_l2=<n> stage2_pages_l3=<n> stage2_table_pages=<n> stage2_mapped_bytes=<n>\n"
"n counts the steps from 1. Every step ends with its done line, pause once\n"
"resumed. The first stats step prints a statdesc line for each of the five\n"
"stats (its KVM descriptor), in the order of the stats line, before that\n"
"line; a stat the kernel lacks: 's2vm: stats missing <name>' on stderr,\n"
"exit 1. A stats value is the stat's first (for these, only) 64-bit value.\n"
"\n"
"Environment: S2VIEW_KVM_MODE, the kernel's kvm-arm.mode= (vhe, nvhe or\n"
"protected; the guest's init exports it). Needed only when -i (or its\n"
"default) differs from KVM's limit: protected mode gives every VM the limit.\n"
"\n"
"Exit status: 0 success; 1 runtime failure (the message names the ioctl,\n"
"errno and the values involved); 2 bad arguments (message and usage on\n"
"stderr).\n",
		MIN_IPA_BITS, MAX_IPA_BITS, KVM_DEFAULT_IPA_BITS,
		DEFAULT_DATA_IPA, DEFAULT_DATA_SIZE / SZ_1M, MAX_DATA_SLOTS,
		host_page_size / KIB, huge_page_size / SZ_1M,
		guest_max_tables(1), CONTROL_SLOT_ID, CONTROL_IPA, EXIT_WINDOW_IPA,
		EXIT_WINDOW_IPA + EXIT_WINDOW_SIZE - 1,
		CONTROL_IPA, CONTROL_SIZE, guest_control_pages(),
		KVM_DEFAULT_IPA_BITS);
}

/* Bad arguments: message, usage, exit 2. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

/* ------------------------------------------------------------ arguments */

static int digit_value(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/* Decimal or 0x-hex, optional K/M/G suffix (1024-based); false if not. */
static bool parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t value = 0, scale = 1;
	const char *digits;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (digits = s; (d = digit_value(*s, base)) >= 0; s++)
		if (__builtin_mul_overflow(value, base, &value) ||
		    __builtin_add_overflow(value, (uint64_t)d, &value))
			return false;
	if (s == digits)
		return false;
	switch (*s) {
	case 'k': case 'K':
		scale = KIB;
		s++;
		break;
	case 'm': case 'M':
		scale = KIB * KIB;
		s++;
		break;
	case 'g': case 'G':
		scale = KIB * KIB * KIB;
		s++;
		break;
	}
	return !*s && !__builtin_mul_overflow(value, scale, out);
}

static uint64_t parse_size(const char *what, const char *s)
{
	uint64_t size;

	if (!parse_u64(s, &size))
		usage_error("bad %s '%s': want a number, e.g. 0x200000, 2M", what, s);
	if (!size || size % host_page_size)
		usage_error("bad %s '%s': must be a non-zero multiple of %" PRIu64 "K (the page size)",
			    what, s, host_page_size / KIB);
	return size;
}

static enum backing parse_backing(const char *s)
{
	if (!strcmp(s, "4k"))
		return BACKING_4K;
	if (!strcmp(s, "thp"))
		return BACKING_THP;
	if (!strcmp(s, "hugetlb"))
		return BACKING_HUGETLB;
	usage_error("bad backing '%s': want 4k, thp or hugetlb", s);
}

static struct range parse_slot(const char *s)
{
	char base_str[64];
	const char *colon = strchr(s, ':');
	struct range r;

	if (!colon || (size_t)(colon - s) >= sizeof(base_str))
		usage_error("bad slot '%s': want BASE:SIZE, e.g. 0x80000000:2M", s);
	memcpy(base_str, s, (size_t)(colon - s));
	base_str[colon - s] = '\0';
	if (!parse_u64(base_str, &r.base))
		usage_error("bad slot base '%s' in '%s'", base_str, s);
	if (r.base % host_page_size)
		usage_error("bad slot base 0x%" PRIx64 " in '%s': must be a multiple of %" PRIu64
			    "K (the page size)", r.base, s, host_page_size / KIB);
	r.size = parse_size("slot size", colon + 1);
	return r;
}

static struct touch_spec parse_touch(const char *s)
{
	struct touch_spec t = { .kind = TOUCH_ALL, .n = 0 };
	const char *arg;

	if (!strcmp(s, "all"))
		return t;
	if (!strcmp(s, "none")) {
		t.kind = TOUCH_NONE;
		return t;
	}
	if (!strncmp(s, "every:", strlen("every:"))) {
		t.kind = TOUCH_EVERY;
		arg = s + strlen("every:");
	} else if (!strncmp(s, "first:", strlen("first:"))) {
		t.kind = TOUCH_FIRST;
		arg = s + strlen("first:");
	} else {
		usage_error("bad touch spec '%s': want all, none, every:N or first:N", s);
	}
	if (!parse_u64(arg, &t.n) || (t.kind == TOUCH_EVERY && !t.n))
		usage_error("bad touch spec '%s': N must be a number%s", s,
			    t.kind == TOUCH_EVERY ? " >= 1" : "");
	return t;
}

static unsigned int parse_ipa_bits(const char *s)
{
	uint64_t bits;

	if (!parse_u64(s, &bits) ||
	    (bits && (bits < MIN_IPA_BITS || bits > MAX_IPA_BITS)))
		usage_error("bad IPA size '%s': want 0 (default) or %d..%d",
			    s, MIN_IPA_BITS, MAX_IPA_BITS);
	return (unsigned int)bits;
}

/* -o: a multiple of the page size below the huge page size. */
static uint64_t parse_host_offset(const char *s)
{
	uint64_t offset;

	if (!parse_u64(s, &offset) || offset % host_page_size || offset >= huge_page_size)
		usage_error("bad host offset '%s': want a multiple of %" PRIu64 "K below %" PRIu64
			    "M, e.g. %" PRIu64 "K", s, host_page_size / KIB,
			    huge_page_size / SZ_1M, host_page_size / KIB);
	return offset;
}

static bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* The IPA size the arguments ask for, as KVM_VM_TYPE_ARM_IPA_SIZE reads it. */
static unsigned int requested_ipa_bits(const struct options *o)
{
	return o->ipa_bits ? o->ipa_bits : KVM_DEFAULT_IPA_BITS;
}

/* what (e.g. "slot 1") at r must fit the IPA space, off the control slot and exit window. */
static void check_range(const struct options *o, const char *what, const struct range *r)
{
	unsigned int bits = requested_ipa_bits(o);
	uint64_t ipa_limit = UINT64_C(1) << bits;

	if (r->base >= ipa_limit || r->size > ipa_limit - r->base)
		usage_error("%s (0x%" PRIx64 " + 0x%" PRIx64 ") does not fit "
			    "the %u-bit IPA space (ends at 0x%" PRIx64 ")",
			    what, r->base, r->size, bits, ipa_limit);
	if (ranges_overlap(r->base, r->size, CONTROL_IPA, CONTROL_SIZE))
		usage_error("%s (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
			    "control slot (0x%" PRIx64 " + 0x%" PRIx64 ")",
			    what, r->base, r->size, CONTROL_IPA, CONTROL_SIZE);
	if (ranges_overlap(r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE))
		usage_error("%s (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
			    "exit window (0x%" PRIx64 " + 0x%" PRIx64 ")",
			    what, r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE);
}

/* what at r must not overlap slot j at q. */
static void check_no_overlap(const char *what, const struct range *r,
			     unsigned int j, const struct range *q)
{
	if (ranges_overlap(r->base, r->size, q->base, q->size))
		usage_error("%s (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps "
			    "slot %u (0x%" PRIx64 " + 0x%" PRIx64 ")",
			    what, r->base, r->size, j, q->base, q->size);
}

/* Slots must fit the IPA space and overlap nothing. */
static void check_slots(const struct options *o)
{
	char what[32];
	unsigned int i, j;

	for (i = 0; i < o->nr_slots; i++) {
		snprintf(what, sizeof(what), "slot %u", i);
		check_range(o, what, &o->slots[i]);
		for (j = 0; j < i; j++)
			check_no_overlap(what, &o->slots[i], j, &o->slots[j]);
	}
}

/* -e: a power of two, at least a page; whether KVM takes it is KVM's to say. */
static uint64_t parse_chunk(const char *s)
{
	uint64_t chunk;

	if (!parse_u64(s, &chunk) || chunk < host_page_size || (chunk & (chunk - 1)))
		usage_error("bad chunk size '%s': want a power of two of at least %" PRIu64
			    "K, e.g. %" PRIu64 "M", s, host_page_size / KIB, huge_page_size / SZ_1M);
	return chunk;
}

/* ---------------------------------------------------------------- -p */

struct step_form {
	const char *name;
	enum step_kind kind;
	unsigned int nr_args;	/* after the name, ':'-separated */
	const char *form;	/* for the messages */
};

static const struct step_form step_forms[] = {
	{ "pause",	STEP_PAUSE,	0, "pause" },
	{ "run",	STEP_RUN,	0, "run" },
	{ "log-on",	STEP_LOG_ON,	0, "log-on" },
	{ "log-off",	STEP_LOG_OFF,	0, "log-off" },
	{ "getlog",	STEP_GETLOG,	0, "getlog" },
	{ "dontneed",	STEP_DONTNEED,	3, "dontneed:SLOT:OFF:LEN" },
	{ "unmap",	STEP_UNMAP,	3, "unmap:SLOT:OFF:LEN" },
	{ "delete",	STEP_DELETE,	1, "delete:SLOT" },
	{ "move",	STEP_MOVE,	2, "move:SLOT:BASE" },
	{ "stats",	STEP_STATS,	0, "stats" },
};

#define NR_STEP_FORMS		(sizeof(step_forms) / sizeof(step_forms[0]))
#define MAX_STEP_FIELDS		4	/* name and up to 3 arguments */

/* A bad step: "step <n> '<text>': " and the message, usage, exit 2. */
static void __attribute__((noreturn, format(printf, 2, 3)))
step_error(const struct step *st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	usage_error("step %u '%s': %s", st->number, st->text, msg);
}

static const struct step_form *find_step_form(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_STEP_FORMS; i++)
		if (!strcmp(step_forms[i].name, name))
			return &step_forms[i];
	return NULL;
}

/* A multiple of the page size, or (!zero_ok) a non-zero one. */
static uint64_t parse_step_bytes(const struct step *st, const char *what,
				 const char *s, bool zero_ok)
{
	uint64_t value;

	if (!parse_u64(s, &value))
		step_error(st, "bad %s '%s': want a number", what, s);
	if (value % host_page_size || (!value && !zero_ok))
		step_error(st, "bad %s '%s': must be a %smultiple of %" PRIu64 "K (the page size)",
			   what, s, zero_ok ? "" : "non-zero ", host_page_size / KIB);
	return value;
}

static unsigned int parse_step_slot(const struct step *st, const char *s, unsigned int nr_slots)
{
	uint64_t slot;

	if (!parse_u64(s, &slot))
		step_error(st, "bad slot '%s': want a number", s);
	if (slot >= nr_slots)
		step_error(st, "no data slot %" PRIu64 " (there are %u)", slot, nr_slots);
	return (unsigned int)slot;
}

/* One step from its text: its kind and arguments. */
static void parse_step(struct step *st, unsigned int nr_slots)
{
	char *copy = strdup(st->text), *rest = copy, *field[MAX_STEP_FIELDS + 1];
	const struct step_form *form;
	unsigned int nr = 0;

	if (!copy)
		die_errno("strdup(step '%s')", st->text);
	if (!*st->text)
		step_error(st, "empty step");
	while (rest && nr <= MAX_STEP_FIELDS)
		field[nr++] = strsep(&rest, ":");
	form = find_step_form(field[0]);
	if (!form)
		step_error(st, "unknown step: want pause, run, log-on, log-off, getlog, "
			   "dontneed:SLOT:OFF:LEN, unmap:SLOT:OFF:LEN, delete:SLOT, "
			   "move:SLOT:BASE or stats");
	if (rest || nr != 1 + form->nr_args)
		step_error(st, "want %s", form->form);
	st->kind = form->kind;
	if (form->nr_args)
		st->slot = parse_step_slot(st, field[1], nr_slots);
	if (form->kind == STEP_DONTNEED || form->kind == STEP_UNMAP) {
		st->offset = parse_step_bytes(st, "OFF", field[2], true);
		st->len = parse_step_bytes(st, "LEN", field[3], false);
	}
	if (form->kind == STEP_MOVE)
		st->base = parse_step_bytes(st, "BASE", field[2], true);
	free(copy);
}

/* -p: the steps, split at the commas; their texts stay in *plan. */
static void parse_plan(const char *s, unsigned int nr_slots, struct plan *plan)
{
	char *copy = strdup(s), *rest = copy;
	unsigned int nr = 1;
	const char *c;

	if (!copy)
		die_errno("strdup(-p '%s')", s);
	for (c = s; *c; c++)
		nr += *c == ',';
	plan->steps = calloc(nr, sizeof(*plan->steps));
	if (!plan->steps)
		die_errno("calloc(%u steps)", nr);
	for (plan->nr = 0; plan->nr < nr; plan->nr++) {
		struct step *st = &plan->steps[plan->nr];

		st->number = plan->nr + 1;
		st->text = strsep(&rest, ",");
		parse_step(st, nr_slots);
	}
}

/* What the steps before the one being checked made of the data slots. */
struct plan_state {
	struct range slots[MAX_DATA_SLOTS];	/* where each slot is now */
	bool deleted[MAX_DATA_SLOTS];
	bool logging;				/* KVM_MEM_LOG_DIRTY_PAGES on */
	bool layout_changed;			/* delete or move since the last table */
	unsigned int tables;			/* slot tables so far (guest.c) */
};

/* dontneed, unmap: the bytes in the slot, whose memory is anonymous. */
static void check_step_host_range(const struct options *o, const struct plan_state *ps,
				  const struct step *st)
{
	uint64_t size = ps->slots[st->slot].size;

	if (o->backing == BACKING_HUGETLB)
		step_error(st, "not with hugetlb backing (4k or thp only)");
	if (st->offset > size || st->len > size - st->offset)
		step_error(st, "bytes 0x%" PRIx64 " + 0x%" PRIx64 " are not inside slot %u "
			   "(0x%" PRIx64 " bytes)", st->offset, st->len, st->slot, size);
}

/* move: the slot at its new IPA must fit and overlap nothing. */
static void check_step_move(const struct options *o, struct plan_state *ps,
			    const struct step *st)
{
	struct range moved = { st->base, ps->slots[st->slot].size };
	char what[160];
	unsigned int j;

	snprintf(what, sizeof(what), "step %u '%s': slot %u", st->number, st->text, st->slot);
	check_range(o, what, &moved);
	for (j = 0; j < o->nr_slots; j++)
		if (j != st->slot && !ps->deleted[j])
			check_no_overlap(what, &moved, j, &ps->slots[j]);
	ps->slots[st->slot] = moved;
	ps->layout_changed = true;
}

/* run: a new slot table after a delete or move, if control page 1 has room. */
static unsigned int check_step_run(const struct options *o, struct plan_state *ps,
				   const struct step *st)
{
	unsigned int max = guest_max_tables(o->nr_slots);

	if (ps->layout_changed) {
		if (ps->tables == max)
			step_error(st, "a run after a delete or move needs slot table %u, but "
				   "control page 1 holds %u tables for %u slots",
				   ps->tables, max, o->nr_slots);
		ps->tables++;
		ps->layout_changed = false;
	}
	return ps->tables - 1;
}

/* One step against what the steps before it did. */
static void check_step(const struct options *o, struct plan_state *ps, struct step *st)
{
	bool names_slot = st->kind == STEP_DONTNEED || st->kind == STEP_UNMAP ||
			  st->kind == STEP_DELETE || st->kind == STEP_MOVE;

	if (names_slot && ps->deleted[st->slot])
		step_error(st, "slot %u was deleted by an earlier step", st->slot);
	switch (st->kind) {
	case STEP_PAUSE:
	case STEP_STATS:
		break;
	case STEP_RUN:
		st->table = check_step_run(o, ps, st);
		break;
	case STEP_LOG_ON:
	case STEP_LOG_OFF:
		ps->logging = st->kind == STEP_LOG_ON;
		break;
	case STEP_GETLOG:
		if (!ps->logging)
			step_error(st, "dirty logging is off: want -d or an earlier log-on");
		break;
	case STEP_DONTNEED:
	case STEP_UNMAP:
		check_step_host_range(o, ps, st);
		break;
	case STEP_DELETE:
		ps->deleted[st->slot] = true;
		ps->layout_changed = true;
		break;
	case STEP_MOVE:
		check_step_move(o, ps, st);
		break;
	}
}

/* The plan, step by step, against the slots; assigns the runs their tables. */
static void check_plan(const struct options *o, struct plan *plan)
{
	struct plan_state ps = { .logging = o->dirty_log, .tables = 1 };
	unsigned int i;

	memcpy(ps.slots, o->slots, sizeof(ps.slots));
	for (i = 0; i < plan->nr; i++)
		check_step(o, &ps, &plan->steps[i]);
}

void parse_args(int argc, char **argv, struct options *o)
{
	const char *plan = NULL;
	int opt;

	*o = (struct options){
		.backing = BACKING_4K,
		.default_size = DEFAULT_DATA_SIZE,
		.touch = { .kind = TOUCH_ALL },
	};
	opterr = 0;
	while ((opt = getopt(argc, argv, ":i:b:o:m:s:t:de:p:wxkPh")) != -1) {
		switch (opt) {
		case 'i':
			o->ipa_bits = parse_ipa_bits(optarg);
			break;
		case 'b':
			o->backing = parse_backing(optarg);
			break;
		case 'o':
			o->host_offset = parse_host_offset(optarg);
			break;
		case 'm':
			o->default_size = parse_size("size", optarg);
			break;
		case 's':
			if (o->nr_slots == MAX_DATA_SLOTS)
				usage_error("too many slots: at most %d -s", MAX_DATA_SLOTS);
			o->slots[o->nr_slots++] = parse_slot(optarg);
			break;
		case 't':
			o->touch = parse_touch(optarg);
			break;
		case 'd':
			o->dirty_log = true;
			break;
		case 'e':
			o->split_chunk = parse_chunk(optarg);
			break;
		case 'p':
			plan = optarg;		/* parsed once the slots are known */
			break;
		case 'w':
			o->wait_before_run = true;
			break;
		case 'x':
			o->exit_when_ready = true;
			break;
		case 'k':
			o->hand_over = true;
			break;
		case 'P':
			o->protected = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			usage_error("option -%c needs an argument", optopt);
		default:
			usage_error("unknown option -%c", optopt);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->hand_over && !o->exit_when_ready)
		usage_error("-k needs -x");
	if (o->backing == BACKING_HUGETLB && o->host_offset)
		usage_error("-o 0x%" PRIx64 " with hugetlb backing: want -o 0 (hugetlb is "
			    "for blocks; misalign thp or 4k backing)", o->host_offset);
	if (!o->nr_slots)
		o->slots[o->nr_slots++] = (struct range){ DEFAULT_DATA_IPA, o->default_size };
	check_slots(o);
	if (plan) {
		parse_plan(plan, o->nr_slots, &o->plan);
		check_plan(o, &o->plan);
	}
}
