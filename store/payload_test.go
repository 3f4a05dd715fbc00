package store

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openPayloadStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPayloadRoundTrip(t *testing.T) {
	s := openPayloadStore(t)
	now := time.Date(2025, 12, 18, 9, 0, 0, 0, time.UTC)

	// Before any payload is stored the bucket does not exist: lookups say
	// "unknown", they do not fail.
	if _, found, err := s.LookupPayload("AbCdEfGhIj"); err != nil || found {
		t.Fatalf("lookup in empty store = found %v, err %v", found, err)
	}

	long := "course:enrol:" + strings.Repeat("ການຝຶກອົບຮົມ-", 10)
	tok, err := s.PutPayload(long, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 10 || !validToken(tok) {
		t.Fatalf("token %q is not 10 url-safe characters", tok)
	}
	again, err := s.PutPayload(long, now.Add(time.Hour))
	if err != nil || again != tok {
		t.Fatalf("same payload got token %q (err %v), want %q", again, err, tok)
	}
	other, err := s.PutPayload(long+"x", now)
	if err != nil || other == tok {
		t.Fatalf("another payload got token %q (err %v)", other, err)
	}
	got, found, err := s.LookupPayload(tok)
	if err != nil || !found || got != long {
		t.Fatalf("lookup = %q, %v, %v", got, found, err)
	}

	for _, bad := range []string{"", "short", "has space!", strings.Repeat("a", 44), "t:AbCdEfGhIj"} {
		if _, found, err := s.LookupPayload(bad); err != nil || found {
			t.Errorf("lookup %q = found %v, err %v", bad, found, err)
		}
	}
	if _, err := s.PutPayload("", now); err == nil {
		t.Error("empty payload was accepted")
	}
	if _, err := s.PutPayload(strings.Repeat("x", MaxPayloadBytes+1), now); err == nil {
		t.Error("oversized payload was accepted")
	}
}

func TestPayloadTokenCollision(t *testing.T) {
	s := openPayloadStore(t)
	now := time.Now()
	tok, err := s.PutPayload("first payload", now)
	if err != nil {
		t.Fatal(err)
	}
	// Forge a collision: another payload takes the short token.
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPayloads).Put([]byte(tok), append(u64key(uint64(now.UnixNano())), "squatter"...))
	})
	if err != nil {
		t.Fatal(err)
	}
	longer, err := s.PutPayload("first payload", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(longer) != 16 || !strings.HasPrefix(longer, tok) {
		t.Fatalf("after a collision got token %q, want a 16-char token extending %q", longer, tok)
	}
	if p, _, _ := s.LookupPayload(tok); p != "squatter" {
		t.Fatalf("the colliding entry changed to %q", p)
	}
	if p, _, _ := s.LookupPayload(longer); p != "first payload" {
		t.Fatalf("lookup of the longer token = %q", p)
	}
}

func TestPayloadConcurrentAndPrune(t *testing.T) {
	s := openPayloadStore(t)
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := s.PutPayload(strings.Repeat("p", 70+i), start)
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, tok := range tokens {
		if seen[tok] {
			t.Fatalf("token %q issued twice", tok)
		}
		seen[tok] = true
		if p, found, err := s.LookupPayload(tok); err != nil || !found || len(p) != 70+i {
			t.Fatalf("lookup %d = %d bytes, %v, %v", i, len(p), found, err)
		}
	}

	// Re-issuing a payload a day later refreshes it, so pruning spares it.
	later := start.Add(48 * time.Hour)
	if _, err := s.PutPayload(strings.Repeat("p", 70), later); err != nil {
		t.Fatal(err)
	}
	n, err := s.PrunePayloads(later.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 49 {
		t.Fatalf("pruned %d payloads, want 49", n)
	}
	if _, found, _ := s.LookupPayload(tokens[0]); !found {
		t.Fatal("the refreshed payload was pruned")
	}
	if _, found, _ := s.LookupPayload(tokens[1]); found {
		t.Fatal("a stale payload survived pruning")
	}
}
