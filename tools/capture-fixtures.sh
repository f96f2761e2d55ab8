#!/bin/sh
# capture-fixtures.sh - capture live VMs' sysfs files as toolkit fixtures.
#
# USAGE: tools/capture-fixtures.sh [-k KERNEL] [-g GRANULE] [-q] [-p CMDS] MODE OUTDIR -- VM_ARGS...
#   -k      the kernel (as tools/run-qemu.sh -k; default $KERNEL or 6.12)
#   -g      the kernel with 16k or 64k pages (as tools/run-qemu.sh -g)
#   -q      the VMs are QEMU's (run-qemu.sh -q): each VM_ARGS is a guest
#           program of /usr/local/share/s2view (tests/guest/bin) and QEMU's
#           options beyond those of tests/guest/50-qemu.bats
#   -p      shell commands the guest runs before it starts the VMs (THP's
#           mode, hugetlbfs, ...)
#   MODE    vhe | nvhe | protected
#   OUTDIR  where the copy goes, laid out as /sys/kernel/kvm (vm1/, ...,
#           and host/ under protected mode)
#   VM_ARGS one quoted argument per VM: s2vm's options, e.g. "-m 512K -b 4k
#           -t every:2", or with -q "qemu-guest-blocks.elf -m 512"
#   e.g. tools/capture-fixtures.sh -g 16k protected tests/fixtures/granule-16k \
#            -- "-m 512K -b 4k -t every:2" "-m 64M -b thp"
#        tools/capture-fixtures.sh -k 7.3 -g 16k -q nvhe /tmp/q16 -- qemu-guest.elf
#
# Boots MODE with s2view.action=sh, starts each VM in turn with s2vm or
# QEMU (each waited for: its ready line), then prints every file of each VM's
# directory and of host/s2 (cat, between markers) and splits them into
# OUTDIR on the host. The VMs are numbered in the order they started, as
# in the guest (vm1 is the first VM of the boot). OUTDIR must not exist.
#
# REQUIREMENTS: build/Image (or build/Image-GRANULE), build/initramfs.cpio.gz.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/lib.sh"

usage() {
	sed -n 's/^# \{0,1\}//; 3,21p' "$0" >&2
	exit 2
}

gflag='' kflag='' qflag='' prelude=:
while getopts k:g:qp: opt; do
	case $opt in
	k) kflag="-k $OPTARG" ;;
	g) gflag="-g $OPTARG" ;;
	q) qflag=-q ;;
	p) prelude=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 3 ] || [ "$3" != -- ]; then usage; fi
mode=$1 out=$2
shift 3
[ ! -e "$out" ] || die "$out exists: capture into a new directory"

# The commands the guest's shell runs, one VM per argument.
cmds=$(mktemp)
log=$(mktemp)
trap 'rm -f "$cmds" "$log"' EXIT
# shellcheck disable=SC2016 # for the guest's shell, expanded there
{
	echo 'exec 2>&1; n=0 pids='
	printf '%s\n' "$prelude"
	for args in "$@"; do
		if [ -n "$qflag" ]; then
			# as tests/guest/50-qemu.bats's start_qemu; its output
			# after the ready line, as s2vm's
			printf 'n=$((n + 1)); qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host -smp 1 -m 128 -nodefaults -nographic -kernel /usr/local/share/s2view/%s -serial file:/tmp/con.$n %s </dev/null >/tmp/s2vm.$n 2>&1 & pids="$pids $!"\n' \
				"${args%% *}" "$(echo "$args" | sed -n 's/^[^ ]* //p')"
			echo 'until grep -q "^s2view-guest: ready" /tmp/con.$n 2>/dev/null; do sleep 0.2; kill -0 $! 2>/dev/null || break; done; cat /tmp/s2vm.$n; if grep -q "^s2view-guest: ready" /tmp/con.$n; then echo "s2vm: ready (QEMU $n)"; else echo "s2vm: error: QEMU $n is gone"; fi'
		else
			printf 'n=$((n + 1)); s2vm %s >/tmp/s2vm.$n 2>&1 & pids="$pids $!"\n' "$args"
			echo 'until grep -q "^s2vm: ready" /tmp/s2vm.$n; do sleep 0.2; grep -q "^s2vm: error" /tmp/s2vm.$n && break; done; cat /tmp/s2vm.$n'
		fi
	done
	# The host faults its own pages in all the time: its files are read
	# until two reads of ranges around the counters are the same.
	echo 'h=/sys/kernel/kvm/host/s2; i=0; while [ -d $h ] && [ $i -lt 50 ]; do mkdir -p /tmp/h; cat $h/ranges >/tmp/h1; for f in $h/*; do cat $f >/tmp/h/${f##*/}; done; cat $h/ranges >/tmp/h2; cmp -s /tmp/h1 /tmp/h2 && cmp -s /tmp/h1 /tmp/h/ranges && break; i=$((i + 1)); done; echo "S2VIEW-NOTE host read $i times again"'
	printf '%s\n' 'dmesg | sed -n "s/.*\(Reserved [0-9]* MiB at .*\)/S2VIEW-NOTE \1/p"'
	echo 'for f in /sys/kernel/kvm/vm*/pid /sys/kernel/kvm/vm*/memslots /sys/kernel/kvm/vm*/s2/* /tmp/h/*; do [ -f "$f" ] || continue; n=${f#/sys/kernel/kvm/}; [ "${f#/tmp/h/}" = "$f" ] || n=host/s2/${f#/tmp/h/}; echo "S2VIEW-FILE $n"; cat "$f"; done; echo S2VIEW-CAPTURE-END; kill $pids; sleep 1; poweroff -f'
} >"$cmds"

# The shell reads the console: the commands go in once it prompts.
say "booting $mode${gflag:+ ($gflag)} to capture $# VMs"
# shellcheck disable=SC2086,SC2094 # the flags: empty or words; the log is
# read (for the prompt) while the boot writes it, on purpose
{
	i=0
	until grep -q 'S2VIEW-SHELL\|~ #\|/ #' "$log" 2>/dev/null || [ $i -ge 600 ]; do
		sleep 1
		i=$((i + 1))
	done
	cat "$cmds"
	# (stdin stays open until the capture has ended)
	until grep -q '^S2VIEW-CAPTURE-END' "$log" || [ $i -ge 1800 ]; do
		sleep 1
		i=$((i + 1))
	done
} 2>/dev/null | "$top/tools/run-qemu.sh" $kflag $gflag $qflag "$mode" sh >"$log" 2>&1 &
qemu=$!
i=0
until grep -q '^S2VIEW-CAPTURE-END' "$log" || [ $i -ge 1200 ]; do
	sleep 1
	i=$((i + 1))
done
kill "$qemu" 2>/dev/null || true
pkill -f "qemu-system-aarch64.*s2view.action=sh" 2>/dev/null || true
grep -q '^S2VIEW-CAPTURE-END' "$log" || { tail -n 30 "$log" >&2; die "no capture (log above)"; }
grep -E '^(s2vm: ready|s2vm: error|S2VIEW-NOTE)' "$log" | tr -d '\r' | sed 's/^/  /'

# Split: "S2VIEW-FILE vm1/s2/ranges" starts a file, the marker ends the last.
mkdir -p "$out"
tr -d '\r' <"$log" | awk -v out="$out" '
	/^S2VIEW-CAPTURE-END/ { exit }
	/^S2VIEW-FILE / { if (f != "") close(f); f = out "/" $2; d = f; sub(/\/[^\/]*$/, "", d)
		system("mkdir -p \"" d "\""); printf "" >f; next }
	f != "" { print >f }'
say "captured $(find "$out" -type f | wc -l) files into $out"
