# fixtures.bash - what the tests assume about tests/fixtures: the one place
# to update when real captures replace the hand-made fixtures.
#
# Everything else the tests check is derived from the fixture files
# themselves (counter files, ranges lines), so it holds for any capture that
# is consistent (counters taken at the same moment as the ranges).

# the VMs in tests/fixtures, in numeric order
FIX_VMS="vm1 vm2 vm3"
# a VM whose memory is mostly in 2M blocks (THP): coverage above 50%
FIX_BLOCK_VM=vm2
# a VM mapped with level-3 pages only: no blocks at all
FIX_PAGE_VM=vm1
# a dirty-logging VM: many small ranges, with both rw- and r-x pages
FIX_FRAG_VM=vm3
# the largest contiguous run of hyp-owned memory in the host capture
# (the hyp carve-out), as s2owner.sh prints it
FIX_HOST_HYP_RUN=10M
