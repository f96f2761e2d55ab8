/*
 * main.c - s2vm: set the VM up, run the guest's passes, say it is ready,
 * run the steps of -p, wait. See s2vm.h for what s2vm guarantees, s2vm -h
 * for how to call it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s2vm.h"

/* ---------------------------------------------------------------- errors */

/* "s2vm: " and the message on stderr, after what stdout holds. */
void vwarn_msg(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("s2vm: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* Runtime failure: message, exit 1. */
void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Runtime failure of a system call: message, errno, exit 1. */
void __attribute__((noreturn, format(printf, 1, 2)))
die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vwarn_msg(fmt, ap);
	va_end(ap);
	fprintf(stderr, " failed: %s (errno %d)\n", strerror(err), err);
	exit(1);
}

/* The tests wait for s2vm's lines: each goes out as soon as it is printed. */
void flush_stdout(void)
{
	if (fflush(stdout))
		die_errno("writing to stdout");
}

/* ---------------------------------------------------------------- setup */

/* Map the slot's host memory and register it as a memslot. */
static void vm_add_slot(struct vm *vm, struct slot *s)
{
	slot_map(s);
	vm_set_user_memory_region(vm, s);
}

static void vm_setup_slots(struct vm *vm, const struct options *o)
{
	unsigned int i;

	vm->control = (struct slot){
		.id = CONTROL_SLOT_ID,
		.ipa = CONTROL_IPA,
		.size = CONTROL_SIZE,
		.backing = BACKING_CONTROL,
		.touched = guest_control_pages(),
	};
	vm_add_slot(vm, &vm->control);

	if (o->backing == BACKING_THP)
		thp_warn_if_disabled();
	vm->nr_data = o->nr_slots;
	for (i = 0; i < vm->nr_data; i++) {
		struct slot *s = &vm->data[i];

		*s = (struct slot){
			.id = i,
			.flags = o->dirty_log ? KVM_MEM_LOG_DIRTY_PAGES : 0,
			.ipa = o->slots[i].base,
			.size = o->slots[i].size,
			.backing = o->backing,
			.host_offset = o->host_offset,
		};
		slot_plan_touch(s, &o->touch);
		vm_add_slot(vm, s);
	}
	guest_load(vm, &o->plan);
}

static void vm_setup(struct vm *vm, const struct options *o)
{
	vm->kvm_fd = kvm_open();
	kvm_check_api_version(vm->kvm_fd);
	vm->ipa_bits = kvm_effective_ipa_bits(vm->kvm_fd, o->ipa_bits);
	vm->fd = vm_create(vm->kvm_fd, o->ipa_bits, o->protected);
	find_view(vm->view, sizeof(vm->view));
	if (o->split_chunk)
		vm_enable_eager_split(vm, o->split_chunk);	/* before any memslot */
	vm_setup_slots(vm, o);
	vcpu_create(vm);
	vcpu_init(vm);
}

static void vm_teardown(struct vm *vm)
{
	unsigned int i;

	vm_stats_close(vm);
	munmap_checked(vm->run, vm->run_size);
	close(vm->vcpu_fd);
	close(vm->fd);
	close(vm->kvm_fd);
	for (i = 0; i < vm->nr_data; i++)
		slot_unmap(&vm->data[i]);
	slot_unmap(&vm->control);
}

/* --------------------------------------------------------------- output */

static void print_slot(const char *label, const struct slot *s)
{
	printf("s2vm: slot %s ipa=0x%016" PRIx64 " size=%" PRIu64 " backing=%s touched=%" PRIu64 "\n",
	       label, s->ipa, s->size, backing_names[s->backing], s->touched);
}

static void print_layout(const struct vm *vm)
{
	uint64_t touched = 0;
	char label[16];
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++) {
		snprintf(label, sizeof(label), "%u", i);
		print_slot(label, &vm->data[i]);
		touched += vm->data[i].touched;
	}
	print_slot("c", &vm->control);
	printf("s2vm: ready pid=%d slots=%u touched=%" PRIu64 " ipa_bits=%u vm=%s\n",
	       (int)getpid(), vm->nr_data, touched, vm->ipa_bits, vm->view);
	flush_stdout();
}

/* Block SIGTERM and SIGINT (before announcing readiness) to sigwait() them. */
static void block_exit_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (sigprocmask(SIG_BLOCK, set, NULL))
		die_errno("sigprocmask(SIG_BLOCK, SIGTERM|SIGINT)");
}

static void wait_exit_signal(const sigset_t *set)
{
	int sig, r;

	r = sigwait(set, &sig);
	if (r) {
		errno = r;
		die_errno("sigwait(SIGTERM|SIGINT)");
	}
}

/* -w: say the VM exists, then wait for SIGUSR1 (blocked before saying so). */
static void wait_run_signal(const char *view)
{
	sigset_t set;
	int sig, r;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die_errno("sigprocmask(SIG_BLOCK, SIGUSR1)");
	printf("s2vm: waiting pid=%d vm=%s\n", (int)getpid(), view);
	flush_stdout();
	r = sigwait(&set, &sig);
	if (r) {
		errno = r;
		die_errno("sigwait(SIGUSR1)");
	}
}

/*
 * -k: a child inherits the VM's file descriptors and holds them until
 * SIGTERM or SIGINT; the caller goes on to exit.
 */
static void hand_over(void)
{
	sigset_t exit_signals;
	pid_t pid;

	block_exit_signals(&exit_signals);
	pid = fork();
	if (pid < 0)
		die_errno("fork() for the holder of the VM");
	if (!pid) {
		wait_exit_signal(&exit_signals);
		_exit(0);
	}
	printf("s2vm: holder pid=%d\n", (int)pid);
	flush_stdout();
}

int main(int argc, char **argv)
{
	struct options opts;
	struct vm vm;
	sigset_t exit_signals;

	host_sizes_init();
	parse_args(argc, argv, &opts);
	memset(&vm, 0, sizeof(vm));
	vm_setup(&vm, &opts);
	if (opts.wait_before_run)
		wait_run_signal(vm.view);

	guest_run_pass(&vm, 0, PASS1_STRIDE_SHIFT);
	if (opts.dirty_log) {
		vm_collect_dirty_logs(&vm);
		guest_run_pass(&vm, 0, PASS2_STRIDE_SHIFT);
	}

	if (!opts.exit_when_ready)
		block_exit_signals(&exit_signals);
	print_layout(&vm);
	plan_run(&vm, &opts.plan);
	if (opts.hand_over)
		hand_over();
	if (!opts.exit_when_ready)
		wait_exit_signal(&exit_signals);

	vm_teardown(&vm);
	return 0;
}
