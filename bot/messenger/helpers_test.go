package messenger

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

const (
	testSecret = "test-app-secret"
	testVerify = "test-verify-token"
	testToken  = "EAAtestPAGEtoken+123/xyz"
	psidA      = "6789012345678901"
	psidB      = "5555000011112222"
)

// baseTime is the timestamp of the events in testdata (1700000000000 ms).
func baseTime() time.Time { return time.UnixMilli(1700000000000).UTC() }

func newClock(t time.Time) *bot.ManualClock { return bot.NewManualClock(t) }

// graphCall is one request the fake Graph API received.
type graphCall struct {
	Path  string
	Token string
	Body  map[string]any
}

// fakeGraph plays the Graph API: it records requests and answers 200, or
// what respond says.
type fakeGraph struct {
	srv     *httptest.Server
	mu      sync.Mutex
	calls   []graphCall
	respond func(n int, c graphCall) (status int, body string)
}

func newFakeGraph(t *testing.T) *fakeGraph {
	t.Helper()
	g := &fakeGraph{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		c := graphCall{Path: r.URL.Path, Token: r.URL.Query().Get("access_token")}
		if err := json.Unmarshal(raw, &c.Body); err != nil {
			t.Errorf("fake graph: request body is not JSON: %v", err)
		}
		g.mu.Lock()
		n := len(g.calls)
		g.calls = append(g.calls, c)
		respond := g.respond
		g.mu.Unlock()
		status, body := http.StatusOK, `{"recipient_id":"1","message_id":"m_sent"}`
		if respond != nil {
			status, body = respond(n, c)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGraph) Calls() []graphCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]graphCall(nil), g.calls...)
}

func (g *fakeGraph) SetRespond(f func(n int, c graphCall) (int, string)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.respond = f
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newTestChannel(t *testing.T, g *fakeGraph, contacts Contacts, clock bot.Clock, metrics *bot.Metrics, change func(*Config)) *Channel {
	t.Helper()
	cfg := Config{PageToken: testToken, AppSecret: testSecret, VerifyToken: testVerify,
		APIURL: g.srv.URL + "/v21.0", Contacts: contacts, Clock: clock, Metrics: metrics}
	if change != nil {
		change(&cfg)
	}
	ch, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func postWebhook(h http.Handler, body []byte, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/messenger", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if signature != "" {
		r.Header.Set("X-Hub-Signature-256", signature)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder is a Submitter that records what it is given and passes it on.
type recorder struct {
	mu   sync.Mutex
	msgs []bot.Message
	next Submitter
	fail func(n int) error // may fail the n-th submission (0-based)
	n    int
}

func (r *recorder) Submit(m bot.Message) (bool, error) {
	r.mu.Lock()
	n := r.n
	r.n++
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(n); err != nil {
			return false, err
		}
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	if r.next == nil {
		return false, nil
	}
	return r.next.Submit(m)
}

func (r *recorder) Messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// memContacts keeps contact times in memory (for the fuzz target).
type memContacts struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (c *memContacts) RecordContact(channel, chatID string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]time.Time{}
	}
	if k := channel + "\x00" + chatID; t.After(c.m[k]) {
		c.m[k] = t
	}
	return nil
}

func (c *memContacts) LastContact(channel, chatID string) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[channel+"\x00"+chatID], nil
}

// harness runs the channel with the real store, engine and sender. Its
// handler answers every message with "ok".
type harness struct {
	st      *store.Store
	clock   *bot.ManualClock
	graph   *fakeGraph
	ch      *Channel
	metrics *bot.Metrics
	engine  *bot.Engine
	sender  *bot.Sender
	rec     *recorder
	hook    http.Handler

	mu   sync.Mutex
	held []bot.Delivery
}

func newHarness(t *testing.T, now time.Time, change func(*Config)) *harness {
	t.Helper()
	h := &harness{st: openStore(t), clock: newClock(now), graph: newFakeGraph(t), metrics: bot.NewMetrics()}
	h.ch = newTestChannel(t, h.graph, h.st, h.clock, h.metrics, change)
	h.sender = bot.NewSender(bot.SenderConfig{Store: h.st, Clock: h.clock, Metrics: h.metrics,
		Hooks: bot.SenderHooks{Held: func(_ string, d bot.Delivery) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.held = append(h.held, d)
		}}})
	// No rate limits here: with a frozen test clock, token buckets would never refill.
	h.sender.AddChannel(h.ch, bot.Limits{})
	h.engine = bot.NewEngine(bot.EngineConfig{Store: h.st, Sender: h.sender, Clock: h.clock, Metrics: h.metrics,
		Handler: bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Envelope, error) {
			return []bot.Envelope{bot.ReplyTo(m, bot.Reply{Text: "ok"})}, nil
		})})
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.sender.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		if err := h.engine.Stop(stopCtx); err != nil {
			t.Error(err)
		}
		cancel()
		h.sender.Wait()
	})
	h.rec = &recorder{next: h.engine}
	h.hook = h.ch.WebhookHandler(h.rec)
	return h
}

// settle waits until every stored message was handled and everything
// sendable was sent.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.engine.WaitIdle(ctx); err != nil {
		t.Fatalf("engine did not settle: %v", err)
	}
	if err := h.sender.WaitIdle(ctx); err != nil {
		t.Fatalf("sender did not settle: %v", err)
	}
}

func (h *harness) Held() []bot.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bot.Delivery(nil), h.held...)
}

// str reads a string at a path of keys in a decoded JSON object.
func str(v any, path ...any) string {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return ""
			}
			v = a[k]
		}
	}
	s, _ := v.(string)
	return s
}

// list reads an array at a path of keys in a decoded JSON object.
func list(v any, path ...string) []any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	a, _ := v.([]any)
	return a
}
