package scheduler

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

var day0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC) // 10:00 in Vientiane

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newReminders(st *store.Store, out Outbox) *Reminders {
	return NewReminders(RemindersConfig{Store: st, Outbox: out, Texts: keyTexts{}})
}

func TestEveryReminderKindAtNineLocalTime(t *testing.T) {
	st := openStore(t)
	out := &storeOutbox{st: st}
	job := newReminders(st, out)
	course := &store.Course{Title: store.Texts{"lo": "ຕັດຫຍິບ", "en": "Tailoring"}, Provider: "Skills Centre",
		Format: store.FormatInPerson, Start: "2026-12-10", End: "2026-12-20", Deadline: "2026-12-05", Place: "Vientiane"}
	if err := st.PutCourse(course, day0); err != nil {
		t.Fatal(err)
	}
	bkk := zone(t, "Asia/Bangkok")
	event := &store.Event{Title: store.Texts{"lo": "ງານ"}, Start: time.Date(2026, 12, 1, 18, 0, 0, 0, bkk), TimeZone: "Asia/Bangkok", Place: "Wat"}
	if err := st.PutEvent(event, day0); err != nil {
		t.Fatal(err)
	}
	korea := addPerson(t, st, "th", "KR")
	laos := addPerson(t, st, "lo", "LA")
	thai := addPerson(t, st, "en", "TH")
	if _, err := st.Enrol(course.ID, korea.ID, store.EnrolDetails{}, day0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemindCourseDeadline(course.ID, laos.ID, day0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RemindEvent(event.ID, thai.ID, day0); err != nil {
		t.Fatal(err)
	}
	seoul := zone(t, "Asia/Seoul")
	for _, tc := range []struct {
		due    time.Time
		kind   store.ReminderKind
		person *store.Person
		text   string
	}{
		{time.Date(2026, 11, 30, 9, 0, 0, 0, bkk), store.ReminderEventDay, thai, "en:reminder_event_day"},
		{time.Date(2026, 12, 1, 17, 0, 0, 0, bkk), store.ReminderEventHour, thai, "en:reminder_event_hour"},
		{time.Date(2026, 12, 3, 9, 0, 0, 0, zone(t, "Asia/Vientiane")), store.ReminderCourseDeadline, laos, "lo:reminder_course_deadline title=ຕັດຫຍິບ date=05/12/2026"},
		{time.Date(2026, 12, 9, 9, 0, 0, 0, seoul), store.ReminderCourseStart, korea, "th:reminder_course_start title=ຕັດຫຍິບ date=10/12/2026 place=Vientiane"},
		{time.Date(2027, 1, 19, 9, 0, 0, 0, seoul), store.ReminderCourseFollowUp, korea, "th:reminder_course_followup"},
	} {
		before := len(out.sent())
		if err := job.Run(context.Background(), tc.due.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := len(out.sent()); got != before {
			t.Fatalf("%s sent a minute early (%d messages)", tc.kind, got-before)
		}
		if err := job.Run(context.Background(), tc.due); err != nil {
			t.Fatal(err)
		}
		sent := out.sent()
		if len(sent) != before+1 {
			t.Fatalf("%s: %d messages at its time, want 1", tc.kind, len(sent)-before)
		}
		e := sent[len(sent)-1]
		if e.ChatID != chatOf(tc.person) || e.Purpose != bot.PurposeUpdate || !strings.HasPrefix(e.Ref, "reminder:"+string(tc.kind)+":") {
			t.Errorf("%s: envelope %+v", tc.kind, e)
		}
		if !strings.HasPrefix(e.Reply.Text, tc.text) {
			t.Errorf("%s: text %q, want it to start with %q", tc.kind, e.Reply.Text, tc.text)
		}
		if tc.kind == store.ReminderCourseFollowUp {
			var payloads []string
			for _, row := range e.Reply.Buttons {
				for _, b := range row {
					payloads = append(payloads, b.Payload)
				}
			}
			if strings.Join(payloads, " ") != "course:work:"+course.ID+" kb:job-matching case:new" {
				t.Errorf("follow-up buttons %v", payloads)
			}
		}
	}
	// Nothing is sent twice, however often the job runs.
	n := len(out.sent())
	for range 3 {
		job.Run(context.Background(), time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC))
	}
	if len(out.sent()) != n {
		t.Fatalf("sent again: %d, want %d", len(out.sent()), n)
	}
}

func TestCatchUpSendsUpToTwelveHoursLateAndMissesOlder(t *testing.T) {
	st := openStore(t)
	out := &storeOutbox{st: st}
	job := newReminders(st, out)
	vte := zone(t, "Asia/Vientiane")
	// Two events whose day-before reminders fall on 1 and 2 December at 09:00.
	var ids []string
	for _, day := range []int{2, 3} {
		ev := &store.Event{Title: store.Texts{"lo": "ງານ"}, Start: time.Date(2026, 12, day, 12, 0, 0, 0, vte), TimeZone: "Asia/Vientiane"}
		st.PutEvent(ev, day0)
		ids = append(ids, ev.ID)
	}
	p := addPerson(t, st, "lo", "LA")
	for _, id := range ids {
		if _, err := st.RemindEvent(id, p.ID, day0); err != nil {
			t.Fatal(err)
		}
	}
	// The server was down from 30 November; it starts again on 2 December
	// at 20:59: the reminder of 1 December (35 h late) is missed, the one of
	// 2 December (11 h 59 min late) is sent.
	now := time.Date(2026, 12, 2, 20, 59, 0, 0, vte)
	if err := job.Run(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, e := range out.sent() {
		if strings.HasPrefix(e.Ref, "reminder:event_day:") {
			days = append(days, e.Ref)
		}
	}
	if len(days) != 1 || !strings.Contains(days[0], "event:"+ids[1]+":") {
		t.Fatalf("day reminders sent: %v", days)
	}
	missed, _ := st.Reminder("event_day:event:" + ids[0] + ":" + p.ID)
	if missed.Status != store.ReminderMissed {
		t.Fatalf("late reminder is %s, want missed", missed.Status)
	}
	// Exactly twelve hours late is still sent; a minute more is missed.
	for _, tc := range []struct {
		late time.Duration
		want store.ReminderStatus
	}{{12 * time.Hour, store.ReminderSent}, {12*time.Hour + time.Minute, store.ReminderMissed}} {
		ev := &store.Event{Title: store.Texts{"lo": "ງານ"}, Start: time.Date(2026, 12, 20, 12, 0, 0, 0, vte), TimeZone: "Asia/Vientiane"}
		st.PutEvent(ev, day0)
		q := addPerson(t, st, "lo", "LA")
		st.RemindEvent(ev.ID, q.ID, day0)
		id := "event_day:event:" + ev.ID + ":" + q.ID
		r, _ := st.Reminder(id)
		job.Run(context.Background(), r.Due.Add(tc.late))
		if r, _ = st.Reminder(id); r.Status != tc.want {
			t.Errorf("%v late: %s, want %s", tc.late, r.Status, tc.want)
		}
		st.SetReminders([]string{"event_hour:event:" + ev.ID + ":" + q.ID}, store.ReminderCancelled, day0)
	}
}

// remindOne plans one deadline reminder and returns its id and due time.
func remindOne(t *testing.T, st *store.Store) (string, time.Time, *store.Person) {
	t.Helper()
	c := &store.Course{Title: store.Texts{"lo": "ກະສິກຳ"}, Provider: "x", Start: "2026-12-10", Deadline: "2026-12-05"}
	st.PutCourse(c, day0)
	p := addPerson(t, st, "lo", "LA")
	due, err := st.RemindCourseDeadline(c.ID, p.ID, day0)
	if err != nil {
		t.Fatal(err)
	}
	return "course_deadline:course:" + c.ID + ":" + p.ID, due, p
}

func TestInterruptedReminderIsNeitherLostNorRepeated(t *testing.T) {
	t.Run("message already in the outbox", func(t *testing.T) {
		st := openStore(t)
		id, due, p := remindOne(t, st)
		// A crash after the message was queued and before it was marked sent.
		st.ClaimReminders([]string{id}, due)
		(&storeOutbox{st: st}).Enqueue([]bot.Envelope{{Channel: "telegram", ChatID: chatOf(p), PersonID: p.ID, Ref: ReminderRef(id)}})
		out := &storeOutbox{st: st}
		if err := newReminders(st, out).Run(context.Background(), due.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if len(out.sent()) != 0 {
			t.Fatalf("sent again: %+v", out.sent())
		}
		if r, _ := st.Reminder(id); r.Status != store.ReminderSent {
			t.Fatalf("status %s", r.Status)
		}
	})
	t.Run("message never queued", func(t *testing.T) {
		st := openStore(t)
		id, due, _ := remindOne(t, st)
		st.ClaimReminders([]string{id}, due) // crash right after claiming
		out := &storeOutbox{st: st}
		job := newReminders(st, out)
		job.Run(context.Background(), due.Add(time.Minute))
		job.Run(context.Background(), due.Add(2*time.Minute))
		if len(out.sent()) != 1 {
			t.Fatalf("sent %d times, want 1", len(out.sent()))
		}
	})
	t.Run("outbox failure", func(t *testing.T) {
		st := openStore(t)
		id, due, _ := remindOne(t, st)
		out := &storeOutbox{st: st, fail: errors.New("disk full")}
		job := newReminders(st, out)
		if err := job.Run(context.Background(), due); err == nil {
			t.Fatal("no error when the outbox failed")
		}
		if r, _ := st.Reminder(id); r.Status != store.ReminderPending {
			t.Fatalf("status after failure %s", r.Status)
		}
		out.fail = nil
		job.Run(context.Background(), due.Add(time.Minute))
		if len(out.sent()) != 1 {
			t.Fatalf("sent %d, want 1", len(out.sent()))
		}
	})
}

func TestReminderForSomeoneUnreachableIsDropped(t *testing.T) {
	st := openStore(t)
	id, due, p := remindOne(t, st)
	st.UpdatePerson(p.ID, func(p *store.Person) error { p.Unreachable = true; return nil })
	out := &storeOutbox{st: st}
	newReminders(st, out).Run(context.Background(), due)
	if r, _ := st.Reminder(id); len(out.sent()) != 0 || r.Status != store.ReminderCancelled {
		t.Fatalf("sent %d, status %s", len(out.sent()), r.Status)
	}
}

// TestCourseChangesAreTold: people on a course, and on its waiting list,
// are told when its dates, place or format change (by day in their own
// time zone; quick edits make one message) and when it is cancelled; the
// change notice waiting then is dropped, and nothing else about it is sent.
func TestCourseChangesAreTold(t *testing.T) {
	st := openStore(t)
	out := &storeOutbox{st: st}
	job := newReminders(st, out)
	bkk := zone(t, "Asia/Bangkok")
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, bkk) }
	course := &store.Course{Title: store.Texts{"lo": "ຕັດຫຍິບ"}, Provider: "Skills Centre", Format: store.FormatInPerson,
		Start: "2026-12-10", End: "2026-12-20", Place: "Vientiane", Seats: 1}
	if err := st.PutCourse(course, at(1, 10)); err != nil {
		t.Fatal(err)
	}
	enrolled, waiting, left := addPerson(t, st, "lo", "TH"), addPerson(t, st, "en", "TH"), addPerson(t, st, "th", "TH")
	for _, p := range []*store.Person{enrolled, waiting, left} {
		if _, err := st.Enrol(course.ID, p.ID, store.EnrolDetails{}, at(1, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CancelEnrolment(course.ID, left.ID, at(1, 11)); err != nil {
		t.Fatal(err)
	}
	notices := func() []bot.Envelope {
		var got []bot.Envelope
		for _, e := range out.sent() {
			if strings.HasPrefix(e.Ref, "reminder:course_c") {
				got = append(got, e)
			}
		}
		return got
	}

	// A new title is no news; a new place at 22:00 is told at 09:00, once,
	// with the latest state after a second edit in the night.
	course.Title = store.Texts{"lo": "ຕັດຫຍິບ 2"}
	if err := st.PutCourse(course, at(2, 10)); err != nil {
		t.Fatal(err)
	}
	job.Run(context.Background(), at(2, 10))
	if n := len(notices()); n != 0 {
		t.Fatalf("%d notices for a new title", n)
	}
	course.Place = "Pakse"
	st.PutCourse(course, at(2, 22))
	course.Start = "2026-12-11"
	st.PutCourse(course, at(2, 23))
	job.Run(context.Background(), at(3, 8))
	if n := len(notices()); n != 0 {
		t.Fatalf("%d notices sent in the night", n)
	}
	job.Run(context.Background(), at(3, 9))
	got := notices()
	want := map[string]string{
		chatOf(enrolled): "lo:notice_course_changed title=ຕັດຫຍິບ 2 dates=11/12/2026 – 20/12/2026 place=Pakse format=lo:format_in_person",
		chatOf(waiting):  "en:notice_course_changed title=ຕັດຫຍິບ 2 dates=11/12/2026 – 20/12/2026 place=Pakse format=en:format_in_person",
	}
	if len(got) != len(want) {
		t.Fatalf("%d notices, want %d: %+v", len(got), len(want), got)
	}
	for _, e := range got {
		if want[e.ChatID] != e.Reply.Text {
			t.Errorf("notice to %s: %q, want %q", e.ChatID, e.Reply.Text, want[e.ChatID])
		}
	}

	// A change, then the cancellation before it went out: only the
	// cancellation is told, with a way to other courses.
	course.Format = store.FormatOnline
	st.PutCourse(course, at(4, 10))
	if _, err := st.DeleteCourse(course.ID, at(4, 10)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		job.Run(context.Background(), at(4, 10))
	}
	got = notices()[2:]
	if len(got) != 2 {
		t.Fatalf("%d notices after the cancellation, want 2: %+v", len(got), got)
	}
	for _, e := range got {
		if !strings.Contains(e.Reply.Text, ":notice_course_cancelled title=ຕັດຫຍິບ 2") ||
			len(e.Reply.Buttons) != 1 || e.Reply.Buttons[0][0].Payload != "courses" {
			t.Errorf("cancellation notice %+v", e.Reply)
		}
	}
	// Editing the cancelled course tells nobody again; nothing else is sent.
	course.Place = "Vientiane"
	st.PutCourse(course, at(5, 10))
	n := len(out.sent())
	job.Run(context.Background(), time.Date(2027, 3, 1, 9, 0, 0, 0, bkk))
	if len(out.sent()) != n {
		t.Fatalf("sent after the cancellation: %+v", out.sent()[n:])
	}
}

// TestEventChangesAreTold: people waiting for a reminder about an event are
// told when its time or place changes (by day, their time) and when it is
// cancelled or deleted; their reminders follow the new time or are
// dropped; nobody else hears of it.
func TestEventChangesAreTold(t *testing.T) {
	st := openStore(t)
	out := &storeOutbox{st: st}
	job := newReminders(st, out)
	bkk := zone(t, "Asia/Bangkok")
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, bkk) }
	ev := &store.Event{Title: store.Texts{"lo": "ງານ"}, Start: time.Date(2026, 12, 1, 18, 0, 0, 0, bkk),
		TimeZone: "Asia/Bangkok", Place: "Wat"}
	if err := st.PutEvent(ev, at(1, 10)); err != nil {
		t.Fatal(err)
	}
	waiting, other := addPerson(t, st, "en", "TH"), addPerson(t, st, "lo", "TH")
	if _, err := st.RemindEvent(ev.ID, waiting.ID, at(1, 10)); err != nil {
		t.Fatal(err)
	}
	notices := func() []bot.Envelope {
		var got []bot.Envelope
		for _, e := range out.sent() {
			if strings.HasPrefix(e.Ref, "reminder:event_c") {
				got = append(got, e)
			}
		}
		return got
	}
	ev.Start, ev.Place = time.Date(2026, 12, 2, 18, 0, 0, 0, bkk), "Temple hall"
	if err := st.PutEvent(ev, at(5, 21)); err != nil {
		t.Fatal(err)
	}
	job.Run(context.Background(), at(5, 21))
	if n := len(notices()); n != 0 {
		t.Fatalf("%d notices at night", n)
	}
	job.Run(context.Background(), at(6, 9))
	got := notices()
	if len(got) != 1 || got[0].ChatID != chatOf(waiting) ||
		got[0].Reply.Text != "en:notice_event_changed title=ງານ time=02/12/2026 18:00 place=Temple hall" {
		t.Fatalf("change notices %+v", got)
	}
	// The day-before reminder follows the new date.
	job.Run(context.Background(), time.Date(2026, 11, 30, 9, 0, 0, 0, bkk))
	for _, e := range out.sent() {
		if strings.HasPrefix(e.Ref, "reminder:event_day") {
			t.Fatalf("a reminder for the old date: %+v", e)
		}
	}
	if deleted, err := st.DeleteEvent(ev.ID, at(7, 10)); err != nil || deleted {
		t.Fatalf("delete: %v %v, want it cancelled", deleted, err)
	}
	job.Run(context.Background(), at(7, 10))
	got = notices()
	if len(got) != 2 || got[1].Reply.Text != "en:notice_event_cancelled title=ງານ" || got[1].Reply.Buttons[0][0].Payload != "events" {
		t.Fatalf("cancellation notices %+v", got)
	}
	n := len(out.sent())
	job.Run(context.Background(), time.Date(2026, 12, 3, 0, 0, 0, 0, bkk))
	if len(out.sent()) != n {
		t.Fatalf("sent after the cancellation: %+v", out.sent()[n:])
	}
	for _, e := range out.sent() {
		if e.ChatID == chatOf(other) {
			t.Fatalf("someone who never asked was told: %+v", e)
		}
	}
	// An event nobody waits for is deleted outright.
	quiet := &store.Event{Title: store.Texts{"lo": "ງານອື່ນ"}, Start: time.Date(2026, 12, 5, 18, 0, 0, 0, bkk), TimeZone: "Asia/Bangkok"}
	st.PutEvent(quiet, at(7, 10))
	if deleted, err := st.DeleteEvent(quiet.ID, at(7, 10)); err != nil || !deleted {
		t.Fatalf("delete an event nobody waits for: %v %v", deleted, err)
	}
}

// TestLateNoticesAreSentWhileTheyMatter: a notice of a change is not missed
// after a long downtime, as a reminder would be, unless the course is over.
func TestLateNoticesAreSentWhileTheyMatter(t *testing.T) {
	st := openStore(t)
	out := &storeOutbox{st: st}
	job := newReminders(st, out)
	bkk := zone(t, "Asia/Bangkok")
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, bkk) }
	soon := &store.Course{Title: store.Texts{"lo": "ກ"}, Provider: "P", Format: store.FormatInPerson, Start: "2026-11-20", Place: "A"}
	over := &store.Course{Title: store.Texts{"lo": "ຂ"}, Provider: "P", Format: store.FormatInPerson, Start: "2026-11-06", Place: "A"}
	p := addPerson(t, st, "lo", "TH")
	for _, c := range []*store.Course{soon, over} {
		if err := st.PutCourse(c, at(1, 10)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Enrol(c.ID, p.ID, store.EnrolDetails{}, at(1, 10)); err != nil {
			t.Fatal(err)
		}
		c.Place = "B"
		if err := st.PutCourse(c, at(2, 10)); err != nil {
			t.Fatal(err)
		}
	}
	// Down from the 2nd to the 8th: the notice about the course still to
	// come goes out; the one about the course that ended does not.
	job.Run(context.Background(), at(8, 10))
	var got []string
	for _, e := range out.sent() {
		if strings.HasPrefix(e.Ref, "reminder:course_changed") {
			got = append(got, e.Reply.Text)
		}
	}
	if len(got) != 1 || !strings.Contains(got[0], "title=ກ ") {
		t.Fatalf("late notices %q, want the one about the course to come", got)
	}
}
