/*
 * plan.c - the steps of -p, run after the ready line: one function per
 * step. What each step means, and the lines it prints, is in the usage
 * (args.c); the arguments were checked there, before the VM existed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "s2vm.h"

/*
 * pause: say so, then wait for SIGUSR1 (blocked before saying so). SIGTERM
 * or SIGINT instead end s2vm with status 0, as when it waits after the
 * ready line, so that a test may kill it while it is paused.
 */
static void step_pause(unsigned int n)
{
	sigset_t set;
	int sig, r;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die_errno("sigprocmask(SIG_BLOCK, SIGUSR1|SIGTERM|SIGINT)");
	printf("s2vm: paused step=%u\n", n);
	flush_stdout();
	r = sigwait(&set, &sig);
	if (r) {
		errno = r;
		die_errno("sigwait(SIGUSR1|SIGTERM|SIGINT)");
	}
	if (sig != SIGUSR1)
		exit(0);
}

/* log-on, log-off: KVM_MEM_LOG_DIRTY_PAGES on or off for each data slot. */
static void step_dirty_logging(struct vm *vm, bool on)
{
	unsigned int i;

	for (i = 0; i < vm->nr_data; i++) {
		struct slot *s = &vm->data[i];

		if (s->deleted)
			continue;
		if (on)
			s->flags |= KVM_MEM_LOG_DIRTY_PAGES;
		else
			s->flags &= ~(uint32_t)KVM_MEM_LOG_DIRTY_PAGES;
		vm_set_user_memory_region(vm, s);
	}
}

/* delete: the memslot goes; the slot's host memory stays until s2vm exits. */
static void step_delete(struct vm *vm, struct slot *s)
{
	vm_delete_user_memory_region(vm, s);
	s->deleted = true;
}

/* move: same memslot id, host memory, size and flags at a new IPA. */
static void step_move(struct vm *vm, struct slot *s, uint64_t base)
{
	slot_move(s, base);
	vm_set_user_memory_region(vm, s);
}

static void plan_step(struct vm *vm, const struct step *st)
{
	switch (st->kind) {
	case STEP_PAUSE:
		step_pause(st->number);
		break;
	case STEP_RUN:
		guest_run_pass(vm, st->table, PASS1_STRIDE_SHIFT);
		break;
	case STEP_LOG_ON:
		step_dirty_logging(vm, true);
		break;
	case STEP_LOG_OFF:
		step_dirty_logging(vm, false);
		break;
	case STEP_GETLOG:
		vm_fetch_dirty_logs(vm);
		break;
	case STEP_DONTNEED:
		slot_dontneed(&vm->data[st->slot], st->offset, st->len);
		break;
	case STEP_UNMAP:
		slot_remap(&vm->data[st->slot], st->offset, st->len);
		break;
	case STEP_DELETE:
		step_delete(vm, &vm->data[st->slot]);
		break;
	case STEP_MOVE:
		step_move(vm, &vm->data[st->slot], st->base);
		break;
	case STEP_STATS:
		vm_print_stats(vm);
		break;
	}
}

/* Each step in order, each followed by its done line. */
void plan_run(struct vm *vm, const struct plan *plan)
{
	const struct step *st;

	for (st = plan->steps; st < plan->steps + plan->nr; st++) {
		plan_step(vm, st);
		printf("s2vm: step %u %s done\n", st->number, st->text);
		flush_stdout();
	}
}
