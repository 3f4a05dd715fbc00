package store

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openCaseStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var caseT0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestCaseIDs(t *testing.T) {
	if got := CaseID(42); got != "C-0042" {
		t.Errorf("CaseID(42) = %s", got)
	}
	if got := CaseID(12345); got != "C-12345" {
		t.Errorf("CaseID(12345) = %s", got)
	}
	for in, want := range map[string]uint64{"C-0042": 42, "c42": 42, "42": 42, " C-7 ": 7, "c-12345": 12345} {
		if got, ok := ParseCaseID(in); !ok || got != want {
			t.Errorf("ParseCaseID(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "C-", "C-0", "X-1", "C-1a", "-1", "C--1", "1234567890123"} {
		if _, ok := ParseCaseID(in); ok {
			t.Errorf("ParseCaseID(%q) accepted", in)
		}
	}
}

func TestOpenCaseNumbersAliasesAndLookups(t *testing.T) {
	s := openCaseStore(t)
	if _, err := s.LatestCase("telegram", "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LatestCase on a fresh store: %v", err)
	}
	if _, err := s.CaseByThread("77"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CaseByThread on a fresh store: %v", err)
	}
	if cs, err := s.Cases(CaseFilter{}); err != nil || len(cs) != 0 {
		t.Fatalf("Cases on a fresh store: %v %v", cs, err)
	}
	a := &Case{Channel: "telegram", ChatID: "1", Category: "unpaid_wages", OpenedAt: caseT0, ThreadID: "77"}
	if err := s.OpenCase(a); err != nil {
		t.Fatal(err)
	}
	if a.ID != "C-0001" || a.Seq != 1 || a.Status != CaseOpen || len(a.Alias) != 3 {
		t.Fatalf("opened %+v", a)
	}
	if err := s.OpenCase(&Case{Channel: "telegram", ChatID: "1", OpenedAt: caseT0}); !errors.Is(err, ErrCaseOpen) {
		t.Fatalf("a second open case for one chat: %v", err)
	}
	b := &Case{Channel: "messenger", ChatID: "1", OpenedAt: caseT0}
	if err := s.OpenCase(b); err != nil {
		t.Fatal(err)
	}
	if b.ID != "C-0002" || b.Alias == a.Alias {
		t.Fatalf("second case %s alias %s (first %s)", b.ID, b.Alias, a.Alias)
	}
	got, err := s.Case("c2")
	if err != nil || got.ChatID != "1" || got.Channel != "messenger" {
		t.Fatalf("Case(c2) = %+v, %v", got, err)
	}
	if got, err := s.CaseByThread("77"); err != nil || got.ID != "C-0001" {
		t.Fatalf("CaseByThread = %+v, %v", got, err)
	}
	if got, err := s.OpenCaseOf("telegram", "1"); err != nil || got.ID != "C-0001" {
		t.Fatalf("OpenCaseOf = %+v, %v", got, err)
	}
	// Closing frees the chat for a new case with the same alias.
	if _, err := s.UpdateCase(a.ID, func(c *Case) error {
		c.Status, c.ClosedAt = CaseClosed, caseT0.Add(time.Hour)
		c.ThreadID = "78"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenCaseOf("telegram", "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OpenCaseOf a closed case: %v", err)
	}
	if _, err := s.CaseByThread("77"); !errors.Is(err, ErrNotFound) {
		t.Fatal("the old thread still points at the case")
	}
	if got, err := s.CaseByThread("78"); err != nil || got.ID != a.ID {
		t.Fatalf("new thread: %+v %v", got, err)
	}
	c := &Case{Channel: "telegram", ChatID: "1", OpenedAt: caseT0.Add(2 * time.Hour)}
	if err := s.OpenCase(c); err != nil {
		t.Fatal(err)
	}
	if c.ID != "C-0003" || c.Alias != a.Alias {
		t.Fatalf("third case %s alias %s, want the chat's alias %s", c.ID, c.Alias, a.Alias)
	}
	if got, err := s.LatestCase("telegram", "1"); err != nil || got.ID != "C-0003" {
		t.Fatalf("LatestCase = %+v, %v", got, err)
	}
	if _, err := s.Case("C-0099"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing case: %v", err)
	}
	if _, err := s.UpdateCase("nonsense", func(*Case) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update with a bad id: %v", err)
	}
}

func TestUpdateCaseErrorLeavesItAsItWas(t *testing.T) {
	s := openCaseStore(t)
	c := &Case{Channel: "console", ChatID: "u1", OpenedAt: caseT0}
	if err := s.OpenCase(c); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	_, err := s.UpdateCase(c.ID, func(c *Case) error {
		c.Urgent = true
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := s.Case(c.ID); got.Urgent {
		t.Fatal("a failed change was written")
	}
}

func TestCaseFiltersAndStats(t *testing.T) {
	s := openCaseStore(t)
	open := func(chat, category string, urgent bool) *Case {
		c := &Case{Channel: "console", ChatID: chat, Category: category, Urgent: urgent, OpenedAt: caseT0}
		if err := s.OpenCase(c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := open("a", "unpaid_wages", false)
	b := open("b", "violence", true)
	c := open("c", "unpaid_wages", false)
	d := open("d", "health", true)
	update := func(id string, f func(*Case)) {
		if _, err := s.UpdateCase(id, func(c *Case) error { f(c); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	update(a.ID, func(c *Case) {
		c.ClaimedBy, c.FirstAnswerAt = "mod:ana", caseT0.Add(10*time.Minute)
		c.Status, c.ClosedAt, c.Outcome = CaseClosed, caseT0.Add(48*time.Hour), "resolved"
	})
	update(b.ID, func(c *Case) { c.ClaimedBy, c.FirstAnswerAt = "mod:ana", caseT0.Add(30*time.Minute) })
	update(c.ID, func(c *Case) { c.FirstAnswerAt = caseT0.Add(2 * time.Hour) })
	update(d.ID, func(c *Case) { c.Status, c.ClosedAt = CaseClosed, caseT0.Add(-30*24*time.Hour) })

	count := func(f CaseFilter) int {
		cs, err := s.Cases(f)
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	if n := count(CaseFilter{Status: CaseOpen}); n != 2 {
		t.Errorf("open: %d", n)
	}
	if n := count(CaseFilter{Status: CaseOpen, UrgentOnly: true}); n != 1 {
		t.Errorf("open urgent: %d", n)
	}
	if n := count(CaseFilter{ClaimedBy: "mod:ana"}); n != 2 {
		t.Errorf("claimed by ana: %d", n)
	}
	st, err := s.CaseStats(caseT0.Add(24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 4 || st.Open != 2 || st.Urgent != 1 || st.Unclaimed != 1 || st.ClosedSince != 1 || st.Answered != 3 {
		t.Errorf("stats %+v", st)
	}
	if st.MedianFirstAnswer != 30*time.Minute {
		t.Errorf("median %v", st.MedianFirstAnswer)
	}
	if st.ByCategory["unpaid_wages"] != 2 || st.ByCategory["violence"] != 1 || st.ByCategory["health"] != 1 {
		t.Errorf("by category %v", st.ByCategory)
	}
}

func TestWaiting(t *testing.T) {
	c := Case{Status: CaseOpen, LastPersonAt: caseT0}
	if at, ok := c.Waiting(); !ok || !at.Equal(caseT0) {
		t.Fatalf("no helper answer yet: %v %v", at, ok)
	}
	c.LastHelperAt = caseT0.Add(time.Minute)
	if _, ok := c.Waiting(); ok {
		t.Fatal("waiting after a helper answered")
	}
	c.LastPersonAt = caseT0.Add(2 * time.Minute)
	if _, ok := c.Waiting(); !ok {
		t.Fatal("not waiting after the person wrote again")
	}
	c.Status = CaseClosed
	if _, ok := c.Waiting(); ok {
		t.Fatal("a closed case is waiting")
	}
}

func TestEraseChatCasesLeavesOnlyCounts(t *testing.T) {
	s := openCaseStore(t)
	marker := "MARKER-7f3a9c"
	first := &Case{Channel: "telegram", ChatID: "555", PersonID: "p9", Category: "passport_taken", Country: "TH",
		ShareName: true, SharedName: marker, OpenedAt: caseT0, ThreadID: "90"}
	if err := s.OpenCase(first); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCase(first.ID, func(c *Case) error {
		c.Transcript = append(c.Transcript, CaseEntry{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: marker,
			Media: []CaseMedia{{Kind: "photo", Ref: marker}}})
		c.Log(caseT0, "mod:ana", "note", marker)
		c.FirstAnswerAt = caseT0.Add(time.Hour)
		c.Status, c.ClosedAt, c.Outcome = CaseClosed, caseT0.Add(2*time.Hour), "resolved"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	second := &Case{Channel: "telegram", ChatID: "555", Category: "violence", OpenedAt: caseT0.Add(3 * time.Hour)}
	if err := s.OpenCase(second); err != nil {
		t.Fatal(err)
	}
	other := &Case{Channel: "telegram", ChatID: "556", Category: "health", OpenedAt: caseT0}
	if err := s.OpenCase(other); err != nil {
		t.Fatal(err)
	}
	now := caseT0.Add(4 * time.Hour)
	ids, err := s.EraseChatCases("telegram", "555", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != first.ID || ids[1] != second.ID {
		t.Fatalf("erased %v", ids)
	}
	if _, err := s.LatestCase("telegram", "555"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the chat still has cases: %v", err)
	}
	if _, err := s.CaseByThread("90"); !errors.Is(err, ErrNotFound) {
		t.Fatal("the thread still points at an erased case")
	}
	if _, err := s.UpdateCase(first.ID, func(*Case) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an erased case can be updated: %v", err)
	}
	if cs, _ := s.Cases(CaseFilter{}); len(cs) != 1 || cs[0].ID != other.ID {
		t.Fatalf("listing shows erased cases: %v", cs)
	}
	all, _ := s.Cases(CaseFilter{WithErased: true})
	if len(all) != 3 {
		t.Fatalf("%d cases with erased ones", len(all))
	}
	a := all[0]
	want := Case{ID: first.ID, Seq: 1, Category: "passport_taken", Country: "TH", Status: CaseClosed, OpenedAt: caseT0,
		FirstAnswerAt: caseT0.Add(time.Hour), ClosedAt: caseT0.Add(2 * time.Hour), Outcome: "resolved", Erased: true}
	if a.ChatID != "" || a.PersonID != "" || a.Alias != "" || a.SharedName != "" || a.ThreadID != "" ||
		len(a.Timeline) != 0 || len(a.Transcript) != 0 || a.Outcome != want.Outcome || !a.ClosedAt.Equal(want.ClosedAt) ||
		a.Category != want.Category || a.Country != want.Country || !a.Erased {
		t.Fatalf("erased case %+v", a)
	}
	if b := all[1]; b.Outcome != "erased" || !b.ClosedAt.Equal(now) || b.Status != CaseClosed {
		t.Fatalf("an open case erased: %+v", b)
	}
	st, _ := s.CaseStats(caseT0)
	if st.Total != 3 || st.Open != 1 || st.ByCategory["violence"] != 1 {
		t.Fatalf("stats after erasing %+v", st)
	}
	// No live record still carries the marker (freed pages are the
	// privacy work's compaction to wipe).
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(marker)) || bytes.Contains(v, []byte(marker)) {
					t.Errorf("bucket %s still holds the marker", name)
				}
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A new case of that chat gets a fresh alias and works as usual.
	again := &Case{Channel: "telegram", ChatID: "555", OpenedAt: now}
	if err := s.OpenCase(again); err != nil || again.ID != "C-0004" {
		t.Fatalf("new case after erasing: %+v %v", again, err)
	}
	if n, _ := s.EraseChatCases("telegram", "nobody", now); len(n) != 0 {
		t.Fatal("erased cases of a chat without any")
	}
}

// longCase opens a case of chat "1" whose transcript has n entries.
func longCase(tb testing.TB, s *Store, n int) *Case {
	tb.Helper()
	c := &Case{Channel: "telegram", ChatID: "1", Country: "TH", Category: "wages", OpenedAt: caseT0}
	if err := s.OpenCase(c); err != nil {
		tb.Fatal(err)
	}
	c, err := s.UpdateCase(c.ID, func(x *Case) error {
		for i := range n {
			x.Transcript = append(x.Transcript, CaseEntry{At: caseT0.Add(time.Duration(i) * time.Minute),
				Actor: ActorPerson, Action: FromPerson, Text: "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນສາມເດືອນແລ້ວ"})
		}
		x.Log(caseT0, ActorSystem, "urgent", "crisis")
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestCurrentCaseLeavesOutTimelineAndTranscript(t *testing.T) {
	s := openCaseStore(t)
	if _, err := s.CurrentCase("telegram", "1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("CurrentCase on a fresh store: %v", err)
	}
	want := longCase(t, s, 3)
	got, err := s.CurrentCase("telegram", "1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Transcript) != 0 || len(got.Timeline) != 0 {
		t.Errorf("CurrentCase kept %d transcript and %d timeline entries", len(got.Transcript), len(got.Timeline))
	}
	want.Transcript, want.Timeline = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CurrentCase = %+v\nwant %+v", got, want)
	}
	full, err := s.LatestCase("telegram", "1")
	if err != nil || len(full.Transcript) != 3 || len(full.Timeline) == 0 {
		t.Fatalf("LatestCase lost entries: %+v, %v", full, err)
	}
}

// BenchmarkCurrentCase reads the case of a person who has written 300
// times to the helpers, as every message of theirs does.
func BenchmarkCurrentCase(b *testing.B) {
	for _, read := range []struct {
		name string
		fn   func(*Store, string, string) (*Case, error)
	}{{"current", (*Store).CurrentCase}, {"latest", (*Store).LatestCase}} {
		b.Run(read.name, func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), FileName))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			longCase(b, s, 300)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := read.fn(s, "telegram", "1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAppendToLongCase adds one message to a case that already has
// n, as every message between a person and the helpers does.
func BenchmarkAppendToLongCase(b *testing.B) {
	for _, n := range []int{10, 300, 3000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), FileName))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			c := longCase(b, s, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.UpdateCase(c.ID, func(x *Case) error {
					x.Transcript = append(x.Transcript, CaseEntry{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "ຍັງບໍ່ໄດ້"})
					x.LastPersonAt = caseT0
					return nil
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCaseEntriesAreStoredApart: adding to a long case neither reads nor
// rewrites what it already holds, and reading the case gives every entry
// in order.
func TestCaseEntriesAreStoredApart(t *testing.T) {
	s := openCaseStore(t)
	c := &Case{Channel: "telegram", ChatID: "1", OpenedAt: caseT0}
	c.Log(caseT0, ActorPerson, "opened", "")
	c.Transcript = []CaseEntry{{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "m0"}}
	if err := s.OpenCase(c); err != nil {
		t.Fatal(err)
	}
	headSize := func() int {
		var n int
		s.db.View(func(tx *bolt.Tx) error {
			n = len(tx.Bucket(bucketCases).Get(u64key(c.Seq)))
			return nil
		})
		return n
	}
	size := headSize()
	for i := 1; i <= 50; i++ {
		got, err := s.UpdateCase(c.ID, func(x *Case) error {
			if len(x.Transcript) != 0 || len(x.Timeline) != 0 {
				t.Fatalf("change %d sees %d old messages and %d events", i, len(x.Transcript), len(x.Timeline))
			}
			x.Transcript = append(x.Transcript, CaseEntry{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "m" + strconv.Itoa(i)})
			if i%10 == 0 {
				x.Log(caseT0, "Ana", "note", "n"+strconv.Itoa(i))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Transcript) != 1 || got.Transcript[0].Text != "m"+strconv.Itoa(i) {
			t.Fatalf("update %d returned %+v", i, got.Transcript)
		}
	}
	if headSize() != size {
		t.Errorf("the case record grew from %d to %d bytes with its messages", size, headSize())
	}
	full, err := s.Case(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Transcript) != 51 || len(full.Timeline) != 6 {
		t.Fatalf("%d messages and %d events, want 51 and 6", len(full.Transcript), len(full.Timeline))
	}
	for i, e := range full.Transcript {
		if e.Text != "m"+strconv.Itoa(i) {
			t.Fatalf("message %d is %q", i, e.Text)
		}
	}
	if full.Timeline[0].Action != "opened" || full.Timeline[5].Text != "n50" {
		t.Errorf("timeline %+v", full.Timeline)
	}
	// Another case's entries stay its own.
	other := &Case{Channel: "telegram", ChatID: "2", OpenedAt: caseT0,
		Transcript: []CaseEntry{{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "other"}}}
	if err := s.OpenCase(other); err != nil {
		t.Fatal(err)
	}
	if o, _ := s.Case(other.ID); len(o.Transcript) != 1 || len(o.Timeline) != 0 {
		t.Errorf("the other case: %+v", o)
	}
	if all, _ := s.ChatCases("telegram", "1"); len(all) != 1 || len(all[0].Transcript) != 51 {
		t.Errorf("ChatCases lost entries")
	}
}

// TestMigrateCaseEntriesApart: cases written with their timeline and
// transcript inside (schema 2) read the same after the move.
func TestMigrateCaseEntriesApart(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, path: path}
	if err := old.migrate(migrations[:2]); err != nil {
		t.Fatal(err)
	}
	inline := Case{ID: CaseID(7), Seq: 7, Channel: "telegram", ChatID: "9", Alias: "K7Q", Status: CaseOpen, OpenedAt: caseT0,
		Timeline:   []CaseEntry{{At: caseT0, Actor: ActorPerson, Action: "opened"}, {At: caseT0, Actor: "Ana", Action: "note", Text: "call back"}},
		Transcript: []CaseEntry{{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "ຊ່ວຍແດ່"}, {At: caseT0, Actor: "Ana", Action: FromHelper, Text: "ok"}}}
	bare := Case{ID: CaseID(8), Seq: 8, Channel: "telegram", ChatID: "10", Status: CaseClosed, OpenedAt: caseT0}
	err = db.Update(func(tx *bolt.Tx) error {
		cases, _ := tx.CreateBucketIfNotExists(bucketCases)
		chats, _ := tx.CreateBucketIfNotExists(bucketCaseChats)
		for _, c := range []Case{inline, bare} {
			if err := putJSON(cases, u64key(c.Seq), c); err != nil {
				return err
			}
			if err := putJSON(chats, caseChatKey(c.Channel, c.ChatID), caseChat{Alias: c.Alias, Seqs: []uint64{c.Seq}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Case(inline.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, inline) {
		t.Errorf("after the move\n%+v\nwant\n%+v", *got, inline)
	}
	if head, _ := s.CurrentCase("telegram", "9"); head == nil || len(head.Transcript) != 0 || head.Alias != "K7Q" {
		t.Errorf("head after the move: %+v", head)
	}
	if b, _ := s.Case(bare.ID); b == nil || len(b.Timeline)+len(b.Transcript) != 0 || b.Status != CaseClosed {
		t.Errorf("a case without entries: %+v", b)
	}
	s.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(bucketCases).Get(u64key(7)); bytes.Contains(raw, []byte("transcript")) || bytes.Contains(raw, []byte("call back")) {
			t.Errorf("the case record still holds its entries: %s", raw)
		}
		return nil
	})
	if _, err := s.UpdateCase(inline.ID, func(x *Case) error {
		x.Transcript = append(x.Transcript, CaseEntry{At: caseT0, Actor: ActorPerson, Action: FromPerson, Text: "after"})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Case(inline.ID); len(c.Transcript) != 3 || c.Transcript[2].Text != "after" {
		t.Errorf("a message after the move: %+v", c.Transcript)
	}
}
