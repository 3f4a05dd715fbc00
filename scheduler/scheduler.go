package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"phuan/bot"
)

// Job is one kind of timed work. Run does what is due at now and returns;
// it must be safe to run again at any time (cron only ticks).
type Job interface {
	Run(ctx context.Context, now time.Time) error
}

// JobFunc adapts a function to Job.
type JobFunc func(ctx context.Context, now time.Time) error

// Run calls f.
func (f JobFunc) Run(ctx context.Context, now time.Time) error { return f(ctx, now) }

// Outbox is where scheduled messages go (the bot's sender).
type Outbox interface {
	Enqueue(envs []bot.Envelope) error
}

// Texts gives the catalogue's text for key in lang (handlers.Catalog).
type Texts interface {
	T(lang, key string, kv ...string) string
}

// Config configures a Scheduler.
type Config struct {
	Location *time.Location // cron expressions are read in it; default Asia/Vientiane
	Clock    bot.Clock
	Logger   *slog.Logger
	Metrics  *bot.Metrics
}

// Scheduler ticks jobs with cron. A panicking job is recovered and logged;
// a job still running when its next tick comes is skipped that time.
type Scheduler struct {
	cfg  Config
	log  *slog.Logger
	cron *cron.Cron
	jobs []*entry

	ctx    context.Context // given to jobs; cancelled by Stop
	cancel context.CancelFunc
}

type entry struct {
	name string
	job  Job
	busy sync.Mutex
}

// New returns a scheduler; add jobs, then Start it.
func New(cfg Config) *Scheduler {
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("Asia/Vientiane", 7*3600)
		if loc, err := time.LoadLocation("Asia/Vientiane"); err == nil {
			cfg.Location = loc
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = bot.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("component", "scheduler")
	cl := cronLogger{log}
	s := &Scheduler{cfg: cfg, log: log, cron: cron.New(cron.WithLocation(cfg.Location), cron.WithLogger(cl),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Add registers job under name, ticked by spec (a five-field cron
// expression or a descriptor such as @every 1m or @daily).
func (s *Scheduler) Add(name, spec string, job Job) error {
	e := &entry{name: name, job: job}
	if _, err := s.cron.AddFunc(spec, func() { s.run(e) }); err != nil {
		return fmt.Errorf("schedule job %s at %q: %w", name, spec, err)
	}
	s.jobs = append(s.jobs, e)
	return nil
}

// RunAll runs every job once now, one after another, as at start-up to
// catch up on what came due while the process was down.
func (s *Scheduler) RunAll() {
	for _, e := range s.jobs {
		s.run(e)
	}
}

// Start starts ticking in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops ticking, cancels running jobs' context and waits for them.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	s.cancel()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
}

// run runs one job now, unless it is running already.
func (s *Scheduler) run(e *entry) {
	if !e.busy.TryLock() {
		s.log.Debug("job still running, tick skipped", "job", e.name)
		return
	}
	defer e.busy.Unlock()
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Metrics.Inc("phuan_job_runs_total", "job", e.name, "result", "panic")
			s.log.Error("job panicked", "job", e.name, "panic", fmt.Sprint(r))
		}
	}()
	now := s.cfg.Clock.Now()
	err := e.job.Run(s.ctx, now)
	if err != nil {
		s.cfg.Metrics.Inc("phuan_job_runs_total", "job", e.name, "result", "error")
		s.log.Error("job failed", "job", e.name, "err", err)
		return
	}
	s.cfg.Metrics.Inc("phuan_job_runs_total", "job", e.name, "result", "ok")
}

// cronLogger lets cron log through slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, snake(kv)...) }

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(snake(kv), "err", err)...)
}

// snake keeps cron's own keys out of the way of the snake_case convention.
func snake(kv []any) []any {
	out := make([]any, 0, len(kv))
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		out = append(out, "cron_"+k, fmt.Sprint(kv[i+1]))
	}
	return out
}
