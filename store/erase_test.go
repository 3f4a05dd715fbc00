package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// scanFolder reports whether marker appears in the raw bytes of any file in dir.
func scanFolder(t *testing.T, dir string, marker []byte) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&os.ModeSocket != 0 {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, marker) {
			found = append(found, path)
		}
		return nil
	})
	return found
}

func TestEraseLeavesNoTraceInTheDataFolder(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const marker = "MARKERq7Zx9"
	now := time.Now()
	me := Identity{Channel: "telegram", PlatformID: "4242"}
	other := Identity{Channel: "telegram", PlatformID: "777"}
	p := &Person{Lang: "lo", Source: marker}
	if err := s.CreatePerson(p, me); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePerson(&Person{Lang: "th", Source: "keep_me"}, other); err != nil {
		t.Fatal(err)
	}
	s.SaveConversation(&Conversation{Channel: "telegram", ChatID: "4242", Answers: map[string]string{"words": marker}})
	s.EnqueueOutbox([]OutboxItem{
		{Channel: "telegram", ChatID: "4242", Body: []byte(`{"text":"` + marker + `"}`)},
		{Channel: "telegram", ChatID: "4242", Body: []byte(`{"text":"failed ` + marker + `"}`)},
		{Channel: "telegram", ChatID: "777", Body: []byte(`{"text":"for someone else"}`)},
	})
	items, _ := s.PendingOutbox()
	if err := s.FailOutbox(items[1], "blocked"); err != nil {
		t.Fatal(err)
	}
	s.RecordContact("telegram", "4242", now)
	// Churn: a handled message whose text was deleted the normal way lingers in freed pages.
	seq, _, _ := s.AcceptInbound("telegram:1", []byte(`{"text":"`+marker+` handled"}`), now)
	s.CompleteInbound(seq, nil, nil)
	if len(scanFolder(t, dir, []byte(marker))) == 0 {
		t.Fatal("the marker was never written: the test proves nothing")
	}

	sub, err := s.SubjectOf(p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(sub); err != nil {
		t.Fatal(err)
	}
	if found := scanFolder(t, dir, []byte(marker)); len(found) > 0 {
		t.Fatalf("marker still readable in %v after erasure", found)
	}
	if _, err := s.PersonByIdentity(me); !IsNotFound(err) {
		t.Errorf("person still found: %v", err)
	}
	// Everyone else is intact and the store keeps working after the swap.
	if q, err := s.PersonByIdentity(other); err != nil || q.Source != "keep_me" {
		t.Fatalf("other person after erasure: %+v %v", q, err)
	}
	if out, _ := s.PendingOutbox(); len(out) != 1 || out[0].ChatID != "777" {
		t.Fatalf("outbox after erasure %+v", out)
	}
	if err := s.CreatePerson(&Person{Lang: "en"}, Identity{Channel: "console", PlatformID: "new"}); err != nil {
		t.Fatal("store unusable after compaction:", err)
	}
}

func TestCompactWhileBusy(t *testing.T) {
	s := openTest(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			if _, _, err := s.AcceptInbound("x"+string(rune('a'+i%26))+string(rune(i)), []byte("{}"), time.Now()); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 3 {
		if err := s.Compact(); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if pending, _ := s.PendingInbound(); len(pending) != 200 {
		t.Fatalf("%d of 200 writes survived compaction", len(pending))
	}
}
