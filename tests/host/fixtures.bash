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
