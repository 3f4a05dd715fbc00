package store

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestGroupCommit: concurrent writes are all committed; a failing or
// panicking write fails alone and leaves nothing behind, the others in its
// group still land; after Close a write fails at once.
func TestGroupCommit(t *testing.T) {
	s := openTest(t)
	bucket := []byte("test")
	put := func(key string) func(*bolt.Tx) error {
		return func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := strconv.Itoa(i)
			switch i {
			case 50:
				errs[i] = s.batch(func(tx *bolt.Tx) error {
					put(key)(tx)
					return boom
				})
			case 120:
				errs[i] = s.batch(func(tx *bolt.Tx) error {
					put(key)(tx)
					panic("a bug")
				})
			default:
				errs[i] = s.batch(put(key))
			}
		}()
	}
	wg.Wait()
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for i := range errs {
			stored := b.Get([]byte(strconv.Itoa(i))) != nil
			switch i {
			case 50:
				if !errors.Is(errs[i], boom) || stored {
					t.Errorf("the failing write: err %v, stored %v", errs[i], stored)
				}
			case 120:
				if errs[i] == nil || !strings.Contains(errs[i].Error(), "panicked") || stored {
					t.Errorf("the panicking write: err %v, stored %v", errs[i], stored)
				}
			default:
				if errs[i] != nil || !stored {
					t.Errorf("write %d: err %v, stored %v", i, errs[i], stored)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.batch(put("late")); !errors.Is(err, bolt.ErrDatabaseNotOpen) {
		t.Fatalf("a write after Close: %v", err)
	}
}

// queued waits until n writes wait for the committer.
func queued(s *Store, n int) {
	for {
		s.commits.mu.Lock()
		k := len(s.commits.queue)
		s.commits.mu.Unlock()
		if k >= n {
			return
		}
		runtime.Gosched()
	}
}

// TestUpdateCaseInAFailedGroup: when another write of its group fails,
// UpdateCase's change runs again on a fresh copy, and its effect is
// stored, and returned, once.
func TestUpdateCaseInAFailedGroup(t *testing.T) {
	s := openTest(t)
	c := &Case{Channel: "telegram", ChatID: "700001"}
	if err := s.OpenCase(c); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	go s.batch(func(*bolt.Tx) error { close(held); <-release; return nil })
	<-held // the committer is inside this write's transaction
	runs := 0
	var updated *Case
	var updateErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		updated, updateErr = s.UpdateCase(c.ID, func(x *Case) error {
			runs++
			x.Transcript = append(x.Transcript, CaseEntry{Actor: ActorPerson, Text: "one"})
			return nil
		})
	}()
	queued(s, 1)
	boom := errors.New("boom")
	failed := make(chan error, 1)
	go func() { failed <- s.batch(func(*bolt.Tx) error { return boom }) }()
	queued(s, 2)
	close(release)
	<-done
	if err := <-failed; !errors.Is(err, boom) {
		t.Fatalf("the failing write: %v", err)
	}
	if updateErr != nil || runs < 2 {
		t.Fatalf("err %v, change ran %d times; want the group retried", updateErr, runs)
	}
	stored, err := s.Case(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Transcript) != 1 || len(updated.Transcript) != 1 {
		t.Fatalf("stored %d entries, returned %d; want 1 each", len(stored.Transcript), len(updated.Transcript))
	}
}
