package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
)

func textUpdate(updateID, chatID int64, text string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"A","language_code":"lo"},"chat":{"id":%d,"type":"private"},"date":1734480000,"text":%q}}`,
		updateID, updateID, chatID, chatID, text))
}

// runPoll polls until the test ends.
func runPoll(t *testing.T, c *Channel, sub Submitter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Poll(ctx, sub) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// TestPollConfirmsOnlyAfterSubmit: a Submit that fails keeps its update
// unconfirmed, so the next getUpdates brings it again; per-chat order holds.
func TestPollConfirmsOnlyAfterSubmit(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	f.push(textUpdate(100, 1, "a1"), textUpdate(101, 2, "b1"), textUpdate(102, 1, "a2"),
		json.RawMessage(`{"update_id":103,"message":"not an object"}`), textUpdate(104, 2, "b2"))
	rec := newRecorder()
	var mu sync.Mutex
	var confirmedAtFailure []int64
	failures := 0
	rec.fail = func(m bot.Message, _ int) error {
		mu.Lock()
		defer mu.Unlock()
		if m.ID == "100" && failures < 2 {
			failures++
			confirmedAtFailure = append(confirmedAtFailure, f.confirmedOffset())
			return errors.New("store: busy")
		}
		return nil
	}
	runPoll(t, c, rec)
	waitFor(t, "all updates confirmed", 10*time.Second, f.changed, func() bool { return f.confirmedOffset() == 105 })

	mu.Lock()
	defer mu.Unlock()
	if failures != 2 {
		t.Fatalf("update 100 failed %d times, want 2", failures)
	}
	for _, off := range confirmedAtFailure {
		if off > 100 {
			t.Fatalf("offset %d confirmed update 100 before it was stored", off)
		}
	}
	var texts []string
	for _, m := range rec.messages() {
		texts = append(texts, m.ChatID+":"+m.Text)
	}
	// Chat 1's second message waits for its first; chat 2 goes ahead.
	want := map[string][]string{"1": {"a1", "a2"}, "2": {"b1", "b2"}}
	got := map[string][]string{}
	for _, m := range rec.messages() {
		got[m.ChatID] = append(got[m.ChatID], m.Text)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("per-chat order %v, want %v (all: %v)", got, want, texts)
	}
	if n := c.metrics.Value("phuan_telegram_updates_redelivered_total"); n == 0 {
		t.Error("no re-delivery was seen; update 101 should have come again")
	}
	if n := c.metrics.Value("phuan_updates_ignored_total", "channel", "telegram", "kind", "malformed"); n == 0 {
		t.Error("the malformed update was not counted")
	}
}

// TestPollWithEngine uses the real engine and store: the update whose
// Submit failed comes again, and the updates stored in the same batch,
// fetched again with it, are dropped as duplicates by update_id.
func TestPollWithEngine(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	metrics := bot.NewMetrics()
	var mu sync.Mutex
	handled := map[string]int{}
	handler := bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Envelope, error) {
		mu.Lock()
		defer mu.Unlock()
		handled[m.ID]++
		return nil, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	engine := bot.NewEngine(bot.EngineConfig{Store: s, Handler: handler, Metrics: metrics})
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer engine.Stop(context.Background())

	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	for i := range 20 {
		f.push(textUpdate(int64(200+i), int64(i%4), fmt.Sprintf("m%d", i)))
	}
	var failed sync.Once
	sub := submitFunc(func(m bot.Message) (bool, error) {
		if m.ID == "210" {
			err := errors.New("store: injected failure")
			fail := false
			failed.Do(func() { fail = true })
			if fail {
				return false, err
			}
		}
		return engine.Submit(m)
	})
	runPoll(t, c, sub)
	waitFor(t, "all updates confirmed", 10*time.Second, f.changed, func() bool { return f.confirmedOffset() == 220 })
	if err := engine.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range 20 {
		if n := handled[fmt.Sprint(200+i)]; n != 1 {
			t.Errorf("update %d handled %d times, want 1", 200+i, n)
		}
	}
	if metrics.Value("phuan_messages_duplicate_total", "channel", "telegram") == 0 {
		t.Error("the engine saw no duplicates; the batch should have been fetched again")
	}
}

type submitFunc func(bot.Message) (bool, error)

func (f submitFunc) Submit(m bot.Message) (bool, error) { return f(m) }

// TestPollConflictAndErrors: 409 is logged as a conflict (and a webhook in
// the way is deleted), transport errors back off, and polling goes on.
func TestPollConflictAndErrors(t *testing.T) {
	conflict := `{"ok": false,"error_code": 409,"description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}`
	if b, err := os.ReadFile(filepath.Join(fixturesDir, "error_409_conflict.json")); err == nil {
		conflict = string(b)
	}
	answers := []struct {
		status int
		body   string
	}{
		{409, conflict},
		{409, `{"ok":false,"error_code":409,"description":"Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}`},
		{502, `<html><body>Bad Gateway</body></html>`},
		{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 0","parameters":{"retry_after":0}}`},
	}
	f := newFakeAPI(t)
	var mu sync.Mutex
	n := 0
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		if method != "getUpdates" {
			return 0, "", false
		}
		mu.Lock()
		defer mu.Unlock()
		if n < len(answers) {
			n++
			return answers[n-1].status, answers[n-1].body, true
		}
		return 0, "", false
	})
	f.push(textUpdate(300, 5, "hello"))
	c, logs := newTestChannel(t, f, nil)
	rec := newRecorder()
	runPoll(t, c, rec)
	waitFor(t, "the update after the errors", 10*time.Second, rec.changed, func() bool { return len(rec.messages()) == 1 })

	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "getUpdates conflict") {
		t.Errorf("the conflict was not logged as an error:\n%s", out)
	}
	// One deleteWebhook at start, one after the webhook conflict.
	if got := len(f.callsTo("deleteWebhook")); got != 2 {
		t.Errorf("deleteWebhook called %d times, want 2", got)
	}
	assertNoSecrets(t, out)
}

// batchRecorder is a Submitter that also stores in batches, failing the
// first failFirst calls.
type batchRecorder struct {
	submitFunc
	mu        sync.Mutex
	calls     [][]string // message texts of each SubmitAll
	failFirst int
}

func (b *batchRecorder) SubmitAll(ms []bot.Message) ([]bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var texts []string
	for _, m := range ms {
		texts = append(texts, m.ChatID+":"+m.Text)
	}
	b.calls = append(b.calls, texts)
	if len(b.calls) <= b.failFirst {
		return nil, errors.New("store: disk full")
	}
	return make([]bool, len(ms)), nil
}

// TestBatchIsStoredInOneWrite: a getUpdates answer goes to a batch
// submitter in one call, in update order; when that call fails nothing of
// it is confirmed, and a malformed update before it still is.
func TestBatchIsStoredInOneWrite(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	raws := []json.RawMessage{json.RawMessage(`{"update_id":99,"message":"not an object"}`),
		textUpdate(100, 1, "a1"), textUpdate(101, 2, "b1"), textUpdate(102, 1, "a2")}
	sub := &batchRecorder{submitFunc: func(bot.Message) (bool, error) {
		t.Error("Submit called; the batch should go through SubmitAll")
		return false, nil
	}, failFirst: 1}
	next, err := c.processBatch(raws, sub)
	if err == nil || next != 100 {
		t.Fatalf("a failed batch: offset %d, err %v; want 100 (only the malformed update confirmed) and an error", next, err)
	}
	next, err = c.processBatch(raws, sub)
	if err != nil || next != 103 {
		t.Fatalf("offset %d, err %v; want 103", next, err)
	}
	want := "[1:a1 2:b1 1:a2]"
	if len(sub.calls) != 2 || fmt.Sprint(sub.calls[1]) != want {
		t.Fatalf("SubmitAll calls %v, want two of %s", sub.calls, want)
	}
}

// TestCallbackAnswersAreBounded presses 40 buttons at once against an API
// that holds every answerCallbackQuery: at most maxAnswering are sent at
// a time, and all 40 are answered once the API lets them through.
func TestCallbackAnswersAreBounded(t *testing.T) {
	f := newFakeAPI(t)
	var mu sync.Mutex
	inFlight, most := 0, 0
	release := make(chan struct{})
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		if method != "answerCallbackQuery" {
			return 0, "", false
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		f.notify()
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		return 200, `{"ok":true,"result":true}`, true
	})
	c, _ := newTestChannel(t, f, nil)
	for i := range 40 {
		c.answerCallback(fmt.Sprintf("q%d", i))
	}
	waitFor(t, "the first answers", 10*time.Second, f.changed, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return inFlight == maxAnswering
	})
	close(release)
	waitFor(t, "all answers", 10*time.Second, f.changed, func() bool { return len(f.callsTo("answerCallbackQuery")) == 40 })
	c.Close() // waits for the answers to end
	mu.Lock()
	defer mu.Unlock()
	if most != maxAnswering {
		t.Errorf("%d answers in flight at most, want %d", most, maxAnswering)
	}
}
