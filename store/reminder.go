package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of reminders, created on first write. A pending reminder is also
// in the due index; one being handed to the outbox is in the sending index.
var (
	bucketReminders        = []byte("reminders")
	bucketRemindersDue     = []byte("reminders_due")     // due time + id → nil
	bucketRemindersRef     = []byte("reminders_ref")     // subject \x00 person \x00 id → nil
	bucketRemindersSending = []byte("reminders_sending") // id → nil
)

// ErrTooLate is returned when a reminder would be due already.
var ErrTooLate = errors.New("it is too late for this reminder")

// ReminderHour is the local hour at which day reminders are sent.
const ReminderHour = 9

// ReminderKind says what a reminder is about.
type ReminderKind string

// Reminder kinds.
const (
	ReminderCourseDeadline ReminderKind = "course_deadline" // 2 days before enrolment closes
	ReminderCourseStart    ReminderKind = "course_start"    // 1 day before the course starts
	ReminderCourseFollowUp ReminderKind = "course_followup" // 30 days after it ends
	ReminderEventDay       ReminderKind = "event_day"       // 1 day before an event
	ReminderEventHour      ReminderKind = "event_hour"      // 1 hour before an event
	// A course's dates, place or format changed, or it was cancelled: the
	// people on it and on its waiting list are told, by day (noticeDue).
	ReminderCourseChanged   ReminderKind = "course_changed"
	ReminderCourseCancelled ReminderKind = "course_cancelled"
	// An event's time or place changed, or it was cancelled: the people
	// waiting for a reminder about it are told, by day (noticeDue).
	ReminderEventChanged   ReminderKind = "event_changed"
	ReminderEventCancelled ReminderKind = "event_cancelled"
)

// ReminderStatus is where a reminder stands.
type ReminderStatus string

// Reminder statuses.
const (
	ReminderPending   ReminderStatus = "pending"
	ReminderSending   ReminderStatus = "sending" // claimed; its message is being queued
	ReminderSent      ReminderStatus = "sent"
	ReminderMissed    ReminderStatus = "missed" // too late to be useful when it could be sent
	ReminderCancelled ReminderStatus = "cancelled"
)

// Reminder is a message due to a person at a set time.
type Reminder struct {
	ID        string         `json:"id"`
	Kind      ReminderKind   `json:"kind"`
	PersonID  string         `json:"person_id"`
	Subject   string         `json:"subject"` // "course:ID" or "event:ID"
	Due       time.Time      `json:"due"`
	Status    ReminderStatus `json:"status"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

// SubjectID splits the subject into its kind ("course", "event") and id.
func (r Reminder) SubjectID() (kind, id string) {
	kind, id, _ = strings.Cut(r.Subject, ":")
	return kind, id
}

func courseRef(id string) string { return "course:" + id }
func eventRef(id string) string  { return "event:" + id }

func reminderID(kind ReminderKind, subject, personID string) string {
	return string(kind) + ":" + subject + ":" + personID
}

// Time zones people live in, by the country they are in. None of them
// has daylight saving time, so the fixed offsets stand in when the zone
// database is missing.
var (
	laoTime   = zone("Asia/Vientiane", 7)
	countryTZ = map[string]*time.Location{
		"TH": zone("Asia/Bangkok", 7),
		"KR": zone("Asia/Seoul", 9),
		"MY": zone("Asia/Kuala_Lumpur", 8),
		"JP": zone("Asia/Tokyo", 9),
		"LA": laoTime,
	}
)

func zone(name string, hours int) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone(name, hours*3600)
}

// CountryLocation is the time zone of a country code, Laos's by default.
func CountryLocation(country string) *time.Location {
	if loc := countryTZ[country]; loc != nil {
		return loc
	}
	return laoTime
}

// LaoTime is Asia/Vientiane.
func LaoTime() *time.Location { return laoTime }

// LocationOf is the time zone of the country a person is in.
func LocationOf(p *Person) *time.Location {
	if p == nil {
		return laoTime
	}
	return CountryLocation(p.Profile.Country)
}

// RemindCourseDeadline plans a reminder two days before a course stops
// taking enrolments. It returns ErrTooLate when that moment has passed.
func (s *Store) RemindCourseDeadline(courseID, personID string, now time.Time) (time.Time, error) {
	var due time.Time
	err := s.batch(func(tx *bolt.Tx) error {
		c, err := getCourse(tx, courseID)
		if err != nil {
			return err
		}
		p, err := getPerson(tx, personID)
		if err != nil {
			return err
		}
		due = c.LastEnrolDay().AddDays(-2).At(ReminderHour, LocationOf(p))
		if c.Cancelled || !due.After(now) {
			return ErrTooLate
		}
		return putReminder(tx, Reminder{Kind: ReminderCourseDeadline, PersonID: personID,
			Subject: courseRef(courseID), Due: due}, now)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("plan enrolment deadline reminder: %w", err)
	}
	return due, nil
}

// planEnrolmentReminders plans the start and follow-up reminders of an
// enrolled person and drops their enrolment-deadline reminder.
func planEnrolmentReminders(tx *bolt.Tx, c *Course, personID string, now time.Time) error {
	p, err := getPerson(tx, personID)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	loc := LocationOf(p)
	if _, err := setReminderStatus(tx, reminderID(ReminderCourseDeadline, courseRef(c.ID), personID), ReminderCancelled, now, true); err != nil {
		return err
	}
	ended := c.End
	if ended.IsZero() {
		ended = c.Start
	}
	for _, r := range []Reminder{
		{Kind: ReminderCourseStart, Due: c.Start.AddDays(-1).At(ReminderHour, loc)},
		{Kind: ReminderCourseFollowUp, Due: ended.AddDays(30).At(ReminderHour, loc)},
	} {
		r.PersonID, r.Subject = personID, courseRef(c.ID)
		if !r.Due.After(now) {
			continue
		}
		if err := putReminder(tx, r, now); err != nil {
			return err
		}
	}
	return nil
}

// noticeHours are the local hours at which a change notice may go out at
// once; outside them it waits for ReminderHour.
const noticeFirstHour, noticeLastHour = 8, 20

// noticeDue is when a notice planned at now reaches someone in loc: now by
// day, 09:00 after a night (nobody is woken by it; a phone may be checked).
func noticeDue(now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	if h := local.Hour(); h >= noticeFirstHour && h < noticeLastHour {
		return now
	}
	day := local
	if local.Hour() >= noticeLastHour {
		day = local.AddDate(0, 0, 1)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), ReminderHour, 0, 0, 0, loc)
}

// courseChanged reports what an update from prev to c means for the people
// on it: a cancellation, a change worth telling (dates, place, format), or
// nothing.
func courseChanged(prev, c *Course) (ReminderKind, bool) {
	switch {
	case prev == nil || (prev.Cancelled && c.Cancelled):
		return "", false
	case c.Cancelled:
		return ReminderCourseCancelled, true
	case prev.Cancelled: // on again
		return ReminderCourseChanged, true
	case prev.Start != c.Start || prev.End != c.End || prev.Place != c.Place ||
		prev.Province != c.Province || prev.Format != c.Format:
		return ReminderCourseChanged, true
	}
	return "", false
}

// planCourseNotices tells everyone enrolled on c, or waiting for a seat,
// that it changed (kind ReminderCourseChanged) or was cancelled.
func planCourseNotices(tx *bolt.Tx, c *Course, kind ReminderKind, now time.Time) error {
	ens, err := courseEnrolments(tx, c.ID)
	if err != nil {
		return err
	}
	var people []string
	for _, e := range ens {
		if e.Status == Enrolled || e.Status == Waiting {
			people = append(people, e.PersonID)
		}
	}
	return planNotices(tx, courseRef(c.ID), people, kind, noticePairs[kind], now)
}

// IsNotice reports whether k is a notice of a change, not a reminder: it
// is still worth sending after a long downtime, while its subject lasts.
func IsNotice(k ReminderKind) bool { _, ok := noticePairs[k]; return ok }

// noticePairs gives each notice kind the kind it replaces.
var noticePairs = map[ReminderKind]ReminderKind{
	ReminderCourseChanged: ReminderCourseCancelled, ReminderCourseCancelled: ReminderCourseChanged,
	ReminderEventChanged: ReminderEventCancelled, ReminderEventCancelled: ReminderEventChanged,
}

// planNotices plans a notice of kind about subject to each of people,
// dropping a pending one of the other kind. A notice not yet sent is
// moved, so several quick edits make one message, which tells the latest
// state.
func planNotices(tx *bolt.Tx, subject string, people []string, kind, other ReminderKind, now time.Time) error {
	for _, personID := range people {
		p, err := getPerson(tx, personID)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := setReminderStatus(tx, reminderID(other, subject, personID), ReminderCancelled, now, true); err != nil {
			return err
		}
		r := Reminder{Kind: kind, PersonID: personID, Subject: subject, Due: noticeDue(now, LocationOf(p))}
		if err := putReminder(tx, r, now); err != nil {
			return err
		}
	}
	return nil
}

// waitingFor lists the people with a pending reminder about subject.
func waitingFor(tx *bolt.Tx, subject string) ([]string, error) {
	refs, rems := tx.Bucket(bucketRemindersRef), tx.Bucket(bucketReminders)
	if refs == nil || rems == nil {
		return nil, nil
	}
	prefix := []byte(subject + "\x00")
	var people []string
	c := refs.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		person, id, _ := strings.Cut(string(k[len(prefix):]), "\x00")
		raw := rems.Get([]byte(id))
		if raw == nil || (len(people) > 0 && people[len(people)-1] == person) {
			continue
		}
		var r Reminder
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("decode reminder: %w", err)
		}
		if _, notice := noticePairs[r.Kind]; r.Status == ReminderPending && !notice {
			people = append(people, person)
		}
	}
	return people, nil
}

// eventChanged reports what an update from prev to e means for the people
// waiting for a reminder about it, like courseChanged.
func eventChanged(prev, e *Event) (ReminderKind, bool) {
	switch {
	case prev == nil || (prev.Cancelled && e.Cancelled):
		return "", false
	case e.Cancelled:
		return ReminderEventCancelled, true
	case prev.Cancelled:
		return ReminderEventChanged, true
	case !prev.Start.Equal(e.Start) || !prev.End.Equal(e.End) || prev.AllDay != e.AllDay ||
		prev.Place != e.Place || prev.Link != e.Link:
		return ReminderEventChanged, true
	}
	return "", false
}

// putReminder plans r (its ID is derived from kind, subject and person):
// a pending one moves to the new time, a finished one is planned again only
// if its time changed.
func putReminder(tx *bolt.Tx, r Reminder, now time.Time) error {
	b, err := tx.CreateBucketIfNotExists(bucketReminders)
	if err != nil {
		return err
	}
	due, err := tx.CreateBucketIfNotExists(bucketRemindersDue)
	if err != nil {
		return err
	}
	refs, err := tx.CreateBucketIfNotExists(bucketRemindersRef)
	if err != nil {
		return err
	}
	r.ID = reminderID(r.Kind, r.Subject, r.PersonID)
	r.Status, r.CreatedAt, r.UpdatedAt = ReminderPending, now, now
	if raw := b.Get([]byte(r.ID)); raw != nil {
		var old Reminder
		if err := json.Unmarshal(raw, &old); err != nil {
			return fmt.Errorf("decode reminder: %w", err)
		}
		r.CreatedAt = old.CreatedAt
		switch old.Status {
		case ReminderPending:
			if err := due.Delete(timeKey(old.Due, old.ID)); err != nil {
				return err
			}
		case ReminderSending:
			return nil // being sent right now
		case ReminderSent, ReminderMissed:
			if old.Due.Equal(r.Due) {
				return nil
			}
		}
	}
	if err := putJSON(b, []byte(r.ID), &r); err != nil {
		return err
	}
	if err := due.Put(timeKey(r.Due, r.ID), nil); err != nil {
		return err
	}
	return refs.Put([]byte(r.Subject+"\x00"+r.PersonID+"\x00"+r.ID), nil)
}

// cancelRemindersFor cancels the pending reminders about subject, of one
// person or (with personID "") of everyone, except those of the kinds kept.
func cancelRemindersFor(tx *bolt.Tx, subject, personID string, keep ...ReminderKind) error {
	refs := tx.Bucket(bucketRemindersRef)
	if refs == nil {
		return nil
	}
	prefix := []byte(subject + "\x00")
	if personID != "" {
		prefix = append(prefix, personID+"\x00"...)
	}
	var ids []string
	c := refs.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		parts := strings.SplitN(string(k), "\x00", 3)
		if len(parts) == 3 && !slices.ContainsFunc(keep, func(kind ReminderKind) bool {
			return strings.HasPrefix(parts[2], string(kind)+":")
		}) {
			ids = append(ids, parts[2])
		}
	}
	for _, id := range ids {
		if _, err := setReminderStatus(tx, id, ReminderCancelled, time.Time{}, true); err != nil {
			return err
		}
	}
	return nil
}

// setReminderStatus moves a reminder to status, keeping the indexes right,
// and returns it when it moved. With onlyPending, a reminder that is not
// pending is left alone.
func setReminderStatus(tx *bolt.Tx, id string, status ReminderStatus, now time.Time, onlyPending bool) (*Reminder, error) {
	b := tx.Bucket(bucketReminders)
	if b == nil {
		return nil, nil
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	var r Reminder
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("decode reminder: %w", err)
	}
	if r.Status == status || (onlyPending && r.Status != ReminderPending) {
		return nil, nil
	}
	if r.Status == ReminderPending {
		if err := tx.Bucket(bucketRemindersDue).Delete(timeKey(r.Due, r.ID)); err != nil {
			return nil, err
		}
	}
	if r.Status == ReminderSending {
		if err := tx.Bucket(bucketRemindersSending).Delete([]byte(r.ID)); err != nil {
			return nil, err
		}
	}
	switch status {
	case ReminderPending:
		due, err := tx.CreateBucketIfNotExists(bucketRemindersDue)
		if err != nil {
			return nil, err
		}
		if err := due.Put(timeKey(r.Due, r.ID), nil); err != nil {
			return nil, err
		}
	case ReminderSending:
		sending, err := tx.CreateBucketIfNotExists(bucketRemindersSending)
		if err != nil {
			return nil, err
		}
		if err := sending.Put([]byte(r.ID), nil); err != nil {
			return nil, err
		}
	}
	r.Status = status
	if !now.IsZero() {
		r.UpdatedAt = now
	}
	return &r, putJSON(b, []byte(r.ID), &r)
}

// DueReminders lists up to limit pending reminders due at or before now, oldest first.
func (s *Store) DueReminders(now time.Time, limit int) ([]Reminder, error) {
	var rs []Reminder
	end := timeKey(now, "\xff")
	err := s.view(func(tx *bolt.Tx) error {
		due, b := tx.Bucket(bucketRemindersDue), tx.Bucket(bucketReminders)
		if due == nil || b == nil {
			return nil
		}
		c := due.Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, end) <= 0 && len(rs) < limit; k, _ = c.Next() {
			raw := b.Get(k[8:])
			if raw == nil {
				continue
			}
			var r Reminder
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("decode reminder: %w", err)
			}
			rs = append(rs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list due reminders: %w", err)
	}
	return rs, nil
}

// NextReminder returns when the earliest pending reminder is due (zero if none).
func (s *Store) NextReminder() (time.Time, error) {
	var t time.Time
	err := s.view(func(tx *bolt.Tx) error {
		due := tx.Bucket(bucketRemindersDue)
		if due == nil {
			return nil
		}
		if k, _ := due.Cursor().First(); len(k) >= 8 {
			t = time.Unix(0, int64(u64(k))).UTC()
		}
		return nil
	})
	return t, err
}

// ClaimReminders moves pending reminders to sending and returns those it
// moved; one that is no longer pending is left out.
func (s *Store) ClaimReminders(ids []string, now time.Time) ([]Reminder, error) {
	var claimed []Reminder
	err := s.update(func(tx *bolt.Tx) error {
		claimed = claimed[:0]
		b := tx.Bucket(bucketReminders)
		if b == nil {
			return nil
		}
		for _, id := range ids {
			r, err := setReminderStatus(tx, id, ReminderSending, now, true)
			if err != nil {
				return err
			}
			if r != nil {
				claimed = append(claimed, *r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due reminders: %w", err)
	}
	return claimed, nil
}

// SetReminders moves reminders to status (sent, missed, cancelled, or back
// to pending).
func (s *Store) SetReminders(ids []string, status ReminderStatus, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		for _, id := range ids {
			if _, err := setReminderStatus(tx, id, status, now, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark reminders %s: %w", status, err)
	}
	return nil
}

// SendingReminders lists reminders left in the sending state, as by a crash
// between claiming them and recording the result.
func (s *Store) SendingReminders() ([]Reminder, error) {
	var rs []Reminder
	err := s.view(func(tx *bolt.Tx) error {
		sending, b := tx.Bucket(bucketRemindersSending), tx.Bucket(bucketReminders)
		if sending == nil || b == nil {
			return nil
		}
		return sending.ForEach(func(k, _ []byte) error {
			var r Reminder
			if raw := b.Get(k); raw != nil {
				if err := json.Unmarshal(raw, &r); err != nil {
					return err
				}
				rs = append(rs, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list reminders being sent: %w", err)
	}
	return rs, nil
}

// Reminder reads one reminder, or ErrNotFound.
func (s *Store) Reminder(id string) (*Reminder, error) {
	var r *Reminder
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReminders)
		if b == nil {
			return ErrNotFound
		}
		raw := b.Get([]byte(id))
		if raw == nil {
			return ErrNotFound
		}
		r = new(Reminder)
		return json.Unmarshal(raw, r)
	})
	if err != nil {
		return nil, fmt.Errorf("read reminder: %w", err)
	}
	return r, nil
}

// PersonReminders lists a person's reminders of any status.
func (s *Store) PersonReminders(personID string) ([]Reminder, error) {
	var rs []Reminder
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketReminders)
		if b == nil {
			return nil
		}
		suffix := []byte(":" + personID)
		return b.ForEach(func(k, v []byte) error {
			if !bytes.HasSuffix(k, suffix) {
				return nil
			}
			var r Reminder
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.PersonID == personID {
				rs = append(rs, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list a person's reminders: %w", err)
	}
	return rs, nil
}

// OutboxRefs returns the refs of the messages waiting in the outbox whose
// ref starts with prefix, mapped to whether the message is held.
func (s *Store) OutboxRefs(prefix string) (map[string]bool, error) {
	refs := map[string]bool{}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(_, v []byte) error {
			if !bytes.Contains(v, []byte(`"ref":"`+prefix)) {
				return nil
			}
			var it struct {
				Ref       string `json:"ref"`
				PersonID  string `json:"person_id"`
				LastError string `json:"last_error"`
			}
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			if strings.HasPrefix(it.Ref, prefix) {
				refs[it.Ref+"\x00"+it.PersonID] = it.LastError == "held"
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("look for queued messages: %w", err)
	}
	return refs, nil
}

func erasePersonReminders(tx *bolt.Tx, personID string) error {
	b := tx.Bucket(bucketReminders)
	if b == nil {
		return nil
	}
	var doomed []Reminder
	if err := b.ForEach(func(k, v []byte) error {
		var r Reminder
		if err := json.Unmarshal(v, &r); err == nil && r.PersonID == personID {
			doomed = append(doomed, r)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, r := range doomed {
		if due := tx.Bucket(bucketRemindersDue); due != nil {
			if err := due.Delete(timeKey(r.Due, r.ID)); err != nil {
				return err
			}
		}
		if sending := tx.Bucket(bucketRemindersSending); sending != nil {
			if err := sending.Delete([]byte(r.ID)); err != nil {
				return err
			}
		}
		if refs := tx.Bucket(bucketRemindersRef); refs != nil {
			if err := refs.Delete([]byte(r.Subject + "\x00" + r.PersonID + "\x00" + r.ID)); err != nil {
				return err
			}
		}
		if err := b.Delete([]byte(r.ID)); err != nil {
			return err
		}
	}
	return nil
}
