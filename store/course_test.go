package store

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

var day0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC) // 10:00 in Vientiane

func addPerson(t *testing.T, s *Store, country string) *Person {
	t.Helper()
	p := &Person{Lang: "lo", Profile: Profile{Country: country}, ConsentAt: day0, CreatedAt: day0}
	n, _ := s.CountPersons()
	if err := s.CreatePerson(p, Identity{Channel: "telegram", PlatformID: "u" + strconv.Itoa(n+1)}); err != nil {
		t.Fatal(err)
	}
	return p
}

func addCourse(t *testing.T, s *Store, seats int) *Course {
	t.Helper()
	c := &Course{Title: Texts{"lo": "ຕັດຫຍິບ", "en": "Tailoring"}, Provider: "Skills Centre", Province: "VT",
		Format: FormatInPerson, Start: "2026-12-10", End: "2026-12-20", Deadline: "2026-12-05", Seats: seats}
	if err := s.PutCourse(c, day0); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWaitingListMovesUpInOrder(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 1)
	a, b, d := addPerson(t, s, "LA"), addPerson(t, s, "LA"), addPerson(t, s, "TH")
	for i, p := range []*Person{a, b, d} {
		e, err := s.Enrol(c.ID, p.ID, EnrolDetails{}, day0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := Waiting
		if i == 0 {
			want = Enrolled
		}
		if e.Status != want {
			t.Fatalf("person %d: %s, want %s", i, e.Status, want)
		}
	}
	if pos, _ := s.WaitingPosition(c.ID, d.ID); pos != 2 {
		t.Fatalf("third person's position %d, want 2", pos)
	}
	if _, err := s.Enrol(c.ID, b.ID, EnrolDetails{}, day0); !errors.Is(err, ErrAlreadyEnrolled) {
		t.Fatalf("enrolling twice: %v", err)
	}
	// Leaving the waiting list frees no seat.
	promoted, err := s.CancelEnrolment(c.ID, b.ID, day0)
	if err != nil || promoted != nil {
		t.Fatalf("cancel waiting: %v %+v", err, promoted)
	}
	promoted, err = s.CancelEnrolment(c.ID, a.ID, day0)
	if err != nil || promoted == nil || promoted.PersonID != d.ID || promoted.Status != Enrolled {
		t.Fatalf("cancel enrolled: %v %+v", err, promoted)
	}
	enrolled, waiting, _ := s.CourseCounts(c.ID)
	if enrolled != 1 || waiting != 0 {
		t.Fatalf("counts %d %d", enrolled, waiting)
	}
	// The promoted person got their start reminder, in Bangkok time.
	r, err := s.Reminder(reminderID(ReminderCourseStart, courseRef(c.ID), d.ID))
	if err != nil || r.Status != ReminderPending {
		t.Fatalf("start reminder of the promoted person: %v %+v", err, r)
	}
	if want := time.Date(2026, 12, 9, 9, 0, 0, 0, CountryLocation("TH")); !r.Due.Equal(want) {
		t.Fatalf("due %v, want %v", r.Due, want)
	}
	// The one who left has no pending reminder.
	if r, _ := s.Reminder(reminderID(ReminderCourseStart, courseRef(c.ID), a.ID)); r.Status != ReminderCancelled {
		t.Fatalf("reminder of the person who left: %+v", r)
	}
}

func TestEnrolKeepsDetailsOnlyWhenNeededAndForgetsThemOnCancel(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	p := addPerson(t, s, "LA")
	if _, err := s.Enrol(c.ID, p.ID, EnrolDetails{Name: "Noy", Phone: "020 5555 1234"}, day0); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.Enrolment(c.ID, p.ID); e.Name != "" || e.Phone != "" {
		t.Fatalf("details kept for a course that does not need them: %+v", e)
	}
	c.NeedsName, c.NeedsPhone = true, true
	if err := s.PutCourse(c, day0); err != nil {
		t.Fatal(err)
	}
	q := addPerson(t, s, "LA")
	if _, err := s.Enrol(c.ID, q.ID, EnrolDetails{}, day0); !errors.Is(err, ErrDetailsRequired) {
		t.Fatalf("enrol without details: %v", err)
	}
	if _, err := s.Enrol(c.ID, q.ID, EnrolDetails{Name: "Noy", Phone: "020", ConsentAt: day0}, day0); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.Enrolment(c.ID, q.ID); e.Name != "Noy" || e.ConsentAt.IsZero() {
		t.Fatalf("details not kept: %+v", e)
	}
	if _, err := s.CancelEnrolment(c.ID, q.ID, day0); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.Enrolment(c.ID, q.ID); e.Name != "" || e.Phone != "" {
		t.Fatalf("details kept after cancelling: %+v", e)
	}
}

func TestEnrolClosedAndIneligible(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	c.Eligibility = []Status{StatusReturned}
	s.PutCourse(c, day0)
	p := addPerson(t, s, "LA")
	s.UpdatePerson(p.ID, func(p *Person) error { p.Profile.Status = StatusAbroad; return nil })
	if _, err := s.Enrol(c.ID, p.ID, EnrolDetails{}, day0); !errors.Is(err, ErrNotEligible) {
		t.Fatalf("ineligible: %v", err)
	}
	q := addPerson(t, s, "LA")
	late := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	if _, err := s.Enrol(c.ID, q.ID, EnrolDetails{}, late); !errors.Is(err, ErrCourseClosed) {
		t.Fatalf("after the deadline: %v", err)
	}
}

func TestDeleteCourseWithEnrolmentsCancelsIt(t *testing.T) {
	s := openTest(t)
	c := addCourse(t, s, 0)
	empty := addCourse(t, s, 0)
	p := addPerson(t, s, "LA")
	s.Enrol(c.ID, p.ID, EnrolDetails{}, day0)
	if deleted, err := s.DeleteCourse(c.ID, day0); err != nil || deleted {
		t.Fatalf("delete with enrolments: %v %v", deleted, err)
	}
	if got, _ := s.Course(c.ID); !got.Cancelled {
		t.Fatal("not cancelled")
	}
	if r, _ := s.Reminder(reminderID(ReminderCourseStart, courseRef(c.ID), p.ID)); r.Status != ReminderCancelled {
		t.Fatalf("reminder after cancelling the course: %+v", r)
	}
	if deleted, err := s.DeleteCourse(empty.ID, day0); err != nil || !deleted {
		t.Fatalf("delete empty: %v %v", deleted, err)
	}
	if _, err := s.Course(empty.ID); !IsNotFound(err) {
		t.Fatalf("deleted course still there: %v", err)
	}
}

func TestImportCoursesIsAllOrNothing(t *testing.T) {
	s := openTest(t)
	good := Course{ID: "sewing", Title: Texts{"lo": "ຫຍິບ"}, Provider: "x", Start: "2026-12-01"}
	bad := Course{ID: "Not Valid!", Title: Texts{"lo": "x"}, Provider: "x", Start: "2026-12-01"}
	if err := s.ImportCourses([]Course{good, bad}, day0); err == nil {
		t.Fatal("a bad id was imported")
	}
	if cs, _ := s.Courses(); len(cs) != 0 {
		t.Fatalf("half an import stayed: %+v", cs)
	}
	if err := s.ImportCourses([]Course{good, {Title: Texts{"lo": "ໃໝ່"}, Provider: "y", Start: "2026-12-02"}}, day0); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Courses(); len(cs) != 2 || cs[0].ID != "sewing" || cs[1].ID == "" {
		t.Fatalf("imported: %+v", cs)
	}
}

func TestReadsOfAFreshStoreAreEmpty(t *testing.T) {
	s := openTest(t)
	if cs, err := s.Courses(); err != nil || len(cs) != 0 {
		t.Fatal(cs, err)
	}
	if _, err := s.Course("c1"); !IsNotFound(err) {
		t.Fatal(err)
	}
	if es, err := s.PersonEnrolments("p1"); err != nil || len(es) != 0 {
		t.Fatal(es, err)
	}
	if rs, err := s.DueReminders(day0, 10); err != nil || len(rs) != 0 {
		t.Fatal(rs, err)
	}
	if bs, err := s.Broadcasts(); err != nil || len(bs) != 0 {
		t.Fatal(bs, err)
	}
	if sub, err := s.Subscription("p1"); err != nil || len(sub.Topics) != 0 {
		t.Fatal(sub, err)
	}
	if es, err := s.UpcomingEvents(day0); err != nil || len(es) != 1 || es[0].ID != "imd-2026" {
		t.Fatal(es, err)
	}
}
