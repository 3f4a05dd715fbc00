package store

import (
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openContactStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContactNeverWrote(t *testing.T) {
	s := openContactStore(t)
	got, err := s.LastContact("messenger", "123")
	if err != nil {
		t.Fatalf("LastContact on a fresh store: %v", err)
	}
	if !got.IsZero() {
		t.Fatalf("LastContact = %v, want the zero time", got)
	}
	if err := s.DeleteContact("messenger", "123"); err != nil {
		t.Fatalf("DeleteContact on a fresh store: %v", err)
	}
}

func TestContactKeepsTheLatest(t *testing.T) {
	s := openContactStore(t)
	t0 := time.Date(2025, 12, 18, 9, 0, 0, 123456789, time.UTC)
	for _, at := range []time.Time{t0, t0.Add(-time.Hour), t0.Add(-48 * time.Hour)} {
		if err := s.RecordContact("messenger", "123", at); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.LastContact("messenger", "123")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(t0) {
		t.Fatalf("LastContact = %v, want %v (an older time must not replace a newer one)", got, t0)
	}
	later := t0.Add(30 * time.Minute)
	if err := s.RecordContact("messenger", "123", later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LastContact("messenger", "123"); !got.Equal(later) {
		t.Fatalf("LastContact = %v, want %v", got, later)
	}
}

func TestContactIsPerChannelAndChat(t *testing.T) {
	s := openContactStore(t)
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.RecordContact("messenger", "1", t0); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][2]string{{"telegram", "1"}, {"messenger", "2"}, {"messenger", "1\x00x"}} {
		got, err := s.LastContact(k[0], k[1])
		if err != nil {
			t.Fatal(err)
		}
		if !got.IsZero() {
			t.Errorf("LastContact(%q, %q) = %v, want the zero time", k[0], k[1], got)
		}
	}
}

func TestContactDelete(t *testing.T) {
	s := openContactStore(t)
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.RecordContact("messenger", "1", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContact("messenger", "1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LastContact("messenger", "1"); !got.IsZero() {
		t.Fatalf("after DeleteContact, LastContact = %v", got)
	}
}

func TestContactRejectsBadInput(t *testing.T) {
	s := openContactStore(t)
	for _, c := range []struct {
		channel, chat string
		at            time.Time
	}{
		{"", "1", time.Now()},
		{"messenger", "", time.Now()},
		{"messenger", "1", time.Time{}},
	} {
		if err := s.RecordContact(c.channel, c.chat, c.at); err == nil {
			t.Errorf("RecordContact(%q, %q, %v) succeeded", c.channel, c.chat, c.at)
		}
	}
}

func TestContactSurvivesReopenAndConcurrentWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() { errs <- s.RecordContact("messenger", "42", t0.Add(time.Duration(i)*time.Second)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LastContact("messenger", "42")
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(49 * time.Second); !got.Equal(want) {
		t.Fatalf("LastContact = %v, want %v", got, want)
	}
}
