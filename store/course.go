package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of courses and enrolments, created on first write.
var (
	bucketCourses          = []byte("courses")
	bucketEnrolments       = []byte("enrolments")           // course \x00 person → Enrolment
	bucketEnrolmentsPerson = []byte("enrolments_by_person") // person \x00 course → nil
)

// Errors of enrolment.
var (
	ErrCourseClosed    = errors.New("the course no longer takes enrolments")
	ErrAlreadyEnrolled = errors.New("already enrolled or on the waiting list")
	ErrNotEnrolled     = errors.New("not enrolled")
	ErrDetailsRequired = errors.New("the course needs a name and phone number that were not given")
	ErrNotEligible     = errors.New("the course is not open to this person")
	recordID           = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
)

// ValidID reports whether id may name a course, an event or a broadcast:
// 1 to 32 of a-z 0-9 _ -, starting with a letter or digit (it travels in
// button payloads, which are short).
func ValidID(id string) bool { return recordID.MatchString(id) }

// Texts is a text in several languages, keyed by language code (lo, th, en).
type Texts map[string]string

// In returns the text in lang, else in Lao, else in English, else any.
func (t Texts) In(lang string) string {
	for _, l := range []string{lang, "lo", "en"} {
		if s := t[l]; s != "" {
			return s
		}
	}
	keys := make([]string, 0, len(t))
	for k, v := range t {
		if v != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return t[keys[0]]
}

// Date is a calendar day written as 2006-01-02; the empty Date is unset.
type Date string

// DateLayout is how a Date is written.
const DateLayout = "2006-01-02"

// ParseDate reads a day written as 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return "", fmt.Errorf("%q is not a date written as YYYY-MM-DD", s)
	}
	return Date(t.Format(DateLayout)), nil
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == "" }

// At returns the moment of hour:00 on day d in loc.
func (d Date) At(hour int, loc *time.Location) time.Time {
	t, err := time.Parse(DateLayout, string(d))
	if err != nil {
		return time.Time{}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, loc)
}

// AddDays returns the day n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	t, err := time.Parse(DateLayout, string(d))
	if err != nil {
		return d
	}
	return Date(t.AddDate(0, 0, n).Format(DateLayout))
}

// DateOf returns the calendar day of t in loc.
func DateOf(t time.Time, loc *time.Location) Date { return Date(t.In(loc).Format(DateLayout)) }

// FieldError says which field of a record is wrong and why.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// CourseFormat is how a course is taught.
type CourseFormat string

// Course formats.
const (
	FormatInPerson CourseFormat = "in_person"
	FormatOnline   CourseFormat = "online"
	FormatMixed    CourseFormat = "mixed"
)

// Course is a training course people can enrol in.
type Course struct {
	ID          string       `json:"id"`
	Title       Texts        `json:"title"`
	Description Texts        `json:"description,omitempty"`
	Provider    string       `json:"provider"`
	Province    string       `json:"province,omitempty"` // a Lao province code; empty: anywhere or online
	Place       string       `json:"place,omitempty"`
	Format      CourseFormat `json:"format"`
	Start       Date         `json:"start"`
	End         Date         `json:"end,omitempty"`
	Deadline    Date         `json:"deadline,omitempty"` // last day to enrol; empty: the day before Start
	Seats       int          `json:"seats,omitempty"`    // 0: no limit
	Eligibility []Status     `json:"eligibility,omitempty"`
	Contact     string       `json:"contact,omitempty"`
	NeedsName   bool         `json:"needs_name,omitempty"`
	NeedsPhone  bool         `json:"needs_phone,omitempty"`
	Cancelled   bool         `json:"cancelled,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

func (c *Course) record() (*string, *time.Time, *time.Time) { return &c.ID, &c.CreatedAt, &c.UpdatedAt }

// LastEnrolDay is the last day enrolment is open.
func (c *Course) LastEnrolDay() Date {
	if !c.Deadline.IsZero() {
		return c.Deadline
	}
	return c.Start.AddDays(-1)
}

// OpenAt reports whether the course takes enrolments at now, judged in loc.
func (c *Course) OpenAt(now time.Time, loc *time.Location) bool {
	return !c.Cancelled && DateOf(now, loc) <= c.LastEnrolDay()
}

// Fits reports whether the course suits someone with profile p: their
// province (when both are known) and their status (when both are known).
func (c *Course) Fits(p Profile) bool {
	if c.Province != "" && p.Province != "" && c.Province != p.Province {
		return false
	}
	return c.Eligible(p)
}

// Eligible reports whether someone with profile p may enrol. An unknown
// status is let through; the course's contact checks eligibility.
func (c *Course) Eligible(p Profile) bool {
	return len(c.Eligibility) == 0 || p.Status == "" || slices.Contains(c.Eligibility, p.Status)
}

// EnrolmentStatus is where an enrolment stands.
type EnrolmentStatus string

// Enrolment statuses.
const (
	Enrolled  EnrolmentStatus = "enrolled"
	Waiting   EnrolmentStatus = "waiting"
	Cancelled EnrolmentStatus = "cancelled"
)

// Enrolment is a person's place (or place in the queue) on a course. Name
// and Phone are kept only when the course needs them and the person agreed.
type Enrolment struct {
	CourseID  string          `json:"course_id"`
	PersonID  string          `json:"person_id"`
	Status    EnrolmentStatus `json:"status"`
	Seq       uint64          `json:"seq"` // order of arrival, for the waiting list
	Name      string          `json:"name,omitempty"`
	Phone     string          `json:"phone,omitempty"`
	ConsentAt time.Time       `json:"consent_at,omitzero"` // when they agreed to share name and phone
	FoundWork string          `json:"found_work,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// EnrolDetails is what a person gave when enrolling.
type EnrolDetails struct {
	Name      string
	Phone     string
	ConsentAt time.Time
}

func enrolmentKey(courseID, personID string) []byte {
	return []byte(courseID + "\x00" + personID)
}

// PutCourse creates a course (an empty ID gets a new one) or replaces it.
// Pending reminders of the people enrolled follow changed dates; a
// cancelled course cancels them.
func (s *Store) PutCourse(c *Course, now time.Time) error {
	err := s.update(func(tx *bolt.Tx) error { return putCourse(tx, c, now) })
	if err != nil {
		return fmt.Errorf("save course: %w", err)
	}
	return nil
}

// ImportCourses saves every course in one transaction: all or none.
func (s *Store) ImportCourses(cs []Course, now time.Time) error {
	return importAll(s, "course", cs, now, putCourse)
}

// importAll saves items with put in one transaction: all or none. Errors
// name the item by its place in the file (1-based).
func importAll[T any](s *Store, what string, items []T, now time.Time, put func(*bolt.Tx, *T, time.Time) error) error {
	err := s.update(func(tx *bolt.Tx) error {
		for i := range items {
			if err := put(tx, &items[i], now); err != nil {
				return fmt.Errorf("%s %d: %w", what, i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import %ss: %w", what, err)
	}
	return nil
}

func putCourse(tx *bolt.Tx, c *Course, now time.Time) error {
	b, err := tx.CreateBucketIfNotExists(bucketCourses)
	if err != nil {
		return err
	}
	prev, err := putRecord(b, "c", c, now)
	if err != nil {
		return err
	}
	if err := replanCourse(tx, c, now); err != nil {
		return err
	}
	if kind, ok := courseChanged(prev, c); ok {
		return planCourseNotices(tx, c, kind, now)
	}
	return nil
}

// record is a course or an event: its id and when it was created and updated.
type record interface {
	record() (id *string, created, updated *time.Time)
}

// putRecord stores v in b: under a new id (prefix and a sequence number,
// past any imported id that took it) when it has none, keeping the creation
// time of the record it replaces, which it returns (nil for a new one).
func putRecord[T any, P interface {
	*T
	record
}](b *bolt.Bucket, prefix string, v P, now time.Time) (P, error) {
	id, created, updated := v.record()
	for *id == "" {
		seq, err := b.NextSequence()
		if err != nil {
			return nil, err
		}
		if next := prefix + strconv.FormatUint(seq, 10); b.Get([]byte(next)) == nil {
			*id = next
		}
	}
	if !ValidID(*id) {
		return nil, &FieldError{"id", "use 1 to 32 of a-z 0-9 _ -"}
	}
	var prev P
	if old := b.Get([]byte(*id)); old != nil {
		prev = new(T)
		if err := json.Unmarshal(old, prev); err != nil {
			return nil, fmt.Errorf("decode %s: %w", *id, err)
		}
		_, was, _ := prev.record()
		*created = *was
	}
	if created.IsZero() {
		*created = now
	}
	*updated = now
	return prev, putJSON(b, []byte(*id), v)
}

// replanCourse brings the reminders of everyone on course c in line with it.
func replanCourse(tx *bolt.Tx, c *Course, now time.Time) error {
	ens, err := courseEnrolments(tx, c.ID)
	if err != nil {
		return err
	}
	for _, e := range ens {
		if e.Status != Enrolled {
			continue
		}
		if err := planEnrolmentReminders(tx, c, e.PersonID, now); err != nil {
			return err
		}
	}
	if c.Cancelled {
		return cancelRemindersFor(tx, courseRef(c.ID), "", ReminderCourseCancelled)
	}
	return nil
}

// Course reads a course, or ErrNotFound.
func (s *Store) Course(id string) (*Course, error) {
	var c *Course
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = getCourse(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read course %s: %w", id, err)
	}
	return c, nil
}

func getCourse(tx *bolt.Tx, id string) (*Course, error) {
	b := tx.Bucket(bucketCourses)
	if b == nil {
		return nil, ErrNotFound
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var c Course
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("decode course %s: %w", id, err)
	}
	return &c, nil
}

// Courses lists every course, by start date.
func (s *Store) Courses() ([]Course, error) {
	var cs []Course
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCourses)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c Course
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode course %s: %w", k, err)
			}
			cs = append(cs, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list courses: %w", err)
	}
	slices.SortStableFunc(cs, func(a, b Course) int {
		if a.Start != b.Start {
			if a.Start < b.Start {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	return cs, nil
}

// DeleteCourse removes a course nobody enrolled in; one with enrolments is
// marked cancelled instead, so the list stays for the provider. It reports
// whether the course was deleted.
func (s *Store) DeleteCourse(id string, now time.Time) (deleted bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		c, err := getCourse(tx, id)
		if err != nil {
			return err
		}
		ens, err := courseEnrolments(tx, id)
		if err != nil {
			return err
		}
		if len(ens) == 0 {
			deleted = true
			if err := cancelRemindersFor(tx, courseRef(id), ""); err != nil {
				return err
			}
			return tx.Bucket(bucketCourses).Delete([]byte(id))
		}
		c.Cancelled = true
		return putCourse(tx, c, now)
	})
	if err != nil {
		return false, fmt.Errorf("delete course %s: %w", id, err)
	}
	return deleted, nil
}

// Enrol puts a person on a course, or on its waiting list when every seat
// is taken, and plans the course's reminders for them.
func (s *Store) Enrol(courseID, personID string, d EnrolDetails, now time.Time) (*Enrolment, error) {
	var e *Enrolment
	err := s.batch(func(tx *bolt.Tx) error {
		c, err := getCourse(tx, courseID)
		if err != nil {
			return err
		}
		p, err := getPerson(tx, personID)
		if err != nil {
			return err
		}
		if !c.OpenAt(now, laoTime) {
			return ErrCourseClosed
		}
		if !c.Eligible(p.Profile) {
			return ErrNotEligible
		}
		if (c.NeedsName && d.Name == "") || (c.NeedsPhone && d.Phone == "") {
			return ErrDetailsRequired
		}
		b, err := tx.CreateBucketIfNotExists(bucketEnrolments)
		if err != nil {
			return err
		}
		idx, err := tx.CreateBucketIfNotExists(bucketEnrolmentsPerson)
		if err != nil {
			return err
		}
		key := enrolmentKey(courseID, personID)
		if raw := b.Get(key); raw != nil {
			var old Enrolment
			if err := json.Unmarshal(raw, &old); err == nil && old.Status != Cancelled {
				e = &old
				return ErrAlreadyEnrolled
			}
		}
		enrolled, _, err := countEnrolments(tx, courseID)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e = &Enrolment{CourseID: courseID, PersonID: personID, Status: Enrolled, Seq: seq,
			CreatedAt: now, UpdatedAt: now}
		if c.NeedsName {
			e.Name = d.Name
		}
		if c.NeedsPhone {
			e.Phone = d.Phone
		}
		if e.Name != "" || e.Phone != "" {
			e.ConsentAt = d.ConsentAt
		}
		if c.Seats > 0 && enrolled >= c.Seats {
			e.Status = Waiting
		}
		if err := putJSON(b, key, e); err != nil {
			return err
		}
		if err := idx.Put(enrolmentKey(personID, courseID), nil); err != nil {
			return err
		}
		if e.Status == Enrolled {
			return planEnrolmentReminders(tx, c, personID, now)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrAlreadyEnrolled) {
			return e, fmt.Errorf("enrol in course %s: %w", courseID, err)
		}
		return nil, fmt.Errorf("enrol in course %s: %w", courseID, err)
	}
	return e, nil
}

// CancelEnrolment takes a person off a course (or its waiting list). When
// that frees a seat, the first person waiting moves up in the same
// transaction and is returned, so they can be told.
func (s *Store) CancelEnrolment(courseID, personID string, now time.Time) (promoted *Enrolment, err error) {
	err = s.batch(func(tx *bolt.Tx) error {
		promoted = nil
		b := tx.Bucket(bucketEnrolments)
		if b == nil {
			return ErrNotEnrolled
		}
		key := enrolmentKey(courseID, personID)
		raw := b.Get(key)
		if raw == nil {
			return ErrNotEnrolled
		}
		var e Enrolment
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode enrolment: %w", err)
		}
		if e.Status == Cancelled {
			return ErrNotEnrolled
		}
		wasEnrolled := e.Status == Enrolled
		// Nothing personal is kept once the place is given up.
		e.Status, e.Name, e.Phone, e.UpdatedAt = Cancelled, "", "", now
		if err := putJSON(b, key, &e); err != nil {
			return err
		}
		if err := cancelRemindersFor(tx, courseRef(courseID), personID); err != nil {
			return err
		}
		if !wasEnrolled {
			return nil
		}
		c, err := getCourse(tx, courseID)
		if err != nil {
			return err
		}
		if c.Cancelled || !c.OpenAt(now, laoTime) {
			return nil
		}
		promoted, err = promoteFirstWaiting(tx, c, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cancel enrolment in course %s: %w", courseID, err)
	}
	return promoted, nil
}

func promoteFirstWaiting(tx *bolt.Tx, c *Course, now time.Time) (*Enrolment, error) {
	ens, err := courseEnrolments(tx, c.ID)
	if err != nil {
		return nil, err
	}
	enrolled := 0
	var first *Enrolment
	for i := range ens {
		switch ens[i].Status {
		case Enrolled:
			enrolled++
		case Waiting:
			if first == nil || ens[i].Seq < first.Seq {
				first = &ens[i]
			}
		}
	}
	if first == nil || (c.Seats > 0 && enrolled >= c.Seats) {
		return nil, nil
	}
	first.Status, first.UpdatedAt = Enrolled, now
	if err := putJSON(tx.Bucket(bucketEnrolments), enrolmentKey(c.ID, first.PersonID), first); err != nil {
		return nil, err
	}
	if err := planEnrolmentReminders(tx, c, first.PersonID, now); err != nil {
		return nil, err
	}
	return first, nil
}

// RecordFoundWork keeps a person's answer to the follow-up question.
func (s *Store) RecordFoundWork(courseID, personID, answer string, now time.Time) error {
	err := s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEnrolments)
		if b == nil {
			return ErrNotEnrolled
		}
		key := enrolmentKey(courseID, personID)
		raw := b.Get(key)
		if raw == nil {
			return ErrNotEnrolled
		}
		var e Enrolment
		if err := json.Unmarshal(raw, &e); err != nil {
			return err
		}
		e.FoundWork, e.UpdatedAt = answer, now
		return putJSON(b, key, &e)
	})
	if err != nil {
		return fmt.Errorf("record follow-up answer: %w", err)
	}
	return nil
}

// Enrolment reads a person's enrolment on a course, or ErrNotFound.
func (s *Store) Enrolment(courseID, personID string) (*Enrolment, error) {
	var e *Enrolment
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEnrolments)
		if b == nil {
			return ErrNotFound
		}
		raw := b.Get(enrolmentKey(courseID, personID))
		if raw == nil {
			return ErrNotFound
		}
		e = new(Enrolment)
		return json.Unmarshal(raw, e)
	})
	if err != nil {
		return nil, fmt.Errorf("read enrolment: %w", err)
	}
	return e, nil
}

// Enrolments lists a course's enrolments (cancelled ones too), in order of arrival.
func (s *Store) Enrolments(courseID string) ([]Enrolment, error) {
	var ens []Enrolment
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		ens, err = courseEnrolments(tx, courseID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list enrolments of course %s: %w", courseID, err)
	}
	return ens, nil
}

// PersonEnrolments lists a person's enrolments that are not cancelled.
func (s *Store) PersonEnrolments(personID string) ([]Enrolment, error) {
	var ens []Enrolment
	err := s.view(func(tx *bolt.Tx) error {
		idx, b := tx.Bucket(bucketEnrolmentsPerson), tx.Bucket(bucketEnrolments)
		if idx == nil || b == nil {
			return nil
		}
		prefix := []byte(personID + "\x00")
		c := idx.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			raw := b.Get(enrolmentKey(string(k[len(prefix):]), personID))
			if raw == nil {
				continue
			}
			var e Enrolment
			if err := json.Unmarshal(raw, &e); err != nil {
				return err
			}
			if e.Status != Cancelled {
				ens = append(ens, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list enrolments of a person: %w", err)
	}
	return ens, nil
}

// CourseCounts returns how many people are enrolled and waiting.
func (s *Store) CourseCounts(courseID string) (enrolled, waiting int, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		enrolled, waiting, err = countEnrolments(tx, courseID)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("count enrolments of course %s: %w", courseID, err)
	}
	return enrolled, waiting, nil
}

// WaitingPosition is a person's place in a course's waiting list (1 is
// next), or 0 when they are not waiting.
func (s *Store) WaitingPosition(courseID, personID string) (int, error) {
	ens, err := s.Enrolments(courseID)
	if err != nil {
		return 0, err
	}
	var mine *Enrolment
	for i := range ens {
		if ens[i].PersonID == personID && ens[i].Status == Waiting {
			mine = &ens[i]
		}
	}
	if mine == nil {
		return 0, nil
	}
	pos := 1
	for _, e := range ens {
		if e.Status == Waiting && e.Seq < mine.Seq {
			pos++
		}
	}
	return pos, nil
}

func countEnrolments(tx *bolt.Tx, courseID string) (enrolled, waiting int, err error) {
	ens, err := courseEnrolments(tx, courseID)
	for _, e := range ens {
		switch e.Status {
		case Enrolled:
			enrolled++
		case Waiting:
			waiting++
		}
	}
	return enrolled, waiting, err
}

func courseEnrolments(tx *bolt.Tx, courseID string) ([]Enrolment, error) {
	b := tx.Bucket(bucketEnrolments)
	if b == nil {
		return nil, nil
	}
	var ens []Enrolment
	prefix := []byte(courseID + "\x00")
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var e Enrolment
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("decode enrolment: %w", err)
		}
		ens = append(ens, e)
	}
	slices.SortFunc(ens, func(a, b Enrolment) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return ens, nil
}

// erasePersonEnrolments deletes every enrolment of a person and, with
// promote, gives their seats to the people waiting.
func erasePersonEnrolments(tx *bolt.Tx, personID string, now time.Time, promote bool) ([]Enrolment, error) {
	idx, b := tx.Bucket(bucketEnrolmentsPerson), tx.Bucket(bucketEnrolments)
	if idx == nil || b == nil {
		return nil, nil
	}
	var promoted []Enrolment
	prefix := []byte(personID + "\x00")
	var courses []string
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		courses = append(courses, string(k[len(prefix):]))
	}
	for _, courseID := range courses {
		key := enrolmentKey(courseID, personID)
		var e Enrolment
		if raw := b.Get(key); raw != nil {
			_ = json.Unmarshal(raw, &e)
		}
		if err := b.Delete(key); err != nil {
			return nil, err
		}
		if err := idx.Delete(enrolmentKey(personID, courseID)); err != nil {
			return nil, err
		}
		if e.Status != Enrolled || !promote {
			continue
		}
		course, err := getCourse(tx, courseID)
		if err != nil || course.Cancelled || !course.OpenAt(now, laoTime) {
			continue
		}
		p, err := promoteFirstWaiting(tx, course, now)
		if err != nil {
			return nil, err
		}
		if p != nil {
			promoted = append(promoted, *p)
		}
	}
	return promoted, nil
}

// u64 reads a big-endian number written by u64key.
func u64(b []byte) uint64 {
	if len(b) < 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
