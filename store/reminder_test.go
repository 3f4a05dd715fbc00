package store

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestReminderTimesFollowThePersonsTimeZone(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	for _, tc := range []struct {
		country string
		zone    string
	}{{"KR", "Asia/Seoul"}, {"MY", "Asia/Kuala_Lumpur"}, {"JP", "Asia/Tokyo"}, {"", "Asia/Vientiane"}, {"TH", "Asia/Bangkok"}} {
		p := addPerson(t, s, tc.country)
		due, err := s.RemindCourseDeadline(c.ID, p.ID, day0)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(tc.zone)
		if want := time.Date(2026, 12, 3, 9, 0, 0, 0, loc); !due.Equal(want) {
			t.Errorf("%s: deadline reminder at %v, want %v", tc.country, due, want)
		}
	}
}

func TestClaimIsOnceAndIndexesFollowStatus(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	p := addPerson(t, s, "LA")
	s.RemindCourseDeadline(c.ID, p.ID, day0)
	due := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	if rs, _ := s.DueReminders(due.Add(-time.Second), 10); len(rs) != 0 {
		t.Fatalf("due early: %+v", rs)
	}
	rs, _ := s.DueReminders(due, 10)
	if len(rs) != 1 {
		t.Fatalf("due: %+v", rs)
	}
	first, _ := s.ClaimReminders([]string{rs[0].ID}, due)
	second, _ := s.ClaimReminders([]string{rs[0].ID}, due)
	if len(first) != 1 || len(second) != 0 {
		t.Fatalf("claimed %d then %d", len(first), len(second))
	}
	if rs, _ := s.DueReminders(due, 10); len(rs) != 0 {
		t.Fatalf("a claimed reminder is still due: %+v", rs)
	}
	if st, _ := s.SendingReminders(); len(st) != 1 {
		t.Fatalf("sending: %+v", st)
	}
	s.SetReminders([]string{rs0(first)}, ReminderSent, due)
	if st, _ := s.SendingReminders(); len(st) != 0 {
		t.Fatalf("still sending: %+v", st)
	}
	// Asking again for a reminder already sent at the same time plans nothing.
	s.RemindCourseDeadline(c.ID, p.ID, day0)
	if r, _ := s.Reminder(rs0(first)); r.Status != ReminderSent {
		t.Fatalf("re-planned: %+v", r)
	}
}

func rs0(rs []Reminder) string { return rs[0].ID }

func TestEventRemindersAndChanges(t *testing.T) {
	s := openTest(t)
	p := addPerson(t, s, "KR")
	bkk, _ := time.LoadLocation("Asia/Bangkok")
	ev := &Event{Title: Texts{"lo": "ງານ"}, Start: time.Date(2026, 12, 1, 18, 0, 0, 0, bkk), TimeZone: "Asia/Bangkok"}
	if err := s.PutEvent(ev, day0); err != nil {
		t.Fatal(err)
	}
	dues, err := s.RemindEvent(ev.ID, p.ID, day0)
	if err != nil || len(dues) != 2 {
		t.Fatalf("%v %v", dues, err)
	}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, seoul); !dues[0].Equal(want) {
		t.Errorf("day reminder %v, want %v", dues[0], want)
	}
	if want := ev.Start.Add(-time.Hour); !dues[1].Equal(want) {
		t.Errorf("hour reminder %v, want %v", dues[1], want)
	}
	// Moving the event moves the reminders.
	ev.Start = ev.Start.Add(48 * time.Hour)
	s.PutEvent(ev, day0)
	r, _ := s.Reminder(reminderID(ReminderEventHour, eventRef(ev.ID), p.ID))
	if !r.Due.Equal(ev.Start.Add(-time.Hour)) || r.Status != ReminderPending {
		t.Fatalf("after moving: %+v", r)
	}
	// Deleting an event someone waits for cancels it: their reminders
	// are dropped, and all that is due is the notice that it is cancelled.
	if deleted, err := s.DeleteEvent(ev.ID, day0); err != nil || deleted {
		t.Fatalf("delete: %v %v, want it cancelled", deleted, err)
	}
	rs, _ := s.DueReminders(ev.Start, 10)
	if len(rs) != 1 || rs[0].Kind != ReminderEventCancelled || rs[0].PersonID != p.ID {
		t.Fatalf("due after delete: %+v", rs)
	}
	// Built-in Migrants Day: all day, no hour reminder.
	dues, err = s.RemindEvent("imd-2026", p.ID, day0)
	if err != nil || len(dues) != 1 || !dues[0].Equal(time.Date(2026, 12, 17, 9, 0, 0, 0, seoul)) {
		t.Fatalf("migrants day: %v %v", dues, err)
	}
	if _, err := s.RemindEvent("imd-2025", p.ID, day0); !errors.Is(err, ErrTooLate) {
		t.Fatalf("last year's: %v", err)
	}
}

func TestUpcomingEventsHasNextMigrantsDay(t *testing.T) {
	s := openTest(t)
	after := time.Date(2026, 12, 19, 0, 0, 0, 0, time.UTC)
	es, _ := s.UpcomingEvents(after)
	if len(es) != 1 || es[0].ID != "imd-2027" || es[0].Builtin != BuiltinMigrantsDay {
		t.Fatalf("%+v", es)
	}
	// A stored event with its id replaces it.
	custom := MigrantsDay(2027)
	custom.Title, custom.Place = Texts{"lo": "ງານວັນແຮງງານ"}, "Vientiane"
	s.PutEvent(&custom, day0)
	es, _ = s.UpcomingEvents(after)
	if len(es) != 1 || es[0].Place != "Vientiane" {
		t.Fatalf("%+v", es)
	}
}

func TestErasePersonActivity(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 1)
	p, q := addPerson(t, s, "LA"), addPerson(t, s, "LA")
	s.Enrol(c.ID, p.ID, EnrolDetails{}, day0)
	s.Enrol(c.ID, q.ID, EnrolDetails{}, day0)
	s.UpdateSubscription(p.ID, func(sub *Subscription) { sub.Topics = []Topic{TopicNews} }, day0)
	promoted, err := s.ErasePersonActivity(p.ID, day0)
	if err != nil || len(promoted) != 1 || promoted[0].PersonID != q.ID {
		t.Fatalf("%v %+v", err, promoted)
	}
	if ens, _ := s.Enrolments(c.ID); len(ens) != 1 {
		t.Fatalf("enrolments left: %+v", ens)
	}
	if rs, _ := s.PersonReminders(p.ID); len(rs) != 0 {
		t.Fatalf("reminders left: %+v", rs)
	}
	if sub, _ := s.Subscription(p.ID); len(sub.Topics) != 0 {
		t.Fatalf("subscription left: %+v", sub)
	}
}

func TestEraserForTheErasureList(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	p := addPerson(t, s, "LA")
	s.Enrol(c.ID, p.ID, EnrolDetails{}, day0)
	if err := s.update(func(tx *bolt.Tx) error { return eraseCourseActivity(tx, Subject{PersonID: p.ID}) }); err != nil {
		t.Fatal(err)
	}
	if ens, _ := s.PersonEnrolments(p.ID); len(ens) != 0 {
		t.Fatalf("enrolments left: %+v", ens)
	}
	if rs, _ := s.PersonReminders(p.ID); len(rs) != 0 {
		t.Fatalf("reminders left: %+v", rs)
	}
}
