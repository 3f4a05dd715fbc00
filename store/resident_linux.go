package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseResident tells the kernel that this process no longer needs the
// pages of the database file it has read: they leave its resident memory
// but stay in the page cache, and are read from there again when used.
// bbolt maps the file shared and read-only, so nothing is lost. Long scans
// (a broadcast's audience) call it as they go, so reading a million people
// does not keep the whole file resident. The caller's transaction keeps
// the mapping in place (bbolt remaps only with no transaction open, or
// inside a write transaction's own commit).
func releaseResident(tx *bolt.Tx) {
	info := tx.DB().Info()
	if info == nil || info.Data == 0 || tx.Size() <= 0 {
		return
	}
	// An error (an old kernel) only leaves the pages resident.
	syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
}
