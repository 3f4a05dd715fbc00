package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketEvents holds events by id; it is created on first write.
var bucketEvents = []byte("events")

// BuiltinMigrantsDay marks International Migrants Day (18 December), which
// every year has without anyone adding it. Its texts are in the catalogue.
const BuiltinMigrantsDay = "migrants_day"

var migrantsDayID = regexp.MustCompile(`^imd-(\d{4})$`)

// Audience says who something is for. An empty list means anyone.
type Audience struct {
	Langs     []string `json:"langs,omitempty"`
	Countries []string `json:"countries,omitempty"`
	Statuses  []Status `json:"statuses,omitempty"`
	Provinces []string `json:"provinces,omitempty"`
	Channels  []string `json:"channels,omitempty"`
	Topic     Topic    `json:"topic,omitempty"` // broadcasts only: subscribers of this topic
}

// Fits reports whether someone with profile p may be interested: a field
// they did not give does not exclude them.
func (a Audience) Fits(p Profile) bool {
	return fitsLoose(a.Countries, p.Country) && fitsLoose(a.Statuses, p.Status) && fitsLoose(a.Provinces, p.Province)
}

func fitsLoose[T comparable](list []T, v T) bool {
	var zero T
	return len(list) == 0 || v == zero || slices.Contains(list, v)
}

// IsZero reports whether the audience is everyone.
func (a Audience) IsZero() bool {
	return len(a.Langs)+len(a.Countries)+len(a.Statuses)+len(a.Provinces)+len(a.Channels) == 0 && a.Topic == ""
}

// Event is something people can go to or join online.
type Event struct {
	ID          string    `json:"id"`
	Title       Texts     `json:"title"`
	Description Texts     `json:"description,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	TimeZone    string    `json:"time_zone"` // IANA name the times are shown in
	AllDay      bool      `json:"all_day,omitempty"`
	Place       string    `json:"place,omitempty"`
	Link        string    `json:"link,omitempty"`
	Audience    Audience  `json:"audience,omitzero"`
	Builtin     string    `json:"builtin,omitempty"`
	Cancelled   bool      `json:"cancelled,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (e *Event) record() (*string, *time.Time, *time.Time) { return &e.ID, &e.CreatedAt, &e.UpdatedAt }

// Location is the event's time zone (Asia/Vientiane when unknown).
func (e *Event) Location() *time.Location {
	if e.TimeZone != "" {
		if loc, err := time.LoadLocation(e.TimeZone); err == nil {
			return loc
		}
	}
	return laoTime
}

// Ends is when the event is over: End, or the end of its day, or two hours after it starts.
func (e *Event) Ends() time.Time {
	switch {
	case !e.End.IsZero():
		return e.End
	case e.AllDay:
		return DateOf(e.Start, e.Location()).AddDays(1).At(0, e.Location())
	}
	return e.Start.Add(2 * time.Hour)
}

// MigrantsDay is International Migrants Day of year: 18 December, all day, in Laos.
func MigrantsDay(year int) Event {
	start := time.Date(year, time.December, 18, 0, 0, 0, 0, laoTime)
	return Event{ID: "imd-" + strconv.Itoa(year), Start: start, TimeZone: "Asia/Vientiane", AllDay: true,
		Builtin: BuiltinMigrantsDay}
}

// PutEvent creates an event (an empty ID gets a new one) or replaces it;
// the reminders people asked for follow its new time.
func (s *Store) PutEvent(e *Event, now time.Time) error {
	err := s.update(func(tx *bolt.Tx) error { return putEvent(tx, e, now) })
	if err != nil {
		return fmt.Errorf("save event: %w", err)
	}
	return nil
}

// ImportEvents saves every event in one transaction: all or none.
func (s *Store) ImportEvents(es []Event, now time.Time) error {
	return importAll(s, "event", es, now, putEvent)
}

func putEvent(tx *bolt.Tx, e *Event, now time.Time) error {
	b, err := tx.CreateBucketIfNotExists(bucketEvents)
	if err != nil {
		return err
	}
	prev, err := putRecord(b, "e", e, now)
	if err != nil {
		return err
	}
	kind, changed := eventChanged(prev, e)
	var waiting []string
	if changed {
		if waiting, err = waitingFor(tx, eventRef(e.ID)); err != nil {
			return err
		}
	}
	if e.Cancelled {
		err = cancelRemindersFor(tx, eventRef(e.ID), "", ReminderEventCancelled)
	} else {
		err = replanEvent(tx, e, now)
	}
	if err != nil || !changed {
		return err
	}
	return planNotices(tx, eventRef(e.ID), waiting, kind, noticePairs[kind], now)
}

// replanEvent moves the reminders of everyone who asked about e.
func replanEvent(tx *bolt.Tx, e *Event, now time.Time) error {
	refs := tx.Bucket(bucketRemindersRef)
	if refs == nil {
		return nil
	}
	prefix := []byte(eventRef(e.ID) + "\x00")
	seen := map[string]bool{}
	var persons []string
	c := refs.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		person, _, _ := strings.Cut(string(k[len(prefix):]), "\x00")
		if !seen[person] {
			seen[person] = true
			persons = append(persons, person)
		}
	}
	for _, p := range persons {
		if _, err := planEventReminders(tx, e, p, now); err != nil && !errors.Is(err, ErrTooLate) && !IsNotFound(err) {
			return err
		}
	}
	return nil
}

// Event reads an event, built-in ones included, or ErrNotFound.
func (s *Store) Event(id string) (*Event, error) {
	var e *Event
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		e, err = getEvent(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read event %s: %w", id, err)
	}
	return e, nil
}

func getEvent(tx *bolt.Tx, id string) (*Event, error) {
	if b := tx.Bucket(bucketEvents); b != nil {
		if raw := b.Get([]byte(id)); raw != nil {
			var e Event
			if err := json.Unmarshal(raw, &e); err != nil {
				return nil, fmt.Errorf("decode event %s: %w", id, err)
			}
			return &e, nil
		}
	}
	if m := migrantsDayID.FindStringSubmatch(id); m != nil {
		year, _ := strconv.Atoi(m[1])
		e := MigrantsDay(year)
		return &e, nil
	}
	return nil, ErrNotFound
}

// Events lists the stored events (not the built-in ones), by start time.
func (s *Store) Events() ([]Event, error) {
	var es []Event
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode event %s: %w", k, err)
			}
			es = append(es, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	sortEvents(es)
	return es, nil
}

// UpcomingEvents lists events not over at now and not cancelled, with the
// next International Migrants Day, by start time. A stored event with the
// built-in one's id (imd-YEAR) replaces it.
func (s *Store) UpcomingEvents(now time.Time) ([]Event, error) {
	all, err := s.Events()
	if err != nil {
		return nil, err
	}
	var es []Event
	have := map[string]bool{}
	for _, e := range all {
		have[e.ID] = true
		if !e.Cancelled && e.Ends().After(now) {
			es = append(es, e)
		}
	}
	year := now.In(laoTime).Year()
	imd := MigrantsDay(year)
	if !imd.Ends().After(now) {
		imd = MigrantsDay(year + 1)
	}
	if !have[imd.ID] {
		es = append(es, imd)
	}
	sortEvents(es)
	return es, nil
}

func sortEvents(es []Event) {
	slices.SortStableFunc(es, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// DeleteEvent removes a stored event. One that people are waiting for a
// reminder about is cancelled instead, so they are told (deleted false).
func (s *Store) DeleteEvent(id string, now time.Time) (deleted bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		deleted = false
		b := tx.Bucket(bucketEvents)
		if b == nil || b.Get([]byte(id)) == nil {
			return ErrNotFound
		}
		waiting, err := waitingFor(tx, eventRef(id))
		if err != nil {
			return err
		}
		if len(waiting) > 0 {
			e, err := getEvent(tx, id)
			if err != nil {
				return err
			}
			e.Cancelled = true
			return putEvent(tx, e, now)
		}
		if err := cancelRemindersFor(tx, eventRef(id), ""); err != nil {
			return err
		}
		deleted = true
		return b.Delete([]byte(id))
	})
	if err != nil {
		return false, fmt.Errorf("delete event %s: %w", id, err)
	}
	return deleted, nil
}

// RemindEvent plans reminders one day before an event (at 09:00 in the
// person's time zone) and one hour before it (not for all-day events). It
// returns the moments planned, or ErrTooLate when none is still ahead.
func (s *Store) RemindEvent(eventID, personID string, now time.Time) ([]time.Time, error) {
	var dues []time.Time
	err := s.batch(func(tx *bolt.Tx) error {
		ev, err := getEvent(tx, eventID)
		if err != nil {
			return err
		}
		dues, err = planEventReminders(tx, ev, personID, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan event reminders: %w", err)
	}
	return dues, nil
}

func planEventReminders(tx *bolt.Tx, ev *Event, personID string, now time.Time) ([]time.Time, error) {
	p, err := getPerson(tx, personID)
	if err != nil {
		return nil, err
	}
	loc := LocationOf(p)
	day := DateOf(ev.Start, loc)
	if ev.AllDay {
		day = DateOf(ev.Start, ev.Location())
	}
	plan := []Reminder{{Kind: ReminderEventDay, Due: day.AddDays(-1).At(ReminderHour, loc)}}
	if !ev.AllDay {
		plan = append(plan, Reminder{Kind: ReminderEventHour, Due: ev.Start.Add(-time.Hour)})
	}
	var dues []time.Time
	for _, r := range plan {
		r.PersonID, r.Subject = personID, eventRef(ev.ID)
		if ev.Cancelled || !r.Due.After(now) {
			if _, err := setReminderStatus(tx, reminderID(r.Kind, r.Subject, personID), ReminderCancelled, now, true); err != nil {
				return nil, err
			}
			continue
		}
		if err := putReminder(tx, r, now); err != nil {
			return nil, err
		}
		dues = append(dues, r.Due)
	}
	if len(dues) == 0 {
		return nil, ErrTooLate
	}
	return dues, nil
}
