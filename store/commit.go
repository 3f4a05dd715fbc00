package store

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// maxGroup bounds the writes committed in one transaction.
const maxGroup = 1000

// committer is the store's group commit: one goroutine commits the writes
// that are waiting, one transaction after another. When the disk is idle a
// write is committed at once; under load, every write that arrived during
// a commit shares the next one (and its fsyncs). Nothing waits on a timer.
type committer struct {
	mu     sync.Mutex
	queue  []*write
	closed bool
	wake   chan struct{} // buffered 1: work is queued
	done   chan struct{} // closed when the loop has ended
}

type write struct {
	fn  func(*bolt.Tx) error
	err chan error // buffered 1
}

var errTrySolo = errors.New("a write of the group failed")

// batch commits fn together with other writes waiting now. fn may run
// more than once, so it must set its results afresh each time.
func (s *Store) batch(fn func(*bolt.Tx) error) error {
	w := &write{fn: fn, err: make(chan error, 1)}
	c := &s.commits
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return bolt.ErrDatabaseNotOpen
	}
	c.queue = append(c.queue, w)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	c.mu.Unlock()
	return <-w.err
}

func (s *Store) startCommitter() {
	s.commits = committer{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.commitLoop()
}

// stopCommitter commits what is queued and ends the loop; later writes
// fail with bolt.ErrDatabaseNotOpen.
func (s *Store) stopCommitter() {
	c := &s.commits
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.wake)
	}
	c.mu.Unlock()
	<-c.done
}

func (s *Store) commitLoop() {
	c := &s.commits
	defer close(c.done)
	for range c.wake {
		s.drain()
	}
	s.drain()
}

// drain commits the queued writes, up to maxGroup a transaction.
func (s *Store) drain() {
	c := &s.commits
	for {
		c.mu.Lock()
		group := c.queue
		if len(group) > maxGroup {
			group = group[:maxGroup:maxGroup]
		}
		c.queue = c.queue[len(group):]
		if len(c.queue) == 0 {
			c.queue = nil
		}
		c.mu.Unlock()
		if len(group) == 0 {
			return
		}
		s.commitGroup(group)
	}
}

// commitGroup runs the writes of group in one transaction. A write that
// fails is taken out and run alone (its error is its own), and the others
// are committed again without it, as bbolt's Batch does.
func (s *Store) commitGroup(group []*write) {
	for len(group) > 0 {
		failed := -1
		err := s.update(func(tx *bolt.Tx) error {
			for i, w := range group {
				if err := runWrite(w.fn, tx); err != nil {
					failed = i
					return errTrySolo
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range group {
				w.err <- err
			}
			// Let the writers just woken run before this goroutine starts
			// the next commit: its fsyncs would hold this P, and the woken
			// goroutines queued on it, until the runtime hands it over.
			runtime.Gosched()
			return
		}
		solo := group[failed]
		solo.err <- s.update(func(tx *bolt.Tx) error { return runWrite(solo.fn, tx) })
		group = append(group[:failed:failed], group[failed+1:]...)
	}
}

// runWrite calls fn, turning a panic into an error so one bad write cannot
// stop every other.
func runWrite(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return fn(tx)
}
