package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"phuan/handlers/crisis"
	"phuan/knowledge"
)

// InboundConfig configures Inbound.
type InboundConfig struct {
	People   int // simulated people; each sends the next message once the answer came
	Messages int // updates in all, shared out between the people
	Seed     uint64
	Phuan    StartFunc // the bot measured
	Baseline StartFunc // the floor to compare with; nil means Echo
	// Progress, when set, gets a status line while the bench runs.
	Progress io.Writer
	// TurnTimeout is how long a person waits for an answer before the
	// bench fails; default 30s.
	TurnTimeout time.Duration
	// Runs runs both bots this many times, alternately, so a machine
	// whose speed drifts affects both alike; default 1.
	Runs int
}

// InboundRun is one bot's figures.
type InboundRun struct {
	Bot        string  `json:"bot"`
	People     int     `json:"people"`
	Updates    int     `json:"updates"`
	Callbacks  int     `json:"callbacks"` // button presses among the updates
	Replies    int     `json:"replies"`   // messages the bot sent
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"updates_per_second"`
	// Latency runs from an update becoming available to getUpdates to
	// the last reply to it arriving.
	Latency Latency `json:"latency"`
	// QuietTurns ended without a reply carrying buttons: the person moved
	// on after a quiet period, which costs throughput, not latency.
	QuietTurns int     `json:"quiet_turns"`
	PeakGoMB   float64 `json:"peak_go_mb"`
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	// CPUPerUpdateUs is the process's CPU time over the run, per update,
	// in microseconds: the bot's, and the fake API's and the simulated
	// people's, which are the same for both bots.
	CPUPerUpdateUs float64 `json:"cpu_us_per_update"`
}

// InboundReport compares Phuan with the baseline on the same workload.
type InboundReport struct {
	CPUs     int        `json:"cpus"`
	Procs    int        `json:"gomaxprocs"` // threads running Go code, both bots alike
	Phuan    InboundRun `json:"phuan"`
	Baseline InboundRun `json:"baseline"`
	// Ratio is Phuan's throughput over the baseline's: the median of the
	// runs' ratios. Phuan and Baseline are that run of each bot.
	Ratio     float64   `json:"ratio"`
	RunRatios []float64 `json:"run_ratios"`
}

// quietPeriod ends a turn whose replies carried no buttons.
const quietPeriod = 250 * time.Millisecond

// Inbound runs the workload through Phuan, then through the baseline.
func Inbound(ctx context.Context, cfg InboundConfig) (*InboundReport, error) {
	if cfg.People <= 0 || cfg.Messages < cfg.People {
		return nil, fmt.Errorf("%w: inbound bench needs at least one person and one message per person (people %d, messages %d)",
			ErrUsage, cfg.People, cfg.Messages)
	}
	if cfg.Phuan == nil {
		return nil, errors.New("inbound bench: no bot to measure")
	}
	if cfg.Baseline == nil {
		cfg.Baseline = Echo
	}
	if cfg.TurnTimeout <= 0 {
		cfg.TurnTimeout = 30 * time.Second
	}
	cfg.Runs = max(cfg.Runs, 1)
	qs := questions()
	type pair struct {
		phuan, echo InboundRun
		ratio       float64
	}
	pairs := make([]pair, cfg.Runs)
	rep := &InboundReport{CPUs: runtime.NumCPU(), Procs: runtime.GOMAXPROCS(0)}
	for i := range pairs {
		r := &pairs[i]
		var err error
		if r.phuan, err = runLabelled(ctx, "phuan", cfg.Phuan, cfg, qs); err != nil {
			return nil, err
		}
		if r.echo, err = runLabelled(ctx, "echo", cfg.Baseline, cfg, qs); err != nil {
			return nil, err
		}
		if r.echo.Throughput > 0 {
			r.ratio = math.Round(r.phuan.Throughput/r.echo.Throughput*1000) / 1000
		}
		rep.RunRatios = append(rep.RunRatios, r.ratio)
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(a.ratio, b.ratio) })
	median := pairs[(len(pairs)-1)/2]
	rep.Phuan, rep.Baseline, rep.Ratio = median.phuan, median.echo, median.ratio
	return rep, nil
}

// questions are the knowledge base's evaluation questions by language, as
// people type them, less those the crisis detector flags: a crisis opens a
// case, after which a person's messages go to the moderators and wait for
// a human, which is not what this bench measures.
func questions() map[string][]string {
	qs := map[string][]string{}
	det := crisis.New()
	if cases, err := knowledge.EvalSet(); err == nil {
		for _, c := range cases {
			if !det.Detect(c.Q).Crisis {
				qs[c.Lang] = append(qs[c.Lang], c.Q)
			}
		}
	}
	for lang, q := range map[string]string{"lo": "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", "lo-Latn": "ngoen deuan bo dai",
		"th": "นายจ้างไม่จ่ายเงินเดือน", "en": "my boss did not pay my salary"} {
		if len(qs[lang]) == 0 {
			qs[lang] = []string{q}
		}
	}
	return qs
}

// person is one simulated person: a private chat that sends a message,
// waits for the answer, and goes on.
type person struct {
	user     User
	quota    int
	rng      *rand.Rand
	replies  chan Sent
	last     *Sent  // the last reply with buttons
	sent     string // what the last update was, for errors
	inCase   bool   // went through a case intake
	lastText string

	latencies []time.Duration
	callbacks int
	replied   int
	quiet     int
	lastReply time.Time
}

// avoided are payloads the simulated people do not press: they start work
// for human moderators, erase data or wait for typed details, which real
// people do rarely and a bench should not multiply.
var avoided = []string{"case", "crisis", "mod:", "bc:", "privacy", "erase", "forget", "delete", "export", "stop",
	"enrol", "cancel", "remind", "consent:no"}

// avoid reports whether data holds one of avoided, in any case. It is
// plain string search, not a regular expression: the simulated people
// share the CPU with the bot measured, and Phuan's replies carry more
// buttons than the echo bot's, so a costly check would weigh on Phuan's
// figures only.
func avoid(data string) bool {
	data = strings.ToLower(data)
	for _, w := range avoided {
		if strings.Contains(data, w) {
			return true
		}
	}
	return false
}

// next sends the person's next update and returns whether it was a button press.
func (p *person) next(api *FakeAPI, qs map[string][]string, first bool) (time.Time, bool) {
	ask := func() (time.Time, bool) {
		lang := p.user.Lang
		if lang == "lo" && p.rng.IntN(4) == 0 {
			lang = "lo-Latn"
		}
		pool := qs[lang]
		q := pool[p.rng.IntN(len(pool))]
		p.sent = fmt.Sprintf("the question %q", q)
		_, at := api.SendText(p.user, q)
		return at, false
	}
	press := func(b Button) (time.Time, bool) {
		_, at := api.PressButton(p.user, *p.last, b.Data)
		p.sent = "button " + b.Data
		return at, true
	}
	if first {
		if p.rng.IntN(10) == 0 {
			return ask()
		}
		text := "/start"
		if p.rng.IntN(5) == 0 {
			text = "/start fb_ad_2025"
		}
		_, at := api.SendText(p.user, text)
		p.sent = text
		return at, false
	}
	var onboarding, intake, allowed []Button
	if p.last != nil {
		for _, b := range p.last.Buttons {
			switch {
			case b.Data == "lang:"+p.user.Lang || b.Data == "step:onboard.consent:yes":
				if p.rng.IntN(10) > 0 {
					return press(b)
				}
			case strings.HasPrefix(b.Data, "step:onboard."):
				onboarding = append(onboarding, b)
			case strings.HasPrefix(b.Data, "step:case."):
				intake = append(intake, b)
			}
			if !avoid(b.Data) {
				allowed = append(allowed, b)
			}
		}
	}
	// Someone who asked for a person answers the intake's questions, and
	// once their case is open (their messages now go to the moderators,
	// unanswered until a human writes) closes it with /endcase.
	if len(intake) > 0 {
		p.inCase = true
		return press(intake[p.rng.IntN(len(intake))])
	}
	if p.inCase {
		p.inCase = false
		_, at := api.SendText(p.user, "/endcase")
		p.sent = "/endcase"
		return at, false
	}
	if len(onboarding) > 0 && p.rng.IntN(10) > 0 {
		return press(onboarding[p.rng.IntN(len(onboarding))])
	}
	switch r := p.rng.Float64(); {
	case r < 0.45 && len(allowed) > 0:
		return press(allowed[p.rng.IntN(len(allowed))])
	case r < 0.93:
		return ask()
	case r < 0.97:
		_, at := api.SendText(p.user, "/menu")
		p.sent = "/menu"
		return at, false
	default:
		_, at := api.SendText(p.user, "/help")
		p.sent = "/help"
		return at, false
	}
}

// await collects the replies to one update: until one carries buttons,
// or quietPeriod passes after the last one.
func (p *person) await(ctx context.Context, timeout time.Duration) (last time.Time, n int, err error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	defer quiet.Stop()
	for {
		select {
		case s := <-p.replies:
			last, p.lastText = s.At, s.Text
			n++
			if len(s.Buttons) > 0 {
				p.last = &s
				return last, n, nil
			}
			quiet.Reset(quietPeriod)
		case <-quiet.C:
			p.quiet++
			return last, n, nil
		case <-deadline.C:
			return last, n, fmt.Errorf("person %d got no answer to %s within %s (the last reply was %.80q)", p.user.ID, p.sent, timeout, p.lastText)
		case <-ctx.Done():
			return last, n, ctx.Err()
		}
	}
}

// runLabelled is runInbound with every goroutine of the run, the bot's
// included, labelled bot=name in CPU profiles, so that `go tool pprof
// -tagfocus bot=phuan` shows one bot's run.
func runLabelled(ctx context.Context, name string, start StartFunc, cfg InboundConfig, qs map[string][]string) (run InboundRun, err error) {
	pprof.Do(ctx, pprof.Labels("bot", name), func(ctx context.Context) {
		run, err = runInbound(ctx, name, start, cfg, qs)
	})
	return run, err
}

func runInbound(ctx context.Context, name string, start StartFunc, cfg InboundConfig, qs map[string][]string) (InboundRun, error) {
	run := InboundRun{Bot: name, People: cfg.People, Updates: cfg.Messages}
	people := make([]*person, cfg.People)
	byChat := make(map[int64]*person, cfg.People)
	langs := []string{"lo", "lo", "lo", "lo", "lo", "th", "th", "th", "en", "en"}
	for i := range people {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
		p := &person{user: User{ID: 100_000_000 + int64(i), Lang: langs[rng.IntN(len(langs))]},
			quota: cfg.Messages / cfg.People, rng: rng, replies: make(chan Sent, 256)}
		if i < cfg.Messages%cfg.People {
			p.quota++
		}
		people[i], byChat[p.user.ID] = p, p
	}
	var overflow atomic.Int64
	api, err := NewFakeAPI(FakeOptions{Seed: cfg.Seed, OnSend: func(s Sent) {
		p := byChat[s.ChatID]
		if p == nil {
			return
		}
		select {
		case p.replies <- s:
		default:
			overflow.Add(1)
		}
	}})
	if err != nil {
		return run, err
	}
	defer api.Close()

	botCtx, stopBot := context.WithCancel(ctx)
	defer stopBot()
	wait, err := start(botCtx, API{Endpoint: api.Endpoint(), Token: Token})
	if err != nil {
		return run, fmt.Errorf("start %s: %w", name, err)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		stopBot()
		return wait()
	}
	defer stop()
	ready := time.NewTimer(30 * time.Second)
	select {
	case <-api.Polling():
		ready.Stop()
	case <-ready.C:
		return run, fmt.Errorf("%s did not poll for updates within 30s", name)
	case <-ctx.Done():
		return run, ctx.Err()
	}

	var done atomic.Int64
	begin := time.Now()
	cpuBefore := processCPU()
	hideProgress := startProgress(cfg.Progress, 250*time.Millisecond, func() string {
		n := done.Load()
		el := time.Since(begin).Seconds()
		return fmt.Sprintf("inbound %-5s %7d/%d updates  %6.0f/s", name, n, cfg.Messages, float64(n)/max(el, 1e-9))
	})
	mem := sampleMemory(20 * time.Millisecond)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(people))
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range p.quota {
				at, cb := p.next(api, qs, k == 0)
				last, n, err := p.await(runCtx, cfg.TurnTimeout)
				if err != nil {
					errs[i] = err
					cancel()
					return
				}
				if cb {
					p.callbacks++
				}
				p.replied += n
				p.lastReply = last
				p.latencies = append(p.latencies, last.Sub(at))
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	goPeak, rssPeak := mem.Stop()
	cpu := processCPU() - cpuBefore
	hideProgress()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return run, fmt.Errorf("inbound bench of %s: %w", name, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return run, err
	}
	if n := overflow.Load(); n > 0 {
		return run, fmt.Errorf("inbound bench of %s: %d replies came for people who were not waiting", name, n)
	}
	if err := stop(); err != nil {
		return run, fmt.Errorf("stop %s: %w", name, err)
	}

	var all []time.Duration
	end := begin
	for _, p := range people {
		all = append(all, p.latencies...)
		run.Callbacks += p.callbacks
		run.Replies += p.replied
		run.QuietTurns += p.quiet
		if p.lastReply.After(end) {
			end = p.lastReply
		}
	}
	el := end.Sub(begin)
	run.Seconds = math.Round(el.Seconds()*1000) / 1000
	run.Throughput = math.Round(float64(len(all)) / el.Seconds())
	run.Latency = Percentiles(slices.Clip(all))
	run.PeakGoMB, run.PeakRSSMB = MB(goPeak), MB(rssPeak)
	if len(all) > 0 {
		run.CPUPerUpdateUs = math.Round(float64(cpu.Microseconds()) / float64(len(all)))
	}
	return run, nil
}

// WriteTable prints the report for people.
func (r *InboundReport) WriteTable(w io.Writer) error {
	tw := newTable(w)
	tw.row("bot", "people", "updates", "presses", "replies", "seconds", "updates/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
		"CPU µs/update", "peak Go MB", "peak RSS MB")
	for _, x := range []InboundRun{r.Phuan, r.Baseline} {
		tw.row(x.Bot, x.People, x.Updates, x.Callbacks, x.Replies, x.Seconds, x.Throughput, x.Latency.P50ms,
			x.Latency.P95ms, x.Latency.P99ms, x.Latency.MaxMs, x.CPUPerUpdateUs, x.PeakGoMB, x.PeakRSSMB)
	}
	if err := tw.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nphuan / echo throughput: %.3f   (%d CPUs, GOMAXPROCS %d; latency: update available to its last reply)\n",
		r.Ratio, r.CPUs, r.Procs)
	if err == nil && r.Baseline.CPUPerUpdateUs > 0 {
		_, err = fmt.Fprintf(w, "CPU per update, phuan / echo: %.2f (steadier than throughput on a shared machine)\n",
			r.Phuan.CPUPerUpdateUs/r.Baseline.CPUPerUpdateUs)
	}
	if err == nil && len(r.RunRatios) > 1 {
		_, err = fmt.Fprintf(w, "ratios of the %d runs: %v; the table shows the median run\n", len(r.RunRatios), r.RunRatios)
	}
	if err == nil && r.Phuan.QuietTurns > 0 {
		_, err = fmt.Fprintf(w, "%d phuan turns ended without buttons (the person waited %s of quiet)\n", r.Phuan.QuietTurns, quietPeriod)
	}
	return err
}
