#!/usr/bin/env bats
# The image itself: what every other guest test relies on.

load lib

@test "the kernel runs in the KVM mode the command line asks for" {
	case $(kvm_mode) in
	vhe) pattern='VHE mode initialized successfully' ;;
	nvhe) pattern='Hyp nVHE mode initialized successfully' ;;
	protected) pattern='Protected [hn]VHE mode initialized successfully' ;;
	*) false ;;
	esac
	dmesg | grep -Eq "kvm \[[0-9]+\]: $pattern"
}

@test "/dev/kvm exists and /sys/kernel/kvm is there for the views" {
	[ -c /dev/kvm ]
	[ -d /sys/kernel/kvm ]
}
