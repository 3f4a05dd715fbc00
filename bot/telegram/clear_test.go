package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// privateUpdate is a person's message in their private chat with the bot;
// body is the message's content fields, e.g. `"text":"hi"`.
func privateUpdate(updateID, messageID int64, date time.Time, body string) []byte {
	return []byte(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":700001,"is_bot":false,"first_name":"ສົມໃຈ","language_code":"lo"},"chat":{"id":700001,"type":"private"},"date":%d,%s}}`,
		updateID, messageID, date.Unix(), body))
}

// deleted is one deletion request: the method and the ids it named.
type deleted struct {
	method string
	ids    string // deleteMessages: the JSON array; deleteMessage: the id
}

// deletionsAndSends lists the deletion and send requests from the n-th on.
func deletionsAndSends(f *fakeAPI, n int) []deleted {
	var out []deleted
	for _, c := range f.callsTo("")[n:] {
		switch c.Method {
		case "deleteMessages":
			out = append(out, deleted{c.Method, c.Params.Get("message_ids")})
		case "deleteMessage":
			out = append(out, deleted{c.Method, c.Params.Get("message_id")})
		case "sendMessage":
			out = append(out, deleted{c.Method, c.Params.Get("text")})
		}
		if c.Params.Has("chat_id") && c.Params.Get("chat_id") != "700001" {
			out = append(out, deleted{"wrong chat", c.Params.Get("chat_id")})
		}
	}
	return out
}

func tgError(code int, desc string) string {
	return fmt.Sprintf(`{"ok":false,"error_code":%d,"description":%q}`, code, desc)
}

// TestClearRecent: a reply with ClearRecent to a private chat first deletes
// the messages of the last 48 hours there (the person's, mapped or not, and
// the bot's), then is sent itself as the neutral screen; deleted ids are
// forgotten, and Telegram's refusals of old or vanished messages are skipped.
func TestClearRecent(t *testing.T) {
	const (
		bulk    = `[11,12,1,2]` // time order: the person's two, then the bot's two replies
		neutral = "ສະບາຍດີ"
	)
	notFound := tgError(404, "Not Found")
	cantDelete := tgError(400, "Bad Request: message can't be deleted for everyone")
	gone := tgError(400, "Bad Request: message to delete not found")
	type answer struct {
		method string
		id     string // for deleteMessage; "" matches any
		status int
		body   string
		times  int // how many times to answer so; 0 means always
	}
	tests := []struct {
		name     string
		answers  []answer
		attempts []bot.SendErrorKind // the classes of the Send attempts; -1 is success
		want     []deleted
		left     []int64 // ids recorded afterwards: the old one, and the neutral screen when sent
	}{
		{
			name:     "deleteMessages",
			attempts: []bot.SendErrorKind{-1},
			want:     []deleted{{"deleteMessages", bulk}, {"sendMessage", neutral}},
			left:     []int64{5, 4},
		},
		{
			name:     "a Bot API server without deleteMessages",
			answers:  []answer{{method: "deleteMessages", status: 404, body: notFound}},
			attempts: []bot.SendErrorKind{-1},
			want: []deleted{{"deleteMessages", bulk}, {"deleteMessage", "11"}, {"deleteMessage", "12"},
				{"deleteMessage", "1"}, {"deleteMessage", "2"}, {"sendMessage", neutral}},
			left: []int64{5, 4},
		},
		{
			name: "a message Telegram will not delete",
			answers: []answer{{method: "deleteMessages", status: 400, body: cantDelete},
				{method: "deleteMessage", id: "12", status: 400, body: cantDelete},
				{method: "deleteMessage", id: "1", status: 400, body: gone}},
			attempts: []bot.SendErrorKind{-1},
			want: []deleted{{"deleteMessages", bulk}, {"deleteMessage", "11"}, {"deleteMessage", "12"},
				{"deleteMessage", "1"}, {"deleteMessage", "2"}, {"sendMessage", neutral}},
			left: []int64{5, 4},
		},
		{
			name:     "nothing left to delete",
			answers:  []answer{{method: "deleteMessages", status: 400, body: gone}},
			attempts: []bot.SendErrorKind{-1},
			want: []deleted{{"deleteMessages", bulk}, {"deleteMessage", "11"}, {"deleteMessage", "12"},
				{"deleteMessage", "1"}, {"deleteMessage", "2"}, {"sendMessage", neutral}},
			left: []int64{5, 4},
		},
		{
			name: "throttled, then retried",
			answers: []answer{{method: "deleteMessages", status: 429, times: 1,
				body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`}},
			attempts: []bot.SendErrorKind{bot.Throttled, -1},
			want:     []deleted{{"deleteMessages", bulk}, {"deleteMessages", bulk}, {"sendMessage", neutral}},
			left:     []int64{5, 4},
		},
		{
			name:     "the person blocked the bot",
			answers:  []answer{{method: "deleteMessages", status: 403, body: tgError(403, "Forbidden: bot was blocked by the user")}},
			attempts: []bot.SendErrorKind{bot.Unreachable},
			want:     []deleted{{"deleteMessages", bulk}},
			left:     []int64{5, 11, 12, 1, 2},
		},
		{
			name: "deleteMessage fails",
			answers: []answer{{method: "deleteMessages", status: 404, body: notFound},
				{method: "deleteMessage", id: "12", status: 500, body: tgError(500, "Internal Server Error"), times: 1}},
			attempts: []bot.SendErrorKind{bot.Transient, -1},
			// The retry deletes one message per call at once: the
			// server has no deleteMessages.
			want: []deleted{{"deleteMessages", bulk}, {"deleteMessage", "11"}, {"deleteMessage", "12"},
				{"deleteMessage", "11"}, {"deleteMessage", "12"}, {"deleteMessage", "1"}, {"deleteMessage", "2"},
				{"sendMessage", neutral}},
			left: []int64{5, 4},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, "")
			defer s.Close()
			f := newFakeAPI(t)
			c, logs := newTestChannel(t, f, func(cfg *Config) {
				cfg.WebhookSecret, cfg.MessageLog, cfg.Clock = testSecret, s, fixedClock{testNow}
			})
			ctx := context.Background()

			// The person writes: an old message, a text, a location (not
			// passed on, but on the phone all the same).
			h := c.WebhookHandler(newRecorder())
			for _, body := range [][]byte{
				privateUpdate(1, 5, testNow.Add(-50*time.Hour), `"text":"old"`),
				privateUpdate(2, 11, testNow.Add(-time.Hour), `"text":"ນາຍຈ້າງບໍ່ຈ່າຍເງິນ"`),
				privateUpdate(3, 12, testNow.Add(-30*time.Minute), `"location":{"latitude":13.75,"longitude":100.5}`),
			} {
				if code := postUpdate(t, h, body).Code; code != http.StatusOK {
					t.Fatalf("webhook answered %d", code)
				}
			}
			// The bot answers twice (message ids 1 and 2) and writes in a
			// group (3), which is not recorded.
			for _, d := range []bot.Delivery{
				{Seq: 1, ChatID: "700001", Reply: bot.Reply{Text: "ຂໍ້ມູນ"}},
				{Seq: 2, ChatID: "700001", Reply: bot.Reply{Text: "ຕິດຕໍ່", Media: []bot.Media{{Kind: bot.MediaPhoto, Ref: "PHOTO-1"}}}},
				{Seq: 3, ChatID: "-1001700000001", Group: true, Reply: bot.Reply{Text: "group"}},
			} {
				if err := c.Send(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			before := len(f.callsTo(""))

			var mu sync.Mutex
			used := make([]int, len(tc.answers))
			f.setResponder(func(method string, p url.Values) (int, string, bool) {
				mu.Lock()
				defer mu.Unlock()
				for i, a := range tc.answers {
					if a.method == method && (a.id == "" || a.id == p.Get("message_id")) && (a.times == 0 || used[i] < a.times) {
						used[i]++
						return a.status, a.body, true
					}
				}
				return 0, "", false
			})
			d := bot.Delivery{Seq: 9, ChatID: "700001", Reply: bot.Reply{Text: neutral, ClearRecent: true}}
			for i, want := range tc.attempts {
				d.Attempt = i + 1
				err := c.Send(ctx, d)
				switch {
				case want == -1 && err != nil:
					t.Fatalf("attempt %d: %v", i+1, err)
				case want == -1:
				case bot.ClassifySendError(err).Kind != want || !strings.Contains(err.Error(), "clear recent messages"):
					t.Fatalf("attempt %d: got %v, want a %s error", i+1, err, want)
				}
				if want == bot.Throttled && bot.ClassifySendError(err).RetryAfter != 5*time.Second {
					t.Errorf("retry after %s", bot.ClassifySendError(err).RetryAfter)
				}
			}
			if got := deletionsAndSends(f, before); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("requests\n got %v\nwant %v", got, tc.want)
			}
			c.flushRecords()
			left, err := s.RecentMessageIDs("telegram", "700001", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(left, tc.left) {
				t.Errorf("ids left %v, want %v", left, tc.left)
			}
			assertNoSecrets(t, logs.String())
		})
	}
}

// heldLog is a store that counts its record writes; the first closes
// started, then waits for open to be closed.
type heldLog struct {
	*store.Store
	started, open chan struct{}
	writes        *atomic.Int32
}

func newHeldLog(s *store.Store) heldLog {
	return heldLog{Store: s, started: make(chan struct{}), open: make(chan struct{}), writes: new(atomic.Int32)}
}

func (g heldLog) RecordMessageIDs(channel string, recs ...store.MessageIDs) error {
	if g.writes.Add(1) == 1 {
		close(g.started)
		<-g.open
	}
	return g.Store.RecordMessageIDs(channel, recs...)
}

// TestClearRecentWaitsForRecords: ids are recorded in the background, yet a
// ClearRecent reply deletes the messages whose records were still in flight.
func TestClearRecentWaitsForRecords(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	f := newFakeAPI(t)
	g := newHeldLog(s)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.MessageLog, cfg.Clock = g, fixedClock{testNow} })
	ctx := context.Background()
	if err := c.Send(ctx, bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "ຂໍ້ມູນ"}}); err != nil {
		t.Fatalf("the send waited for its record or failed: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- c.Send(ctx, bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "x", ClearRecent: true}})
	}()
	select {
	case err := <-done:
		t.Fatalf("ClearRecent did not wait for the record in flight: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(g.open)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(f.callsTo("deleteMessages")); n != 1 {
		t.Fatalf("%d deleteMessages calls, want 1 for the message whose record was in flight", n)
	}
	c.Close()
}

// TestMessageIDRecordsShareWrites: records made while one write is under
// way are stored together in the next, and none is lost.
func TestMessageIDRecordsShareWrites(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	f := newFakeAPI(t)
	g := newHeldLog(s)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.MessageLog, cfg.Clock = g, fixedClock{testNow} })
	c.recordMessageIDs("700001", []int64{1}, testNow)
	<-g.started
	for i := range 20 {
		c.recordMessageIDs(strconv.Itoa(700100+i), []int64{int64(i + 1)}, testNow)
	}
	close(g.open)
	c.flushRecords()
	if n := g.writes.Load(); n != 2 {
		t.Errorf("%d writes for 21 records, want 2 (the held one, then the 20 waiting together)", n)
	}
	for i := range 20 {
		ids, err := s.RecentMessageIDs("telegram", strconv.Itoa(700100+i), time.Time{})
		if err != nil || len(ids) != 1 || ids[0] != int64(i+1) {
			t.Fatalf("chat %d: %v %v", i, ids, err)
		}
	}
	c.Close()
}

// TestClearRecentWhere: groups keep their history; a long chat is deleted
// 100 ids a call; without a message log the reply still goes out.
func TestClearRecentWhere(t *testing.T) {
	ctx := context.Background()
	t.Run("group", func(t *testing.T) {
		s := openStore(t, "")
		defer s.Close()
		f := newFakeAPI(t)
		c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.MessageLog, cfg.Clock = s, fixedClock{testNow} })
		if err := s.RecordMessageIDs("telegram", store.MessageIDs{ChatID: "-1001700000001", IDs: []int64{7}, At: testNow}); err != nil {
			t.Fatal(err)
		}
		for _, d := range []bot.Delivery{
			{ChatID: "-1001700000001", Group: true, Reply: bot.Reply{Text: "x", ClearRecent: true}},
			{ChatID: "-1001700000001", Reply: bot.Reply{Text: "x", ClearRecent: true}}, // Group unset: the id tells
		} {
			if err := c.Send(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(f.callsTo("deleteMessages")) + len(f.callsTo("deleteMessage")); n != 0 {
			t.Fatalf("%d deletions in a group", n)
		}
		if n := len(f.callsTo("sendMessage")); n != 2 {
			t.Fatalf("%d replies sent, want 2", n)
		}
	})
	t.Run("long chat", func(t *testing.T) {
		s := openStore(t, "")
		defer s.Close()
		f := newFakeAPI(t)
		c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.MessageLog, cfg.Clock = s, fixedClock{testNow} })
		var ids []int64
		for i := range 130 {
			ids = append(ids, int64(1000+i))
		}
		if err := s.RecordMessageIDs("telegram", store.MessageIDs{ChatID: "700001", IDs: ids, At: testNow.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := c.Send(ctx, bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "x", ClearRecent: true}}); err != nil {
			t.Fatal(err)
		}
		calls := f.callsTo("deleteMessages")
		if len(calls) != 2 {
			t.Fatalf("%d deleteMessages calls, want 2", len(calls))
		}
		for i, want := range []int{100, 30} {
			var got []int64
			for _, s := range strings.Split(strings.Trim(calls[i].Params.Get("message_ids"), "[]"), ",") {
				n, _ := strconv.ParseInt(s, 10, 64)
				got = append(got, n)
			}
			if len(got) != want || got[0] != ids[100*i] {
				t.Errorf("call %d deleted %d ids from %d, want %d from %d", i, len(got), got[0], want, ids[100*i])
			}
		}
	})
	t.Run("no message log", func(t *testing.T) {
		f := newFakeAPI(t)
		c, logs := newTestChannel(t, f, nil)
		if err := c.Send(ctx, bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "x", ClearRecent: true}}); err != nil {
			t.Fatal(err)
		}
		if len(f.callsTo("deleteMessages")) != 0 || len(f.callsTo("sendMessage")) != 1 {
			t.Fatalf("requests %+v", f.callsTo(""))
		}
		if !strings.Contains(logs.String(), "no message log") {
			t.Errorf("the missing log was not reported:\n%s", logs)
		}
	})
}

// flushRecords waits until every message-id record in flight is stored.
func (c *Channel) flushRecords() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.recording) > 0 {
		c.hurryRecords()
		c.recorded.Wait()
	}
}

// failingLog is a MessageLog whose store is broken.
type failingLog struct{}

func (failingLog) RecordMessageIDs(string, ...store.MessageIDs) error {
	return errors.New("store: disk full")
}

func (failingLog) RecentMessageIDs(string, string, time.Time) ([]int64, error) {
	return nil, errors.New("store: disk full")
}

func (failingLog) ForgetMessageIDs(string, string, []int64) error {
	return errors.New("store: disk full")
}

// TestMessageLogFailures: failing to record ids costs only their deletion
// (sends and updates go on, the failure is logged); failing to read them
// makes a ClearRecent reply wait and retry, so nothing is left on the phone.
func TestMessageLogFailures(t *testing.T) {
	f := newFakeAPI(t)
	c, logs := newTestChannel(t, f, func(cfg *Config) { cfg.MessageLog, cfg.WebhookSecret = failingLog{}, testSecret })
	if err := c.Send(context.Background(), bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "x"}}); err != nil {
		t.Fatalf("a recording failure failed the send: %v", err)
	}
	rec := newRecorder()
	if code := postUpdate(t, c.WebhookHandler(rec), privateUpdate(1, 11, testNow, `"text":"hi"`)).Code; code != http.StatusOK || len(rec.messages()) != 1 {
		t.Fatalf("a recording failure failed the update: %d", code)
	}
	c.flushRecords()
	if n := c.metrics.Value("phuan_telegram_message_ids_unrecorded_total"); n != 2 {
		t.Errorf("%d recording failures counted, want 2", n)
	}
	if !strings.Contains(logs.String(), "could not record message ids") {
		t.Errorf("the failure was not logged:\n%s", logs)
	}
	err := c.Send(context.Background(), bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: "x", ClearRecent: true}})
	if se := bot.ClassifySendError(err); se.Kind != bot.Transient {
		t.Fatalf("ClearRecent with an unreadable log: %v, want transient", err)
	}
	if n := len(f.callsTo("sendMessage")); n != 1 {
		t.Errorf("the neutral screen went out before the chat was cleared")
	}
	assertNoSecrets(t, logs.String())
}

var _ MessageLog = (*store.Store)(nil)

func TestSentMessageID(t *testing.T) {
	for result, want := range map[string]int64{
		`{"message_id":42,"chat":{"id":7,"type":"private"},"text":"ສະບາຍດີ"}`:                       42,
		`{"from":{"id":1,"is_bot":true,"first_name":"P"},"chat":{"id":7},"message_id":43}`:          43,
		`{"reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]},"message_id":44}`: 44,
		`{"chat":{"id":7}}`:          0,
		`true`:                       0,
		`{"message_id":"x"}`:         0,
		`{"message_id":45`:           45, // cut after the id: the id was read
		`{"text":"no closing quote}`: 0,
		``:                           0,
	} {
		if got := sentMessageID([]byte(result)); got != want {
			t.Errorf("sentMessageID(%s) = %d, want %d", result, got, want)
		}
	}
}

// TestSentMessageIDOnRecordedMessages reads message_id from every recorded
// Message in the shared fixtures as a full decode does.
func TestSentMessageIDOnRecordedMessages(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixturesDir, "*.json"))
	if len(files) == 0 {
		t.Skip("no fixtures in " + fixturesDir)
	}
	n := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var u map[string]json.RawMessage
		if json.Unmarshal(raw, &u) != nil {
			continue
		}
		for _, kind := range []string{"message", "edited_message", "channel_post"} {
			m, ok := u[kind]
			if !ok {
				continue
			}
			var full struct {
				MessageID int64 `json:"message_id"`
			}
			if err := json.Unmarshal(m, &full); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if got := sentMessageID(m); got != full.MessageID {
				t.Errorf("%s %s: sentMessageID = %d, full decode %d", filepath.Base(f), kind, got, full.MessageID)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no recorded messages found")
	}
	t.Logf("%d recorded messages", n)
}
