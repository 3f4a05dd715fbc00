package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"phuan/bot"
	"phuan/store"
)

// BroadcastStore is the store the broadcaster needs.
type BroadcastStore interface {
	DueBroadcasts(now time.Time) ([]store.Broadcast, error)
	CountAudience(a store.Audience) (int, error)
	StartBroadcastRun(id string, total int, now time.Time) (*store.Broadcast, error)
	ReserveBroadcastBatch(id string, max, scan int, now time.Time) (*store.Broadcast, *store.BroadcastBatch, error)
	ConfirmBroadcastBatch(id string, run int, batch uint64, now time.Time) error
	PendingDeliveries(id string, run int) ([]store.Recipient, error)
	RecordBroadcastResults(results []store.BroadcastResult, now time.Time) ([]store.Broadcast, error)
	MarkBroadcastReported(id string, run, tenth int, now time.Time) (bool, error)
	FinishBroadcastRun(id string, run int, next, now time.Time) (*store.Broadcast, error)
	RescheduleBroadcast(id string, next, now time.Time) error
	OutboxRefs(prefix string) (map[string]bool, error)
}

// BroadcasterConfig configures a Broadcaster.
type BroadcasterConfig struct {
	Store    BroadcastStore
	Outbox   Outbox
	Texts    Texts
	Clock    bot.Clock
	Logger   *slog.Logger
	Metrics  *bot.Metrics
	Location *time.Location // recurring broadcasts' cron expressions are read in it
	// BatchSize is how many people are picked and queued at once; at most
	// two batches wait in the outbox. Default 500.
	BatchSize int
}

// Broadcaster delivers broadcasts through the outbox in batches.
//
// People are picked in the order of their ids, a batch at a time, in the
// same transaction that moves the broadcast's cursor and records each of
// them as a pending delivery, so nobody is picked twice, even across
// restarts. The batch then goes to the outbox and is confirmed. The
// sender's Finished and Held hooks report each message's fate, which
// removes its pending delivery and counts it; the next batch is picked
// when fewer than two are outstanding, so memory stays bounded whatever
// the audience's size.
//
// After a restart, pending deliveries are settled against the outbox: a
// message still there will be reported by the sender; one gone from a
// confirmed batch was delivered (counted as sent); a batch never confirmed
// and absent from the outbox is queued again. Only sends in flight at the
// moment of a crash can reach someone twice.
type Broadcaster struct {
	cfg BroadcasterConfig
	log *slog.Logger

	mu       sync.Mutex
	results  []store.BroadcastResult
	settled  map[string]bool // runs whose pending deliveries were settled since start
	wake     chan struct{}
	pumpLock sync.Mutex
}

// NewBroadcaster returns a broadcaster. Wire Finished and Held into the
// sender's hooks, run Run in the background, and tick Pump every minute.
func NewBroadcaster(cfg BroadcasterConfig) *Broadcaster {
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Location == nil {
		cfg.Location = store.LaoTime()
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	return &Broadcaster{cfg: cfg, log: cfg.Logger.With("component", "broadcaster"),
		settled: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Finished is the sender's Finished hook: it counts the fate of a
// broadcast message. It never blocks.
func (b *Broadcaster) Finished(item store.OutboxItem, result string) {
	b.note(item.Ref, item.PersonID, result)
}

// Held is the sender's Held hook: a message the platform would not take
// now (Messenger's 24-hour window) counts as held.
func (b *Broadcaster) Held(_ string, d bot.Delivery) {
	b.note(d.Ref, d.PersonID, store.ResultHeld)
}

func (b *Broadcaster) note(ref, personID, result string) {
	id, run, ok := store.ParseBroadcastRef(ref)
	if !ok {
		return
	}
	switch result {
	case store.ResultSent, store.ResultHeld, store.ResultUnreachable:
	default:
		result = store.ResultFailed
	}
	b.mu.Lock()
	b.results = append(b.results, store.BroadcastResult{ID: id, Run: run, PersonID: personID, Result: result})
	b.mu.Unlock()
	b.Wake()
}

// Wake asks for a pump soon, as when a broadcast was created to go now.
func (b *Broadcaster) Wake() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Run pumps whenever woken until ctx ends.
func (b *Broadcaster) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		if err := b.Pump(ctx, b.cfg.Clock.Now()); err != nil && ctx.Err() == nil {
			b.log.Error("broadcast", "err", err)
		}
	}
}

// Pump is the job: it counts reported results, posts progress, starts
// broadcasts whose time has come, keeps the outbox fed and finishes runs.
func (b *Broadcaster) Pump(ctx context.Context, now time.Time) error {
	b.pumpLock.Lock()
	defer b.pumpLock.Unlock()
	if err := b.flush(now); err != nil {
		return err
	}
	due, err := b.cfg.Store.DueBroadcasts(now)
	if err != nil {
		return err
	}
	var errs []error
	for i := range due {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := b.advance(ctx, &due[i], now); err != nil {
			errs = append(errs, fmt.Errorf("broadcast %s: %w", due[i].ID, err))
		}
	}
	return errors.Join(errs...)
}

// flush writes the results the hooks collected and reports progress.
func (b *Broadcaster) flush(now time.Time) error {
	b.mu.Lock()
	results := b.results
	b.results = nil
	b.mu.Unlock()
	if len(results) == 0 {
		return nil
	}
	changed, err := b.cfg.Store.RecordBroadcastResults(results, now)
	if err != nil {
		b.mu.Lock()
		b.results = append(results, b.results...)
		b.mu.Unlock()
		return err
	}
	for i := range changed {
		bc := &changed[i]
		if bc.Status != store.BroadcastSending {
			continue
		}
		b.progress(bc, now)
	}
	return nil
}

func (b *Broadcaster) advance(ctx context.Context, bc *store.Broadcast, now time.Time) error {
	if bc.Status == store.BroadcastScheduled {
		started, err := b.start(bc, now)
		if err != nil || started == nil {
			return err
		}
		bc = started
	}
	key := bc.ID + ":" + strconv.Itoa(bc.Run.Number)
	b.mu.Lock()
	settled := b.settled[key]
	b.mu.Unlock()
	if !settled || bc.Run.Batches > bc.Run.Confirmed {
		var err error
		if bc, err = b.settle(bc, now, !settled); err != nil {
			return err
		}
		b.mu.Lock()
		b.settled[key] = true
		b.mu.Unlock()
	}
	window := 2 * b.cfg.BatchSize
	for !bc.Run.Exhausted && bc.Run.Outstanding() < window && ctx.Err() == nil {
		max := min(b.cfg.BatchSize, window-bc.Run.Outstanding())
		next, batch, err := b.cfg.Store.ReserveBroadcastBatch(bc.ID, max, 50*max, now)
		if err != nil {
			return err
		}
		if batch == nil { // cancelled meanwhile
			return nil
		}
		bc = next
		if len(batch.Recipients) == 0 {
			continue
		}
		if err := b.enqueue(bc, batch.Recipients); err != nil {
			return err
		}
		if err := b.cfg.Store.ConfirmBroadcastBatch(bc.ID, bc.Run.Number, batch.Number, now); err != nil {
			return err
		}
		bc.Run.Confirmed = batch.Number
	}
	if bc.Run.Done() {
		return b.finish(bc, now)
	}
	return nil
}

// start begins a run whose time has come, or skips one that is too late.
func (b *Broadcaster) start(bc *store.Broadcast, now time.Time) (*store.Broadcast, error) {
	if late := now.Sub(bc.NextAt); late > store.MaxLate {
		next := time.Time{}
		if bc.Cron != "" {
			var err error
			if next, err = store.NextRecurrence(bc.Cron, now, b.cfg.Location); err != nil {
				return nil, err
			}
		}
		if err := b.cfg.Store.RescheduleBroadcast(bc.ID, next, now); err != nil {
			return nil, err
		}
		b.log.Warn("broadcast time passed while stopped; not sent so late", "broadcast", bc.ID,
			"late_minutes", int(late.Minutes()))
		b.notify(bc, "broadcast_missed", "id", bc.ID, "time", bc.NextAt.In(b.cfg.Location).Format("02/01/2006 15:04"))
		return nil, nil
	}
	total, err := b.cfg.Store.CountAudience(bc.Audience)
	if err != nil {
		return nil, err
	}
	started, err := b.cfg.Store.StartBroadcastRun(bc.ID, total, now)
	if err != nil {
		return nil, err
	}
	b.log.Info("broadcast started", "broadcast", bc.ID, "run", started.Run.Number, "recipients", total)
	b.cfg.Metrics.Inc("phuan_broadcast_runs_total")
	b.notify(started, "broadcast_started", "id", bc.ID, "count", strconv.Itoa(total))
	return started, nil
}

// settle reconciles pending deliveries with the outbox: all of them after
// a start (all), or only those of batches never confirmed.
func (b *Broadcaster) settle(bc *store.Broadcast, now time.Time, all bool) (*store.Broadcast, error) {
	pending, err := b.cfg.Store.PendingDeliveries(bc.ID, bc.Run.Number)
	if err != nil || len(pending) == 0 {
		return bc, err
	}
	ref := bc.Ref()
	queued, err := b.cfg.Store.OutboxRefs(ref)
	if err != nil {
		return bc, err
	}
	var results []store.BroadcastResult
	unconfirmed := map[uint64][]store.Recipient{}
	inOutbox := map[uint64]bool{}
	for _, r := range pending {
		held, ok := queued[ref+"\x00"+r.PersonID]
		if r.Batch > bc.Run.Confirmed {
			unconfirmed[r.Batch] = append(unconfirmed[r.Batch], r)
			inOutbox[r.Batch] = inOutbox[r.Batch] || ok
			continue
		}
		if !all {
			continue
		}
		switch {
		case !ok: // delivered before the process stopped; its report was lost
			results = append(results, store.BroadcastResult{ID: bc.ID, Run: bc.Run.Number, PersonID: r.PersonID, Result: store.ResultSent})
		case held: // the sender keeps it without reporting again
			results = append(results, store.BroadcastResult{ID: bc.ID, Run: bc.Run.Number, PersonID: r.PersonID, Result: store.ResultHeld})
		}
	}
	for batch, rs := range unconfirmed {
		if inOutbox[batch] {
			// The batch reached the outbox; those gone from it were delivered.
			for _, r := range rs {
				held, ok := queued[ref+"\x00"+r.PersonID]
				switch {
				case !ok:
					results = append(results, store.BroadcastResult{ID: bc.ID, Run: bc.Run.Number, PersonID: r.PersonID, Result: store.ResultSent})
				case held:
					results = append(results, store.BroadcastResult{ID: bc.ID, Run: bc.Run.Number, PersonID: r.PersonID, Result: store.ResultHeld})
				}
			}
		} else {
			if err := b.enqueue(bc, rs); err != nil {
				return bc, err
			}
			b.log.Info("queued a batch again that never reached the outbox", "broadcast", bc.ID, "count", len(rs))
		}
	}
	if bc.Run.Batches > bc.Run.Confirmed {
		if err := b.cfg.Store.ConfirmBroadcastBatch(bc.ID, bc.Run.Number, bc.Run.Batches, now); err != nil {
			return bc, err
		}
		bc.Run.Confirmed = bc.Run.Batches
	}
	if len(results) > 0 {
		changed, err := b.cfg.Store.RecordBroadcastResults(results, now)
		if err != nil {
			return bc, err
		}
		for i := range changed {
			if changed[i].ID == bc.ID {
				bc = &changed[i]
			}
		}
	}
	return bc, nil
}

func (b *Broadcaster) enqueue(bc *store.Broadcast, rs []store.Recipient) error {
	ref := bc.Ref()
	envs := make([]bot.Envelope, len(rs))
	for i, r := range rs {
		lang := r.Lang
		if lang == "" {
			lang = "lo"
		}
		// A group's message carries the group's key as its person, so its
		// fate is counted even if the group's chat id changes meanwhile.
		stop := bot.Button{Label: b.cfg.Texts.T(lang, "subs_stop_button"), Payload: "subs:stop"}
		if r.Group {
			stop = bot.Button{Label: b.cfg.Texts.T(lang, "gsubs_stop_button"), Payload: "gsubs:stop"}
		}
		envs[i] = bot.Envelope{Channel: r.Channel, ChatID: r.ChatID, PersonID: r.PersonID, Group: r.Group,
			Purpose: bot.PurposeBroadcast, Ref: ref, Reply: bot.Reply{Text: bc.Texts.In(lang), Buttons: [][]bot.Button{{stop}}}}
	}
	if err := b.cfg.Outbox.Enqueue(envs); err != nil {
		return fmt.Errorf("queue %d messages: %w", len(envs), err)
	}
	b.cfg.Metrics.Add("phuan_broadcast_messages_queued_total", int64(len(envs)))
	return nil
}

// progress posts how far a run got at each tenth, with the time left.
func (b *Broadcaster) progress(bc *store.Broadcast, now time.Time) {
	run := bc.Run
	total := max(run.Total, run.Queued)
	if total == 0 || run.Done() {
		return
	}
	done := run.Finished()
	tenth := done * 10 / total
	if tenth <= run.Reported || tenth >= 10 {
		return
	}
	ok, err := b.cfg.Store.MarkBroadcastReported(bc.ID, run.Number, tenth, now)
	if err != nil || !ok {
		return
	}
	left := "?"
	if elapsed := now.Sub(run.StartedAt); done > 0 && elapsed > 0 {
		rest := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		left = strconv.Itoa(int(math.Ceil(rest.Minutes())))
	}
	b.notify(bc, "broadcast_progress", "id", bc.ID, "percent", strconv.Itoa(tenth*10),
		"done", strconv.Itoa(done), "total", strconv.Itoa(total), "minutes", left)
}

func (b *Broadcaster) finish(bc *store.Broadcast, now time.Time) error {
	next := time.Time{}
	if bc.Cron != "" {
		var err error
		if next, err = store.NextRecurrence(bc.Cron, now, b.cfg.Location); err != nil {
			return err
		}
	}
	done, err := b.cfg.Store.FinishBroadcastRun(bc.ID, bc.Run.Number, next, now)
	if err != nil {
		return err
	}
	r := done.Run
	b.log.Info("broadcast finished", "broadcast", bc.ID, "run", r.Number, "sent", r.Sent, "held", r.Held,
		"unreachable", r.Unreachable, "failed", r.Failed, "seconds", int(now.Sub(r.StartedAt).Seconds()))
	kv := []string{"id", bc.ID, "sent", strconv.Itoa(r.Sent), "held", strconv.Itoa(r.Held),
		"unreachable", strconv.Itoa(r.Unreachable), "failed", strconv.Itoa(r.Failed)}
	if next.IsZero() {
		b.notify(done, "broadcast_report", kv...)
	} else {
		b.notify(done, "broadcast_report_next", append(kv, "time", next.In(b.cfg.Location).Format("02/01/2006 15:04"))...)
	}
	return nil
}

// notify posts a text to whoever created the broadcast.
func (b *Broadcaster) notify(bc *store.Broadcast, key string, kv ...string) {
	if bc.Notify == nil || bc.Notify.ChatID == "" {
		return
	}
	lang := bc.NotifyLang
	if lang == "" {
		lang = "lo"
	}
	n := bc.Notify
	env := bot.Envelope{Channel: n.Channel, ChatID: n.ChatID, ThreadID: n.ThreadID, Group: n.Group,
		Purpose: bot.PurposeUpdate, Ref: "broadcast-report:" + bc.ID, Reply: bot.Reply{Text: b.cfg.Texts.T(lang, key, kv...)}}
	if err := b.cfg.Outbox.Enqueue([]bot.Envelope{env}); err != nil {
		b.log.Error("post broadcast progress", "broadcast", bc.ID, "err", err)
	}
}
