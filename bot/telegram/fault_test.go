package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// faultServer wraps the fake Bot API for the fault test: it feeds updates
// a little ahead of the replies, fails sends at the given rates, and
// records every send it accepted.
type faultServer struct {
	*fakeAPI
	total      int
	chats      int
	rng        *rand.Rand
	throttleP  float64
	failP      float64
	feedAhead  int
	firstID    int64
	mu         sync.Mutex
	pushed     int
	perChat    []int // messages generated so far, per chat
	received   map[int][]int
	accepted   int
	throttled  int
	failed     int
	crashAt    []int
	crashes    chan int // gets the accepted count at each crash point
	nextCrash  int
	allArrived chan struct{}
	closedAll  bool
	distinct   map[[2]int]bool
}

func newFaultServer(t testing.TB, total, chats int, crashAt []int) *faultServer {
	s := &faultServer{fakeAPI: newFakeAPI(t), total: total, chats: chats, rng: rand.New(rand.NewPCG(1, 2)),
		throttleP: 0.10, failP: 0.05, feedAhead: 600, firstID: 1000, perChat: make([]int, chats),
		received: map[int][]int{}, crashAt: crashAt, crashes: make(chan int, len(crashAt)),
		allArrived: make(chan struct{}), distinct: map[[2]int]bool{}}
	s.setResponder(s.respond)
	s.feed()
	return s
}

// feed queues updates until feedAhead more than the accepted replies. It
// pushes while holding s.mu so updates reach the queue in id order.
func (s *faultServer) feed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	var batch []json.RawMessage
	for s.pushed < s.total && s.pushed < s.accepted+s.feedAhead {
		chat := s.rng.IntN(s.chats)
		if s.pushed < s.chats {
			chat = s.pushed // every chat gets at least one message
		}
		s.perChat[chat]++
		id := s.firstID + int64(s.pushed)
		batch = append(batch, textUpdate(id, int64(chat+1), fmt.Sprintf("%d:%d", chat, s.perChat[chat])))
		s.pushed++
	}
	if len(batch) > 0 {
		s.push(batch...)
	}
}

func (s *faultServer) respond(method string, p url.Values) (int, string, bool) {
	if method != "sendMessage" {
		return 0, "", false
	}
	s.mu.Lock()
	r := s.rng.Float64()
	switch {
	case r < s.throttleP:
		s.throttled++
		s.mu.Unlock()
		return 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`, true
	case r < s.throttleP+s.failP:
		s.failed++
		s.mu.Unlock()
		return 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, true
	}
	text, _ := strings.CutPrefix(p.Get("text"), "echo ")
	chatStr, nStr, _ := strings.Cut(text, ":")
	chat, _ := strconv.Atoi(chatStr)
	n, _ := strconv.Atoi(nStr)
	s.received[chat] = append(s.received[chat], n)
	s.distinct[[2]int{chat, n}] = true
	s.accepted++
	if s.nextCrash < len(s.crashAt) && s.accepted == s.crashAt[s.nextCrash] {
		s.crashes <- s.accepted
		s.nextCrash++
	}
	if len(s.distinct) == s.total && !s.closedAll {
		s.closedAll = true
		close(s.allArrived)
	}
	s.mu.Unlock()
	s.feed()
	return 200, s.sentMessage(p), true
}

// process is one run of the bot: store, engine, sender, channel, polling.
type process struct {
	store  *store.Store
	engine *bot.Engine
	sender *bot.Sender
	ch     *Channel
	cancel context.CancelFunc
	polled chan error
}

func startProcess(t testing.TB, dir string, s *faultServer, logs *logSink) *process {
	t.Helper()
	st := openStore(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{store: st, cancel: cancel, polled: make(chan error, 1)}
	quiet := slog.New(slog.DiscardHandler)
	ch, err := New(Config{Token: testToken, Endpoint: s.endpoint(), Payloads: st, PollTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Metrics: bot.NewMetrics()})
	if err != nil {
		t.Fatal(err)
	}
	p.ch = ch
	p.sender = bot.NewSender(bot.SenderConfig{Store: st, Logger: quiet})
	p.sender.AddChannel(ch, bot.Limits{PerSecond: 20000, Burst: 1000, PerChatPerSecond: 1000, PerChatBurst: 100})
	echo := bot.HandlerFunc(func(_ context.Context, m bot.Message) ([]bot.Envelope, error) {
		return []bot.Envelope{bot.ReplyTo(m, bot.Reply{Text: "echo " + m.Text})}, nil
	})
	p.engine = bot.NewEngine(bot.EngineConfig{Store: st, Sender: p.sender, Handler: echo, Logger: quiet})
	if err := p.sender.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { p.polled <- ch.Poll(ctx, p.engine) }()
	return p
}

// crash stops the process hard: contexts cancelled and the store closed
// at once, nothing drained.
func (p *process) crash() {
	p.cancel()
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	p.engine.Stop(expired) // refuse new work; does not wait
	p.store.Close()
	<-p.polled
	p.sender.Wait()
	p.ch.Close()
}

// stop is a clean stop at the end of the test.
func (p *process) stop() {
	p.cancel()
	<-p.polled
	p.sender.Wait()
	p.engine.Stop(context.Background())
	p.ch.Close()
	p.store.Close()
}

func TestFaultCrashRestart(t *testing.T) {
	runFault(t, 5000, 300, []int{2500})
}

// TestFaultLong is the long variant: PHUAN_LONG_TESTS=1 go test -run FaultLong ./bot/telegram/
func TestFaultLong(t *testing.T) {
	if os.Getenv("PHUAN_LONG_TESTS") == "" || testing.Short() {
		t.Skip("set PHUAN_LONG_TESTS=1 to run")
	}
	runFault(t, 30000, 1000, []int{5000, 15000, 25000})
}

func runFault(t *testing.T, total, chats int, crashAt []int) {
	start := time.Now()
	dir := t.TempDir()
	srv := newFaultServer(t, total, chats, crashAt)
	logs := &logSink{}
	p := startProcess(t, dir, srv, logs)
	crashes := 0
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
wait:
	for {
		select {
		case n := <-srv.crashes:
			p.crash()
			crashes++
			t.Logf("crash %d after %d accepted sends, %s in", crashes, n, time.Since(start).Round(time.Millisecond))
			p = startProcess(t, dir, srv, logs)
		case <-srv.allArrived:
			break wait
		case <-deadline.C:
			p.stop()
			srv.diagnose(t, dir)
			t.Fatalf("timed out: %d of %d distinct replies arrived", len(srv.distinct), total)
		}
	}
	waitFor(t, "every update confirmed", 10*time.Second, srv.changed,
		func() bool { return srv.confirmedOffset() == srv.firstID+int64(total) })
	p.stop()

	srv.mu.Lock()
	defer srv.mu.Unlock()
	if crashes != len(crashAt) {
		t.Fatalf("%d crashes happened, want %d", crashes, len(crashAt))
	}
	dups := 0
	for chat := range chats {
		got := srv.received[chat]
		want := srv.perChat[chat]
		var dedup []int
		chatDups := 0
		for i, n := range got {
			if i > 0 && n == got[i-1] {
				chatDups++ // the same reply again, right after itself: resent after a crash
				continue
			}
			dedup = append(dedup, n)
		}
		// A chat's next message waits until the previous one is marked
		// delivered, so each crash can repeat at most one message a chat.
		if chatDups > len(crashAt) {
			t.Errorf("chat %d: %d duplicate replies for %d crashes: %v", chat, chatDups, len(crashAt), got)
		}
		dups += chatDups
		if len(dedup) != want {
			t.Errorf("chat %d: %d distinct replies, want %d: %v", chat, len(dedup), want, got)
			continue
		}
		for i, n := range dedup {
			if n != i+1 {
				t.Fatalf("chat %d: replies out of order: %v", chat, got)
			}
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d messages from %d chats: all answered in order in %s; %d crash(es); %d duplicate(s) (sent, not yet marked delivered at a crash); "+
		"fake API served %d accepted sends, %d × 429, %d × 500",
		total, chats, elapsed.Round(time.Millisecond), crashes, dups, srv.accepted, srv.throttled, srv.failed)
	assertNoSecrets(t, logs.String())
}

// diagnose reports where the missing replies are.
func (s *faultServer) diagnose(t *testing.T, dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	missing := map[string]bool{}
	for chat := range s.chats {
		for n := 1; n <= s.perChat[chat]; n++ {
			if !s.distinct[[2]int{chat, n}] {
				missing[fmt.Sprintf("%d:%d", chat, n)] = true
				t.Logf("missing reply %d:%d; chat received %v", chat, n, s.received[chat])
			}
		}
	}
	st := openStore(t, dir)
	defer st.Close()
	inbox, _ := st.PendingInbound()
	for _, it := range inbox {
		if strings.Contains(string(it.Body), `"text":"`) {
			for m := range missing {
				if strings.Contains(string(it.Body), `"text":"`+m+`"`) {
					t.Logf("in the inbox: %s", it.Body)
				}
			}
		}
	}
	t.Logf("%d in the inbox", len(inbox))
	out, _ := st.PendingOutbox()
	for _, it := range out {
		t.Logf("in the outbox: %+v body=%s", it, it.Body)
	}
	failed, _ := st.FailedOutbox()
	for _, it := range failed {
		t.Logf("failed: %+v body=%s", it, it.Body)
	}
	s.fakeAPI.mu.Lock()
	t.Logf("confirmed offset %d, %d updates still queued", s.fakeAPI.confirmed, len(s.fakeAPI.updates))
	for _, u := range s.fakeAPI.updates {
		for m := range missing {
			if strings.Contains(string(u.raw), `"text":"`+m+`"`) {
				t.Logf("unconfirmed at Telegram: %s", u.raw)
			}
		}
	}
	s.fakeAPI.mu.Unlock()
}
