/*
 * stats.c - the stats step: the VM's stage-2 stats, read from its binary
 * stats file (KVM_GET_STATS_FD on the VM), as the KVM selftests' kvm_util.c
 * reads them (read_stats_header(), read_stats_descriptors(),
 * read_stat_data()). The file is opened, and its descriptors read, at the
 * first stats step; later ones read the data only.
 *
 * The file: a struct kvm_stats_header at offset 0; at desc_offset,
 * num_desc descriptors of sizeof(struct kvm_stats_desc) + name_size bytes
 * each (the name, NUL-terminated, ends each); at data_offset + a
 * descriptor's offset, its size 64-bit values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "s2vm.h"

/* The stats the stats step prints, in this order. */
static const char *const stage2_stat_names[] = {
	"stage2_blocks_l1",
	"stage2_blocks_l2",
	"stage2_pages_l3",
	"stage2_table_pages",
	"stage2_mapped_bytes",
};

#define NR_STAGE2_STATS	(sizeof(stage2_stat_names) / sizeof(stage2_stat_names[0]))

struct vm_stats {
	int fd;
	struct kvm_stats_header header;
	struct kvm_stats_desc *descs;		/* header.num_desc of them */
	const struct kvm_stats_desc *wanted[NR_STAGE2_STATS];
};

/* ----------------------------------------------------------- stats file */

static int __vm_get_stats_fd(struct vm *vm)
{
	return ioctl(vm->fd, KVM_GET_STATS_FD, NULL);
}

static int vm_get_stats_fd(struct vm *vm)
{
	int fd = __vm_get_stats_fd(vm);

	if (fd < 0)
		die_errno("KVM_GET_STATS_FD on the VM");
	return fd;
}

/* pread() of exactly len bytes at offset, or die naming what. */
static void pread_checked(int fd, void *buf, size_t len, uint64_t offset, const char *what)
{
	ssize_t r = pread(fd, buf, len, (off_t)offset);

	if (r < 0)
		die_errno("pread(stats fd, 0x%zx bytes at 0x%" PRIx64 ") of %s",
			  len, offset, what);
	if ((size_t)r != len)
		die("pread(stats fd, 0x%zx bytes at 0x%" PRIx64 ") of %s: read 0x%zx bytes",
		    len, offset, what, (size_t)r);
}

static void read_stats_header(int fd, struct kvm_stats_header *header)
{
	pread_checked(fd, header, sizeof(*header), 0, "struct kvm_stats_header");
}

/* The name's size is KVM's, the same for every descriptor: in the header. */
static size_t get_stats_descriptor_size(const struct kvm_stats_header *header)
{
	return sizeof(struct kvm_stats_desc) + header->name_size;
}

static struct kvm_stats_desc *read_stats_descriptors(int fd, const struct kvm_stats_header *header)
{
	size_t total = header->num_desc * get_stats_descriptor_size(header);
	struct kvm_stats_desc *descs;

	if (!header->num_desc || !header->name_size)
		die("KVM_GET_STATS_FD: header has %u descriptors with %u-byte names",
		    header->num_desc, header->name_size);
	descs = calloc(header->num_desc, get_stats_descriptor_size(header));
	if (!descs)
		die_errno("calloc(%u stats descriptors)", header->num_desc);
	pread_checked(fd, descs, total, header->desc_offset, "the stats descriptors");
	return descs;
}

static const struct kvm_stats_desc *stats_descriptor(const struct vm_stats *st, unsigned int i)
{
	return (const void *)((const char *)st->descs + i * get_stats_descriptor_size(&st->header));
}

/* The descriptor of the stat called name, or die. */
static const struct kvm_stats_desc *find_stat(const struct vm_stats *st, const char *name)
{
	unsigned int i;

	for (i = 0; i < st->header.num_desc; i++) {
		const struct kvm_stats_desc *desc = stats_descriptor(st, i);

		if (!strncmp(desc->name, name, st->header.name_size))
			return desc;
	}
	die("stats missing %s", name);
}

/* The stat's first value (the stage-2 stats have one). */
static uint64_t read_stat_data(const struct vm_stats *st, const struct kvm_stats_desc *desc)
{
	uint64_t value;

	if (!desc->size)
		die("stat %s has no values (size 0)", desc->name);
	pread_checked(st->fd, &value, sizeof(value),
		      (uint64_t)st->header.data_offset + desc->offset, desc->name);
	return value;
}

/* ------------------------------------------------------ descriptor names */

static const char *stat_type_name(uint32_t flags)
{
	switch (flags & KVM_STATS_TYPE_MASK) {
	case KVM_STATS_TYPE_CUMULATIVE:		return "cumulative";
	case KVM_STATS_TYPE_INSTANT:		return "instant";
	case KVM_STATS_TYPE_PEAK:		return "peak";
	case KVM_STATS_TYPE_LINEAR_HIST:	return "linear_hist";
	case KVM_STATS_TYPE_LOG_HIST:		return "log_hist";
	default:				return "?";
	}
}

static const char *stat_unit_name(uint32_t flags)
{
	switch (flags & KVM_STATS_UNIT_MASK) {
	case KVM_STATS_UNIT_NONE:	return "none";
	case KVM_STATS_UNIT_BYTES:	return "bytes";
	case KVM_STATS_UNIT_SECONDS:	return "seconds";
	case KVM_STATS_UNIT_CYCLES:	return "cycles";
	case KVM_STATS_UNIT_BOOLEAN:	return "boolean";
	default:			return "?";
	}
}

static const char *stat_base_name(uint32_t flags)
{
	switch (flags & KVM_STATS_BASE_MASK) {
	case KVM_STATS_BASE_POW10:	return "pow10";
	case KVM_STATS_BASE_POW2:	return "pow2";
	default:			return "?";
	}
}

static void print_stat_descriptor(const struct kvm_stats_desc *desc)
{
	printf("s2vm: statdesc name=%s type=%s unit=%s base=%s exponent=%d size=%u\n",
	       desc->name, stat_type_name(desc->flags), stat_unit_name(desc->flags),
	       stat_base_name(desc->flags), desc->exponent, desc->size);
}

/* ------------------------------------------------------------ the step */

/* First stats step: open the stats file, find the stats, print their descriptors. */
static struct vm_stats *vm_stats_open(struct vm *vm)
{
	struct vm_stats *st = calloc(1, sizeof(*st));
	unsigned int i;

	if (!st)
		die_errno("calloc(struct vm_stats)");
	st->fd = vm_get_stats_fd(vm);
	read_stats_header(st->fd, &st->header);
	st->descs = read_stats_descriptors(st->fd, &st->header);
	for (i = 0; i < NR_STAGE2_STATS; i++)
		st->wanted[i] = find_stat(st, stage2_stat_names[i]);
	for (i = 0; i < NR_STAGE2_STATS; i++)
		print_stat_descriptor(st->wanted[i]);
	return st;
}

/* The stats step: one line with the stage-2 stats (the descriptors first, once). */
void vm_print_stats(struct vm *vm)
{
	uint64_t values[NR_STAGE2_STATS];
	unsigned int i;

	if (!vm->stats)
		vm->stats = vm_stats_open(vm);
	for (i = 0; i < NR_STAGE2_STATS; i++)	/* all read before printing any */
		values[i] = read_stat_data(vm->stats, vm->stats->wanted[i]);
	printf("s2vm: stats");
	for (i = 0; i < NR_STAGE2_STATS; i++)
		printf(" %s=%" PRIu64, stage2_stat_names[i], values[i]);
	printf("\n");
	flush_stdout();
}

void vm_stats_close(struct vm *vm)
{
	if (!vm->stats)
		return;
	close(vm->stats->fd);
	free(vm->stats->descs);
	free(vm->stats);
	vm->stats = NULL;
}
