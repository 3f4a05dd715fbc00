package scheduler

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

var modsRoom = &store.Address{Channel: "telegram", ChatID: "mods", Group: true}

// rig is a store, a real sender through a fake channel, and a broadcaster
// wired to the sender's hooks, as the app wires them.
type rig struct {
	st     *store.Store
	sender *bot.Sender
	bc     *Broadcaster
	ch     *fakeChannel
	clock  bot.Clock
	cancel context.CancelFunc
	done   chan struct{}
}

func startRig(t testing.TB, path string, ch *fakeChannel, limits bot.Limits, clock bot.Clock, batch int) *rig {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{st: st, ch: ch, clock: clock, done: make(chan struct{})}
	r.sender = bot.NewSender(bot.SenderConfig{Store: st, Hooks: bot.SenderHooks{
		Finished: func(it store.OutboxItem, result string) { r.bc.Finished(it, result) },
		Held:     func(channel string, d bot.Delivery) { r.bc.Held(channel, d) },
	}})
	r.sender.AddChannel(ch, limits)
	r.bc = NewBroadcaster(BroadcasterConfig{Store: st, Outbox: r.sender, Texts: keyTexts{}, Clock: clock,
		Location: store.LaoTime(), BatchSize: batch})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	if err := r.sender.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		r.bc.Run(ctx)
	}()
	r.bc.Wake()
	return r
}

// stop lets the outbox drain, then stops everything.
func (r *rig) stop(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.sender.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	r.hardStop()
}

// hardStop stops at once: nothing is drained, the store is closed under
// the workers' feet, as a crash leaves it.
func (r *rig) hardStop() {
	r.cancel()
	r.st.Close()
	r.sender.Wait()
	<-r.done
}

// waitReport waits for a text to the moderators containing key.
func waitReport(t testing.TB, ch *fakeChannel, key string, limit time.Duration) string {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case s := <-ch.reports:
			if strings.Contains(s, key) {
				return s
			}
		case <-deadline:
			t.Fatalf("no %s posted within %v; delivered %d", key, limit, ch.delivered.Load())
		}
	}
}

func newBroadcast(t testing.TB, st *store.Store, aud store.Audience, cron string, now time.Time) *store.Broadcast {
	t.Helper()
	b := &store.Broadcast{Texts: store.Texts{"lo": "ຂ່າວ", "en": "News"}, Audience: aud, Cron: cron, Notify: modsRoom, NotifyLang: "en"}
	if cron != "" {
		next, err := store.NextRecurrence(cron, now, store.LaoTime())
		if err != nil {
			t.Fatal(err)
		}
		b.NextAt = next
	}
	if err := st.CreateBroadcast(b, now); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBroadcastReachesEveryoneOnceSkipsOptOutAndCountsHeld(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	st, _ := store.Open(path)
	addSubscribers(t, st, 120, store.TopicEvents, day0)
	for _, p := range []string{"p7", "p8", "p9"} {
		st.StopBroadcasts(p, day0)
	}
	st.UpdatePerson("p10", func(p *store.Person) error { p.Unreachable = true; return nil })
	b := newBroadcast(t, st, store.Audience{}, "", time.Now())
	st.Close()

	ch := newFakeChannel(0, 0)
	ch.held["c11"], ch.held["c12"] = true, true
	r := startRig(t, path, ch, bot.Limits{}, bot.SystemClock{}, 25)
	report := waitReport(t, ch, "broadcast_report", 5*time.Second)
	r.stop(t)
	got := ch.counts("broadcast:" + b.ID + ":")
	for i := 1; i <= 120; i++ {
		chat := "c" + strconv.Itoa(i)
		want := 1
		switch i {
		case 7, 8, 9, 10, 11, 12:
			want = 0
		}
		if got[chat] != want {
			t.Errorf("%s got %d, want %d", chat, got[chat], want)
		}
	}
	if want := "en:broadcast_report id=" + b.ID + " sent=114 held=2 unreachable=1 failed=0"; report != want {
		t.Errorf("report %q, want %q", report, want)
	}
}

func TestRecurringBroadcastRunsAtEachTimeAndSkipsTooLate(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	st, _ := store.Open(path)
	addSubscribers(t, st, 30, store.TopicNews, day0)
	b := newBroadcast(t, st, store.Audience{Topic: store.TopicNews}, "0 9 * * *", day0)
	st.Close()
	vte := store.LaoTime()
	if want := time.Date(2026, 11, 23, 9, 0, 0, 0, vte); !b.NextAt.Equal(want) {
		t.Fatalf("first run at %v, want %v", b.NextAt, want)
	}
	clock := bot.NewManualClock(time.Date(2026, 11, 23, 8, 59, 0, 0, vte))
	ch := newFakeChannel(0, 0)
	r := startRig(t, path, ch, bot.Limits{}, clock, 10)
	ctx := context.Background()
	if err := r.bc.Pump(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := ch.delivered.Load(); n != 0 {
		t.Fatalf("%d sent before its time", n)
	}
	for run := 1; run <= 2; run++ {
		clock.Set(time.Date(2026, 11, 22+run, 9, 0, 0, 0, vte))
		if err := r.bc.Pump(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		next := time.Date(2026, 11, 23+run, 9, 0, 0, 0, vte).Format("02/01/2006 15:04")
		if rep := waitReport(t, ch, "broadcast_report", time.Minute); !strings.HasSuffix(rep, "sent=30 held=0 unreachable=0 failed=0 time="+next) {
			t.Fatalf("run %d report %q", run, rep)
		}
		got := ch.counts("broadcast:" + b.ID + ":" + strconv.Itoa(run))
		if len(got) != 30 {
			t.Fatalf("run %d reached %d people", run, len(got))
		}
	}
	// Down from before 25 November 09:00 until 22:00: thirteen hours late,
	// that run is skipped and the next one planned.
	clock.Set(time.Date(2026, 11, 25, 22, 0, 0, 0, vte))
	if err := r.bc.Pump(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	waitReport(t, ch, "broadcast_missed", time.Minute)
	r.stop(t)
	st, _ = store.Open(path)
	defer st.Close()
	got, _ := st.Broadcast(b.ID)
	if got.Status != store.BroadcastScheduled || got.Run.Number != 2 || !got.NextAt.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, vte)) {
		t.Fatalf("after a missed time: %s run %d next %v", got.Status, got.Run.Number, got.NextAt)
	}
	if n := ch.delivered.Load(); n != 60 {
		t.Fatalf("%d delivered in all, want 60", n)
	}
}

func TestCancelStopsPickingPeople(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	st, _ := store.Open(path)
	addSubscribers(t, st, 100, store.TopicNews, day0)
	b := newBroadcast(t, st, store.Audience{}, "", time.Now())
	st.Close()
	ch := newFakeChannel(0, 0)
	ch.gate = make(chan struct{})
	r := startRig(t, path, ch, bot.Limits{}, bot.SystemClock{}, 10)
	ch.gate <- struct{}{} // one message through: the first batches are queued
	if _, err := r.st.CancelBroadcast(b.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	close(ch.gate)
	r.stop(t)
	if n := ch.delivered.Load(); n > 20 {
		t.Fatalf("%d delivered after cancelling; at most two batches (20) may be queued", n)
	}
}

// TestBroadcastSettlesAfterCrashes checks each crash point between picking
// a batch and confirming it.
func TestBroadcastSettlesAfterCrashes(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*store.Store, *store.Broadcast) {
		st := openStore(t)
		addSubscribers(t, st, 30, store.TopicNews, day0)
		b := newBroadcast(t, st, store.Audience{}, "", day0)
		return st, b
	}
	// drain plays the sender: it delivers what is queued and reports it,
	// until the broadcaster has nothing more to queue.
	drain := func(bc *Broadcaster, st *store.Store) {
		for range 10 {
			items, _ := st.PendingOutbox()
			for _, it := range items {
				st.CompleteOutbox(it.Seq)
				bc.Finished(it, "sent")
			}
			bc.Pump(ctx, day0)
		}
	}
	once := func(t *testing.T, out *storeOutbox, b *store.Broadcast) {
		t.Helper()
		got := out.count("broadcast:" + b.ID + ":1")
		if len(got) != 30 {
			t.Fatalf("%d people queued, want 30", len(got))
		}
		for chat, n := range got {
			if n != 1 {
				t.Fatalf("%s queued %d times", chat, n)
			}
		}
	}
	t.Run("picked but never queued", func(t *testing.T) {
		st, b := setup(t)
		out := &storeOutbox{st: st, fail: errors.New("disk full")}
		bc := NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10})
		if err := bc.Pump(ctx, day0); err == nil {
			t.Fatal("no error")
		}
		out.fail = nil
		drain(NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10}), st)
		once(t, out, b)
	})
	t.Run("queued but not confirmed", func(t *testing.T) {
		st, b := setup(t)
		out := &storeOutbox{st: st}
		bc := NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10})
		// Start the run and queue one batch by hand, as a crash before
		// ConfirmBroadcastBatch leaves it.
		st.StartBroadcastRun(b.ID, 30, day0)
		_, batch, _ := st.ReserveBroadcastBatch(b.ID, 10, 1000, day0)
		cur, _ := st.Broadcast(b.ID)
		if err := bc.enqueue(cur, batch.Recipients); err != nil {
			t.Fatal(err)
		}
		drain(NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10}), st)
		once(t, out, b)
	})
	t.Run("delivered while its result was lost", func(t *testing.T) {
		st, b := setup(t)
		out := &storeOutbox{st: st}
		NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10}).Pump(ctx, day0)
		// The sender delivered the queued messages, then the process died
		// before their results were counted.
		items, _ := st.PendingOutbox()
		for _, it := range items {
			st.CompleteOutbox(it.Seq)
		}
		drain(NewBroadcaster(BroadcasterConfig{Store: st, Outbox: out, Texts: keyTexts{}, BatchSize: 10}), st)
		once(t, out, b)
		got, _ := st.Broadcast(b.ID)
		if got.Status != store.BroadcastDone || got.Run.Sent != 30 {
			t.Fatalf("%s, sent %d", got.Status, got.Run.Sent)
		}
	})
}

// TestBroadcastReachesSubscribedGroups: after the people, the groups whose
// admins subscribed them to the topic get the message, once, as groups
// (the group rate, the group's stop button); a broadcast aimed at a
// country reaches no group; a group the bot left is dropped.
func TestBroadcastReachesSubscribedGroups(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	st, _ := store.Open(path)
	addSubscribers(t, st, 30, store.TopicEvents, day0)
	for chat, topics := range map[string][]store.Topic{
		"-1001": {store.TopicEvents}, "-1002": {store.TopicNews}, "-1003": {store.TopicEvents, store.TopicNews},
	} {
		if _, err := st.UpdateGroupSubscription("telegram", chat, func(g *store.GroupSubscription) {
			g.Lang, g.Topics = "th", topics
		}, day0); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.CountAudience(store.Audience{Topic: store.TopicEvents}); err != nil || n != 32 {
		t.Fatalf("audience %d, %v; want 30 people and 2 groups", n, err)
	}
	events := newBroadcast(t, st, store.Audience{Topic: store.TopicEvents}, "", time.Now())
	thailand := newBroadcast(t, st, store.Audience{Countries: []string{"TH"}}, "", time.Now())
	st.Close()

	ch := newFakeChannel(0, 0)
	r := startRig(t, path, ch, bot.Limits{}, bot.SystemClock{}, 7)
	reports := []string{waitReport(t, ch, "broadcast_report", 5*time.Second), waitReport(t, ch, "broadcast_report", 5*time.Second)}
	r.stop(t)
	got := ch.counts("broadcast:" + events.ID + ":")
	if got["-1001"] != 1 || got["-1003"] != 1 || got["-1002"] != 0 || len(got) != 32 {
		t.Fatalf("events broadcast reached %v", got)
	}
	if ch.buttons["-1001"] != "gsubs:stop" {
		t.Errorf("a group's message has buttons %q, want the group's stop", ch.buttons["-1001"])
	}
	for chat := range ch.counts("broadcast:" + thailand.ID + ":") {
		if strings.HasPrefix(chat, "-") {
			t.Errorf("a broadcast to a country reached group %s", chat)
		}
	}
	want := "en:broadcast_report id=" + events.ID + " sent=32 held=0 unreachable=0 failed=0"
	if reports[0] != want && reports[1] != want {
		t.Errorf("reports %q, want one %q", reports, want)
	}
}
