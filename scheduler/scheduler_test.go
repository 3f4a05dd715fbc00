package scheduler

import (
	"context"
	"testing"
	"time"

	"phuan/bot"
)

func TestSchedulerRunsJobsWithItsClockAndSurvivesPanics(t *testing.T) {
	clock := bot.NewManualClock(day0)
	metrics := bot.NewMetrics()
	s := New(Config{Clock: clock, Metrics: metrics})
	var seen []time.Time
	if err := s.Add("record", "* * * * *", JobFunc(func(_ context.Context, now time.Time) error {
		seen = append(seen, now)
		return nil
	})); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("boom", "@daily", JobFunc(func(context.Context, time.Time) error { panic("boom") })); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("bad", "every minute", JobFunc(func(context.Context, time.Time) error { return nil })); err == nil {
		t.Fatal("a bad spec was accepted")
	}
	s.RunAll()
	clock.Set(day0.Add(time.Hour))
	s.RunAll()
	if len(seen) != 2 || !seen[0].Equal(day0) || !seen[1].Equal(day0.Add(time.Hour)) {
		t.Fatalf("runs at %v", seen)
	}
	if n := metrics.Value("phuan_job_runs_total", "job", "boom", "result", "panic"); n != 2 {
		t.Fatalf("panics counted %d", n)
	}
	s.Start()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSchedulerReadsCronInItsLocation(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	s := New(Config{Location: seoul})
	s.Add("nine", "0 9 * * *", JobFunc(func(context.Context, time.Time) error { return nil }))
	// cron hands its schedules the time in its location.
	next := s.cron.Entries()[0].Schedule.Next(time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC).In(s.cron.Location())) // 07:00 in Seoul
	if want := time.Date(2026, 11, 22, 9, 0, 0, 0, seoul); !next.Equal(want) {
		t.Fatalf("next %v, want %v", next, want)
	}
}
