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
"            [-s BASE:SIZE]... [-t SPEC] [-d] [-w] [-x [-k]] [-h]\n"
"Creates a KVM VM whose stage-2 layout is known, then waits for SIGTERM.\n"
"  -i IPA_BITS  VM IPA size, %d..%d (KVM_VM_TYPE_ARM_IPA_SIZE); default 0 =\n"
"               KVM's default (%d bits). Above KVM_CAP_ARM_VM_IPA_SIZE: exit 1.\n"
"  -b BACKING   host memory of the data slots: 4k (anonymous, MADV_NOHUGEPAGE;\n"
"               default), thp (anonymous, MADV_HUGEPAGE) or hugetlb\n"
"               (MAP_HUGETLB with 2M pages, needs /proc/sys/vm/nr_hugepages).\n"
"  -o OFFSET    the host address of each data slot is congruent to its IPA\n"
"               plus OFFSET modulo 2M, whatever the backing; OFFSET is a\n"
"               multiple of 4K below 2M, default 0. 0 lets KVM map 2M blocks;\n"
"               any other OFFSET (e.g. 4K: one page off) never does\n"
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
"  -w           wait before running the guest: print 's2vm: waiting\n"
"               pid=<pid> vm=<vmN>' once the VM exists with nothing mapped,\n"
"               and run the guest on SIGUSR1.\n"
"  -x           exit (status 0) as soon as the layout is ready; without -x\n"
"               s2vm waits for SIGTERM or SIGINT, then exits 0.\n"
"  -k           with -x: before exiting, fork a holder that keeps the VM's\n"
"               file descriptors open until SIGTERM or SIGINT and print\n"
"               's2vm: holder pid=<pid>'. The VM outlives s2vm, whose\n"
"               address space (and with it the VM's stage-2 tables) goes.\n"
"  -h           this help on stdout.\n"
"Numbers are decimal or 0x-hex with an optional K, M or G suffix (1024-based).\n"
"BASE and SIZE must be multiples of 4K, SIZE > 0.\n"
"\n"
"Control slot (memslot %d): IPA 0x%08" PRIx64 ", 64K; the guest maps its pages 0\n"
"(code, vectors) and 1 (slot table) only. Exit window (no memslot): IPA\n"
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
"\n"
"Output (stdout; the tests parse these lines): one line per data slot, then\n"
"one for the control slot, then the ready line:\n"
"  s2vm: slot <i> ipa=0x<016 hex> size=<bytes> backing=<4k|thp|hugetlb> touched=<n>\n"
"  s2vm: slot c ipa=0x%016" PRIx64 " size=%" PRIu64 " backing=control touched=%d\n"
"  s2vm: ready pid=<pid> slots=<n> touched=<pages> ipa_bits=<bits> vm=<vmN|none>\n"
"vmN is the VM's /sys/kernel/kvm/vmN (none without the s2 view). touched= of\n"
"a data slot counts the 4K pages the guest wrote (the first pass; the second\n"
"pass of -d writes a subset of them), of the control slot the pages the guest\n"
"accesses there. ipa_bits= is the IPA size the VM really has: %d for -i 0,\n"
"and KVM's limit (KVM_CAP_ARM_VM_IPA_SIZE) in protected mode, where KVM\n"
"ignores -i.\n"
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
		CONTROL_SLOT_ID, CONTROL_IPA, EXIT_WINDOW_IPA,
		EXIT_WINDOW_IPA + EXIT_WINDOW_SIZE - 1,
		CONTROL_IPA, CONTROL_SIZE, CONTROL_PAGES_ACCESSED,
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
	if (!size || size % GUEST_PAGE_SIZE)
		usage_error("bad %s '%s': must be a non-zero multiple of 4K", what, s);
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
	if (r.base % GUEST_PAGE_SIZE)
		usage_error("bad slot base 0x%" PRIx64 " in '%s': must be a multiple of 4K",
			    r.base, s);
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

/* -o: a multiple of 4K below 2M. */
static uint64_t parse_host_offset(const char *s)
{
	uint64_t offset;

	if (!parse_u64(s, &offset) || offset % GUEST_PAGE_SIZE || offset >= HUGE_PAGE_SIZE)
		usage_error("bad host offset '%s': want a multiple of 4K below 2M, e.g. 4K", s);
	return offset;
}

static bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
	return a < b + b_size && b < a + a_size;
}

/* Slots must fit the IPA space and overlap nothing. */
static void check_slots(const struct options *o)
{
	unsigned int bits = o->ipa_bits ? o->ipa_bits : KVM_DEFAULT_IPA_BITS;
	uint64_t ipa_limit = UINT64_C(1) << bits;
	unsigned int i, j;

	for (i = 0; i < o->nr_slots; i++) {
		const struct range *r = &o->slots[i];

		if (r->base >= ipa_limit || r->size > ipa_limit - r->base)
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") does not fit "
				    "the %u-bit IPA space (ends at 0x%" PRIx64 ")",
				    i, r->base, r->size, bits, ipa_limit);
		if (ranges_overlap(r->base, r->size, CONTROL_IPA, CONTROL_SIZE))
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
				    "control slot (0x%" PRIx64 " + 0x%" PRIx64 ")",
				    i, r->base, r->size, CONTROL_IPA, CONTROL_SIZE);
		if (ranges_overlap(r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE))
			usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps the "
				    "exit window (0x%" PRIx64 " + 0x%" PRIx64 ")",
				    i, r->base, r->size, EXIT_WINDOW_IPA, EXIT_WINDOW_SIZE);
		for (j = 0; j < i; j++) {
			const struct range *q = &o->slots[j];

			if (ranges_overlap(r->base, r->size, q->base, q->size))
				usage_error("slot %u (0x%" PRIx64 " + 0x%" PRIx64 ") overlaps "
					    "slot %u (0x%" PRIx64 " + 0x%" PRIx64 ")",
					    i, r->base, r->size, j, q->base, q->size);
		}
	}
}

void parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	*o = (struct options){
		.backing = BACKING_4K,
		.default_size = DEFAULT_DATA_SIZE,
		.touch = { .kind = TOUCH_ALL },
	};
	opterr = 0;
	while ((opt = getopt(argc, argv, ":i:b:o:m:s:t:dwxkh")) != -1) {
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
		case 'w':
			o->wait_before_run = true;
			break;
		case 'x':
			o->exit_when_ready = true;
			break;
		case 'k':
			o->hand_over = true;
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
			    "for 2M blocks; misalign thp or 4k backing)", o->host_offset);
	if (!o->nr_slots)
		o->slots[o->nr_slots++] = (struct range){ DEFAULT_DATA_IPA, o->default_size };
	check_slots(o);
}
