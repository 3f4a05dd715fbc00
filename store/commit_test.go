package store

import (
	"errors"
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
