#!/bin/sh
# demo.sh - what `make run` shows: sample VMs and their stage-2 views.
#
# Starts three VMs with the launcher (4K pages, THP blocks, dirty-logging
# fragmentation), waits until their layouts are ready, then shows each VM's
# sysfs directory, the head of its ranges file and the toolkit's summary
# and map. Under kvm-arm.mode=protected it also shows the host stage-2
# owners. The VMs stay alive for the shell that may follow.
set -eu

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

vm_of_pid() {
	for d in /sys/kernel/kvm/vm*; do
		[ "$(cat "$d/pid")" = "$1" ] && { basename "$d"; return 0; }
	done
	return 1
}

say "kvm mode: $(grep -o 'kvm-arm.mode=[a-z]*' /proc/cmdline)"
say "starting sample VMs (software emulation: a few seconds each)"
start_vm small -m 16M -b 4k -t every:2
start_vm thp -m 64M -b thp
start_vm dirty -m 8M -b 4k -d

for name in small thp dirty; do
	vm=$(vm_of_pid "$(cat "/tmp/$name.pid")")
	say "$name VM is $vm: /sys/kernel/kvm/$vm/"
	ls /sys/kernel/kvm/"$vm" /sys/kernel/kvm/"$vm"/s2
	say "head of /sys/kernel/kvm/$vm/s2/ranges"
	head -n 8 /sys/kernel/kvm/"$vm"/s2/ranges
	say "s2summ.sh $vm"
	s2summ.sh "$vm"
done
say "s2summ.sh --map $(vm_of_pid "$(cat /tmp/thp.pid)")"
s2summ.sh --map "$(vm_of_pid "$(cat /tmp/thp.pid)")"

if [ -d /sys/kernel/kvm/host/s2 ]; then
	say "s2owner.sh (host stage-2 under pKVM)"
	s2owner.sh
fi
