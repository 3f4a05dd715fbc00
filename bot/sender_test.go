package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"phuan/store"
)

// scripted fails the first sends of a chat with the given errors, in order.
type scripted struct {
	mu     sync.Mutex
	errs   map[string][]error
	sent   []string
	chats  []string
	failed int
}

func (s *scripted) Name() string { return "test" }

func (s *scripted) Send(_ context.Context, d Delivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.errs[d.ChatID]; len(q) > 0 {
		s.errs[d.ChatID] = q[1:]
		s.failed++
		return q[0]
	}
	s.sent = append(s.sent, d.Reply.Text)
	s.chats = append(s.chats, d.ChatID)
	return nil
}

func (s *scripted) result() ([]string, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...), append([]string(nil), s.chats...)
}

func newTestSender(t *testing.T, ch Channel, hooks SenderHooks) (*Sender, *store.Store) {
	t.Helper()
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s := NewSender(SenderConfig{Store: st, Hooks: hooks, Workers: 4})
	s.AddChannel(ch, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); s.Wait() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s, st
}

func envs(chat string, texts ...string) []Envelope {
	var out []Envelope
	for _, text := range texts {
		out = append(out, Envelope{Channel: "test", ChatID: chat, Reply: Reply{Text: text}})
	}
	return out
}

func waitIdle(t *testing.T, s *Sender) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitIdle(ctx); err != nil {
		t.Fatal("sender did not finish:", err)
	}
}

func TestThrottledAndTransientKeepOrder(t *testing.T) {
	ch := &scripted{errs: map[string][]error{"a": {
		&SendError{Kind: Throttled, RetryAfter: 10 * time.Millisecond},
		errors.New("connection reset"), // unclassified → transient
	}}}
	s, st := newTestSender(t, ch, SenderHooks{})
	if err := s.Enqueue(envs("a", "1", "2", "3")); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	sent, _ := ch.result()
	if len(sent) != 3 || sent[0] != "1" || sent[1] != "2" || sent[2] != "3" {
		t.Fatalf("sent %v, want 1 2 3 in order", sent)
	}
	if n, _ := st.OutboxDepth(); n != 0 {
		t.Errorf("outbox depth %d", n)
	}
}

func TestPermanentAndUnreachableAreRecordedNotRetried(t *testing.T) {
	var mu sync.Mutex
	var unreachable []string
	ch := &scripted{errs: map[string][]error{
		"bad":     {&SendError{Kind: Permanent, Err: errors.New("message is too long")}},
		"blocked": {&SendError{Kind: Unreachable, Err: errors.New("bot was blocked by the user")}},
	}}
	s, st := newTestSender(t, ch, SenderHooks{Unreachable: func(channel, chat, person string) {
		mu.Lock()
		unreachable = append(unreachable, chat)
		mu.Unlock()
	}})
	if err := s.Enqueue(append(envs("bad", "x", "y"), envs("blocked", "z")...)); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	sent, _ := ch.result()
	if len(sent) != 1 || sent[0] != "y" {
		t.Fatalf("sent %v, want only y", sent)
	}
	failed, _ := st.FailedOutbox()
	if len(failed) != 2 {
		t.Fatalf("%d recorded failures, want 2", len(failed))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(unreachable) != 1 || unreachable[0] != "blocked" {
		t.Errorf("unreachable hook got %v", unreachable)
	}
}

func TestChatMovedResendsToNewChat(t *testing.T) {
	var moved [2]string
	ch := &scripted{errs: map[string][]error{"-1": {&SendError{Kind: ChatMoved, NewChatID: "-1009"}}}}
	s, _ := newTestSender(t, ch, SenderHooks{ChatMoved: func(_, old, new string) { moved = [2]string{old, new} }})
	if err := s.Enqueue(envs("-1", "first", "second")); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	sent, chats := ch.result()
	if len(sent) != 2 || chats[0] != "-1009" || chats[1] != "-1009" || sent[0] != "first" {
		t.Fatalf("sent %v to %v", sent, chats)
	}
	if moved != [2]string{"-1", "-1009"} {
		t.Errorf("hook got %v", moved)
	}
}

func TestHeldUntilReleased(t *testing.T) {
	ch := &scripted{errs: map[string][]error{"p": {&SendError{Kind: Held}}}}
	held := make(chan Delivery, 1)
	s, st := newTestSender(t, ch, SenderHooks{Held: func(_ string, d Delivery) { held <- d }})
	if err := s.Enqueue(envs("p", "broadcast", "later")); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-held:
		if d.Reply.Text != "broadcast" {
			t.Fatalf("held %q", d.Reply.Text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing was held")
	}
	waitIdle(t, s) // held messages do not count as work
	if sent, _ := ch.result(); len(sent) != 0 {
		t.Fatalf("sent %v while held", sent)
	}
	if n, _ := st.OutboxDepth(); n != 2 {
		t.Fatalf("outbox depth %d while held, want 2", n)
	}
	s.Release("test", "p")
	waitIdle(t, s)
	if sent, _ := ch.result(); len(sent) != 2 || sent[0] != "broadcast" {
		t.Fatalf("after release sent %v", sent)
	}
}

func TestHeldSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	items, _ := Envelopes(envs("p", "held one"), time.Now())
	items[0].LastError = heldMark
	if err := st.EnqueueOutbox(items); err != nil {
		t.Fatal(err)
	}
	ch := &scripted{}
	s := NewSender(SenderConfig{Store: st})
	s.AddChannel(ch, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); s.Wait(); st.Close() }()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s)
	if sent, _ := ch.result(); len(sent) != 0 {
		t.Fatalf("a held message was sent at start: %v", sent)
	}
	s.Release("test", "p")
	waitIdle(t, s)
	if sent, _ := ch.result(); len(sent) != 1 {
		t.Fatalf("after release sent %v", sent)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for attempt := 1; attempt <= 20; attempt++ {
		d := Backoff(attempt)
		if d <= 0 || d > 10*time.Minute {
			t.Fatalf("attempt %d: backoff %v out of range", attempt, d)
		}
		if attempt <= 8 && d < prev/2 {
			t.Errorf("attempt %d: backoff %v shrank from %v", attempt, d, prev)
		}
		prev = d
	}
}

func TestTokenBucket(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newTokenBucket(30, 30, now)
	for i := range 30 {
		if w := b.take(now); w != 0 {
			t.Fatalf("send %d within burst waited %v", i, w)
		}
	}
	if w := b.take(now); w < 30*time.Millisecond || w > 40*time.Millisecond {
		t.Fatalf("31st send waits %v, want about 1/30 s", w)
	}
	if d := b.delay(now.Add(time.Second)); d != 0 {
		t.Fatalf("after a second the bucket should allow a send, waits %v", d)
	}
}

func TestLimiterGroupsArePerMinute(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(Limits{PerChatPerSecond: 1, PerChatBurst: 1, PerGroupPerMin: 20}, now)
	for range 3 {
		l.reserve("-100", true, now)
	}
	if d := l.chatDelay("-100", true, now); d < 2*time.Second || d > 4*time.Second {
		t.Fatalf("group delay after a burst of 3 is %v, want about 3s", d)
	}
	l.reserve("1", false, now)
	if d := l.chatDelay("1", false, now); d < 900*time.Millisecond {
		t.Fatalf("private chat delay %v, want about 1s", d)
	}
}

// parted is a channel that takes replies of three parts, reporting each
// part accepted; it fails at part fail of the first try, or (with block)
// stops there until the test lets it go, as a crash would leave it.
type parted struct {
	mu     sync.Mutex
	starts []int // PartsSent of each delivery
	fail   int
	block  chan struct{}
	at     chan struct{} // closed when blocked
}

func (p *parted) Name() string { return "test" }

func (p *parted) Send(ctx context.Context, d Delivery) error {
	p.mu.Lock()
	p.starts = append(p.starts, d.PartsSent)
	first := len(p.starts) == 1
	p.mu.Unlock()
	for part := d.PartsSent; part < 3; part++ {
		if first && part == p.fail {
			if p.block != nil {
				close(p.at)
				select {
				case <-p.block:
				case <-ctx.Done():
				}
				return ctx.Err()
			}
			return &SendError{Kind: Transient, Err: errors.New("503")}
		}
		if part < 2 {
			d.Accepted(part + 1)
		}
	}
	return nil
}

// TestPartsSentAreStored: the parts of a long reply the platform accepted
// are stored as they go, so a retry, and a new process after a crash, go on
// from there instead of sending them again.
func TestPartsSentAreStored(t *testing.T) {
	t.Run("retry", func(t *testing.T) {
		ch := &parted{fail: 2}
		s, _ := newTestSender(t, ch, SenderHooks{})
		if err := s.Enqueue(envs("p", "long")); err != nil {
			t.Fatal(err)
		}
		waitIdle(t, s)
		ch.mu.Lock()
		defer ch.mu.Unlock()
		if fmt.Sprint(ch.starts) != "[0 2]" {
			t.Fatalf("deliveries started at parts %v, want [0 2]", ch.starts)
		}
	})
	t.Run("crash", func(t *testing.T) {
		ch := &parted{fail: 1, block: make(chan struct{}), at: make(chan struct{})}
		s, st := newTestSender(t, ch, SenderHooks{})
		if err := s.Enqueue(envs("p", "long")); err != nil {
			t.Fatal(err)
		}
		<-ch.at // part 1 accepted, part 2 in flight: the process dies here
		items, err := st.PendingOutbox()
		if err != nil || len(items) != 1 || items[0].PartsSent != 1 {
			t.Fatalf("stored %+v, %v; want one item with 1 part sent", items, err)
		}
		close(ch.block)
	})
}

// heldCompletions is a store whose first CompleteOutbox waits for open.
type heldCompletions struct {
	*store.Store
	started, open chan struct{}
	once          sync.Once
}

func (h *heldCompletions) CompleteOutbox(seqs ...uint64) error {
	first := false
	h.once.Do(func() { first = true })
	if first {
		close(h.started)
		<-h.open
	}
	return h.Store.CompleteOutbox(seqs...)
}

// TestWorkersDoNotWaitForCompletions: while a sent item's outbox record is
// being removed, the one worker sends to other chats, but the same chat's
// next item waits, so a crash can never deliver it before the earlier one.
func TestWorkersDoNotWaitForCompletions(t *testing.T) {
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h := &heldCompletions{Store: st, started: make(chan struct{}), open: make(chan struct{})}
	ch := &scripted{}
	s := NewSender(SenderConfig{Store: h, Workers: 1})
	s.AddChannel(ch, Limits{})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); s.Wait() }()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(envs("a", "a1", "a2")); err != nil {
		t.Fatal(err)
	}
	<-h.started // a1 went out; its completion is held
	if err := s.Enqueue(envs("b", "b1")); err != nil {
		t.Fatal(err)
	}
	for {
		sent, _ := ch.result()
		if len(sent) == 2 {
			if sent[1] != "b1" {
				t.Fatalf("sent %v while a1's completion was held, want [a1 b1]", sent)
			}
			break
		}
		runtime.Gosched()
	}
	for range 1000 {
		runtime.Gosched()
	}
	if sent, _ := ch.result(); len(sent) != 2 {
		t.Fatalf("sent %v before a1's completion was stored", sent)
	}
	close(h.open)
	waitIdle(t, s)
	sent, _ := ch.result()
	if fmt.Sprint(sent) != "[a1 b1 a2]" {
		t.Fatalf("sent %v, want [a1 b1 a2]", sent)
	}
	if left, _ := st.PendingOutbox(); len(left) != 0 {
		t.Fatalf("%d items left in the outbox", len(left))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.replies) != 0 || len(s.queued) != 0 {
		t.Fatalf("%d decoded replies and %d seqs kept after sending", len(s.replies), len(s.queued))
	}
}
