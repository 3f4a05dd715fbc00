package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"phuan/bot"
	"phuan/bot/telegram"
	"phuan/handlers"
	"phuan/scheduler"
	"phuan/store"
)

// ErrUsage marks a bench asked for with impossible settings.
var ErrUsage = errors.New("bad bench settings")

// BroadcastConfig configures Broadcast.
type BroadcastConfig struct {
	Subscribers int
	// Rate is what the fake Bot API allows, in messages a second; Phuan
	// is configured for it as a deployer would (TELEGRAM_RATE, and
	// TELEGRAM_PAID_BROADCAST above Telegram's free 30/s).
	Rate     float64
	Progress io.Writer
	// Timeout bounds the broadcast; default 1.5 times the ideal duration
	// plus two minutes.
	Timeout time.Duration
	Logger  *slog.Logger // default: errors to stderr
}

// BroadcastReport is what a broadcast achieved against the allowed rate.
type BroadcastReport struct {
	CPUs        int     `json:"cpus"`
	Subscribers int     `json:"subscribers"`
	Rate        float64 `json:"allowed_rate"`
	Paid        bool    `json:"paid_broadcast"`
	Sent        int64   `json:"sent"`
	// Achieved is the send rate from the first message accepted to the
	// last; Ratio is Achieved / Rate.
	Achieved float64 `json:"achieved_rate"`
	Ratio    float64 `json:"ratio"`
	// Caused429 counts the 429 answers Phuan caused by sending too fast.
	Caused429 int64 `json:"caused_429"`
	// PeakWindow is the most messages accepted within any one second.
	PeakWindow int `json:"peak_sends_in_one_second"`
	// Seconds runs from the broadcast being due to its last message
	// accepted; FirstSendSeconds is the part before the first message.
	Seconds          float64 `json:"seconds"`
	FirstSendSeconds float64 `json:"seconds_to_first_send"`
	// Counted is what the broadcast's own record says was sent.
	Counted     int     `json:"counted_sent"`
	Failed      int     `json:"counted_failed"`
	SeedSeconds float64 `json:"seed_seconds"`
	// DatabaseMB is the data file's size before the broadcast, and
	// DatabaseAfterMB after it.
	DatabaseMB      float64 `json:"database_mb"`
	DatabaseAfterMB float64 `json:"database_after_mb"`
	PeakGoMB        float64 `json:"peak_go_mb"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
}

// outboxFunc adapts a function to scheduler.Outbox.
type outboxFunc func(envs []bot.Envelope) error

func (f outboxFunc) Enqueue(envs []bot.Envelope) error { return f(envs) }

// Broadcast stores Subscribers people in a fresh data folder, then sends
// them one broadcast through the broadcaster, the outbox sender and the
// Telegram channel, wired as wire_courses.go wires them, against a fake
// Bot API that answers 429 above Rate.
func Broadcast(ctx context.Context, cfg BroadcastConfig) (*BroadcastReport, error) {
	if cfg.Subscribers <= 0 || cfg.Rate <= 0 {
		return nil, fmt.Errorf("%w: broadcast needs subscribers and a rate above 0", ErrUsage)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Duration(1.5*float64(cfg.Subscribers)/cfg.Rate*float64(time.Second)) + 2*time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	rep := &BroadcastReport{CPUs: runtime.NumCPU(), Subscribers: cfg.Subscribers, Rate: cfg.Rate,
		Paid: cfg.Rate > telegram.DefaultLimits(false).PerSecond}
	dir, err := os.MkdirTemp("", "phuan-bench-")
	if err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	defer os.RemoveAll(dir)

	seedStart := time.Now()
	if err := seedSubscribers(ctx, dir, cfg.Subscribers, cfg.Progress); err != nil {
		return nil, err
	}
	rep.SeedSeconds = seconds(time.Since(seedStart))
	st, err := store.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if fi, err := os.Stat(st.Path()); err == nil {
		rep.DatabaseMB = MB(uint64(fi.Size()))
	}
	cat, err := handlers.LoadCatalog()
	if err != nil {
		return nil, err
	}

	var sent atomic.Int64
	all := make(chan struct{})
	api, err := NewFakeAPI(FakeOptions{Rate: cfg.Rate, OnSend: func(Sent) {
		if sent.Add(1) == int64(cfg.Subscribers) {
			close(all)
		}
	}})
	if err != nil {
		return nil, err
	}
	defer api.Close()

	log := cfg.Logger
	metrics := bot.NewMetrics()
	var sender *bot.Sender
	bc := scheduler.NewBroadcaster(scheduler.BroadcasterConfig{Store: st, Texts: cat, Logger: log, Metrics: metrics,
		Outbox: outboxFunc(func(envs []bot.Envelope) error { return sender.Enqueue(envs) })})
	sender = bot.NewSender(bot.SenderConfig{Store: st, Logger: log, Metrics: metrics,
		Hooks: bot.SenderHooks{Finished: bc.Finished, Held: bc.Held}})
	limits := telegram.DefaultLimits(rep.Paid)
	limits.PerSecond = cfg.Rate
	tg, err := telegram.New(telegram.Config{Token: Token, Endpoint: api.Endpoint(), Limits: limits,
		PaidBroadcast: rep.Paid, Payloads: st, Logger: log, Metrics: metrics})
	if err != nil {
		return nil, err
	}
	sender.AddChannel(tg, tg.Limits())
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	if err := sender.Start(runCtx); err != nil {
		return nil, err
	}
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		bc.Run(runCtx)
	}()
	defer func() {
		stop()
		<-pumped
		sender.Wait()
		tg.Close()
	}()

	b := &store.Broadcast{Texts: store.Texts{
		"lo": "ງານວັນແຮງງານເຄື່ອນຍ້າຍສາກົນ 18 ທັນວາ: ມາຮ່ວມງານທີ່ສູນບໍລິການ.",
		"th": "วันผู้ย้ายถิ่นสากล 18 ธันวาคม: เชิญร่วมงานที่ศูนย์บริการ",
		"en": "International Migrants Day, 18 December: join us at the service centre.",
	}}
	mem := sampleMemory(20 * time.Millisecond)
	begin := time.Now()
	if err := st.CreateBroadcast(b, begin); err != nil {
		mem.Stop()
		return nil, err
	}
	bc.Wake()
	hide := startProgress(cfg.Progress, 250*time.Millisecond, func() string {
		n, el := sent.Load(), time.Since(begin).Seconds()
		return fmt.Sprintf("broadcast %8d/%d sent  %7.1f/s (allowed %g)  429s %d", n, cfg.Subscribers,
			float64(n)/max(el, 1e-9), cfg.Rate, api.Stats().Throttled)
	})
	deadline := time.NewTimer(cfg.Timeout)
	defer deadline.Stop()
	select {
	case <-all:
	case <-deadline.C:
		err = fmt.Errorf("broadcast bench: only %d of %d messages sent within %s", sent.Load(), cfg.Subscribers, cfg.Timeout)
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err == nil {
		err = waitDone(ctx, st, b.ID)
	}
	hide()
	goPeak, rssPeak := mem.Stop()
	if err != nil {
		return nil, err
	}

	s := api.Stats()
	rep.Sent, rep.Caused429, rep.PeakWindow = s.Sent, s.Throttled, s.PeakWindow
	rep.FirstSendSeconds, rep.Seconds = seconds(s.FirstSend.Sub(begin)), seconds(s.LastSend.Sub(begin))
	if phase := s.LastSend.Sub(s.FirstSend).Seconds(); phase > 0 && s.Sent > 1 {
		rep.Achieved = math.Round(float64(s.Sent-1)/phase*10) / 10
		rep.Ratio = math.Round(rep.Achieved/cfg.Rate*1000) / 1000
	}
	if fi, err := os.Stat(st.Path()); err == nil {
		rep.DatabaseAfterMB = MB(uint64(fi.Size()))
	}
	if done, err := st.Broadcast(b.ID); err == nil {
		rep.Counted, rep.Failed = done.Run.Sent, done.Run.Failed+done.Run.Unreachable
	}
	rep.PeakGoMB, rep.PeakRSSMB = MB(goPeak), MB(rssPeak)
	return rep, nil
}

// waitDone waits until the broadcaster recorded the broadcast as done.
func waitDone(ctx context.Context, st *store.Store, id string) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	limit := time.NewTimer(time.Minute)
	defer limit.Stop()
	for {
		b, err := st.Broadcast(id)
		if err != nil {
			return err
		}
		if b.Status == store.BroadcastDone {
			return nil
		}
		select {
		case <-t.C:
		case <-limit.C:
			return fmt.Errorf("broadcast bench: every message was sent but the broadcast is still %s after a minute", b.Status)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// seedSubscribers stores n people subscribed to news, in transactions of
// ten thousand, then closes the store so the run starts with a cold map.
func seedSubscribers(ctx context.Context, dir string, n int, progress io.Writer) error {
	st, err := store.OpenDir(dir)
	if err != nil {
		return err
	}
	var done atomic.Int64
	hide := startProgress(progress, 250*time.Millisecond, func() string {
		return fmt.Sprintf("storing subscribers %8d/%d", done.Load(), n)
	})
	defer hide()
	langs := []string{"lo", "lo", "th", "en"}
	now := time.Now()
	const chunk = 10000
	for i := 0; i < n; i += chunk {
		if err := ctx.Err(); err != nil {
			st.Close()
			return err
		}
		subs := make([]store.NewSubscriber, min(chunk, n-i))
		for j := range subs {
			k := i + j
			subs[j] = store.NewSubscriber{
				Person: store.Person{Lang: langs[k%len(langs)], ConsentAt: now, CreatedAt: now, LastSeenAt: now,
					Profile: store.Profile{Country: "TH", Status: store.StatusAbroad}},
				Identity: store.Identity{Channel: telegram.Name, PlatformID: strconv.Itoa(200_000_000 + k)},
				Topics:   []store.Topic{store.TopicNews, store.TopicEvents},
			}
		}
		if err := st.CreateSubscribers(subs, now); err != nil {
			st.Close()
			return fmt.Errorf("store subscribers: %w", err)
		}
		done.Add(int64(len(subs)))
	}
	return st.Close()
}

func seconds(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }

// WriteTable prints the report for people.
func (r *BroadcastReport) WriteTable(w io.Writer) error {
	t := newTable(w)
	t.row("subscribers", "allowed/s", "paid", "sent", "achieved/s", "ratio", "429s caused", "peak 1-s window",
		"to 1st send s", "duration s", "peak Go MB", "peak RSS MB", "db MB", "db MB after")
	t.row(r.Subscribers, r.Rate, r.Paid, r.Sent, r.Achieved, r.Ratio, r.Caused429, r.PeakWindow,
		r.FirstSendSeconds, r.Seconds, r.PeakGoMB, r.PeakRSSMB, r.DatabaseMB, r.DatabaseAfterMB)
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nthe broadcast's record: %d sent, %d failed; %d subscribers stored in %.1f s; %d CPUs\n",
		r.Counted, r.Failed, r.Subscribers, r.SeedSeconds, r.CPUs)
	return err
}
