package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"phuan/store"
)

// OutboxStore is the persistence the sender needs.
type OutboxStore interface {
	EnqueueOutbox(items []store.OutboxItem) error
	PendingOutbox() ([]store.OutboxItem, error)
	CompleteOutbox(seqs ...uint64) error
	UpdateOutbox(item store.OutboxItem) error
	FailOutbox(item store.OutboxItem, reason string) error
	SetOutboxParts(seq uint64, parts int) error
}

// SenderHooks let the rest of the system react to what sending revealed.
// Each may be nil.
type SenderHooks struct {
	// Unreachable: the person behind chatID blocked the bot or is gone.
	Unreachable func(channel, chatID, personID string)
	// ChatMoved: a chat got a new id; pending messages were moved already.
	ChatMoved func(channel, oldChatID, newChatID string)
	// Held: the platform does not allow this message now; it waits for the
	// person's next message.
	Held func(channel string, d Delivery)
	// Finished: an item left the outbox; result is "sent", or the kind of
	// the failure that ended it ("permanent", "unreachable", ...).
	Finished func(item store.OutboxItem, result string)
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	Store       OutboxStore
	Hooks       SenderHooks
	Logger      *slog.Logger
	Metrics     *Metrics
	Clock       Clock
	Workers     int // parallel chats being sent to; default 16
	MaxAttempts int // transient failures before giving up; default 30
}

// Sender delivers outbox items through channels: in order within a chat,
// chats in parallel, within each channel's rate limits. An item leaves the
// outbox only after the channel accepted it.
type Sender struct {
	cfg      SenderConfig
	log      *slog.Logger
	channels map[string]*senderChannel

	mu      sync.Mutex
	cond    *sync.Cond
	chats   map[string]*chatQueue
	ready   []string
	active  int // items queued and not held
	waiters []chan struct{}
	closed  bool
	started bool
	queued  map[uint64]bool // seqs in memory, so an item is never queued twice
	// replies holds the decoded reply of items queued by this process,
	// so sending them need not decode the stored body again.
	replies map[uint64]*Reply
	// sent items wait for their outbox records to be removed by the one
	// completer goroutine (running while completerOn), all waiting in one
	// write; a chat's next item goes after that, a worker meanwhile sends
	// to other chats.
	sent        []sentItem
	completerOn bool
	wg          sync.WaitGroup
}

type sentItem struct {
	key  string
	q    *chatQueue
	item store.OutboxItem
}

type senderChannel struct {
	ch  Channel
	lim *limiter
}

type chatQueue struct {
	channel, chatID string
	items           []store.OutboxItem
	scheduled       bool // in ready or in a worker's hands
	waiting         bool // a timer will schedule it
	held            bool
}

func queueKey(channel, chatID string) string { return channel + "\x00" + chatID }

// NewSender returns a sender; add channels, then call Start.
func NewSender(cfg SenderConfig) *Sender {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 30
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sender{cfg: cfg, log: cfg.Logger.With("component", "sender"),
		channels: map[string]*senderChannel{}, chats: map[string]*chatQueue{}, queued: map[uint64]bool{},
		replies: map[uint64]*Reply{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// AddChannel registers a channel and its limits. Call before Start.
func (s *Sender) AddChannel(ch Channel, limits Limits) {
	s.channels[ch.Name()] = &senderChannel{ch: ch, lim: newLimiter(limits, s.cfg.Clock.Now())}
}

// SetLimits replaces a registered channel's limits. Call before Start.
func (s *Sender) SetLimits(name string, limits Limits) {
	if sc := s.channels[name]; sc != nil {
		sc.lim = newLimiter(limits, s.cfg.Clock.Now())
	}
}

// Start loads what the outbox still holds and starts the workers, which
// stop when ctx is cancelled. An item being sent at that moment stays in
// the outbox and is sent again at the next start.
func (s *Sender) Start(ctx context.Context) error {
	// Loading and marking started under one lock: an item stored meanwhile
	// is either in this read or added after it, never both.
	s.mu.Lock()
	items, err := s.cfg.Store.PendingOutbox()
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("start sender: %w", err)
	}
	s.started = true
	s.addLocked(items, nil)
	s.mu.Unlock()
	for range s.cfg.Workers {
		s.wg.Add(1)
		go s.work(ctx)
	}
	go func() {
		<-ctx.Done()
		s.mu.Lock()
		s.closed = true
		s.cond.Broadcast()
		s.mu.Unlock()
	}()
	return nil
}

// Wait blocks until the workers have stopped.
func (s *Sender) Wait() { s.wg.Wait() }

// Envelopes turns envelopes into outbox items ready to store.
func Envelopes(envs []Envelope, now time.Time) ([]store.OutboxItem, error) {
	items := make([]store.OutboxItem, 0, len(envs))
	for _, e := range envs {
		body, err := json.Marshal(e.Reply)
		if err != nil {
			return nil, fmt.Errorf("encode reply: %w", err)
		}
		purpose := e.Purpose
		if purpose == "" {
			purpose = PurposeResponse
		}
		items = append(items, store.OutboxItem{Channel: e.Channel, ChatID: e.ChatID, ThreadID: e.ThreadID,
			Group: e.Group, PersonID: e.PersonID, Purpose: string(purpose), Ref: e.Ref, Body: body, CreatedAt: now})
	}
	return items, nil
}

// Enqueue stores envelopes in the outbox and queues them for sending.
func (s *Sender) Enqueue(envs []Envelope) error {
	items, err := Envelopes(envs, s.cfg.Clock.Now())
	if err != nil {
		return err
	}
	if err := s.cfg.Store.EnqueueOutbox(items); err != nil {
		return err
	}
	s.add(items, envs)
	return nil
}

// add queues items that are already in the outbox; envs, when not nil,
// are the envelopes they were made of (Envelopes), one for each. Before
// Start it does nothing: Start loads the whole outbox, these items
// included.
func (s *Sender) add(items []store.OutboxItem, envs []Envelope) {
	if len(items) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		s.addLocked(items, envs)
	}
}

func (s *Sender) addLocked(items []store.OutboxItem, envs []Envelope) {
	for i, it := range items {
		if s.queued[it.Seq] || s.channels[it.Channel] == nil {
			// A channel not running in this process (Telegram while
			// `phuan chat` uses the folder) keeps its messages stored.
			continue
		}
		s.queued[it.Seq] = true
		if len(envs) == len(items) {
			s.replies[it.Seq] = &envs[i].Reply
		}
		key := queueKey(it.Channel, it.ChatID)
		q := s.chats[key]
		if q == nil {
			q = &chatQueue{channel: it.Channel, chatID: it.ChatID}
			s.chats[key] = q
		}
		q.items = append(q.items, it)
		if it.LastError == heldMark {
			if !q.held {
				q.held = true
				s.active -= len(q.items) - 1
			}
			continue
		}
		if !q.held {
			s.active++
			s.scheduleLocked(key, q)
		}
	}
}

const heldMark = "held"

// Release lets messages held for a chat go, as when the person writes again.
func (s *Sender) Release(channel, chatID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := queueKey(channel, chatID)
	q := s.chats[key]
	if q == nil || !q.held {
		return
	}
	q.held = false
	s.active += len(q.items)
	for i := range q.items {
		q.items[i].LastError = ""
	}
	s.scheduleLocked(key, q)
}

func (s *Sender) scheduleLocked(key string, q *chatQueue) {
	if q.scheduled || q.waiting || q.held || len(q.items) == 0 {
		return
	}
	q.scheduled = true
	s.ready = append(s.ready, key)
	s.cond.Signal()
}

// WaitIdle blocks until nothing is left to send except held messages.
func (s *Sender) WaitIdle(ctx context.Context) error {
	s.mu.Lock()
	if s.active == 0 {
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	s.waiters = append(s.waiters, ch)
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Sender) doneLocked(n int) {
	s.active -= n
	if s.active == 0 {
		for _, w := range s.waiters {
			close(w)
		}
		s.waiters = nil
	}
}

// Depth is the number of messages queued in memory, held ones included.
func (s *Sender) Depth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.chats {
		n += len(q.items)
	}
	return n
}

func (s *Sender) work(ctx context.Context) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		for len(s.ready) == 0 && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		key := s.ready[0]
		s.ready = s.ready[1:]
		q := s.chats[key]
		if q == nil || len(q.items) == 0 || q.held {
			if q != nil {
				q.scheduled = false
			}
			s.mu.Unlock()
			continue
		}
		item := q.items[0]
		s.mu.Unlock()
		s.sendHead(ctx, key, q, item)
	}
}

// waitThenSchedule parks a chat until d has passed.
func (s *Sender) waitThenSchedule(key string, q *chatQueue, d time.Duration) {
	s.mu.Lock()
	q.scheduled, q.waiting = false, true
	s.mu.Unlock()
	time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		q.waiting = false
		if s.chats[key] == q {
			s.scheduleLocked(key, q)
		}
	})
}

func (s *Sender) sendHead(ctx context.Context, key string, q *chatQueue, item store.OutboxItem) {
	now := s.cfg.Clock.Now()
	sc := s.channels[item.Channel]
	if sc == nil {
		s.finish(key, q, item, "failed", fmt.Sprintf("no channel %q is configured", item.Channel))
		return
	}
	if wait := item.NotBefore.Sub(now); wait > 0 {
		s.waitThenSchedule(key, q, wait)
		return
	}
	if wait := sc.lim.chatDelay(item.ChatID, item.Group, now); wait > 0 {
		s.waitThenSchedule(key, q, wait)
		return
	}
	if wait := sc.lim.reserve(item.ChatID, item.Group, now); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.release(key, q)
			return
		case <-t.C:
		}
	}
	s.mu.Lock()
	decoded := s.replies[item.Seq]
	s.mu.Unlock()
	var reply Reply
	if decoded != nil {
		reply = *decoded
	} else if err := json.Unmarshal(item.Body, &reply); err != nil {
		s.finish(key, q, item, "failed", "malformed reply in outbox: "+err.Error())
		return
	}
	parts := item.PartsSent
	d := Delivery{Seq: item.Seq, ChatID: item.ChatID, ThreadID: item.ThreadID, Group: item.Group,
		PersonID: item.PersonID, Purpose: Purpose(item.Purpose), Reply: reply, Ref: item.Ref, Attempt: item.Attempts + 1,
		PartsSent: parts, Progress: func(n int) {
			parts = n
			if err := s.cfg.Store.SetOutboxParts(item.Seq, n); err != nil {
				s.log.Error("record parts sent", "seq", item.Seq, "err", err)
			}
		}}
	err := sc.ch.Send(ctx, d)
	item.PartsSent = parts
	if err != nil && ctx.Err() != nil {
		// Shutting down: the item stays in the outbox for the next start.
		s.release(key, q)
		return
	}
	if err == nil {
		s.cfg.Metrics.Inc("phuan_sends_total", "channel", item.Channel, "result", "ok")
		s.complete(sentItem{key, q, item})
		return
	}
	se := ClassifySendError(err)
	s.cfg.Metrics.Inc("phuan_sends_total", "channel", item.Channel, "result", se.Kind.String())
	item.Attempts++
	item.LastError = se.Error()
	switch se.Kind {
	case Throttled:
		wait := max(se.RetryAfter, time.Second)
		item.NotBefore = now.Add(wait)
		s.retry(key, q, item, wait)
	case Transient:
		// Throttling is the platform pacing us, not a failure: only
		// transient failures count toward backoff and giving up.
		item.Failures++
		if item.Failures >= s.cfg.MaxAttempts {
			s.finish(key, q, item, "failed", "gave up after repeated failures: "+se.Error())
			return
		}
		wait := Backoff(item.Failures)
		item.NotBefore = now.Add(wait)
		s.log.Warn("send failed, will retry", "channel", item.Channel, "seq", item.Seq,
			"attempt", item.Attempts, "retry_in", wait.String(), "err", se.Error())
		s.retry(key, q, item, wait)
	case Unreachable:
		s.finish(key, q, item, "unreachable", se.Error())
		if s.cfg.Hooks.Unreachable != nil {
			s.cfg.Hooks.Unreachable(item.Channel, item.ChatID, item.PersonID)
		}
	case ChatMoved:
		if se.NewChatID == "" || se.NewChatID == item.ChatID {
			s.finish(key, q, item, "failed", se.Error())
			return
		}
		s.move(key, q, se.NewChatID)
		if s.cfg.Hooks.ChatMoved != nil {
			s.cfg.Hooks.ChatMoved(item.Channel, item.ChatID, se.NewChatID)
		}
	case Held:
		item.LastError = heldMark
		if err := s.cfg.Store.UpdateOutbox(item); err != nil {
			s.log.Error("record held message", "seq", item.Seq, "err", err)
		}
		s.mu.Lock()
		q.items[0] = item
		if !q.held {
			q.held = true
			s.doneLocked(len(q.items))
		}
		q.scheduled = false
		s.mu.Unlock()
		if s.cfg.Hooks.Held != nil {
			s.cfg.Hooks.Held(item.Channel, d)
		}
	default:
		s.finish(key, q, item, "failed", se.Error())
	}
}

// complete hands a sent item to the completer, starting it if needed.
// Only a worker calls it, so the WaitGroup is never at zero here.
func (s *Sender) complete(it sentItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, it)
	if !s.completerOn {
		s.completerOn = true
		s.wg.Add(1)
		go s.completeSent()
	}
}

// completeSent removes the sent items' outbox records until none is left,
// then lets their chats go on. A failure only means the item is sent again
// after a restart, as if it had been in flight.
func (s *Sender) completeSent() {
	defer s.wg.Done()
	s.mu.Lock()
	for len(s.sent) > 0 {
		batch := s.sent
		s.sent = nil
		s.mu.Unlock()
		seqs := make([]uint64, len(batch))
		for i, it := range batch {
			seqs[i] = it.item.Seq
		}
		if err := s.cfg.Store.CompleteOutbox(seqs...); err != nil {
			s.log.Error("mark messages delivered", "count", len(seqs), "err", err)
		}
		for _, it := range batch {
			s.pop(it.key, it.q, it.item.Seq)
			s.finished(it.item, "sent")
		}
		s.mu.Lock()
	}
	s.completerOn = false
	s.mu.Unlock()
}

// Backoff is the wait before retry number attempt after a transient failure:
// exponential from one second, capped at ten minutes, with jitter.
func Backoff(attempt int) time.Duration {
	d := time.Second << min(attempt-1, 10)
	d = min(d, 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}

func (s *Sender) retry(key string, q *chatQueue, item store.OutboxItem, wait time.Duration) {
	if err := s.cfg.Store.UpdateOutbox(item); err != nil {
		s.log.Error("record retry", "seq", item.Seq, "err", err)
	}
	s.mu.Lock()
	q.items[0] = item
	s.mu.Unlock()
	s.waitThenSchedule(key, q, wait)
}

// finish records an item that will never be delivered and moves on.
func (s *Sender) finish(key string, q *chatQueue, item store.OutboxItem, result, reason string) {
	s.log.Warn("message not delivered", "channel", item.Channel, "seq", item.Seq, "reason", reason)
	if err := s.cfg.Store.FailOutbox(item, reason); err != nil {
		s.log.Error("record undelivered message", "seq", item.Seq, "err", err)
	}
	s.pop(key, q, item.Seq)
	s.finished(item, result)
}

func (s *Sender) finished(item store.OutboxItem, result string) {
	if s.cfg.Hooks.Finished != nil {
		s.cfg.Hooks.Finished(item, result)
	}
}

func (s *Sender) pop(key string, q *chatQueue, seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(q.items) > 0 && q.items[0].Seq == seq {
		q.items = q.items[1:]
		delete(s.queued, seq)
		delete(s.replies, seq)
		s.doneLocked(1)
	}
	q.scheduled = false
	if len(q.items) == 0 {
		if s.chats[key] == q {
			delete(s.chats, key)
		}
		return
	}
	s.scheduleLocked(key, q)
}

// release hands a chat back without sending, as at shutdown.
func (s *Sender) release(key string, q *chatQueue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q.scheduled = false
}

// move re-addresses a chat's pending messages to its new id. It holds the
// lock throughout: moves are rare, and no message may slip in between.
func (s *Sender) move(key string, q *chatQueue, newID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.chats, key)
	newKey := queueKey(q.channel, newID)
	dest := s.chats[newKey]
	if dest == nil {
		dest = &chatQueue{channel: q.channel, chatID: newID}
		s.chats[newKey] = dest
	}
	for _, it := range q.items {
		it.ChatID = newID
		if err := s.cfg.Store.UpdateOutbox(it); err != nil {
			s.log.Error("move message to new chat", "seq", it.Seq, "err", err)
		}
		dest.items = append(dest.items, it)
	}
	q.items, q.scheduled = nil, false
	s.scheduleLocked(newKey, dest)
}
