package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"phuan/store"
)

// recorder is a channel that keeps what it was asked to send.
type recorder struct {
	name string
	mu   sync.Mutex
	sent map[string][]string // chat → texts in order
	fail func(d Delivery) error
}

func newRecorder(name string) *recorder { return &recorder{name: name, sent: map[string][]string{}} }

func (r *recorder) Name() string { return r.name }

func (r *recorder) Send(_ context.Context, d Delivery) error {
	if r.fail != nil {
		if err := r.fail(d); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[d.ChatID] = append(r.sent[d.ChatID], d.Reply.Text)
	return nil
}

func (r *recorder) texts(chat string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sent[chat]...)
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, v := range r.sent {
		n += len(v)
	}
	return n
}

// echo answers every text with "re:" and the text.
var echo = HandlerFunc(func(_ context.Context, m Message) ([]Envelope, error) {
	return []Envelope{ReplyTo(m, Reply{Text: "re:" + m.Text})}, nil
})

type rig struct {
	store  *store.Store
	sender *Sender
	engine *Engine
	cancel context.CancelFunc
}

func startRig(t testing.TB, path string, ch Channel, h Handler) *rig {
	t.Helper()
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := NewSender(SenderConfig{Store: st, Workers: 8})
	s.AddChannel(ch, Limits{})
	e := NewEngine(EngineConfig{Store: st, Sender: s, Handler: h, Workers: 8,
		Apology: func(Message) Reply { return Reply{Text: "sorry"} }})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &rig{store: st, sender: s, engine: e, cancel: cancel}
}

func (r *rig) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.engine.WaitIdle(ctx); err != nil {
		t.Fatal("engine did not settle:", err)
	}
	if err := r.sender.WaitIdle(ctx); err != nil {
		t.Fatal("sender did not settle:", err)
	}
}

func (r *rig) close() {
	r.engine.Stop(context.Background())
	r.cancel()
	r.sender.Wait()
	r.store.Close()
}

func msg(chat string, n int) Message {
	return Message{ID: chat + "-" + strconv.Itoa(n), Channel: "test", ChatID: chat, UserID: chat,
		ChatType: ChatPrivate, Text: strconv.Itoa(n)}
}

func TestEngineKeepsOrderPerConversationAndLosesNothing(t *testing.T) {
	const chats, perChat = 200, 50 // 10,000 messages
	rec := newRecorder("test")
	r := startRig(t, t.TempDir()+"/phuan.db", rec, echo)
	defer r.close()

	var wg sync.WaitGroup
	for c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chat := "c" + strconv.Itoa(c)
			for n := range perChat {
				if _, err := r.engine.Submit(msg(chat, n)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	r.settle(t)

	for c := range chats {
		chat := "c" + strconv.Itoa(c)
		got := rec.texts(chat)
		if len(got) != perChat {
			t.Fatalf("chat %s got %d replies, want %d", chat, len(got), perChat)
		}
		for n, text := range got {
			if want := "re:" + strconv.Itoa(n); text != want {
				t.Fatalf("chat %s reply %d is %q, want %q", chat, n, text, want)
			}
		}
	}
	if depth, _ := r.store.OutboxDepth(); depth != 0 {
		t.Errorf("outbox depth %d after settling", depth)
	}
}

func TestEngineDropsDuplicates(t *testing.T) {
	rec := newRecorder("test")
	r := startRig(t, t.TempDir()+"/phuan.db", rec, echo)
	defer r.close()
	for range 3 {
		if _, err := r.engine.Submit(msg("a", 1)); err != nil {
			t.Fatal(err)
		}
	}
	r.settle(t)
	if got := rec.texts("a"); len(got) != 1 {
		t.Fatalf("a re-delivered update was answered %d times", len(got))
	}
}

// TestSubmitAllStoresABatch: a batch is queued in its order; an update
// seen before, or twice in the batch, is reported as a duplicate and
// answered once; an invalid message refuses the whole batch.
func TestSubmitAllStoresABatch(t *testing.T) {
	rec := newRecorder("test")
	r := startRig(t, t.TempDir()+"/phuan.db", rec, echo)
	defer r.close()
	if _, err := r.engine.Submit(msg("a", 0)); err != nil {
		t.Fatal(err)
	}
	dups, err := r.engine.SubmitAll([]Message{msg("a", 0), msg("a", 1), msg("b", 1), msg("a", 2), msg("a", 1)})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dups) != "[true false false false true]" {
		t.Fatalf("duplicates %v", dups)
	}
	if _, err := r.engine.SubmitAll([]Message{msg("c", 1), {ID: "x", Channel: "test"}}); err == nil {
		t.Fatal("a batch with a message without a chat was accepted")
	}
	r.settle(t)
	if got := fmt.Sprint(rec.texts("a"), rec.texts("b"), rec.texts("c")); got != "[re:0 re:1 re:2] [re:1] []" {
		t.Fatalf("replies %s", got)
	}
}

func TestUnsentRepliesAreSentAfterRestart(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	blocked := make(chan struct{})
	var sentBeforeCrash sync.WaitGroup
	sentBeforeCrash.Add(5)
	first := newRecorder("test")
	var count sync.Mutex
	n := 0
	first.fail = func(d Delivery) error {
		count.Lock()
		n++
		k := n
		count.Unlock()
		if k <= 5 {
			sentBeforeCrash.Done()
			return nil
		}
		<-blocked // the process "dies" while these sends hang
		return context.Canceled
	}
	r := startRig(t, path, first, echo)
	for i := range 20 {
		if _, err := r.engine.Submit(msg("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	sentBeforeCrash.Wait()
	if err := r.engine.WaitIdle(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Crash: nothing is drained or marked; the store is closed under the sender.
	r.cancel()
	close(blocked)
	r.sender.Wait()
	r.engine.Stop(context.Background())
	r.store.Close()

	second := newRecorder("test")
	r2 := startRig(t, path, second, echo)
	defer r2.close()
	r2.settle(t)
	got := append(first.texts("x"), second.texts("x")...)
	if len(got) != 20 {
		t.Fatalf("%d replies delivered across the restart, want 20: %v", len(got), got)
	}
	for i, text := range got {
		if text != "re:"+strconv.Itoa(i) {
			t.Fatalf("reply %d is %q: order broken across restart", i, text)
		}
	}
}

func TestInboxSurvivesCrashBeforeHandling(t *testing.T) {
	path := t.TempDir() + "/phuan.db"
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Accepted (and so confirmed to the platform), but the process dies before handling.
	e := NewEngine(EngineConfig{Store: st, Handler: echo})
	if _, err := e.Submit(msg("y", 1)); err != nil {
		t.Fatal(err)
	}
	st.Close()

	rec := newRecorder("test")
	r := startRig(t, path, rec, echo)
	defer r.close()
	r.settle(t)
	if got := rec.texts("y"); len(got) != 1 || got[0] != "re:1" {
		t.Fatalf("stored message after restart: %v", got)
	}
}

func TestHandlerPanicGetsApologyAndEngineGoesOn(t *testing.T) {
	rec := newRecorder("test")
	h := HandlerFunc(func(ctx context.Context, m Message) ([]Envelope, error) {
		if m.Text == "boom" {
			panic("handler bug")
		}
		if m.Text == "fail" {
			return nil, fmt.Errorf("lookup failed")
		}
		return echo(ctx, m)
	})
	r := startRig(t, t.TempDir()+"/phuan.db", rec, h)
	defer r.close()
	for i, text := range []string{"boom", "fail", "after"} {
		m := msg("p", i)
		m.Text = text
		if _, err := r.engine.Submit(m); err != nil {
			t.Fatal(err)
		}
	}
	r.settle(t)
	got := strings.Join(rec.texts("p"), "|")
	if got != "sorry|sorry|re:after" {
		t.Fatalf("got %q", got)
	}
}

func TestBadInputIsCleanedNotLost(t *testing.T) {
	rec := newRecorder("test")
	r := startRig(t, t.TempDir()+"/phuan.db", rec, echo)
	defer r.close()
	bad := msg("u", 1)
	bad.Text = "ok\xff\xfe"
	huge := msg("u", 2)
	huge.Text = strings.Repeat("ສະບາຍດີ", 100<<10/len("ສະບາຍດີ")+1)
	empty := msg("u", 3)
	empty.Text = ""
	for _, m := range []Message{bad, huge, empty} {
		if _, err := r.engine.Submit(m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.engine.Submit(Message{Text: "no id"}); err == nil {
		t.Error("a message without id, channel or chat was accepted")
	}
	r.settle(t)
	got := rec.texts("u")
	if len(got) != 3 {
		t.Fatalf("%d replies, want 3", len(got))
	}
	for _, text := range got {
		if !utf8.ValidString(text) {
			t.Errorf("invalid UTF-8 reached the handler: %q", text)
		}
	}
	if n := len(got[1]); n > MaxTextBytes+3 {
		t.Errorf("100 KB text reached the handler with %d bytes", n)
	}
}

func TestSubmitAfterStopIsRefused(t *testing.T) {
	r := startRig(t, t.TempDir()+"/phuan.db", newRecorder("test"), echo)
	defer r.close()
	r.engine.Stop(context.Background())
	if _, err := r.engine.Submit(msg("z", 1)); err != ErrStopped {
		t.Fatalf("got %v, want ErrStopped", err)
	}
}

func BenchmarkEngineThroughput(b *testing.B) {
	rec := newRecorder("test")
	r := startRig(b, b.TempDir()+"/phuan.db", rec, echo)
	defer r.close()
	const chats = 100
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := b.N/chats + 1
	for c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				r.engine.Submit(msg("b"+strconv.Itoa(c), i))
			}
		}()
	}
	wg.Wait()
	r.settle(b)
	b.ReportMetric(float64(per*chats)/time.Since(start).Seconds(), "msgs/s")
}

// TestTurnStateIsStoredWithItsReplies: a conversation saved during a turn
// is written in the transaction that stores the replies; a turn that fails
// leaves its state unsaved, and the state outside a turn is saved at once.
func TestTurnStateIsStoredWithItsReplies(t *testing.T) {
	rec := newRecorder("test")
	var st *store.Store
	h := HandlerFunc(func(ctx context.Context, m Message) ([]Envelope, error) {
		c := &store.Conversation{Channel: m.Channel, ChatID: m.ChatID, Lang: "lo", Step: m.Text}
		if err := st.SaveTurnConversation(ctx, c); err != nil {
			return nil, err
		}
		// Not yet visible: it is stored with the replies.
		if got, err := st.Conversation(m.Channel, m.ChatID, time.Now()); err != nil || got.Step == m.Text {
			return nil, fmt.Errorf("state written before the replies: %+v, %v", got, err)
		}
		if m.Text == "fail" {
			return nil, fmt.Errorf("lookup failed")
		}
		return echo(ctx, m)
	})
	r := startRig(t, t.TempDir()+"/phuan.db", rec, h)
	defer r.close()
	st = r.store
	for i, text := range []string{"one", "fail"} {
		m := msg("p", i)
		m.Text = text
		if _, err := r.engine.Submit(m); err != nil {
			t.Fatal(err)
		}
		r.settle(t)
	}
	if got := strings.Join(rec.texts("p"), "|"); got != "re:one|sorry" {
		t.Fatalf("replies %q", got)
	}
	c, err := st.Conversation("test", "p", time.Now())
	if err != nil || c.Step != "one" || c.Lang != "lo" {
		t.Fatalf("stored state %+v, %v; want the first turn's", c, err)
	}
	if err := st.SaveTurnConversation(context.Background(), &store.Conversation{Channel: "test", ChatID: "q", Step: "now"}); err != nil {
		t.Fatal(err)
	}
	if c, err := st.Conversation("test", "q", time.Now()); err != nil || c.Step != "now" {
		t.Fatalf("state saved outside a turn: %+v, %v", c, err)
	}
}

// TestInterruptingMessageCancelsTheTurnInProgress: a slow turn (a model
// call) is cancelled when an interrupting message arrives in its
// conversation, which is then handled; an ordinary message waits its turn,
// and another conversation's interrupting message touches nothing here.
func TestInterruptingMessageCancelsTheTurnInProgress(t *testing.T) {
	rec := newRecorder("test")
	started := make(chan string, 4)
	release := make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, m Message) ([]Envelope, error) {
		if m.Text == "slow" || m.Text == "help me slowly" {
			started <- m.ChatID
			select {
			case <-ctx.Done():
			case <-release:
			}
			if ctx.Err() != nil {
				return []Envelope{ReplyTo(m, Reply{Text: "plain answer"})}, nil
			}
			return []Envelope{ReplyTo(m, Reply{Text: "model answer"})}, nil
		}
		return echo(ctx, m)
	})
	st, err := store.Open(t.TempDir() + "/phuan.db")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := NewSender(SenderConfig{Store: st, Workers: 4})
	s.AddChannel(rec, Limits{})
	metrics := NewMetrics()
	var askedMu sync.Mutex
	var asked []string // the texts Interrupts was asked about
	e := NewEngine(EngineConfig{Store: st, Sender: s, Handler: h, Workers: 4, Metrics: metrics,
		Interrupts: func(m Message) bool {
			askedMu.Lock()
			asked = append(asked, m.Text)
			askedMu.Unlock()
			return strings.HasPrefix(m.Text, "help me")
		}})
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r := &rig{store: st, sender: s, engine: e, cancel: cancel}
	defer r.close()
	submit := func(chat string, n int, text string) {
		t.Helper()
		m := msg(chat, n)
		m.Text = text
		if _, err := e.Submit(m); err != nil {
			t.Fatal(err)
		}
	}
	submit("a", 1, "slow")
	submit("b", 1, "slow")
	submit("c", 1, "help me slowly")
	<-started
	<-started
	<-started
	submit("a", 2, "later")   // waits its turn: a's model call goes on
	submit("b", 2, "help me") // cancels b's slow turn only
	submit("c", 2, "help me") // a crisis turn is not cut short by another
	close(release)
	r.settle(t)
	if got := strings.Join(rec.texts("c"), "|"); got != "model answer|re:help me" {
		t.Errorf("c got %q", got)
	}
	if got := strings.Join(rec.texts("a"), "|"); got != "model answer|re:later" {
		t.Errorf("a got %q", got)
	}
	if got := strings.Join(rec.texts("b"), "|"); got != "plain answer|re:help me" {
		t.Errorf("b got %q", got)
	}
	if n := metrics.Value("phuan_turns_interrupted_total"); n != 1 {
		t.Errorf("%d turns interrupted, want 1", n)
	}
	// Messages for idle conversations are not checked at all; a busy
	// one's turn in progress only when the new message interrupts.
	askedMu.Lock()
	defer askedMu.Unlock()
	if got := strings.Join(asked, "|"); got != "later|help me|slow|help me|help me slowly" {
		t.Errorf("Interrupts asked about %q", got)
	}
}
