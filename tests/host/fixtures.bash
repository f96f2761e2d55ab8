# fixtures.bash - what the tests assume about tests/fixtures: the one place
# to update when the fixtures are captured again (see tests/fixtures/README).
#
# Everything else the tests check is derived from the fixture files
# themselves (counter files, ranges lines), so it holds for any capture that
# is consistent (counters taken at the same moment as the ranges).
# shellcheck shell=bash disable=SC2034
# (the variables are used by the test files that load this one)

# the VMs in tests/fixtures, in numeric order
FIX_VMS="vm1 vm2 vm3 vm4 vm5"
# a VM whose memory is mostly in 2M blocks (THP): coverage above 50%
FIX_BLOCK_VM=vm2
# a VM mapped with level-3 pages only (no blocks), one 4M slot fully touched
FIX_PAGE_VM=vm4
# a dirty-logging VM: many small ranges, with both rw- and r-- pages
FIX_FRAG_VM=vm3
# a VM with a 52-bit IPA space (protected mode): level-0 invalid ranges
FIX_52BIT_VM=vm5
# the largest contiguous run of hyp-owned memory in the host capture
# (the hyp carve-out), as s2owner.sh prints it
FIX_HOST_HYP_RUN=20M

# tests/fixtures/slots: VMs with a memslots file (hand-made for now, see
# tests/fixtures/README), each with the launcher's control slot and one data
# slot that shows one cause of pages
FIX_SLOT_VMS="vm1 vm2 vm3 vm4 vm5 vm6 vm7"
FIX_DATA_SLOT=0    # the data slot of those VMs (s2vm: data slot i is memslot i)
FIX_CONTROL_SLOT=8 # the launcher's control slot (2 pages touched)
# the cause of the control slot's pages: the 64K slot holds no whole 2M
# window (slot-edge, the first cause tried; its host address is not
# congruent with its guest address modulo 2M either)
FIX_CONTROL_CAUSE=slot-edge
FIX_DIRTY_VM=vm1      # data slot dirty-logging: its pages are dirty-log
FIX_MISALIGNED_VM=vm2 # data slot's host address one page off 2M alignment
FIX_EDGE_VM=vm3       # data slot of 5M on THP: 2M blocks, its 1M tail in pages
FIX_HOSTPAGES_VM=vm4  # data slot on plain 4K host memory, aligned, every other page
FIX_THP_VM=vm5        # data slot on THP, well aligned: blocks only
FIX_16K_VM=vm6        # a 16K granule (32M level-2 blocks)
FIX_INCONSISTENT_VM=vm7 # ranges mapped outside every memslot

# tests/fixtures/granule-16k, granule-64k: one protected-mode boot each of
# a 16K- and a 64K-page kernel (see tests/fixtures/README), three VMs and
# the host
FIX_GRANULES="16k 64k"
FIX_GRANULE_VMS="vm1 vm2 vm3"
FIX_GRANULE_THP_VM=vm2  # THP: two level-2 blocks
FIX_GRANULE_FRAG_VM=vm3 # dirty logging: 32 base pages, alternately rw- r--
# per granule: the page, the level-2 block and the level-1 entry size, as
# s2summ.sh prints them
declare -gA FIX_GRANULE_SIZES=([16k]="16K 32M 64G" [64k]="64K 512M 4T")
# the hyp carve-out the boot reserved ("kvm [0]: Reserved N MiB at ...")
declare -gA FIX_GRANULE_CARVEOUT=([16k]=32M [64k]=512M)

# tests/fixtures/vmm: layouts a real VMM makes (see tests/fixtures/README):
# all-block VMs (no level-3 entry at all) made from the captures by
# dropping the launcher's control pages, and QEMU virt-board layouts
FIX_VMM_ALLBLOCK_VMS="vm1 vm2 vm3 vm7 vm10 vm12"
# their granule's page, level-2 block and level-1 entry, as s2summ.sh
# prints them
declare -gA FIX_VMM_SIZES=([vm1]="4K 2M 1G" [vm2]="16K 32M 64G" [vm3]="64K 512M 4T"
	[vm4]="4K 2M 1G" [vm5]="4K 2M 1G" [vm6]="4K 2M 1G" [vm7]="4K 2M 1G" [vm8]="4K 2M 1G"
	[vm9]="16K 32M 64G" [vm10]="16K 32M 64G" [vm11]="64K 512M 4T" [vm12]="64K 512M 4T")
# QEMU virt: flash 0 and 1, a slot of a host page, RAM at 1G
FIX_QEMU_VMS="vm4 vm5 vm6 vm7 vm8 vm9 vm10 vm11 vm12"
# captures of QEMU's own VMs (Debian's QEMU 7.2 in the test image, the two
# VMs of tests/guest/50-qemu.bats): vm7 THP-backed, 2M blocks only; vm8 on
# 4K pages, a page of flash 0 read; vm9 and vm10 the same on a 16K-page
# kernel, vm10's RAM on hugetlbfs (one 32M block); vm11 and vm12 on 64K
# pages, vm12's 512M of RAM on hugetlbfs (one 512M block). Their slots as QEMU
# numbers them: RAM 2, the steal-time slot (a host page) 3 (vm4..vm6,
# hand-made, have them the other way round)
FIX_QEMU_CAPTURED_VMS="vm7 vm8 vm9 vm10 vm11 vm12"
# the captured VMs on base pages only (THP never), whose RAM's host address
# QEMU aligned to 2M: less than a block for 16K and 64K pages
FIX_QEMU_CAPTURED_PAGES_VMS="vm8 vm9 vm11"
FIX_QEMU_RAM_SLOT=3        # RAM, on THP, in 2M blocks
FIX_QEMU_SMALL_SLOT=2      # the 4K slot in the MMIO area
FIX_QEMU_512M_VM=vm4 # 512M of RAM (less than 1G); a page of the 4K slot,
# 8K of flash 0
FIX_QEMU_MISALIGNED_VM=vm5 # 2G of RAM, host address 2M- but not 1G-aligned
FIX_QEMU_DIRTY_VM=vm6      # 2G of RAM, 1G-aligned, dirty-logging: 16K
# written since (pages), the rest still blocks
