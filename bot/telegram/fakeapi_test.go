package telegram

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// testToken is the bot token the fake Bot API accepts. Tests check it
// never shows in errors or logs.
const testToken = "123456789:AAE-test_TOKEN-never-log-me"

const (
	testBotID   = 999000111
	testBotName = "phuan_bot"
)

// apiCall is one request the fake Bot API received.
type apiCall struct {
	Method string
	Params url.Values
	Files  map[string]uploadedFile // multipart file parts, by field
}

// uploadedFile is a file part of a multipart request.
type uploadedFile struct {
	Name string
	Data []byte
}

// fakeAPI plays the Bot API over loopback. It records every request,
// serves queued updates to getUpdates the way Telegram does (an update is
// dropped only when a later call asks with a higher offset) and answers
// other methods with success unless a test installs a responder.
type fakeAPI struct {
	srv *httptest.Server

	mu        sync.Mutex
	calls     []apiCall
	respond   func(method string, p url.Values) (status int, body string, handled bool)
	updates   []queuedUpdate
	confirmed int64         // the highest offset any getUpdates asked with
	arrived   chan struct{} // closed and replaced when updates are queued
	changed   chan struct{} // gets a token after every request
	msgID     int64
}

type queuedUpdate struct {
	id  int64
	raw json.RawMessage
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{arrived: make(chan struct{}), changed: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// endpoint is the library's endpoint format for this server.
func (f *fakeAPI) endpoint() string { return f.srv.URL + "/bot%s/%s" }

// setResponder installs fn; it answers a request when it returns handled.
func (f *fakeAPI) setResponder(fn func(method string, p url.Values) (int, string, bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.respond = fn
}

// push queues updates for getUpdates; like Telegram's, the queue is in
// update_id order.
func (f *fakeAPI) push(raws ...json.RawMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, raw := range raws {
		var head struct {
			UpdateID int64 `json:"update_id"`
		}
		json.Unmarshal(raw, &head)
		f.updates = append(f.updates, queuedUpdate{head.UpdateID, raw})
	}
	slices.SortStableFunc(f.updates, func(a, b queuedUpdate) int { return cmp.Compare(a.id, b.id) })
	close(f.arrived)
	f.arrived = make(chan struct{})
}

// callsTo lists the requests made to method ("" for all but getMe).
func (f *fakeAPI) callsTo(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if method == "" && c.Method != "getMe" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeAPI) confirmedOffset() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.confirmed
}

func (f *fakeAPI) notify() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testToken+"/")
	if !ok {
		writeAPI(w, http.StatusNotFound, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	files, err := parseRequest(r)
	if err != nil {
		writeAPI(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: bad form"}`)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, apiCall{Method: method, Params: r.PostForm, Files: files})
	respond := f.respond
	f.mu.Unlock()
	defer f.notify()

	if respond != nil {
		if status, body, handled := respond(method, r.PostForm); handled {
			writeAPI(w, status, body)
			return
		}
	}
	switch method {
	case "getMe":
		writeAPI(w, 200, fmt.Sprintf(`{"ok":true,"result":{"id":%d,"is_bot":true,"first_name":"Phuan","username":%q,"can_join_groups":true}}`,
			testBotID, testBotName))
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage", "sendPhoto", "sendVoice", "sendAudio", "sendVideo", "sendDocument":
		writeAPI(w, 200, f.sentMessage(r.PostForm))
	case "getChatAdministrators": // Noy (700002) runs the test groups
		writeAPI(w, 200, `{"ok":true,"result":[{"status":"creator","user":{"id":700009,"is_bot":false,"first_name":"Kham"}},`+
			`{"status":"administrator","user":{"id":700002,"is_bot":false,"first_name":"Noy"}}]}`)
	case "createForumTopic":
		writeAPI(w, 200, `{"ok":true,"result":{"message_thread_id":77,"name":"case","icon_color":7322096}}`)
	default:
		writeAPI(w, 200, `{"ok":true,"result":true}`)
	}
}

// parseRequest reads a form, url-encoded or multipart (an upload), into
// r.PostForm and returns the multipart files.
func parseRequest(r *http.Request) (map[string]uploadedFile, error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil, r.ParseForm()
	}
	if err := r.ParseMultipartForm(64 << 20); err != nil {
		return nil, err
	}
	files := map[string]uploadedFile{}
	for field, headers := range r.MultipartForm.File {
		for _, h := range headers {
			fh, err := h.Open()
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(fh)
			fh.Close()
			if err != nil {
				return nil, err
			}
			files[field] = uploadedFile{Name: h.Filename, Data: data}
		}
	}
	return files, nil
}

// sentMessage answers a send method with a new message id, in a chat of
// the type its id says (groups have negative ids).
func (f *fakeAPI) sentMessage(p url.Values) string {
	f.mu.Lock()
	f.msgID++
	n := f.msgID
	f.mu.Unlock()
	chatID, _ := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	chatType := "private"
	if chatID < 0 {
		chatType = "supergroup"
	}
	return fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"chat":{"id":%d,"type":%q},"date":1734480000}}`, n, chatID, chatType)
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.ParseInt(r.PostForm.Get("offset"), 10, 64)
	limit, _ := strconv.Atoi(r.PostForm.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	wait, _ := strconv.Atoi(r.PostForm.Get("timeout"))
	deadline := time.NewTimer(time.Duration(max(wait, 1)) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		if offset > f.confirmed {
			f.confirmed = offset
		}
		kept := f.updates[:0]
		for _, u := range f.updates {
			if u.id >= f.confirmed {
				kept = append(kept, u)
			}
		}
		f.updates = kept
		var out []json.RawMessage
		for _, u := range f.updates {
			if len(out) < limit {
				out = append(out, u.raw)
			}
		}
		arrived := f.arrived
		f.mu.Unlock()
		if len(out) > 0 {
			body, _ := json.Marshal(map[string]any{"ok": true, "result": out})
			writeAPI(w, 200, string(body))
			return
		}
		select {
		case <-arrived:
		case <-deadline.C:
			writeAPI(w, 200, `{"ok":true,"result":[]}`)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func writeAPI(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// waitFor waits until cond holds, re-checking whenever signal fires, and
// fails the test after the deadline.
func waitFor(t testing.TB, what string, deadline time.Duration, signal <-chan struct{}, cond func() bool) {
	t.Helper()
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	// A slow tick re-checks conditions that change without a signal.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-signal:
		case <-tick.C:
		case <-timer.C:
			t.Fatalf("timed out after %s waiting for %s", deadline, what)
		}
	}
}

// recorder is a Submitter that keeps what it was given and, like the
// engine, reports a message id seen before as a duplicate.
type recorder struct {
	mu      sync.Mutex
	msgs    []bot.Message
	seen    map[string]bool
	calls   int
	fail    func(m bot.Message, call int) error
	changed chan struct{}
}

func newRecorder() *recorder {
	return &recorder{seen: map[string]bool{}, changed: make(chan struct{}, 1)}
}

func (r *recorder) Submit(m bot.Message) (bool, error) {
	r.mu.Lock()
	defer func() {
		r.mu.Unlock()
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}()
	r.calls++
	if r.fail != nil {
		if err := r.fail(m, r.calls); err != nil {
			return false, err
		}
	}
	if r.seen[m.ID] {
		return true, nil
	}
	r.seen[m.ID] = true
	r.msgs = append(r.msgs, m)
	return false, nil
}

func (r *recorder) messages() []bot.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Message(nil), r.msgs...)
}

// logSink collects log output to check that nothing secret is written.
type logSink struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestChannel starts a channel against f; edit adjusts the config.
func newTestChannel(t testing.TB, f *fakeAPI, edit func(*Config)) (*Channel, *logSink) {
	t.Helper()
	logs := &logSink{}
	cfg := Config{Token: testToken, Endpoint: f.endpoint(), Metrics: bot.NewMetrics(),
		Logger:      slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollTimeout: time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.retryBase, c.retryMax = 10*time.Millisecond, 50*time.Millisecond
	t.Cleanup(func() { c.Close() })
	return c, logs
}

// openStore opens a store in the test's own folder.
func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := store.Open(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var _ Payloads = (*store.Store)(nil)
