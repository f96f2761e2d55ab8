#!/bin/sh
# demo.sh - what `make run` shows: sample VMs and their stage-2 views.
#
# Starts four VMs with the launcher (4K pages, THP blocks, dirty-logging
# fragmentation, and THP memory one page off 2M alignment, which the
# summary's "why pages" names), waits until their layouts are ready,
# then shows each VM's sysfs directory, the head of its ranges file and the
# toolkit's summary and map. Under kvm-arm.mode=protected it also shows the
# host stage-2 owners. Where EL2 keeps the VMs' stage-2 (pKVM since 6.14),
# it shows what the host has of a VM (its memslots) and says why the rest
# fails. The VMs stay alive for the shell that may follow.
#
# USAGE: demo.sh [demo|shell]   (init's s2view.action; shell: a shell
#        follows, and the demo ends with what to type in it)
set -eu
then=${1:-demo}

say() {
	printf '\n### %s\n' "$*"
}

start_vm() {
	# $1: name, rest: s2vm arguments; waits for the ready line
	name=$1
	shift
	s2vm "$@" >"/tmp/$name.out" 2>&1 &
	echo $! >"/tmp/$name.pid"
	i=0
	while ! grep -q '^s2vm: ready' "/tmp/$name.out"; do
		if ! kill -0 "$(cat "/tmp/$name.pid")" 2>/dev/null; then
			cat "/tmp/$name.out" >&2
			return 1
		fi
		i=$((i + 1))
		[ $i -lt 600 ] || { echo "demo: $name not ready after 60 s" >&2; return 1; }
		sleep 0.1
	done
	echo "demo: $name: $(grep '^s2vm: ready' "/tmp/$name.out")"
}

# The VM's vmN, from the launcher's ready line.
vm_of() {
	sed -n 's/^s2vm: ready .* vm=\(vm[0-9]*\)$/\1/p' "/tmp/$1.out"
}

say "kvm mode: ${S2VIEW_KVM_MODE:-unknown}"
say "starting sample VMs (software emulation: a few seconds each)"
start_vm small -m 16M -b 4k -t every:2
start_vm thp -m 64M -b thp
start_vm dirty -m 8M -b 4k -d
start_vm misaligned -m 16M -b thp -o 4K

# Where EL2 keeps the VMs' stage-2, a VM's counts fail with EOPNOTSUPP.
at_el2=
cat /sys/kernel/kvm/"$(vm_of small)"/s2/mapped_bytes >/dev/null 2>&1 || at_el2=1

for name in small thp dirty misaligned; do
	vm=$(vm_of "$name")
	say "$name VM is $vm: /sys/kernel/kvm/$vm/"
	ls /sys/kernel/kvm/"$vm" /sys/kernel/kvm/"$vm"/s2
	if [ -n "$at_el2" ]; then
		say "/sys/kernel/kvm/$vm/memslots"
		cat /sys/kernel/kvm/"$vm"/memslots
		continue
	fi
	say "head of /sys/kernel/kvm/$vm/s2/ranges"
	head -n 8 /sys/kernel/kvm/"$vm"/s2/ranges
	say "s2summ.sh $vm"
	s2summ.sh "$vm"
done
if [ -n "$at_el2" ]; then
	say "under pKVM on Linux $(uname -r), EL2 keeps every VM's stage-2"
	echo "The host kernel has no table of it: a VM's ranges and counts fail with"
	echo "EOPNOTSUPP (cat: ... Operation not supported). MODE=nvhe or MODE=vhe, or"
	echo "KERNEL=6.12, shows them; docs/ABI.md says which kernel and mode reads"
	echo "which way."
else
	say "s2summ.sh --map $(vm_of thp)"
	s2summ.sh --map "$(vm_of thp)"
fi

if [ -d /sys/kernel/kvm/host/s2 ]; then
	say "s2owner.sh (host stage-2 under pKVM)"
	s2owner.sh
fi

[ "$then" = shell ] || exit 0
hint() {
	printf '  %-26s %s\n' "$1" "$2"
}
say "next: a shell, with the toolkit and the launcher on PATH"
if [ -z "$at_el2" ]; then
	hint "s2summ.sh $(vm_of thp)" "a VM's summary (small $(vm_of small), thp $(vm_of thp), dirty $(vm_of dirty), misaligned $(vm_of misaligned))"
	hint "s2summ.sh --map $(vm_of dirty)" "where in its IPA space a VM is mapped"
	hint "s2summ.sh --prom all" "Prometheus gauges of every VM"
fi
[ ! -d /sys/kernel/kvm/host/s2 ] || hint "s2owner.sh" "the host stage-2 by owner"
hint "s2vm -h" "how to start a VM of your own"
hint "dmesg" "the kernel's log, kept off this console"
hint "exit" "power off"
