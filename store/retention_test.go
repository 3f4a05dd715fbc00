package store

import (
	"testing"
	"time"
)

func TestRetentionEmptiesOldClosedCasesOnly(t *testing.T) {
	s := openTest(t)
	day := 24 * time.Hour
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	open := func(chat string, closedAgo time.Duration, closed bool) string {
		c := &Case{Channel: "telegram", ChatID: chat, Category: "unpaid_wages", OpenedAt: now.Add(-200 * day),
			ShareName: true, SharedName: "Noy"}
		c.Transcript = []CaseEntry{{At: c.OpenedAt, Actor: ActorPerson, Action: FromPerson, Text: "secret words"}}
		c.Log(c.OpenedAt, "mod", "note", "internal note")
		if err := s.OpenCase(c); err != nil {
			t.Fatal(err)
		}
		if closed {
			if _, err := s.UpdateCase(c.ID, func(c *Case) error {
				c.Status, c.ClosedAt = CaseClosed, now.Add(-closedAgo)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	old := open("1", 100*day, true)
	recent := open("2", 10*day, true)
	stillOpen := open("3", 0, false)
	s.EnqueueOutbox([]OutboxItem{{Channel: "telegram", ChatID: "1", Body: []byte(`{"text":"x"}`), CreatedAt: now.Add(-100 * day)}})
	items, _ := s.PendingOutbox()
	s.FailOutbox(items[0], "blocked")

	r, err := s.ApplyRetention(now.Add(-90 * day))
	if err != nil {
		t.Fatal(err)
	}
	if r.CaseTexts != 1 || r.FailedMessages != 1 {
		t.Fatalf("report %+v", r)
	}
	c, _ := s.Case(old)
	if len(c.Transcript) != 0 || c.Timeline[0].Text != "" || c.Category != "unpaid_wages" || c.Timeline[0].Action != "note" ||
		c.SharedName != "" {
		t.Fatalf("old case after retention %+v", c)
	}
	for _, id := range []string{recent, stillOpen} {
		if c, _ := s.Case(id); len(c.Transcript) != 1 || c.Timeline[0].Text != "internal note" || c.SharedName != "Noy" {
			t.Errorf("%s lost its transcript too early", id)
		}
	}
	if r, _ := s.ApplyRetention(now.Add(-90 * day)); r != (RetentionReport{}) {
		t.Errorf("second run changed %+v", r)
	}
}
