package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"phuan/store"
)

// Handler decides what the bot says and does for one message. It returns
// the replies to queue; an error is logged and answered with an apology.
type Handler interface {
	Handle(ctx context.Context, m Message) ([]Envelope, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, m Message) ([]Envelope, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, m Message) ([]Envelope, error) { return f(ctx, m) }

// InboundStore is the persistence the engine needs.
type InboundStore interface {
	AcceptInbounds(ups []store.InboundUpdate, now time.Time) ([]store.Accepted, error)
	CompleteInbound(seq uint64, replies []store.OutboxItem, w *store.TurnWrites) error
	PendingInbound() ([]store.InboxItem, error)
}

// MaxTextBytes bounds the text of an accepted message; longer text is cut at
// a character boundary so a huge paste cannot clog the queue.
const MaxTextBytes = 16 << 10

// ErrStopped is returned by Submit after Stop.
var ErrStopped = errors.New("engine stopped")

// EngineConfig configures an Engine.
type EngineConfig struct {
	Store   InboundStore
	Sender  *Sender
	Handler Handler
	// Apology is what a person gets when handling their message failed.
	Apology func(m Message) Reply
	Logger  *slog.Logger
	Metrics *Metrics
	Clock   Clock
	Workers int // conversations handled at once; default 32
	// Interrupts, when set, reports whether a message must not wait for
	// the turn in progress in its conversation (someone in danger): that
	// turn's context is cancelled, so a slow call it is making (a language
	// model) gives up and it answers with what it has; the message is
	// handled right after. It is asked only about a message for a busy
	// conversation, and about that conversation's turn in progress, so it
	// costs nothing while people wait for their answers, as they do.
	Interrupts func(Message) bool
}

// Engine accepts messages, stores them before anything else, and hands them
// to the handler one at a time per conversation, many conversations at once.
type Engine struct {
	cfg EngineConfig
	log *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	queues   map[string][]queued
	running  map[string]runningTurn // the turn in progress, by conversation
	ready    []string
	inflight int
	waiters  []chan struct{}
	stopped  bool
	wg       sync.WaitGroup
}

type queued struct {
	seq uint64
	msg Message
}

// runningTurn is a turn being handled: cancel stops its slow calls, unless
// its message is itself an interrupting one (a crisis is not cut short by
// another).
type runningTurn struct {
	cancel context.CancelFunc
	msg    Message
}

// NewEngine returns an engine; call Start to run it.
func NewEngine(cfg EngineConfig) *Engine {
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, log: cfg.Logger.With("component", "engine"), queues: map[string][]queued{},
		running: map[string]runningTurn{}}
	e.cond = sync.NewCond(&e.mu)
	return e
}

// Start queues the messages accepted before a crash or restart and starts
// the workers.
func (e *Engine) Start(ctx context.Context) error {
	pending, err := e.cfg.Store.PendingInbound()
	if err != nil {
		return fmt.Errorf("start engine: %w", err)
	}
	for _, it := range pending {
		var m Message
		if err := json.Unmarshal(it.Body, &m); err != nil {
			e.log.Error("drop unreadable stored message", "seq", it.Seq, "err", err)
			if err := e.cfg.Store.CompleteInbound(it.Seq, nil, nil); err != nil {
				return fmt.Errorf("start engine: %w", err)
			}
			continue
		}
		e.enqueue(it.Seq, m)
	}
	if len(pending) > 0 {
		e.log.Info("resumed stored messages", "count", len(pending))
	}
	for range e.cfg.Workers {
		e.wg.Add(1)
		go e.work(ctx)
	}
	return nil
}

// Submit stores m and queues it for handling. It reports duplicate when
// the message was seen before; then nothing else happens. When Submit
// returns nil the message is durable and may be confirmed to the platform.
func (e *Engine) Submit(m Message) (duplicate bool, err error) {
	dups, err := e.SubmitAll([]Message{m})
	if err != nil {
		return false, err
	}
	return dups[0], nil
}

// SubmitAll is Submit for several messages, as from one getUpdates
// answer, stored in one write: all of them, or none when it fails. They
// are queued in their order; dups[i] reports ms[i] seen before.
func (e *Engine) SubmitAll(ms []Message) (dups []bool, err error) {
	e.mu.Lock()
	stopped := e.stopped
	e.mu.Unlock()
	if stopped {
		return nil, ErrStopped
	}
	ms = slices.Clone(ms) // sanitised below; the caller's stay as they were
	ups := make([]store.InboundUpdate, len(ms))
	for i := range ms {
		m := &ms[i]
		if m.ID == "" || m.Channel == "" || m.ChatID == "" {
			return nil, errors.New("submit message: id, channel and chat are required")
		}
		m.Text = sanitizeText(m.Text)
		m.Payload = sanitizeText(m.Payload)
		if m.Time.IsZero() {
			m.Time = e.cfg.Clock.Now()
		}
		body, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode message: %w", err)
		}
		ups[i] = store.InboundUpdate{ID: m.Channel + ":" + m.ID, Body: body}
	}
	acc, err := e.cfg.Store.AcceptInbounds(ups, e.cfg.Clock.Now())
	if err != nil {
		return nil, err
	}
	dups = make([]bool, len(ms))
	for i, m := range ms {
		e.cfg.Metrics.Inc("phuan_messages_received_total", "channel", m.Channel)
		if acc[i].Dup {
			e.cfg.Metrics.Inc("phuan_messages_duplicate_total", "channel", m.Channel)
			dups[i] = true
			continue
		}
		if e.cfg.Sender != nil && m.Event == EventNone {
			e.cfg.Sender.Release(m.Channel, m.ChatID)
		}
		e.enqueue(acc[i].Seq, m)
	}
	return dups, nil
}

// sanitizeText replaces invalid UTF-8 and cuts text to MaxTextBytes.
func sanitizeText(s string) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // invalid bytes become U+FFFD
	}
	if len(s) <= MaxTextBytes {
		return s
	}
	cut := MaxTextBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// enqueue queues m behind its conversation's earlier messages; an
// interrupting one cancels the turn in progress there.
func (e *Engine) enqueue(seq uint64, m Message) {
	key := m.ConversationKey()
	e.mu.Lock()
	defer e.mu.Unlock()
	q, busy := e.queues[key]
	e.queues[key] = append(q, queued{seq, m})
	e.inflight++
	if !busy {
		e.ready = append(e.ready, key)
		e.cond.Signal()
		return
	}
	if turn, ok := e.running[key]; ok && e.cfg.Interrupts != nil && e.cfg.Interrupts(m) && !e.cfg.Interrupts(turn.msg) {
		turn.cancel()
		e.cfg.Metrics.Inc("phuan_turns_interrupted_total")
	}
}

func (e *Engine) work(ctx context.Context) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		for len(e.ready) == 0 && !e.stopped {
			e.cond.Wait()
		}
		if len(e.ready) == 0 {
			e.mu.Unlock()
			return
		}
		key := e.ready[0]
		e.ready = e.ready[1:]
		item := e.queues[key][0]
		turn, cancel := context.WithCancel(ctx)
		e.running[key] = runningTurn{cancel, item.msg}
		e.mu.Unlock()

		e.handle(turn, item)
		cancel()

		e.mu.Lock()
		delete(e.running, key)
		rest := e.queues[key][1:]
		if len(rest) == 0 {
			delete(e.queues, key)
		} else {
			e.queues[key] = rest
			e.ready = append(e.ready, key)
		}
		e.inflight--
		if e.inflight == 0 {
			for _, w := range e.waiters {
				close(w)
			}
			e.waiters = nil
		}
		e.mu.Unlock()
	}
}

func (e *Engine) handle(ctx context.Context, it queued) {
	ctx, writes := store.WithTurnWrites(ctx)
	envs, ok := e.callHandler(ctx, it.msg)
	if !ok {
		writes = nil // a failed turn leaves no state behind, only its apology
	}
	items, err := Envelopes(envs, e.cfg.Clock.Now())
	if err != nil {
		e.log.Error("encode replies", "seq", it.seq, "err", err)
		items = nil
	}
	if err := e.cfg.Store.CompleteInbound(it.seq, items, writes); err != nil {
		// The message stays stored and is handled again at the next start.
		e.log.Error("store replies", "seq", it.seq, "err", err)
		return
	}
	e.cfg.Metrics.Inc("phuan_messages_handled_total", "channel", it.msg.Channel)
	if e.cfg.Sender != nil {
		e.cfg.Sender.add(items, envs)
	}
}

// callHandler runs the handler; ok is false when it failed or panicked
// (the replies then end with an apology).
func (e *Engine) callHandler(ctx context.Context, m Message) (envs []Envelope, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			e.cfg.Metrics.Inc("phuan_handler_panics_total")
			e.log.Error("handler panicked", "channel", m.Channel, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			envs, ok = e.apology(m), false
		}
	}()
	envs, err := e.cfg.Handler.Handle(ctx, m)
	if err != nil {
		e.cfg.Metrics.Inc("phuan_handler_errors_total")
		e.log.Error("handle message", "channel", m.Channel, "err", err)
		return append(envs, e.apology(m)...), false
	}
	return envs, true
}

func (e *Engine) apology(m Message) []Envelope {
	if e.cfg.Apology == nil || m.Event != EventNone {
		return nil
	}
	return []Envelope{ReplyTo(m, e.cfg.Apology(m))}
}

// WaitIdle blocks until every submitted message has been handled.
func (e *Engine) WaitIdle(ctx context.Context) error {
	e.mu.Lock()
	if e.inflight == 0 {
		e.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	e.waiters = append(e.waiters, ch)
	e.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop refuses new messages, lets the workers finish what is queued, and
// returns when they are done or ctx ends (what is left stays stored).
func (e *Engine) Stop(ctx context.Context) error {
	e.mu.Lock()
	e.stopped = true
	e.cond.Broadcast()
	e.mu.Unlock()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop engine: %w", ctx.Err())
	}
}
