//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// releaseResident does nothing where madvise is not used; the kernel
// reclaims the file's pages under memory pressure all the same.
func releaseResident(*bolt.Tx) {}
