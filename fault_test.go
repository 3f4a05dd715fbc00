package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bench"
	"phuan/bot"
	"phuan/store"
)

// TestFaultHelperProcess is not a test on its own: TestFaultKillRestart
// runs the test binary again with PHUAN_FAULT_CHILD=1, and then this is
// `phuan serve`, configured by the environment, until it is killed.
func TestFaultHelperProcess(t *testing.T) {
	if os.Getenv("PHUAN_FAULT_CHILD") != "1" {
		return
	}
	os.Exit(run([]string{"serve"}, os.Getenv, strings.NewReader(""), os.Stdout, os.Stderr))
}

// faultToken finds the probe a reply quotes: Phuan answers an unknown
// command "/f<chat>x<n>" by naming it.
var faultToken = regexp.MustCompile(`/f(\d+)x(\d+)`)

// faultReplies records what the fake Bot API accepted, per chat.
type faultReplies struct {
	want int // distinct probes expected

	mu     sync.Mutex
	byChat map[int][]faultReply
	seen   map[string]int // probe → times accepted
	all    chan struct{}  // closed once every probe was answered
	added  chan struct{}  // gets a token after each reply
	count  int            // replies accepted
	stray  []string       // accepted texts quoting no probe
}

type faultReply struct {
	n  int
	at time.Time
}

func (r *faultReplies) add(s bench.Sent) {
	m := faultToken.FindStringSubmatch(s.Text)
	r.mu.Lock()
	defer r.mu.Unlock()
	if m == nil {
		r.stray = append(r.stray, fmt.Sprintf("chat %d: %.60q", s.ChatID, s.Text))
		return
	}
	chat, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	r.byChat[chat] = append(r.byChat[chat], faultReply{n, s.At})
	r.count++
	select {
	case r.added <- struct{}{}:
	default:
	}
	key := m[0]
	r.seen[key]++
	if r.seen[key] == 1 && len(r.seen) == r.want {
		close(r.all)
	}
}

// reached waits until n replies were accepted or every probe was answered.
func (r *faultReplies) reached(n int) {
	for {
		r.mu.Lock()
		c := r.count
		r.mu.Unlock()
		if c >= n {
			return
		}
		select {
		case <-r.added:
		case <-r.all:
			return
		}
	}
}

func (r *faultReplies) accepted(probe string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[probe] > 0
}

// faultKill is what one SIGKILL left behind.
type faultKill struct {
	at        time.Time
	replies   int // accepted before the kill
	openSends int // requests the fake was still answering
	inFlight  int // outbox items already accepted by the fake: each may come twice
	dups      int // probes accepted again after this kill
}

// TestFaultKillRestart runs `phuan serve` as a child process against a
// fake Bot API that answers some requests with 429, 502, slowly or not at
// all, kills it with SIGKILL at random moments and starts it again on the
// same data folder. Every probe must be answered, in order in each chat;
// a probe may be answered twice only if its send was in flight at a kill.
// PHUAN_LONG_TESTS=1 runs it longer; PHUAN_FAULT_SEED replays a run.
func TestFaultKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	chats, perChat, kills, limit := 24, 6, 3, 50*time.Second
	if os.Getenv("PHUAN_LONG_TESTS") == "1" {
		chats, perChat, kills, limit = 100, 20, 12, 5*time.Minute
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PHUAN_FAULT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("PHUAN_FAULT_SEED: %v", err)
		}
	}
	t.Logf("seed %d (PHUAN_FAULT_SEED=%d replays this run): %d chats × %d probes, %d kills", seed, seed, chats, perChat, kills)
	rng := rand.New(rand.NewPCG(seed, 7))

	rec := &faultReplies{want: chats * perChat, byChat: map[int][]faultReply{}, seen: map[string]int{},
		all: make(chan struct{}), added: make(chan struct{}, 1)}
	api, err := bench.NewFakeAPI(bench.FakeOptions{Seed: seed, OnSend: rec.add, Faults: bench.Faults{
		Drop: 0.05, ServerError: 0.05, Throttle: 0.05, Slow: 0.05, SlowBy: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	for n := range perChat {
		for _, c := range rng.Perm(chats) {
			api.SendText(faultUser(c), fmt.Sprintf("/f%dx%d", c, n))
		}
	}

	dir := t.TempDir()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	var record []faultKill
	for k := 0; ; k++ {
		child := startFaultChild(t, dir, api, k)
		if k == kills {
			select {
			case <-rec.all:
			case <-deadline.C:
				child.kill(t)
				rec.mu.Lock()
				answered := len(rec.seen)
				rec.mu.Unlock()
				t.Fatalf("after %s, %d of %d probes answered; %d updates not confirmed", limit, answered, rec.want, api.Pending())
			}
			child.kill(t)
			break
		}
		// A random moment while replies flow: after a random share of the
		// rest was answered, or (one time in five) while still starting.
		if rng.IntN(5) > 0 {
			rec.mu.Lock()
			target := rec.count + 1 + rng.IntN(max(1, (rec.want-rec.count)/(kills-k+1)))
			rec.mu.Unlock()
			rec.reached(target)
		} else {
			at := time.NewTimer(time.Duration(rng.IntN(300)) * time.Millisecond)
			select {
			case <-at.C:
			case <-rec.all:
				at.Stop()
			}
		}
		open := api.InFlight()
		child.kill(t)
		// Replies accepted from here on come from a later child, or are
		// sends of this one the fake answers after its death, which stay
		// in the outbox and are counted below.
		kill := faultKill{at: time.Now(), openSends: open}
		rec.mu.Lock()
		kill.replies = rec.count
		rec.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := api.WaitIdle(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		kill.inFlight = faultInFlight(t, dir, rec)
		record = append(record, kill)
	}

	// Every probe answered, in order in each chat, and nothing given up on.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.stray) > 0 {
		t.Errorf("%d replies quote no probe (is /fNxN still an unknown command?), e.g. %s", len(rec.stray), rec.stray[0])
	}
	total := 0
	for c := range chats {
		next := 0
		for _, r := range rec.byChat[c] {
			switch {
			case r.n == next:
				next++
			case r.n < next:
				total++
				i := len(record) - 1
				for i >= 0 && !record[i].at.Before(r.at) {
					i--
				}
				if i < 0 {
					t.Errorf("chat %d: probe %d answered twice with no kill before", c, r.n)
					continue
				}
				record[i].dups++
			default:
				t.Errorf("chat %d: probe %d answered before probe %d", c, r.n, next)
			}
		}
		if next != perChat {
			t.Errorf("chat %d: only probes 0-%d answered in order, of %d", c, next-1, perChat)
		}
	}
	for i, k := range record {
		t.Logf("kill %d after %d replies: %d sends open at the fake, %d accepted but not yet marked delivered, %d answered again",
			i+1, k.replies, k.openSends, k.inFlight, k.dups)
		if k.dups > k.inFlight {
			t.Errorf("kill %d: %d probes answered twice, but only %d sends were in flight", i+1, k.dups, k.inFlight)
		}
	}
	st := api.Stats()
	t.Logf("%d replies for %d probes (%d duplicates); fake answered %d with 429, %d with 502, %d slowly, dropped %d",
		st.Sent, rec.want, total, st.Injected429, st.Injected5xx, st.Slowed, st.Dropped)
	s, err := store.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if failed, err := s.FailedOutbox(); err != nil || len(failed) > 0 {
		t.Errorf("messages given up on: %d (%v)", len(failed), err)
	}
}

func faultUser(chat int) bench.User {
	return bench.User{ID: int64(chat), FirstName: "F" + strconv.Itoa(chat), Lang: "en"}
}

// faultInFlight counts the outbox items of a killed child whose send the
// fake already accepted: the next child sends them again.
func faultInFlight(t *testing.T, dir string, rec *faultReplies) int {
	t.Helper()
	s, err := store.OpenDir(dir)
	if err != nil {
		t.Fatalf("open the killed child's data: %v", err)
	}
	defer s.Close()
	items, err := s.PendingOutbox()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		var r bot.Reply
		if err := json.Unmarshal(it.Body, &r); err != nil {
			t.Fatalf("outbox item %d: %v", it.Seq, err)
		}
		if p := faultToken.FindString(r.Text); p != "" && rec.accepted(p) {
			n++
		}
	}
	return n
}

type faultChild struct {
	cmd    *exec.Cmd
	stderr string
}

// startFaultChild runs `phuan serve` in a child process on dir, polling api.
func startFaultChild(t *testing.T, dir string, api *bench.FakeAPI, n int) *faultChild {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "PHUAN_") && !strings.HasPrefix(name, "TELEGRAM_") &&
			!strings.HasPrefix(name, "MESSENGER_") && !strings.HasPrefix(name, "OPENAI_") {
			env = append(env, kv)
		}
	}
	env = append(env, "PHUAN_FAULT_CHILD=1", "PHUAN_DATA_DIR="+dir, "PHUAN_ADDR=127.0.0.1:0",
		"PHUAN_LOG_LEVEL=error", "TELEGRAM_BOT_TOKEN="+bench.Token, "TELEGRAM_API_ENDPOINT="+api.Endpoint(),
		"TELEGRAM_RATE=1000")
	c := &faultChild{stderr: filepath.Join(t.TempDir(), fmt.Sprintf("child-%d.log", n))}
	f, err := os.Create(c.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestFaultHelperProcess$", "-test.count=1")
	c.cmd.Env, c.cmd.Stdout, c.cmd.Stderr = env, f, f
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

// kill ends the child with SIGKILL and checks it had not failed on its own.
func (c *faultChild) kill(t *testing.T) {
	t.Helper()
	c.cmd.Process.Kill()
	err := c.cmd.Wait()
	log, _ := os.ReadFile(c.stderr)
	if strings.Contains(string(log), "DATA RACE") || strings.Contains(string(log), "panic:") {
		t.Fatalf("child failed:\n%s", log)
	}
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exited before it was killed (%v):\n%s", err, log)
	}
}
