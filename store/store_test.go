package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenTwiceSaysInUse(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = OpenDir(dir)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: got %v, want ErrInUse", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("second open took %v, want under 2s", waited)
	}
}

func TestOpenRejectsForeignAndDamagedFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(garbage); err == nil {
		t.Error("a file of garbage opened as a store")
	}

	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err })
	db.Close()
	_, err = Open(foreign)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("another program")) {
		t.Errorf("foreign bbolt file: got %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64key(CurrentSchema()+1)) })
	s.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("a file from a newer version opened")
	}
}

func TestMigrateFromVersionOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &Store{db: db, path: path}
	if err := old.migrate(migrations[:1]); err != nil {
		t.Fatal(err)
	}
	seenAt := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSeen).Put([]byte("telegram:1"), u64key(uint64(seenAt.UnixNano())))
	})
	if v, _ := old.SchemaVersion(); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	db.Close()

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(); v != CurrentSchema() {
		t.Fatalf("after migration version %d, want %d", v, CurrentSchema())
	}
	n, err := s.PruneSeen(seenAt.Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("pruning the migrated id: n=%d err=%v", n, err)
	}
	if ok, _ := s.Seen("telegram:1"); ok {
		t.Error("id still recorded after pruning")
	}
}

func TestAcceptInboundDeduplicates(t *testing.T) {
	s := openTest(t)
	now := time.Now()
	seq, dup, err := s.AcceptInbound("telegram:7", []byte(`{"a":1}`), now)
	if err != nil || dup || seq == 0 {
		t.Fatalf("first accept: seq=%d dup=%v err=%v", seq, dup, err)
	}
	_, dup, err = s.AcceptInbound("telegram:7", []byte(`{"a":1}`), now)
	if err != nil || !dup {
		t.Fatalf("second accept: dup=%v err=%v", dup, err)
	}
	pending, _ := s.PendingInbound()
	if len(pending) != 1 {
		t.Fatalf("%d pending, want 1", len(pending))
	}
	reply := []OutboxItem{{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"hi"}`)}}
	if err := s.CompleteInbound(seq, reply, nil); err != nil {
		t.Fatal(err)
	}
	if pending, _ := s.PendingInbound(); len(pending) != 0 {
		t.Errorf("%d pending after completion", len(pending))
	}
	out, _ := s.PendingOutbox()
	if len(out) != 1 || out[0].Seq == 0 || out[0].ChatID != "1" {
		t.Fatalf("outbox %+v", out)
	}
}

func TestPruneSeenKeepsRecentIDs(t *testing.T) {
	s := openTest(t)
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c"} {
		if _, _, err := s.AcceptInbound(id, []byte("{}"), base.Add(time.Duration(i)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.PruneSeen(base.Add(36 * time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (err %v), want 2", n, err)
	}
	for id, want := range map[string]bool{"a": false, "b": false, "c": true} {
		if ok, _ := s.Seen(id); ok != want {
			t.Errorf("seen(%s) = %v, want %v", id, ok, want)
		}
	}
}

func TestOutboxLifecycle(t *testing.T) {
	s := openTest(t)
	items := []OutboxItem{
		{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"one"}`)},
		{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"two"}`)},
		{Channel: "telegram", ChatID: "2", Body: []byte(`{"text":"three"}`)},
	}
	if err := s.EnqueueOutbox(items); err != nil {
		t.Fatal(err)
	}
	if !(items[0].Seq < items[1].Seq && items[1].Seq < items[2].Seq) {
		t.Fatalf("sequence numbers not increasing: %d %d %d", items[0].Seq, items[1].Seq, items[2].Seq)
	}
	items[1].Attempts, items[1].LastError = 2, "throttled"
	if err := s.UpdateOutbox(items[1]); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteOutbox(items[0].Seq); err != nil {
		t.Fatal(err)
	}
	if err := s.FailOutbox(items[2], "blocked"); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.PendingOutbox()
	if len(pending) != 1 || pending[0].Seq != items[1].Seq || pending[0].Attempts != 2 {
		t.Fatalf("pending %+v", pending)
	}
	failed, _ := s.FailedOutbox()
	if len(failed) != 1 || failed[0].LastError != "blocked" {
		t.Fatalf("failed %+v", failed)
	}
	if n, _ := s.OutboxDepth(); n != 1 {
		t.Errorf("depth %d, want 1", n)
	}
}

// TestOutboxStoresBodyAsGiven checks an item comes back as it went in,
// its body byte for byte, and that a body that is not JSON is refused
// before anything is stored.
func TestOutboxStoresBodyAsGiven(t *testing.T) {
	s := openTest(t)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	in := OutboxItem{Channel: "telegram", ChatID: "1", ThreadID: "9", PersonID: "P-1", Purpose: "response", Ref: "C-0001",
		Body: []byte(`{"text":"ບໍ່ <b>ຈ່າຍ</b> & \"ຄ່າແຮງ\"","buttons":[{"text":"ເມນູ","payload":"menu:main"}]}`), CreatedAt: at}
	if err := s.EnqueueOutbox([]OutboxItem{in}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingOutbox()
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %+v, %v", pending, err)
	}
	in.Seq = pending[0].Seq
	if !reflect.DeepEqual(pending[0], in) {
		t.Errorf("stored %+v\n    got %+v", in, pending[0])
	}
	for _, bad := range []string{`{"text":`, ``, `{"text":"x"} trailing`} {
		err := s.EnqueueOutbox([]OutboxItem{{Channel: "telegram", ChatID: "1", Body: []byte(bad)}})
		if err == nil {
			t.Errorf("body %q was stored", bad)
		}
	}
	if n, _ := s.OutboxDepth(); n != 1 {
		t.Errorf("depth %d after refused bodies, want 1", n)
	}
}

func TestPersonsAndIdentities(t *testing.T) {
	s := openTest(t)
	tg := Identity{Channel: "telegram", PlatformID: "42"}
	p := &Person{Lang: "lo", Source: "poster_savannakhet"}
	if err := s.CreatePerson(p, tg); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePerson(&Person{}, tg); err == nil {
		t.Error("the same identity was linked twice")
	}
	fb := Identity{Channel: "messenger", PlatformID: "psid-1"}
	if err := s.LinkIdentity(p.ID, fb); err != nil {
		t.Fatal(err)
	}
	got, err := s.PersonByIdentity(fb)
	if err != nil || got.ID != p.ID || got.Source != "poster_savannakhet" {
		t.Fatalf("by messenger identity: %+v %v", got, err)
	}
	if _, err := s.UpdatePerson(p.ID, func(p *Person) error { p.Profile.Country = "TH"; return nil }); err != nil {
		t.Fatal(err)
	}
	moved := Identity{Channel: "telegram", PlatformID: "-100042"}
	if err := s.MoveIdentity(tg, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PersonByIdentity(tg); !IsNotFound(err) {
		t.Errorf("old identity still found: %v", err)
	}
	got, err = s.PersonByIdentity(moved)
	if err != nil || got.Profile.Country != "TH" {
		t.Fatalf("moved identity: %+v %v", got, err)
	}
	if _, err := s.PersonByIdentity(Identity{Channel: "telegram", PlatformID: "nobody"}); !IsNotFound(err) {
		t.Errorf("unknown identity: %v", err)
	}
}

func TestConversationFlowExpires(t *testing.T) {
	s := openTest(t)
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	c, err := s.Conversation("console", "you", now)
	if err != nil || c.Flow != "" {
		t.Fatalf("new conversation %+v %v", c, err)
	}
	c.Lang, c.Flow, c.Step, c.Expires = "th", "onboard", "consent", now.Add(time.Hour)
	if err := s.SaveConversation(c); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Conversation("console", "you", now.Add(30*time.Minute)); c.Step != "consent" {
		t.Errorf("flow lost before expiry: %+v", c)
	}
	c, _ = s.Conversation("console", "you", now.Add(2*time.Hour))
	if c.Flow != "" || c.Lang != "th" {
		t.Errorf("after expiry want no flow and the language kept, got %+v", c)
	}
}

func TestHotBackupOpensAsStore(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := &Person{Lang: "en"}
	if err := s.CreatePerson(p, Identity{Channel: "console", PlatformID: "a"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := s.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("backup mode %v, want 0600", perm)
	}
	b, err := Open(backup)
	if err != nil {
		t.Fatalf("backup does not open: %v", err)
	}
	defer b.Close()
	if got, err := b.Person(p.ID); err != nil || got.Lang != "en" {
		t.Errorf("person in backup: %+v %v", got, err)
	}
}

func TestBackupThroughControlSocket(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreatePerson(&Person{Lang: "th"}, Identity{Channel: "console", PlatformID: "b"}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := s.ServeBackups(ctx, dir, discardLogger()); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hot.db")
	n, err := BackupDir(dir, out)
	if err != nil || n == 0 {
		t.Fatalf("hot backup: n=%d err=%v", n, err)
	}
	b, err := Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if c, _ := b.CountPersons(); c != 1 {
		t.Errorf("%d persons in the hot backup, want 1", c)
	}
	if _, err := BackupDir(dir, out); err == nil {
		t.Error("backup overwrote an existing file")
	}
}

func TestDataFileIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s mode %v, want %v", path, got, want)
		}
	}
}

func TestFeedbackCounts(t *testing.T) {
	s := openTest(t)
	for _, helpful := range []bool{true, true, false} {
		if err := s.RecordFeedback("unpaid-wages", helpful); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Feedback()
	if err != nil || len(got) != 1 || got[0].Helpful != 2 || got[0].Unhelpful != 1 {
		t.Fatalf("feedback %+v %v", got, err)
	}
}

// TestOutboxSeqIsTheKey: an item's number lives in its key (the value is
// encoded before the transaction gives it one); values written with the
// number in them, as before, still read the same.
func TestOutboxSeqIsTheKey(t *testing.T) {
	s := openTest(t)
	items := []OutboxItem{{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"a"}`)},
		{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"b"}`)}}
	if err := s.EnqueueOutbox(items); err != nil {
		t.Fatal(err)
	}
	if items[0].Seq == 0 || items[1].Seq != items[0].Seq+1 {
		t.Fatalf("seqs %d, %d", items[0].Seq, items[1].Seq)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		if v := b.Get(u64key(items[0].Seq)); bytes.Contains(v, []byte(`"seq"`)) {
			t.Errorf("the value holds the number: %s", v)
		}
		old := `{"seq":77,"channel":"telegram","chat_id":"2","body":{"text":"old"},"created_at":"2026-01-01T00:00:00Z"}`
		return b.Put(u64key(77), []byte(old))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingOutbox()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != items[0].Seq || got[1].Seq != items[1].Seq || got[2].Seq != 77 || got[2].ChatID != "2" {
		t.Fatalf("%+v", got)
	}
}
