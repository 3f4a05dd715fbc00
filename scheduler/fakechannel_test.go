package scheduler

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"phuan/bot"
)

// fakeChannel plays a messaging platform that answers "throttled" (the
// 429 of the Bot API) above rate messages a second, with bursts of up to
// burst, counts what each chat got, and passes messages for the
// moderators' chat to reports.
type fakeChannel struct {
	name  string
	rate  float64 // 0: no limit
	burst float64

	mu        sync.Mutex
	tokens    float64
	last      time.Time
	got       map[string]int    // ref \x00 chat → deliveries
	buttons   map[string]string // chat → payloads of the last message's buttons, for groups
	held      map[string]bool
	throttled int
	gate      chan struct{} // when set, each send waits for a token from it
	latency   time.Duration // how long the platform takes to answer

	accepted      int       // every message taken, moderators' ones too
	first, latest time.Time // when the first and the latest were taken

	delivered atomic.Int64
	reports   chan string
	watch     func(n int64)
}

func newFakeChannel(rate, burst float64) *fakeChannel {
	return &fakeChannel{name: "telegram", rate: rate, burst: burst, tokens: burst, got: map[string]int{},
		buttons: map[string]string{}, held: map[string]bool{}, reports: make(chan string, 1000)}
}

func (f *fakeChannel) Name() string { return f.name }

func (f *fakeChannel) Send(ctx context.Context, d bot.Delivery) error {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.latency > 0 {
		time.Sleep(f.latency) // the platform's answer time, not a wait for work
	}
	f.mu.Lock()
	if f.rate > 0 {
		now := time.Now()
		if !f.last.IsZero() {
			f.tokens = min(f.burst, f.tokens+now.Sub(f.last).Seconds()*f.rate)
		}
		f.last = now
		if f.tokens < 1 {
			f.throttled++
			f.mu.Unlock()
			return &bot.SendError{Kind: bot.Throttled, RetryAfter: time.Second}
		}
		f.tokens--
	}
	if f.held[d.ChatID] {
		f.mu.Unlock()
		return &bot.SendError{Kind: bot.Held}
	}
	f.accepted++
	f.latest = time.Now()
	if f.first.IsZero() {
		f.first = f.latest
	}
	if strings.HasPrefix(d.Ref, "broadcast-report:") {
		f.mu.Unlock()
		select {
		case f.reports <- d.Reply.Text:
		default:
		}
		return nil
	}
	f.got[d.Ref+"\x00"+d.ChatID]++
	if d.Group {
		var payloads []string
		for _, row := range d.Reply.Buttons {
			for _, b := range row {
				payloads = append(payloads, b.Payload)
			}
		}
		f.buttons[d.ChatID] = strings.Join(payloads, " ")
	}
	f.mu.Unlock()
	n := f.delivered.Add(1)
	if f.watch != nil {
		f.watch(n)
	}
	return nil
}

// rest plays time passing while the bot is down: the platform's rate
// window refills.
func (f *fakeChannel) rest() {
	f.mu.Lock()
	f.tokens, f.last = f.burst, time.Time{}
	f.mu.Unlock()
}

// counts returns, for refs starting with prefix, deliveries by chat.
func (f *fakeChannel) counts(prefix string) map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, n := range f.got {
		ref, chat, _ := strings.Cut(k, "\x00")
		if strings.HasPrefix(ref, prefix) {
			out[chat] += n
		}
	}
	return out
}

// rate is the rate at which messages were taken after the first burst.
func (f *fakeChannel) achievedRate(burst int) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return float64(f.accepted-burst) / f.latest.Sub(f.first).Seconds()
}

func (f *fakeChannel) throttles() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}
