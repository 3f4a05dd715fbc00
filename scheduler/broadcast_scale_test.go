package scheduler

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// senderWorkers is the sender's default number of workers: at most that
// many sends can be in flight when the process stops.
const senderWorkers = 16

// TestBroadcastToTenThousandSurvivesAHardStop broadcasts to 10,000 people
// through a channel that answers "throttled" above 1,000 messages a
// second, stops everything hard in the middle, and starts again: nobody
// opted out gets anything, nobody is missed, the limit is never hit, and
// the only repeats are the sends in flight at the stop.
func TestBroadcastToTenThousandSurvivesAHardStop(t *testing.T) {
	if testing.Short() {
		t.Skip("broadcasts 10,000 messages")
	}
	const people, optedOut = 10000, 100
	path := t.TempDir() + "/phuan.db"
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	addSubscribers(t, st, people, store.TopicNews, time.Now())
	stopped := map[string]bool{}
	for i := 1; i <= optedOut; i++ {
		id := "p" + strconv.Itoa(i*97)
		if err := st.StopBroadcasts(id, time.Now()); err != nil {
			t.Fatal(err)
		}
		stopped["c"+strconv.Itoa(i*97)] = true
	}
	b := newBroadcast(t, st, store.Audience{Topic: store.TopicNews}, "", time.Now())
	st.Close()

	// Telegram's paid-broadcast limits; the fake platform allows the same
	// rate, with room for one send per worker arriving together.
	limits := bot.Limits{PerSecond: 1000, Burst: 50}
	ch := newFakeChannel(limits.PerSecond, float64(limits.Burst+senderWorkers))
	ch.latency = 2 * time.Millisecond
	half := make(chan struct{})
	var once sync.Once
	ch.watch = func(n int64) {
		if n >= 4000 {
			once.Do(func() { close(half) })
		}
	}
	first := startRig(t, path, ch, limits, bot.SystemClock{}, 500)
	select {
	case <-half:
	case <-time.After(2 * time.Minute):
		t.Fatalf("only %d delivered in two minutes", ch.delivered.Load())
	}
	first.hardStop()
	beforeStop := ch.counts("broadcast:")

	// Sends in flight: delivered, but still in the outbox when it stopped.
	st, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	pending, _ := st.PendingOutbox()
	inFlight := 0
	for _, it := range pending {
		if strings.HasPrefix(it.Ref, "broadcast:") && beforeStop[it.ChatID] > 0 {
			inFlight++
		}
	}
	st.Close()
	t.Logf("stopped after %d deliveries with %d sends in flight", ch.delivered.Load(), inFlight)

	ch.rest()
	second := startRig(t, path, ch, limits, bot.SystemClock{}, 500)
	report := waitReport(t, ch, "broadcast_report", 3*time.Minute)
	second.stop(t)

	got := ch.counts("broadcast:" + b.ID + ":1")
	repeats, missed := 0, 0
	for i := 1; i <= people; i++ {
		chat := "c" + strconv.Itoa(i)
		n := got[chat]
		switch {
		case stopped[chat] && n > 0:
			t.Errorf("%s opted out and got %d messages", chat, n)
		case !stopped[chat] && n == 0:
			missed++
		case n > 1:
			repeats += n - 1
		}
	}
	if missed > 0 {
		t.Errorf("%d people got nothing", missed)
	}
	if repeats != inFlight || repeats > senderWorkers {
		t.Errorf("%d repeats; %d sends were in flight (at most %d)", repeats, inFlight, senderWorkers)
	}
	if n := ch.throttles(); n > 0 {
		t.Errorf("the platform answered throttled %d times", n)
	}
	want := fmt.Sprintf("en:broadcast_report id=%s sent=%d held=0 unreachable=0 failed=0", b.ID, people-optedOut)
	if report != want {
		t.Errorf("report %q, want %q", report, want)
	}
}

// BenchmarkBroadcastRate measures the rate a broadcast achieves against
// the channel's limit: Telegram's 30/s (short) and paid 1,000/s.
func BenchmarkBroadcastRate(b *testing.B) {
	for _, tc := range []struct {
		rate   float64
		burst  int
		people int
	}{{30, 5, 150}, {1000, 50, 5000}} {
		b.Run(strconv.Itoa(int(tc.rate))+"_per_s", func(b *testing.B) {
			for range b.N {
				path := b.TempDir() + "/phuan.db"
				st, _ := store.Open(path)
				addSubscribers(b, st, tc.people, store.TopicNews, time.Now())
				bc := newBroadcast(b, st, store.Audience{}, "", time.Now())
				st.Close()
				b.StopTimer()
				limits := bot.Limits{PerSecond: tc.rate, Burst: tc.burst}
				ch := newFakeChannel(tc.rate, float64(tc.burst+senderWorkers))
				b.StartTimer()
				r := startRig(b, path, ch, limits, bot.SystemClock{}, 500)
				waitReport(b, ch, "broadcast_report", 10*time.Minute)
				b.StopTimer()
				r.stop(b)
				if n := len(ch.counts("broadcast:" + bc.ID + ":")); n != tc.people {
					b.Fatalf("reached %d of %d", n, tc.people)
				}
				// Every message counts against the limit, the progress
				// posted to the moderators too; the first burst goes at once.
				achieved := ch.achievedRate(tc.burst)
				b.ReportMetric(achieved, "msgs/s")
				b.ReportMetric(achieved/tc.rate, "of_limit")
				b.ReportMetric(float64(ch.throttles()), "throttled")
			}
		})
	}
}

// BenchmarkBroadcastMemory measures the heap while broadcasting to 100,000
// subscribers without a rate limit.
func BenchmarkBroadcastMemory(b *testing.B) {
	const people = 100000
	for range b.N {
		b.StopTimer()
		path := b.TempDir() + "/phuan.db"
		st, _ := store.Open(path)
		addSubscribers(b, st, people, store.TopicNews, time.Now())
		bc := newBroadcast(b, st, store.Audience{Topic: store.TopicNews}, "", time.Now())
		st.Close()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		var peak uint64
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapInuse)
				}
			}
		}()
		ch := newFakeChannel(0, 0)
		b.StartTimer()
		start := time.Now()
		r := startRig(b, path, ch, bot.Limits{}, bot.SystemClock{}, 500)
		waitReport(b, ch, "broadcast_report", 20*time.Minute)
		elapsed := time.Since(start)
		b.StopTimer()
		close(stop)
		<-sampled
		r.stop(b)
		if n := len(ch.counts("broadcast:" + bc.ID + ":")); n != people {
			b.Fatalf("reached %d of %d", n, people)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "heap_growth_MB")
		b.ReportMetric(people/elapsed.Seconds(), "msgs/s")
	}
}
