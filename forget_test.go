package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/handlers"
	"phuan/store"
)

// recordingChannel keeps every delivery, for tests of the whole app.
type recordingChannel struct {
	mu   sync.Mutex
	sent []bot.Delivery
}

func (r *recordingChannel) Name() string { return "console" }

func (r *recordingChannel) Send(_ context.Context, d bot.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, d)
	return nil
}

func (r *recordingChannel) texts() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, d := range r.sent {
		b.WriteString(d.Reply.Text)
		b.WriteString("\n")
	}
	return b.String()
}

// TestForgetLeavesNoMarkerInTheDataFolder writes a unique marker through
// every kind of record a person can create (deep-link source, case words,
// enrolment name and phone, conversation state, inbox, outbox), erases
// the person with /forget, and searches the raw bytes of the data folder.
func TestForgetLeavesNoMarkerInTheDataFolder(t *testing.T) {
	const marker = "ZqvMARKERxw"
	dir := t.TempDir()
	cfg, err := loadConfig(env(map[string]string{"PHUAN_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), handlers.Room{Channel: "console", ChatID: "moderators"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingChannel{}
	a.sender.AddChannel(rec, bot.Limits{})
	start := time.Now()
	course := &store.Course{ID: "tailoring", Title: store.Texts{"lo": "ຕັດຫຍິບ", "en": "Tailoring"}, Provider: "VFI",
		Format: "in_person", Start: store.DateOf(start, time.UTC).AddDays(30), Seats: 10, NeedsName: true, NeedsPhone: true}
	if err := a.store.PutCourse(course, start); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.start(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	send := func(text, payload string) {
		t.Helper()
		n++
		m := bot.Message{ID: "m" + strconv.Itoa(n), Channel: "console", ChatID: "noy", UserID: "noy",
			UserName: "Noy " + marker, ChatType: bot.ChatPrivate, Text: text, Payload: payload}
		if _, err := a.engine.Submit(m); err != nil {
			t.Fatal(err)
		}
		sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
		defer scancel()
		if err := a.settle(sctx); err != nil {
			t.Fatal(err)
		}
	}
	send("/start src_"+marker, "")
	send("", "lang:en")
	send("", handlers.StepPayload("onboard", "consent", "yes"))
	send("", handlers.StepPayload("onboard", "country", "LA"))
	send("", "case:new")
	send("", handlers.StepPayload("case", "what", "unpaid_wages"))
	send("", handlers.StepPayload("case", "where", "TH"))
	send("", handlers.StepPayload("case", "danger", "no"))
	send("my boss owes me money "+marker, "")
	send("", handlers.StepPayload("case", "share", "yes"))
	send("", "course:enrol:tailoring")
	send("", handlers.StepPayload("enrol", "consent", "yes"))
	send("Noy "+marker, "")
	send("020 5555 1234", "")
	send("", "subs")

	if !strings.Contains(rec.texts(), "C-0001") {
		t.Fatalf("no case was opened:\n%s", rec.texts())
	}
	if e, err := a.store.PersonEnrolments(mustPerson(t, a).ID); err != nil || len(e) != 1 || !strings.Contains(e[0].Name, marker) {
		t.Fatalf("no enrolment with the marker: %+v %v", e, err)
	}
	if found := grepFolder(t, dir, marker); len(found) == 0 {
		t.Fatal("the marker never reached the data folder: the test proves nothing")
	}

	send("/forget", "")
	send("", handlers.StepPayload("forget", "confirm", "yes"))
	if !strings.Contains(rec.texts(), a.catalog.T("en", "forgotten")) {
		t.Fatalf("no confirmation:\n%s", rec.texts())
	}
	if found := grepFolder(t, dir, marker); len(found) > 0 {
		t.Fatalf("the marker is still readable in %v", found)
	}
	a.stop()
}

func mustPerson(t *testing.T, a *app) *store.Person {
	t.Helper()
	p, err := a.store.PersonByIdentity(store.Identity{Channel: "console", PlatformID: "noy"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// grepFolder lists the files under dir whose raw bytes contain marker.
func grepFolder(t *testing.T, dir, marker string) []string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err == nil && bytes.Contains(raw, []byte(marker)) {
			found = append(found, path)
		}
		return nil
	})
	return found
}
