package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"testing"
	"time"

	"phuan/bot"
)

// BenchmarkSendDirect measures Channel.Send alone against the fake Bot API
// (HTTP round trip, escaping, form encoding), with no rate limit.
func BenchmarkSendDirect(b *testing.B) {
	f := newFakeAPI(b)
	c, _ := newTestChannel(b, f, nil)
	ctx := context.Background()
	d := bot.Delivery{ChatID: "700001", Reply: bot.Reply{Text: laoText(300),
		Buttons: [][]bot.Button{{{Label: "ເມນູ", Payload: "menu"}}}}}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		d.Seq = uint64(i + 1)
		if err := c.Send(ctx, d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sends/s")
}

// floodControl plays Telegram's limits in the fake: about 30 messages a
// second in total and one a second per chat (burst 3); beyond them it
// answers 429 with retry_after 1.
type floodControl struct {
	mu        sync.Mutex
	total     tokens
	chats     map[string]*tokens
	throttled int
	accepted  int
}

type tokens struct {
	n    float64
	last time.Time
}

func (t *tokens) take(rate, burst float64, now time.Time) bool {
	if t.last.IsZero() {
		t.n = burst
	} else {
		t.n = min(burst, t.n+now.Sub(t.last).Seconds()*rate)
	}
	t.last = now
	if t.n < 1 {
		return false
	}
	t.n--
	return true
}

func (fc *floodControl) respond(method string, p url.Values) (int, string, bool) {
	if method != "sendMessage" {
		return 0, "", false
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	now := time.Now()
	chat := fc.chats[p.Get("chat_id")]
	if chat == nil {
		chat = &tokens{}
		fc.chats[p.Get("chat_id")] = chat
	}
	// Check both before taking either, as a real limit would.
	if !chat.take(1, 3, now) {
		fc.throttled++
		return 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`, true
	}
	if !fc.total.take(30, 30, now) {
		chat.n++ // give the chat its token back
		fc.throttled++
		return 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`, true
	}
	fc.accepted++
	return 0, "", false // the fake's normal success answer
}

// BenchmarkSenderAt30PerSecond sends through the real outbox sender with
// the default limits (30/s in total) to a fake that enforces Telegram's
// limits, and reports the rate achieved and the 429s seen. Run it with a
// fixed count, e.g. -bench SenderAt30 -benchtime 300x.
func BenchmarkSenderAt30PerSecond(b *testing.B) {
	f := newFakeAPI(b)
	fc := &floodControl{chats: map[string]*tokens{}}
	f.setResponder(fc.respond)
	c, _ := newTestChannel(b, f, nil)
	st := openStore(b, "")
	defer st.Close()
	limits := DefaultLimits(false)
	sender := bot.NewSender(bot.SenderConfig{Store: st, Logger: slog.New(slog.DiscardHandler), Metrics: bot.NewMetrics()})
	sender.AddChannel(c, limits)
	envs := make([]bot.Envelope, b.N)
	for i := range envs {
		envs[i] = bot.Envelope{Channel: Name, ChatID: fmt.Sprint(1000 + i%100), Purpose: bot.PurposeBroadcast,
			Reply: bot.Reply{Text: fmt.Sprintf("ງານບຸນ 18 ທັນວາ #%d", i)}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := sender.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	// Enqueue after Start: Start loads the outbox, so items enqueued
	// before it would be queued twice.
	if err := sender.Enqueue(envs); err != nil {
		b.Fatal(err)
	}
	if err := sender.WaitIdle(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.accepted != b.N {
		b.Fatalf("%d of %d delivered", fc.accepted, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
	b.ReportMetric(limits.PerSecond, "limit/s")
	b.ReportMetric(float64(fc.throttled), "429s")
}
