package store

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Compact rewrites the database into a fresh file holding only live
// records, swaps it in, and overwrites the old file's bytes before letting
// it go. bbolt never wipes the pages it frees, so this is what makes an
// erasure real: afterwards no deleted record is left in the data folder.
// Every other operation waits while it runs.
func (s *Store) Compact() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tmp := s.path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("compact: create new file: %w", err)
	}
	if err := bolt.Compact(dst, s.db, 16<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return fmt.Errorf("compact: copy live records: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact: close new file: %w", err)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("compact: close old file: %w", err)
	}
	old, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return s.reopen(fmt.Errorf("compact: open old file for wiping: %w", err))
	}
	defer old.Close()
	if err := os.Rename(tmp, s.path); err != nil {
		return s.reopen(fmt.Errorf("compact: put new file in place: %w", err))
	}
	syncDir(filepath.Dir(s.path))
	if err := wipe(old); err != nil {
		return s.reopen(fmt.Errorf("compact: wipe old file: %w", err))
	}
	return s.reopen(nil)
}

// reopen opens the file at s.path again after a swap (or a failed one) and
// returns cause, or the open error.
func (s *Store) reopen(cause error) error {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("compact: reopen store: %w (after: %v)", err, cause)
	}
	s.db = db
	return cause
}

// wipe overwrites a file with zeros and flushes it to disk.
func wipe(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	zeros := make([]byte, 1<<20)
	for off := int64(0); off < info.Size(); off += int64(len(zeros)) {
		n := min(int64(len(zeros)), info.Size()-off)
		if _, err := f.WriteAt(zeros[:n], off); err != nil {
			return err
		}
	}
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
