package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func newFake(t *testing.T, opts FakeOptions) *FakeAPI {
	t.Helper()
	f, err := NewFakeAPI(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type apiAnswer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func call(f *FakeAPI, method string, params url.Values) (apiAnswer, error) {
	resp, err := http.PostForm(fmt.Sprintf(f.Endpoint(), Token, method), params)
	if err != nil {
		return apiAnswer{}, err
	}
	defer resp.Body.Close()
	var a apiAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return a, fmt.Errorf("%s: undecodable answer: %w", method, err)
	}
	return a, nil
}

func TestFakeAPIThrottlesAboveRate(t *testing.T) {
	f := newFake(t, FakeOptions{Rate: 5})
	ok, throttled := 0, 0
	for i := range 12 {
		a, err := call(f, "sendMessage", url.Values{"chat_id": {"7"}, "text": {fmt.Sprint("m", i)}})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case a.OK:
			ok++
		case a.ErrorCode == 429 && a.Parameters.RetryAfter >= 1:
			throttled++
		default:
			t.Fatalf("unexpected answer %+v", a)
		}
	}
	// The bucket holds one second's worth; refill during the loop may add one.
	if ok < 5 || ok > 6 || ok+throttled != 12 {
		t.Fatalf("accepted %d, throttled %d of 12 at 5/s", ok, throttled)
	}
	s := f.Stats()
	if s.Sent != int64(ok) || s.Throttled != int64(throttled) || s.PeakWindow != ok || s.Calls["sendMessage"] != 12 {
		t.Fatalf("stats %+v", s)
	}
}

func TestFakeAPIConfirmsUpdatesByOffset(t *testing.T) {
	f := newFake(t, FakeOptions{})
	u := User{ID: 42, Lang: "lo"}
	f.SendText(u, "/start")
	f.SendText(u, "ສະບາຍດີ")
	f.PressButton(u, Sent{MessageID: 9, Text: "menu"}, "lang:lo")
	a, err := call(f, "getUpdates", url.Values{"timeout": {"0"}})
	if err != nil {
		t.Fatal(err)
	}
	var ups []wireUpdate
	if err := json.Unmarshal(a.Result, &ups); err != nil || len(ups) != 3 {
		t.Fatalf("%d updates, %v: %s", len(ups), err, a.Result)
	}
	if ups[0].Message.Entities[0].Type != "bot_command" || ups[2].CallbackQuery.Data != "lang:lo" ||
		ups[2].CallbackQuery.Message.MessageID != 9 || ups[1].Message.From.LanguageCode != "lo" {
		t.Fatalf("updates %s", a.Result)
	}
	a, _ = call(f, "getUpdates", url.Values{"offset": {fmt.Sprint(ups[1].UpdateID)}, "timeout": {"0"}})
	json.Unmarshal(a.Result, &ups)
	if len(ups) != 2 || f.Pending() != 2 {
		t.Fatalf("after confirming the first: %d served, %d pending", len(ups), f.Pending())
	}
}

func TestFakeAPILongPollWakesOnUpdate(t *testing.T) {
	f := newFake(t, FakeOptions{})
	got := make(chan int, 1)
	go func() {
		a, err := call(f, "getUpdates", url.Values{"timeout": {"30"}})
		var ups []wireUpdate
		if err == nil {
			json.Unmarshal(a.Result, &ups)
		}
		got <- len(ups)
	}()
	<-f.Polling()
	f.SendText(User{ID: 1}, "hi")
	select {
	case n := <-got:
		if n != 1 {
			t.Fatalf("long poll returned %d updates", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("long poll did not wake up")
	}
}

func TestFakeAPIInjectsFaults(t *testing.T) {
	for _, tc := range []struct {
		faults Faults
		code   int
		drop   bool
	}{
		{Faults{Throttle: 1, RetryAfter: 2}, 429, false},
		{Faults{ServerError: 1}, 502, false},
		{Faults{Drop: 1}, 0, true},
		{Faults{Slow: 1, SlowBy: time.Millisecond}, 0, false},
	} {
		f := newFake(t, FakeOptions{Faults: tc.faults})
		if a, err := call(f, "getMe", nil); err != nil || !a.OK {
			t.Fatalf("getMe must never fail: %+v %v", a, err)
		}
		a, err := call(f, "sendMessage", url.Values{"chat_id": {"1"}, "text": {"x"}})
		switch {
		case tc.drop:
			if err == nil {
				t.Fatalf("dropped connection answered %+v", a)
			}
		case err != nil:
			t.Fatal(err)
		case tc.code == 0 && !a.OK, tc.code != 0 && a.ErrorCode != tc.code:
			t.Fatalf("%+v: answer %+v", tc.faults, a)
		case tc.code == 429 && a.Parameters.RetryAfter != 2:
			t.Fatalf("retry_after %d", a.Parameters.RetryAfter)
		}
		s := f.Stats()
		if s.Injected429+s.Injected5xx+s.Dropped+s.Slowed != 1 {
			t.Fatalf("%+v counted %+v", tc.faults, s)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := f.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
}

func TestFakeAPIReportsSends(t *testing.T) {
	sent := make(chan Sent, 1)
	f := newFake(t, FakeOptions{OnSend: func(s Sent) { sent <- s }})
	kb := `{"inline_keyboard":[[{"text":"ລາວ","callback_data":"lang:lo"}],[{"text":"web","url":"https://x"}]]}`
	if _, err := call(f, "sendMessage", url.Values{"chat_id": {"5"}, "text": {"ສະບາຍດີ"}, "reply_markup": {kb},
		"allow_paid_broadcast": {"true"}}); err != nil {
		t.Fatal(err)
	}
	s := <-sent
	if s.ChatID != 5 || s.Text != "ສະບາຍດີ" || len(s.Buttons) != 1 || s.Buttons[0].Data != "lang:lo" || !s.Paid || s.MessageID == 0 {
		t.Fatalf("sent %+v", s)
	}
	if a, _ := call(f, "sendMessage", url.Values{"chat_id": {"@chan"}}); a.ErrorCode != 400 {
		t.Fatalf("bad chat id answered %+v", a)
	}
}

func TestPercentiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := Percentiles(ds)
	if l.N != 100 || l.P50ms != 50 || l.P95ms != 95 || l.P99ms != 99 || l.MaxMs != 100 {
		t.Fatalf("%+v", l)
	}
	if (Percentiles(nil) != Latency{}) {
		t.Fatal("empty set")
	}
}

func TestInboundWithEchoOnBothSides(t *testing.T) {
	var progress bytes.Buffer
	rep, err := Inbound(context.Background(), InboundConfig{People: 3, Messages: 20, Seed: 3, Phuan: Echo,
		Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []InboundRun{rep.Phuan, rep.Baseline} {
		if r.Updates != 20 || r.Latency.N != 20 || r.Replies != 20 || r.Throughput <= 0 || r.QuietTurns != 0 || r.Callbacks == 0 {
			t.Fatalf("%+v", r)
		}
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil || !strings.Contains(out.String(), "phuan / echo throughput") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(progress.String(), "20/20 updates") {
		t.Fatalf("progress %q", progress.String())
	}
	rep, err = Inbound(context.Background(), InboundConfig{People: 2, Messages: 10, Seed: 3, Phuan: Echo, Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	sorted := slices.Sorted(slices.Values(rep.RunRatios))
	if len(sorted) != 3 || rep.Ratio != sorted[1] {
		t.Fatalf("ratio %v is not the median of the runs' %v", rep.Ratio, rep.RunRatios)
	}
	if _, err := Inbound(context.Background(), InboundConfig{People: 5, Messages: 2, Phuan: Echo}); err == nil {
		t.Fatal("fewer messages than people accepted")
	}
}

func TestBroadcastSmall(t *testing.T) {
	rep, err := Broadcast(context.Background(), BroadcastConfig{Subscribers: 60, Rate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 60 || rep.Counted != 60 || rep.Caused429 != 0 || !rep.Paid || rep.Achieved <= 0 {
		t.Fatalf("%+v", rep)
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil || !strings.Contains(out.String(), "429s caused") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

func TestKBSmall(t *testing.T) {
	rep, err := KB(KBConfig{Articles: 40, Rounds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Articles < 40 || rep.Eval["all"].N == 0 || rep.Latency["all"].N != rep.Eval["all"].N || rep.HeldOut["all"].N == 0 {
		t.Fatalf("%+v", rep)
	}
	var out bytes.Buffer
	if err := rep.WriteTable(&out); err != nil || !strings.Contains(out.String(), "top-1") || !strings.Contains(out.String(), "held-out") {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

// TestProcessCPUCounts: the CPU time read from /proc grows with work.
func TestProcessCPUCounts(t *testing.T) {
	before := processCPU()
	if before == 0 {
		t.Skip("no /proc/self/stat here")
	}
	deadline := time.Now().Add(10 * time.Second)
	x := 0
	for processCPU() <= before {
		if time.Now().After(deadline) {
			t.Fatal("10 s of work did not move the CPU time")
		}
		for i := range 1_000_000 {
			x += i ^ x
		}
	}
	_ = x
}

func TestSimulatedPeopleAvoidHumanWork(t *testing.T) {
	for data, want := range map[string]bool{
		"step:case.start":         true,
		"menu:CRISIS":             true,
		"privacy:erase":           true,
		"step:onboard.consent:no": true,
		"mod:claim:7":             true,
		"lang:lo":                 false,
		"kb:wages-unpaid":         false,
		"more:3":                  false,
	} {
		if got := avoid(data); got != want {
			t.Errorf("avoid(%q) = %v, want %v", data, got, want)
		}
	}
}
