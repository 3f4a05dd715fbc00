package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the name of the database file inside the data folder.
const FileName = "phuan.db"

// ErrInUse is returned by Open when another process holds the data folder.
var ErrInUse = errors.New("the data folder is in use by another phuan process")

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("not found")

var (
	bucketMeta          = []byte("meta")
	bucketPersons       = []byte("persons")
	bucketIdentities    = []byte("identities")
	bucketConversations = []byte("conversations")
	bucketSeen          = []byte("seen")
	bucketSeenByTime    = []byte("seen_by_time")
	bucketInbox         = []byte("inbox")
	bucketOutbox        = []byte("outbox")
	bucketOutboxFailed  = []byte("outbox_failed")

	keySchemaVersion = []byte("schema_version")
	keyAppMarker     = []byte("app")
	appMarker        = []byte("phuan")
)

// Store is the bbolt-backed store. It is safe for concurrent use.
type Store struct {
	// mu is held for reading by every operation and for writing while
	// Compact swaps the file.
	mu      sync.RWMutex
	db      *bolt.DB
	path    string
	commits committer
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.View(fn)
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.db.Update(fn)
}

// OpenDir opens (creating it if needed) the store in the data folder dir.
func OpenDir(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder %s: %w", dir, err)
	}
	s, err := Open(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	// Copies left by a read-only command that was killed (OpenForReading)
	// hold personal data erasure must reach: the lock holder removes them.
	if left, _ := filepath.Glob(filepath.Join(dir, snapshotPattern)); len(left) > 0 {
		for _, path := range left {
			os.Remove(path)
		}
	}
	return s, nil
}

// Open opens the store file at path, waiting at most one second for another
// process to release it, and brings its schema up to date.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("%w (%s)", ErrInUse, filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s (not a phuan data file, or damaged): %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	s.startCommitter()
	return s, nil
}

// Close closes the database file.
func (s *Store) Close() error {
	s.stopCommitter()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Close()
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Backup writes a consistent copy of the whole database to w while the store
// stays in use. The copy opens as a valid store.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("write backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a backup to a new file at path, readable by the owner only.
func (s *Store) BackupFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create backup file: %w", err)
	}
	n, err := s.Backup(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close backup file: %w", cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return n, err
}

func u64key(v uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	return b[:]
}

func timeKey(t time.Time, suffix string) []byte {
	k := make([]byte, 8, 8+len(suffix))
	binary.BigEndian.PutUint64(k, uint64(t.UnixNano()))
	return append(k, suffix...)
}
