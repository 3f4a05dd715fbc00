package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is the bot token the fake API accepts.
const Token = "4242:bench-token"

// botUser is the bot the fake API plays.
const (
	botID   = 4242
	botName = "phuan_bench_bot"
)

// User is a simulated Telegram user; their private chat has their id.
type User struct {
	ID        int64
	FirstName string
	Lang      string // the language_code Telegram reports
}

// Button is a callback button of a sent message.
type Button struct {
	Text string
	Data string
}

// Sent is a message the fake API accepted from the bot.
type Sent struct {
	At        time.Time
	Method    string
	ChatID    int64
	MessageID int64
	Text      string
	Buttons   []Button // callback buttons, row after row
	Paid      bool     // allow_paid_broadcast was set
}

// Faults are the fractions of requests (every method but getMe) that the
// fake API answers badly, each drawn independently in this order.
type Faults struct {
	Drop        float64       // the connection is closed without an answer
	ServerError float64       // 502 Bad Gateway
	Throttle    float64       // 429 with retry_after RetryAfter
	Slow        float64       // answered normally after SlowBy
	SlowBy      time.Duration // default 200ms
	RetryAfter  int           // seconds; default 1
}

// FakeOptions configure a FakeAPI.
type FakeOptions struct {
	// Rate is how many messages a second the fake accepts from all send
	// methods together: a token bucket refilled at Rate holding at most
	// Rate (one second's worth). Above it the answer is 429 with
	// parameters.retry_after, as Telegram's. Zero means no limit.
	Rate   float64
	Faults Faults
	Seed   uint64 // for the fault draws
	// OnSend is called for every accepted send, before the bot gets its
	// answer, so one chat's sends arrive in order. It must be safe for
	// concurrent use and must not block.
	OnSend func(Sent)
}

// FakeStats count what the fake API saw.
type FakeStats struct {
	Sent        int64 // sends accepted
	Throttled   int64 // 429s answered because the bot exceeded Rate
	Injected429 int64
	Injected5xx int64
	Slowed      int64
	Dropped     int64
	Paid        int64 // accepted sends with allow_paid_broadcast
	// PeakWindow is the most sends accepted within any one second.
	PeakWindow int
	FirstSend  time.Time
	LastSend   time.Time
	Calls      map[string]int64 // requests by method
}

// FakeAPI plays the Telegram Bot API on 127.0.0.1: getUpdates long polling
// with Telegram's confirmation by offset, sends counted and paced, and
// injected faults.
type FakeAPI struct {
	opts   FakeOptions
	ln     net.Listener
	srv    *http.Server
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	rng      *rand.Rand
	updates  []queued // not yet confirmed, in update_id order
	nextUpd  int64
	arrived  chan struct{} // closed and replaced when updates are queued
	nextMsg  int64
	tokens   float64
	refilled time.Time
	window   []time.Time // accepted sends of the last second
	stats    FakeStats
	inFlight int
	idle     chan struct{} // closed and replaced when inFlight drops to 0
	polling  chan struct{} // closed at the first getUpdates
}

type queued struct {
	id  int64
	raw []byte
}

// NewFakeAPI starts a fake Bot API on a loopback port.
func NewFakeAPI(opts FakeOptions) (*FakeAPI, error) {
	if opts.Faults.SlowBy <= 0 {
		opts.Faults.SlowBy = 200 * time.Millisecond
	}
	if opts.Faults.RetryAfter <= 0 {
		opts.Faults.RetryAfter = 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start fake Bot API: %w", err)
	}
	f := &FakeAPI{opts: opts, ln: ln, closed: make(chan struct{}), arrived: make(chan struct{}),
		polling: make(chan struct{}), idle: make(chan struct{}), nextUpd: 1, rng: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
		tokens: opts.Rate, refilled: time.Now(), stats: FakeStats{Calls: map[string]int64{}}}
	f.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go f.srv.Serve(ln)
	return f, nil
}

// Endpoint is the fake's address in the Telegram library's endpoint format
// (TELEGRAM_API_ENDPOINT).
func (f *FakeAPI) Endpoint() string { return "http://" + f.ln.Addr().String() + "/bot%s/%s" }

// Close stops the server and ends every request, long polls included.
func (f *FakeAPI) Close() error {
	f.once.Do(func() { close(f.closed) })
	return f.srv.Close()
}

// Polling is closed once a bot asked for updates.
func (f *FakeAPI) Polling() <-chan struct{} { return f.polling }

// Stats returns a copy of the counters.
func (f *FakeAPI) Stats() FakeStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.Calls = make(map[string]int64, len(f.stats.Calls))
	for k, v := range f.stats.Calls {
		s.Calls[k] = v
	}
	return s
}

// InFlight is the number of send requests received and not yet answered.
func (f *FakeAPI) InFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.inFlight
}

// WaitIdle waits until no send request is being answered, as after a bot
// was killed while the fake was still answering it.
func (f *FakeAPI) WaitIdle(ctx context.Context) error {
	for {
		f.mu.Lock()
		n, idle := f.inFlight, f.idle
		f.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return fmt.Errorf("fake Bot API still answering %d sends: %w", n, ctx.Err())
		}
	}
}

// Pending is the number of updates not yet confirmed by the bot.
func (f *FakeAPI) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.updates)
}

// The wire types of the updates the fake API serves.
type (
	wireUser struct {
		ID           int64  `json:"id"`
		IsBot        bool   `json:"is_bot"`
		FirstName    string `json:"first_name"`
		UserName     string `json:"username,omitempty"`
		LanguageCode string `json:"language_code,omitempty"`
	}
	wireChat struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		FirstName string `json:"first_name,omitempty"`
	}
	wireEntity struct {
		Type   string `json:"type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	wireMessage struct {
		MessageID   int64           `json:"message_id"`
		From        *wireUser       `json:"from,omitempty"`
		Chat        wireChat        `json:"chat"`
		Date        int64           `json:"date"`
		Text        string          `json:"text,omitempty"`
		Entities    []wireEntity    `json:"entities,omitempty"`
		ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
	}
	wireCallback struct {
		ID           string       `json:"id"`
		From         wireUser     `json:"from"`
		Message      *wireMessage `json:"message,omitempty"`
		ChatInstance string       `json:"chat_instance"`
		Data         string       `json:"data"`
	}
	wireUpdate struct {
		UpdateID      int64         `json:"update_id"`
		Message       *wireMessage  `json:"message,omitempty"`
		CallbackQuery *wireCallback `json:"callback_query,omitempty"`
	}
	wireKeyboard struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
)

func (u User) wire() wireUser {
	name := u.FirstName
	if name == "" {
		name = "P" + strconv.FormatInt(u.ID, 10)
	}
	return wireUser{ID: u.ID, FirstName: name, LanguageCode: u.Lang}
}

func (u User) chat() wireChat {
	return wireChat{ID: u.ID, Type: "private", FirstName: u.wire().FirstName}
}

// SendText queues a private text message from u, as Telegram does when a
// person types, and returns its update id and when it became available.
func (f *FakeAPI) SendText(u User, text string) (int64, time.Time) {
	from := u.wire()
	m := &wireMessage{From: &from, Chat: u.chat(), Date: time.Now().Unix(), Text: text}
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		m.Entities = []wireEntity{{Type: "bot_command", Offset: 0, Length: len(cmd)}}
	}
	return f.push(func(id, msgID int64) wireUpdate {
		m.MessageID = msgID
		return wireUpdate{UpdateID: id, Message: m}
	})
}

// PressButton queues a callback query from u pressing the button with
// data under the bot's message on.
func (f *FakeAPI) PressButton(u User, on Sent, data string) (int64, time.Time) {
	bot := wireUser{ID: botID, IsBot: true, FirstName: "Phuan", UserName: botName}
	m := &wireMessage{MessageID: on.MessageID, From: &bot, Chat: u.chat(), Date: on.At.Unix(), Text: on.Text}
	return f.push(func(id, _ int64) wireUpdate {
		return wireUpdate{UpdateID: id, CallbackQuery: &wireCallback{ID: "cb" + strconv.FormatInt(id, 10),
			From: u.wire(), Message: m, ChatInstance: strconv.FormatInt(u.ID, 10), Data: data}}
	})
}

func (f *FakeAPI) push(build func(updateID, messageID int64) wireUpdate) (int64, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextUpd
	f.nextUpd++
	f.nextMsg++
	raw, err := json.Marshal(build(id, f.nextMsg))
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	f.updates = append(f.updates, queued{id, raw})
	close(f.arrived)
	f.arrived = make(chan struct{})
	return id, time.Now()
}

// ServeHTTP answers one Bot API request.
func (f *FakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if !ok || token != Token {
		writeError(w, http.StatusUnauthorized, "Unauthorized", 0)
		return
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		writeError(w, http.StatusBadRequest, "Bad Request: "+err.Error(), 0)
		return
	}
	send := isSend(method)
	f.mu.Lock()
	f.stats.Calls[method]++
	if send {
		f.inFlight++
	}
	fault := ""
	if method != "getMe" {
		fault = f.drawFault()
	}
	f.mu.Unlock()
	if send {
		defer func() {
			f.mu.Lock()
			if f.inFlight--; f.inFlight == 0 {
				close(f.idle)
				f.idle = make(chan struct{})
			}
			f.mu.Unlock()
		}()
	}

	switch fault {
	case "drop":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case "5xx":
		writeError(w, http.StatusBadGateway, "Bad Gateway", 0)
		return
	case "429":
		writeError(w, http.StatusTooManyRequests, "Too Many Requests: retry after "+strconv.Itoa(f.opts.Faults.RetryAfter), f.opts.Faults.RetryAfter)
		return
	case "slow":
		t := time.NewTimer(f.opts.Faults.SlowBy)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		if r.Context().Err() != nil {
			return
		}
	}

	switch {
	case method == "getMe":
		writeResult(w, wireUser{ID: botID, IsBot: true, FirstName: "Phuan", UserName: botName})
	case method == "getUpdates":
		f.getUpdates(w, r)
	case send:
		f.send(w, r, method)
	case method == "createForumTopic":
		f.mu.Lock()
		f.nextMsg++
		n := f.nextMsg
		f.mu.Unlock()
		writeResult(w, map[string]any{"message_thread_id": n, "name": r.FormValue("name"), "icon_color": 0})
	default: // answerCallbackQuery, setMyCommands, deleteWebhook, deleteMessages, …
		writeResult(w, true)
	}
}

func isSend(method string) bool {
	return strings.HasPrefix(method, "send") && method != "sendChatAction" ||
		method == "copyMessage" || method == "forwardMessage"
}

// drawFault picks the fault for one request; f.mu is held.
func (f *FakeAPI) drawFault() string {
	fl := f.opts.Faults
	for _, c := range []struct {
		p    float64
		name string
		n    *int64
	}{{fl.Drop, "drop", &f.stats.Dropped}, {fl.ServerError, "5xx", &f.stats.Injected5xx},
		{fl.Throttle, "429", &f.stats.Injected429}, {fl.Slow, "slow", &f.stats.Slowed}} {
		if c.p > 0 && f.rng.Float64() < c.p {
			*c.n++
			return c.name
		}
	}
	return ""
}

func (f *FakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.ParseInt(r.FormValue("offset"), 10, 64)
	limit, err := strconv.Atoi(r.FormValue("limit"))
	if err != nil || limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.FormValue("timeout"))
	timeout = min(max(timeout, 0), 50)
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		timer = t.C
	}
	for {
		f.mu.Lock()
		select {
		case <-f.polling:
		default:
			close(f.polling)
		}
		drop := 0
		for drop < len(f.updates) && f.updates[drop].id < offset {
			drop++
		}
		f.updates = f.updates[drop:]
		n := min(limit, len(f.updates))
		batch := make([]json.RawMessage, n)
		for i := range n {
			batch[i] = f.updates[i].raw
		}
		arrived := f.arrived
		f.mu.Unlock()
		if n > 0 || timer == nil {
			writeResult(w, batch)
			return
		}
		select {
		case <-arrived:
		case <-timer:
			writeResult(w, batch)
			return
		case <-f.closed:
			writeResult(w, batch)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (f *FakeAPI) send(w http.ResponseWriter, r *http.Request, method string) {
	chatID, err := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Bad Request: chat not found", 0)
		return
	}
	s := Sent{Method: method, ChatID: chatID, Text: r.FormValue("text"), Paid: r.FormValue("allow_paid_broadcast") == "true"}
	if s.Text == "" {
		s.Text = r.FormValue("caption")
	}
	var kb wireKeyboard
	if rm := r.FormValue("reply_markup"); rm != "" && json.Unmarshal([]byte(rm), &kb) == nil {
		for _, row := range kb.InlineKeyboard {
			for _, b := range row {
				if b.CallbackData != "" {
					s.Buttons = append(s.Buttons, Button{Text: b.Text, Data: b.CallbackData})
				}
			}
		}
	}

	f.mu.Lock()
	now := time.Now()
	if wait, ok := f.take(now); !ok {
		f.stats.Throttled++
		f.mu.Unlock()
		after := max(1, int(math.Ceil(wait.Seconds())))
		writeError(w, http.StatusTooManyRequests, "Too Many Requests: retry after "+strconv.Itoa(after), after)
		return
	}
	f.nextMsg++
	s.MessageID, s.At = f.nextMsg, now
	f.stats.Sent++
	if s.Paid {
		f.stats.Paid++
	}
	if f.stats.FirstSend.IsZero() {
		f.stats.FirstSend = now
	}
	f.stats.LastSend = now
	cut := 0
	for cut < len(f.window) && now.Sub(f.window[cut]) >= time.Second {
		cut++
	}
	f.window = append(f.window[cut:], now)
	f.stats.PeakWindow = max(f.stats.PeakWindow, len(f.window))
	f.mu.Unlock()

	if f.opts.OnSend != nil {
		f.opts.OnSend(s)
	}
	writeResult(w, wireMessage{MessageID: s.MessageID, From: &wireUser{ID: botID, IsBot: true, FirstName: "Phuan", UserName: botName},
		Chat: wireChat{ID: chatID, Type: "private"}, Date: now.Unix(), Text: s.Text})
}

// take spends one send from the rate bucket, or says how long until one
// is available; f.mu is held.
func (f *FakeAPI) take(now time.Time) (time.Duration, bool) {
	rate := f.opts.Rate
	if rate <= 0 {
		return 0, true
	}
	f.tokens = min(rate, f.tokens+now.Sub(f.refilled).Seconds()*rate)
	f.refilled = now
	if f.tokens >= 1 {
		f.tokens--
		return 0, true
	}
	return time.Duration((1 - f.tokens) / rate * float64(time.Second)), false
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

func writeError(w http.ResponseWriter, code int, desc string, retryAfter int) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if retryAfter > 0 {
		body["parameters"] = map[string]int{"retry_after": retryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}
