/*
 * slots.c - the data slots: the host memory behind them, which of their
 * pages the guest touches, and the check of their dirty log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "s2vm.h"

/* A translation table entry: a table page holds page size / 8 of them. */
#define PTE_BYTES		8

#define THP_ENABLED_PATH	"/sys/kernel/mm/transparent_hugepage/enabled"
#define THP_NEVER		"[never]"

/* ---------------------------------------------------------- host memory */

uint64_t host_page_size;
uint64_t huge_page_size;

/*
 * The host's page size, and the huge page a level-2 entry maps: a table
 * page's worth of pages (4K: 2M, 16K: 32M, 64K: 512M), which is also what
 * THP and the default hugetlb size are on arm64.
 */
void host_sizes_init(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0)
		die_errno("sysconf(_SC_PAGESIZE)");
	host_page_size = page;
	huge_page_size = host_page_size / PTE_BYTES * host_page_size;
}

static void *__mmap_anon(size_t len, int extra_flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);
}

static void madvise_checked(void *addr, size_t len, int advice, const char *name)
{
	if (madvise(addr, len, advice))
		die_errno("madvise(%p, 0x%zx, %s)", addr, len, name);
}

void munmap_checked(void *addr, size_t len)
{
	if (len && munmap(addr, len))
		die_errno("munmap(%p, 0x%zx)", addr, len);
}

/*
 * Where the slot's host memory starts within a huge page: at its IPA's
 * offset plus -o, modulo huge_page_size. KVM maps a huge page with a
 * stage-2 block only when the host address and the IPA have the same
 * offset within it (fault_supports_stage2_huge_mapping()): -o 0 lets it,
 * any other -o never does.
 */
static uint64_t slot_host_lead(const struct slot *s)
{
	return (s->ipa + s->host_offset) & (huge_page_size - 1);
}

/*
 * The advice anonymous host memory of the slot gets: MADV_NOHUGEPAGE (4k
 * backing and the control slot: base pages at stage 2) or MADV_HUGEPAGE
 * (thp). hugetlb memory takes none.
 */
static void slot_advise(const struct slot *s, void *addr, size_t len)
{
	switch (s->backing) {
	case BACKING_4K:
	case BACKING_CONTROL:
		madvise_checked(addr, len, MADV_NOHUGEPAGE, "MADV_NOHUGEPAGE");
		break;
	case BACKING_THP:
		madvise_checked(addr, len, MADV_HUGEPAGE, "MADV_HUGEPAGE");
		break;
	case BACKING_HUGETLB:
		break;
	}
}

/*
 * Anonymous memory at slot_host_lead() within a huge page: over-allocate
 * by one, pick that address, trim the rest and advise it as the backing
 * says.
 */
static void slot_map_anon(struct slot *s)
{
	size_t len = s->size + huge_page_size;
	uintptr_t start, hva;
	void *p = __mmap_anon(len, MAP_NORESERVE);

	if (p == MAP_FAILED)
		die_errno("mmap(anonymous, 0x%zx bytes) for slot at IPA 0x%" PRIx64,
			  len, s->ipa);
	start = (uintptr_t)p;
	hva = start + ((slot_host_lead(s) - start) & (huge_page_size - 1));
	munmap_checked(p, hva - start);
	munmap_checked((void *)(hva + s->size), start + len - (hva + s->size));
	s->map = s->hva = (void *)hva;
	s->map_len = s->size;
	slot_advise(s, s->hva, s->size);
}

void thp_warn_if_disabled(void)
{
	char buf[128] = "";
	FILE *f = fopen(THP_ENABLED_PATH, "r");

	if (!f) {
		fprintf(stderr, "s2vm: warning: no %s: thp backing gets base pages\n",
			THP_ENABLED_PATH);
		return;
	}
	if (fgets(buf, sizeof(buf), f) && strstr(buf, THP_NEVER))
		fprintf(stderr, "s2vm: warning: THP disabled (%s: %s): thp backing gets base pages\n",
			THP_ENABLED_PATH, strtok(buf, "\n"));
	fclose(f);
}

/*
 * The mmap flag for hugetlb pages of huge_page_size (arm64's default
 * hugetlb size).
 */
static int map_huge_flag(void)
{
	return __builtin_ctzll(huge_page_size) << MAP_HUGE_SHIFT;
}

/*
 * hugetlbfs pages of huge_page_size, the slot starting slot_host_lead()
 * into the first; the mapping is rounded up to whole huge pages.
 */
static void slot_map_hugetlb(struct slot *s)
{
	uint64_t lead = slot_host_lead(s);

	s->map_len = (lead + s->size + huge_page_size - 1) & ~(huge_page_size - 1);
	s->map = __mmap_anon(s->map_len, MAP_HUGETLB | map_huge_flag());
	if (s->map == MAP_FAILED) {
		int err = errno;

		die("mmap(MAP_HUGETLB, %" PRIu64 "K pages, 0x%zx bytes) for slot at IPA 0x%" PRIx64
		    " failed: %s (errno %d); no hugetlb pages? "
		    "echo N > /proc/sys/vm/nr_hugepages",
		    huge_page_size / KIB, s->map_len, s->ipa, strerror(err), err);
	}
	s->hva = (char *)s->map + lead;
}

void slot_map(struct slot *s)
{
	if (s->backing == BACKING_HUGETLB)
		slot_map_hugetlb(s);
	else
		slot_map_anon(s);
}

void slot_unmap(struct slot *s)
{
	munmap_checked(s->map, s->map_len);
	s->map = s->hva = NULL;
}

/*
 * The steps dontneed and unmap, on bytes [offset, offset + len) of the
 * slot's anonymous (4k or thp) host memory; the arguments checked that the
 * range is in the slot. KVM's MMU notifier unmaps them at stage 2 either way.
 */
static void *slot_host_range(const struct slot *s, uint64_t offset, uint64_t len)
{
	if (s->backing != BACKING_4K && s->backing != BACKING_THP)
		die("slot %u: neither 4k nor thp backing: only that memory is dropped "
		    "or remapped", s->id);
	if (offset > s->size || len > s->size - offset)
		die("slot %u: bytes 0x%" PRIx64 " + 0x%" PRIx64 " are not in its 0x%" PRIx64,
		    s->id, offset, len, s->size);
	return (char *)s->hva + offset;
}

/* dontneed: drop the pages; the next access gets fresh zeroed ones. */
void slot_dontneed(struct slot *s, uint64_t offset, uint64_t len)
{
	madvise_checked(slot_host_range(s, offset, len), len, MADV_DONTNEED, "MADV_DONTNEED");
}

/*
 * unmap: unmap the range, then map fresh anonymous memory at the same
 * address with the backing's advice, so that the memslot stays usable.
 */
void slot_remap(struct slot *s, uint64_t offset, uint64_t len)
{
	void *addr = slot_host_range(s, offset, len), *p;

	munmap_checked(addr, len);
	p = mmap(addr, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		die_errno("mmap(%p, 0x%" PRIx64 ", MAP_FIXED) to remap slot %u", addr, len, s->id);
	if (p != addr)
		die("mmap(%p, 0x%" PRIx64 ", MAP_FIXED) to remap slot %u returned %p",
		    addr, len, s->id, p);
	slot_advise(s, addr, len);
}

/* ------------------------------------------------------- touch planning */

/* Number of addresses start, start + stride, ... below end. */
static uint64_t stride_count(uint64_t start, uint64_t end, uint64_t stride)
{
	return end > start ? (end - start - 1) / stride + 1 : 0;
}

/* Which pages of the slot the guest writes: [ipa, touch_end) every stride. */
void slot_plan_touch(struct slot *s, const struct touch_spec *t)
{
	uint64_t pages = s->size / host_page_size, limit = pages, step = 1;

	switch (t->kind) {
	case TOUCH_ALL:
		break;
	case TOUCH_NONE:
		limit = 0;
		break;
	case TOUCH_EVERY:
		/* a stride past the end touches page 0 only, like a shorter one */
		step = t->n < pages ? t->n : pages;
		break;
	case TOUCH_FIRST:
		limit = t->n < pages ? t->n : pages;
		break;
	}
	s->touch_end = s->ipa + limit * host_page_size;
	s->touch_stride = step * host_page_size;
	s->touched = stride_count(s->ipa, s->touch_end, s->touch_stride);
}

/* move: the slot goes to IPA ipa, the pages it touches with it. */
void slot_move(struct slot *s, uint64_t ipa)
{
	s->touch_end = s->touch_end - s->ipa + ipa;
	s->ipa = ipa;
}

/* Pages of the slot a pass writes; none once it is deleted. */
uint64_t slot_pass_count(const struct slot *s, unsigned int stride_shift)
{
	if (s->deleted)
		return 0;
	return stride_count(s->ipa, s->touch_end, s->touch_stride << stride_shift);
}

static bool slot_page_touched(const struct slot *s, uint64_t page)
{
	uint64_t offset = page * host_page_size;

	return s->ipa + offset < s->touch_end && offset % s->touch_stride == 0;
}

/* ------------------------------------------------------------ dirty log */

/* The bitmap from KVM_GET_DIRTY_LOG must hold exactly the touched pages. */
static void slot_check_dirty_log(const struct slot *s, const uint64_t *bitmap)
{
	uint64_t pages = s->size / host_page_size, page, dirty = 0, mismatches = 0;
	uint64_t first = 0;

	for (page = 0; page < pages; page++) {
		bool is_dirty = bitmap[page / BITS_PER_U64] >> (page % BITS_PER_U64) & 1;

		dirty += is_dirty;
		if (is_dirty != slot_page_touched(s, page) && !mismatches++)
			first = page;
	}
	if (mismatches)
		die("KVM_GET_DIRTY_LOG(slot %u): %" PRIu64 " pages dirty, want the %" PRIu64
		    " touched; %" PRIu64 " pages differ, first page %" PRIu64
		    " (IPA 0x%" PRIx64 ") is %s", s->id, dirty, s->touched, mismatches,
		    first, s->ipa + first * host_page_size,
		    slot_page_touched(s, first) ? "clean but touched" : "dirty but untouched");
}

/* The slot's dirty log (KVM_GET_DIRTY_LOG, which write-protects it again); free it. */
static uint64_t *slot_fetch_dirty_log(struct vm *vm, const struct slot *s)
{
	uint64_t words = (s->size / host_page_size + BITS_PER_U64 - 1) / BITS_PER_U64;
	uint64_t *bitmap = calloc(words, sizeof(*bitmap));

	if (!bitmap)
		die_errno("calloc(%" PRIu64 " bitmap words) for slot %u", words, s->id);
	vm_get_dirty_log(vm, s->id, bitmap);
	return bitmap;
}

/* -d, after the first pass: fetch and check the dirty log of every data slot. */
void vm_collect_dirty_logs(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++) {
		uint64_t *bitmap = slot_fetch_dirty_log(vm, &vm->data[i]);

		slot_check_dirty_log(&vm->data[i], bitmap);
		free(bitmap);
	}
}

/*
 * The getlog step: fetch the dirty log of every data slot not deleted, for
 * its write-protection only; what it holds depends on the steps before.
 */
void vm_fetch_dirty_logs(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++)
		if (!vm->data[i].deleted)
			free(slot_fetch_dirty_log(vm, &vm->data[i]));
}

