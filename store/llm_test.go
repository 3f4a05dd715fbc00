package store

import (
	"bytes"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestLLMUsageCapsPerSubjectAndDay(t *testing.T) {
	s := openContactStore(t)
	alice, bob := LLMSubject("7", "", ""), LLMSubject("", "telegram", "123456789")
	for i := range 3 {
		ok, err := s.TakeLLMUsage(alice, "2026-11-22", 3)
		if err != nil || !ok {
			t.Fatalf("call %d: %v %v", i+1, ok, err)
		}
	}
	if ok, err := s.TakeLLMUsage(alice, "2026-11-22", 3); err != nil || ok {
		t.Fatalf("fourth call allowed: %v %v", ok, err)
	}
	if n, _ := s.LLMUsage(alice, "2026-11-22"); n != 3 {
		t.Fatalf("usage %d, want 3 (a refused call is not counted)", n)
	}
	if ok, _ := s.TakeLLMUsage(bob, "2026-11-22", 3); !ok {
		t.Fatal("another subject was capped")
	}
	// A new day starts afresh and forgets the old one.
	if ok, _ := s.TakeLLMUsage(alice, "2026-11-23", 3); !ok {
		t.Fatal("the next day is capped")
	}
	if n, _ := s.LLMUsage(bob, "2026-11-22"); n != 0 {
		t.Fatalf("yesterday kept: %d", n)
	}
	// No limit still counts.
	for range 5 {
		if ok, _ := s.TakeLLMUsage(bob, "2026-11-23", 0); !ok {
			t.Fatal("limit 0 refused a call")
		}
	}
	if n, _ := s.LLMUsage(bob, "2026-11-23"); n != 5 {
		t.Fatalf("usage %d, want 5", n)
	}
	if _, err := s.TakeLLMUsage("", "2026-11-23", 3); err == nil {
		t.Fatal("empty subject accepted")
	}
	if _, err := s.TakeLLMUsage(alice, "today", 3); err == nil {
		t.Fatal("malformed day accepted")
	}
}

func TestLLMUsageIsAtomic(t *testing.T) {
	s := openContactStore(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 20 {
		wg.Go(func() {
			ok, err := s.TakeLLMUsage("person:1", "2026-11-22", 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Fatalf("%d calls allowed, want 5", allowed)
	}
}

func TestLLMUsageStoresNoPlatformID(t *testing.T) {
	s := openContactStore(t)
	if _, err := s.TakeLLMUsage(LLMSubject("", "telegram", "987654321"), "2026-11-22", 3); err != nil {
		t.Fatal(err)
	}
	s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLLMUsage).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte("987654321")) {
				t.Errorf("key %q holds the chat id", k)
			}
			return nil
		})
	})
}

func TestEraseLLMUsage(t *testing.T) {
	s := openContactStore(t)
	p, c, other := LLMSubject("7", "", ""), LLMSubject("", "messenger", "55"), LLMSubject("8", "", "")
	for _, sub := range []string{p, c, other} {
		if _, err := s.TakeLLMUsage(sub, "2026-11-22", 0); err != nil {
			t.Fatal(err)
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		return eraseLLMUsage(tx, Subject{PersonID: "7", Chats: []Chat{{Channel: "messenger", ChatID: "55"}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	for sub, want := range map[string]int{p: 0, c: 0, other: 1} {
		if n, _ := s.LLMUsage(sub, "2026-11-22"); n != want {
			t.Errorf("%s: %d calls after erasure, want %d", sub, n, want)
		}
	}
	// A fresh store has no bucket: erasure is a no-op.
	fresh := openContactStore(t)
	if err := fresh.update(func(tx *bolt.Tx) error { return eraseLLMUsage(tx, Subject{PersonID: "7"}) }); err != nil {
		t.Fatal(err)
	}
}
