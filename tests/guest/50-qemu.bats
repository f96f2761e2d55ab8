#!/usr/bin/env bats
# QEMU as the VMM: Debian's own arm64 qemu-system-aarch64 runs VMs under the
# test kernel's KVM (-accel kvm -cpu host), and every view and the toolkit
# read right for the layout it makes: the virt board's two read-only 64M
# flash slots at 0, the 4K steal-time slot (pvtime) in the MMIO area, RAM at
# 1G. QEMU is in the image only when tools/run-qemu.sh -q appended
# build/qemu.cpio.gz (tools/check.sh does on the boots of
# S2VIEW_QEMU_RUNS); elsewhere every test here skips.
#
# The VMs run our own program (tests/guest/bin/qemu-guest.S), no Linux: it
# reads flash (qemu-guest.elf only), writes every 4K page of 8M of RAM, says
# ready on the serial port and idles in wfi. Two VMs:
#   pages   qemu-guest.elf with THP off while it runs: 4K pages only
#   blocks  qemu-guest-blocks.elf, THP as the image has it (madvise, which
#           QEMU asks for its RAM): 2M blocks only, no level-3 entry at all

load lib

GUEST_DIR=/usr/local/share/s2view
GUEST_SRC=$GUEST_DIR/qemu-guest.S
THP=/sys/kernel/mm/transparent_hugepage/enabled

# guest_addr NAME: a #define of the guest program's source, as a number
guest_addr() {
	local v
	v=$(awk -v n="$1" '$1 == "#define" && $2 == n { print $3 }' "$GUEST_SRC")
	[ -n "$v" ] || { echo "no #define $1 in $GUEST_SRC" >&2; return 1; }
	echo $((v))
}

# hex16 N: N as the ranges file writes an address
hex16() {
	printf '0x%016x' "$1"
}

# need_qemu: skip where QEMU is not in the image, and where the expected
# layouts (4K pages, 2M blocks) do not hold
need_qemu() {
	command -v qemu-system-aarch64 >/dev/null ||
		skip "no QEMU in this image: tools/run-qemu.sh -q appends it (make build/qemu.cpio.gz)"
	[ "$PAGE" -eq 4096 ] || skip "the QEMU tests' layouts are for 4K pages"
	need_vm_tables
}

# thp_set VALUE: THP's enabled mode, put back by teardown
thp_set() {
	[ -f "$BATS_TEST_TMPDIR/thp.was" ] ||
		sed 's/.*\[\(.*\)\].*/\1/' "$THP" >"$BATS_TEST_TMPDIR/thp.was"
	echo "$1" >"$THP"
}

teardown() {
	local pid
	if [ -f "$BATS_TEST_TMPDIR/qemu.pids" ]; then
		while read -r pid; do
			stop_vm "$pid"
		done <"$BATS_TEST_TMPDIR/qemu.pids"
		rm -f "$BATS_TEST_TMPDIR/qemu.pids"
	fi
	if [ -f "$BATS_TEST_TMPDIR/thp.was" ]; then
		cat "$BATS_TEST_TMPDIR/thp.was" >"$THP"
		rm -f "$BATS_TEST_TMPDIR/thp.was"
	fi
}

# start_qemu pages|blocks: start QEMU with that VM (see the top), with its
# QMP monitor on two fifos; wait for the guest's ready line. Sets QEMU_PID,
# VM, VM_DIR, QEMU_DIR (console, QMP log, QEMU's output).
start_qemu() {
	local elf=qemu-guest.elf d
	case $1 in
	pages) thp_set never ;;
	blocks) elf=qemu-guest-blocks.elf ;;
	*) echo "start_qemu: pages or blocks, not $1" >&2; return 1 ;;
	esac
	QEMU_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/qemu.XXXXXX")
	# -chardev pipe opens PATH.in and PATH.out, which must exist
	mkfifo "$QEMU_DIR/qmp.in" "$QEMU_DIR/qmp.out"
	qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host -smp 1 -m 128 \
		-nodefaults -nographic -kernel "$GUEST_DIR/$elf" \
		-serial "file:$QEMU_DIR/console" \
		-chardev "pipe,id=qmp,path=$QEMU_DIR/qmp" -mon chardev=qmp,mode=control \
		</dev/null >"$QEMU_DIR/qemu.out" 2>&1 &
	QEMU_PID=$!
	echo "$QEMU_PID" >>"$BATS_TEST_TMPDIR/qemu.pids"
	# (ends when QEMU does: it holds the only writer)
	cat "$QEMU_DIR/qmp.out" >"$QEMU_DIR/qmp.log" &
	wait_for_line "$QEMU_DIR/console" '^s2view-guest: ready' "$QEMU_PID" 60 || {
		echo "QEMU's guest not ready (QEMU gone, or 60 s); QEMU said:" >&2
		cat "$QEMU_DIR/qemu.out" >&2
		return 1
	}
	VM=
	for d in /sys/kernel/kvm/vm*; do
		[ "$(cat "$d/pid" 2>/dev/null)" = "$QEMU_PID" ] && VM=${d##*/}
	done
	[ -n "$VM" ] || { echo "no /sys/kernel/kvm/vmN with QEMU's pid $QEMU_PID" >&2; return 1; }
	VM_DIR=/sys/kernel/kvm/$VM
	qmp '{"execute":"qmp_capabilities"}' >/dev/null
}

# qmp JSON: send one QMP command, print its answer (the next "return" or
# "error" line of the log); fails after 30 s without one
qmp() {
	local n i
	n=$(grep -c '^{"return"\|^{"error"' "$QEMU_DIR/qmp.log" || true)
	printf '%s\n' "$1" >"$QEMU_DIR/qmp.in"
	for ((i = 0; i < 300; i++)); do
		if [ "$(grep -c '^{"return"\|^{"error"' "$QEMU_DIR/qmp.log")" -gt "$n" ]; then
			grep '^{"return"\|^{"error"' "$QEMU_DIR/qmp.log" | sed -n "$((n + 1))p"
			return 0
		fi
		sleep 0.1
	done
	echo "no QMP answer to $1 in 30 s; the log:" >&2
	cat "$QEMU_DIR/qmp.log" >&2
	return 1
}

# qmp_stage2: QEMU's query-stats of the VM (target vm, provider kvm), the
# stage2_* stats as the five counters' line ("<blocks_l1> <blocks_l2>
# <pages_l3> <table_pages> <mapped_bytes>"); fails when one is missing
qmp_stage2() {
	local out
	out=$(qmp '{"execute":"query-stats","arguments":{"target":"vm","providers":[{"provider":"kvm"}]}}') ||
		return 1
	echo "query-stats: $out" >&2
	# {"return": [{"provider": "kvm", "stats": [{"name": "stage2_mapped_bytes", "value": 12582912}, ...
	printf '%s\n' "$out" | grep -o '"name": "stage2_[a-z0-9_]*", "value": [0-9]*' |
		awk -v want="$COUNTER_FILES" '
		{ v[substr($2, 9, length($2) - 10)] = $4 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				if (!(w[i] in v)) { print "no stage2_" w[i] > "/dev/stderr"; exit 1 }
				printf "%s%s", v[w[i]], i < n ? " " : "\n"
			}
		}'
}

# valid_lines: the valid lines of the VM's ranges
valid_lines() {
	awk '$4 != "invalid"' "$VM_DIR/s2/ranges"
}

@test "QEMU's memslots: two read-only 64M flash slots at 0, the 4K steal-time slot, RAM at 1G" {
	need_qemu
	start_qemu blocks
	sed 's/ hva=0x[0-9a-f]\{16\} / hva=H /' "$VM_DIR/memslots" >"$BATS_TEST_TMPDIR/got"
	diff - "$BATS_TEST_TMPDIR/got" <<-EOF
	0x0000000000000000-0x0000000004000000 64M slot=0 as=0 hva=H flags=readonly
	0x0000000004000000-0x0000000008000000 64M slot=1 as=0 hva=H flags=readonly
	0x00000000090a0000-0x00000000090a1000 4K slot=3 as=0 hva=H flags=-
	0x0000000040000000-0x0000000048000000 128M slot=2 as=0 hva=H flags=-
	EOF
}

@test "each of QEMU's slots has its hva inside one of QEMU's own mappings" {
	need_qemu
	start_qemu blocks
	cat "/proc/$QEMU_PID/maps"
	slots_in_vmm_maps "$QEMU_PID" 4
}

@test "ranges of a QEMU VM on 4K pages covers its IPA space and maps exactly the pages its guest touched" {
	need_qemu
	start_qemu pages
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	code=$(guest_addr CODE_START) flash=$(guest_addr FLASH_START)
	lo=$(guest_addr TOUCH_START) hi=$(guest_addr TOUCH_END)
	valid_lines >"$BATS_TEST_TMPDIR/got"
	diff - "$BATS_TEST_TMPDIR/got" <<-EOF
	$(hex16 "$flash")-$(hex16 $((flash + PAGE))) 4K 3 page r-- normal af=1$(vm_sw)
	$(hex16 "$code")-$(hex16 $((code + PAGE))) 4K 3 page rwx normal af=1$(vm_sw)
	$(hex16 "$lo")-$(hex16 "$hi") 8M 3 page rw- normal af=1$(vm_sw)
	EOF
}

@test "ranges of a THP-backed QEMU VM covers its IPA space and maps the touched RAM with 2M blocks" {
	need_qemu
	start_qemu blocks
	check_ranges "$VM_DIR/s2/ranges" "$(cat "$VM_DIR/s2/ipa_bits")"
	code=$(guest_addr CODE_START)
	lo=$(guest_addr TOUCH_START) hi=$(guest_addr TOUCH_END)
	valid_lines >"$BATS_TEST_TMPDIR/got"
	diff - "$BATS_TEST_TMPDIR/got" <<-EOF
	$(hex16 "$code")-$(hex16 $((code + HUGE))) 2M 2 block rwx normal af=1$(vm_sw)
	$(hex16 "$lo")-$(hex16 "$hi") 8M 2 block rw- normal af=1$(vm_sw)
	EOF
}

@test "the exec bit is on exactly the page, or the block, QEMU's guest ran its code from" {
	need_qemu
	code=$(guest_addr CODE_START)
	for vm in pages blocks; do
		start_qemu $vm
		size=$PAGE
		[ $vm = pages ] || size=$HUGE
		awk '$5 ~ /x$/' "$VM_DIR/s2/ranges" >"$BATS_TEST_TMPDIR/x"
		echo "$vm: executable: $(cat "$BATS_TEST_TMPDIR/x")"
		[ "$(wc -l <"$BATS_TEST_TMPDIR/x")" -eq 1 ]
		[ "$(cut -d' ' -f1 "$BATS_TEST_TMPDIR/x")" = "$(hex16 "$code")-$(hex16 $((code + size)))" ]
		teardown
	done
}

@test "QEMU's query-stats gives the stage2 stats equal to the sysfs counters and to the sums of the ranges" {
	need_qemu
	for vm in pages blocks; do
		start_qemu $vm
		check_counters
		got=$(qmp_stage2)
		echo "$vm ($COUNTER_FILES): query-stats $got, sysfs and ranges $COUNTERS"
		[ "$got" = "$COUNTERS" ]
		teardown
	done
}

@test "a THP-backed QEMU VM has no level-3 entry at all, and s2summ.sh prints no ? for it" {
	need_qemu
	start_qemu blocks
	[ "$(cat "$VM_DIR/s2/pages_l3")" -eq 0 ]
	[ "$(cat "$VM_DIR/s2/blocks_l2")" -eq 5 ]
	[ -z "$(awk '$3 == 3' "$VM_DIR/s2/ranges")" ]
	run s2summ.sh "$VM"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"?"* ]]
	[[ "$output" == *"start level $(cat "$VM_DIR/s2/start_level"), 4K granule)"* ]]
	[ "$(echo "$output" | awk '$1 == "l3" { print $2, $3, $4 }')" = "page 4K 0" ]
	[ "$(echo "$output" | awk '$1 == "l2" { print $2, $3, $4 }')" = "block 2M 5" ]
}

@test "s2summ.sh names QEMU's slots with their flags, and its counts are the kernel's" {
	need_qemu
	start_qemu pages
	d=$VM_DIR/s2
	run s2summ.sh "$VM"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"?"* ]]
	[[ "$output" == "$VM (pid $QEMU_PID): $d"* ]]
	[[ "$output" == *"mapped:"*"($(cat "$d/mapped_bytes") bytes,"* ]]
	[ "$(echo "$output" | awk '$1 == "l3" { print $4 }')" = "$(cat "$d/pages_l3")" ]
	# SLOT  GUEST RANGE  SIZE  MAPPED  %SLOT  BLOCKS %MAPPED  FLAGS
	slots=$(echo "$output" | awk '$2 ~ /^0x[0-9a-f]+-0x/ && NF == 8 { print $1, $3, $4, $8 }' | xargs)
	[ "$slots" = "0 64M 4K readonly 1 64M 0 readonly 3 4K 0 - 2 128M 8.004M -" ]
}

# prom_lint: $PROM is Prometheus' text format: "# HELP name text",
# "# TYPE name gauge" before the name's first sample, samples
# 'name{l="v",...} number', each series once (and promtool check metrics
# where it is installed)
prom_lint() {
	if command -v promtool >/dev/null; then
		promtool check metrics <"$PROM" || return 1
	fi
	awk '
		# "# HELP s2view_mapped_bytes Bytes mapped by valid stage-2 entries."
		/^# HELP [a-z_:][a-z0-9_:]* / { next }
		# "# TYPE s2view_mapped_bytes gauge"
		/^# TYPE [a-z_:][a-z0-9_:]* (gauge|counter)$/ { typed[$3] = 1; next }
		# "s2view_entries{vm="vm3",level="3",type="page"} 2050"
		/^[a-z_:][a-z0-9_:]*(\{[a-z_][a-z0-9_]*="[^"]*"(,[a-z_][a-z0-9_]*="[^"]*")*\})? -?[0-9.e+]+$/ {
			name = $1; sub(/\{.*/, "", name)
			if (!(name in typed)) { print "no TYPE before: " $0; bad = 1 }
			if ($1 in seen) { print "twice: " $0; bad = 1 }
			seen[$1] = 1; n++
			next
		}
		{ print "not exposition text: " $0; bad = 1 }
		END { exit bad || n == 0 }' "$PROM"
}

@test "s2summ.sh --prom on QEMU's VMs is well-formed exposition text with the kernel's figures" {
	need_qemu
	# (blocks first: THP is off while the pages VM runs)
	for vm in blocks pages; do
		start_qemu $vm
		prom "$VM"
		[ ! -s "$PROM_ERR" ] || { cat "$PROM_ERR"; false; }
		prom_lint
		d=$VM_DIR/s2 l=vm=\"$VM\"
		[ "$(metric "s2view_mapped_bytes{$l}")" = "$(cat "$d/mapped_bytes")" ]
		[ "$(metric "s2view_entries{$l,level=\"3\",type=\"page\"}")" = "$(cat "$d/pages_l3")" ]
		[ "$(metric "s2view_entries{$l,level=\"2\",type=\"block\"}")" = "$(cat "$d/blocks_l2")" ]
		[ "$(metric "s2view_table_pages{$l}")" = "$(cat "$d/table_pages")" ]
		[ "$(metric "s2view_slot_bytes{$l,slot=\"2\",kind=\"size\"}")" = $((128 << 20)) ]
	done
	# the pages VM read one page of flash (slot 0)
	[ "$(metric "s2view_slot_bytes{$l,slot=\"0\",kind=\"mapped\"}")" = "$PAGE" ]
}

# map_row VM ROW: the cells of s2summ.sh --map VM's row at address ROW
map_row() {
	s2summ.sh --map "$1" | awk -v r="$2" '$1 == r { print $2 }'
}

@test "s2summ.sh --map draws QEMU's THP RAM as B, its flash page and RAM pages as P or M" {
	need_qemu
	start_qemu blocks
	# (the map spans the mapped part: 16K cells from the code's block on)
	s2summ.sh --map "$VM" >"$BATS_TEST_TMPDIR/map"
	cat "$BATS_TEST_TMPDIR/map"
	awk '$1 ~ /^0x/ { print $2 }' "$BATS_TEST_TMPDIR/map" >"$BATS_TEST_TMPDIR/cells"
	grep -q B "$BATS_TEST_TMPDIR/cells"
	run grep '[^B.]' "$BATS_TEST_TMPDIR/cells"
	[ "$status" -eq 1 ]
	teardown
	start_qemu pages
	s2summ.sh --map "$VM"
	# one page in the flash's first 2M, one in the code's: M
	[ "$(map_row "$VM" 0x0000000000000000 | cut -c1)" = M ]
	[ "$(map_row "$VM" 0x0000000040000000)" = .MPPPP ]
}
