package handlers

import (
	"context"
	"errors"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// EventStore is what the events feature needs from the store.
type EventStore interface {
	UpcomingEvents(now time.Time) ([]store.Event, error)
	Event(id string) (*store.Event, error)
	RemindEvent(eventID, personID string, now time.Time) ([]time.Time, error)
}

// Events is the "Events" feature: upcoming events that fit the person
// (International Migrants Day among them), details and "remind me".
type Events struct {
	store EventStore
}

// NewEvents returns the events feature.
func NewEvents(st EventStore) *Events { return &Events{store: st} }

// Menu offers "Events".
func (e *Events) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("menu_events"), Payload: "events"}}
}

// Handle takes /events and the events' buttons.
func (e *Events) Handle(ctx context.Context, t *Turn) (bool, error) {
	if t.Msg.ChatType == bot.ChatGroup {
		return false, nil
	}
	if t.Command == "events" || t.Msg.Payload == "events" {
		return true, e.list(t)
	}
	rest, ok := strings.CutPrefix(t.Msg.Payload, "event:")
	if !ok {
		return false, nil
	}
	if id, ok := strings.CutPrefix(rest, "remind:"); ok {
		return true, e.remind(t, id)
	}
	return true, e.details(t, rest)
}

func (e *Events) list(t *Turn) error {
	all, err := e.store.UpcomingEvents(t.Now)
	if err != nil {
		return err
	}
	pr := profile(t)
	var lines []string
	var rows [][]bot.Button
	for i := range all {
		ev := &all[i]
		if !ev.Audience.Fits(pr) {
			continue
		}
		if len(rows) == maxListed {
			break
		}
		title := eventTitle(t, ev)
		lines = append(lines, t.T("event_list_line", "title", title, "time", eventWhen(t, ev)))
		rows = append(rows, Button(shortLabel("📅 "+title), "event:"+ev.ID))
	}
	if len(rows) == 0 {
		t.Say(t.T("events_none"), Button(t.T("subs_menu"), "subs"), t.MenuButton())
		return nil
	}
	t.Say(t.T("events_title")+"\n\n"+strings.Join(lines, "\n"), append(rows, t.MenuButton())...)
	return nil
}

func (e *Events) details(t *Turn, id string) error {
	ev, err := e.store.Event(id)
	if store.IsNotFound(err) || (err == nil && (ev.Cancelled || !ev.Ends().After(t.Now))) {
		t.Say(t.T("event_gone"), Button(t.T("events_back"), "events"), t.MenuButton())
		return nil
	}
	if err != nil {
		return err
	}
	lines := []string{"📅 " + eventTitle(t, ev)}
	if d := eventDescription(t, ev); d != "" {
		lines = append(lines, d)
	}
	lines = append(lines, "", t.T("event_time", "value", eventWhen(t, ev)))
	if ev.Place != "" {
		lines = append(lines, t.T("event_place", "value", ev.Place))
	}
	if ev.Link != "" {
		lines = append(lines, t.T("event_link", "value", ev.Link))
	}
	rows := [][]bot.Button{}
	if ev.Start.After(t.Now) {
		rows = append(rows, Button(t.T("event_remind_button"), "event:remind:"+ev.ID))
	}
	rows = append(rows, Button(t.T("events_back"), "events"), t.MenuButton())
	t.Say(strings.Join(lines, "\n"), rows...)
	return nil
}

func (e *Events) remind(t *Turn, id string) error {
	if t.Person == nil {
		t.Say(t.T("courses_consent_needed"), Button(t.T("settings_consent"), "settings:consent"), t.MenuButton())
		return nil
	}
	back := Button(t.T("event_details_button"), "event:"+id)
	dues, err := e.store.RemindEvent(id, t.Person.ID, t.Now)
	switch {
	case errors.Is(err, store.ErrTooLate):
		t.Say(t.T("event_remind_too_late"), back, t.MenuButton())
		return nil
	case store.IsNotFound(err):
		t.Say(t.T("event_gone"), Button(t.T("events_back"), "events"), t.MenuButton())
		return nil
	case err != nil:
		return err
	}
	loc := store.LocationOf(t.Person)
	when := make([]string, len(dues))
	for i, d := range dues {
		when[i] = d.In(loc).Format("02/01/2006 15:04")
	}
	t.Say(t.T("event_remind_set", "times", strings.Join(when, ", ")), back, t.MenuButton())
	return nil
}

func eventTitle(t *Turn, ev *store.Event) string {
	if s := ev.Title.In(t.Lang); s != "" || ev.Builtin == "" {
		return s
	}
	return t.T("event_" + ev.Builtin + "_title")
}

func eventDescription(t *Turn, ev *store.Event) string {
	if s := ev.Description.In(t.Lang); s != "" || ev.Builtin == "" {
		return s
	}
	return t.T("event_" + ev.Builtin + "_description")
}

// eventWhen writes an event's time in its own time zone, naming the zone.
func eventWhen(t *Turn, ev *store.Event) string {
	loc := ev.Location()
	if ev.AllDay {
		return formatDay(store.DateOf(ev.Start, loc))
	}
	s := ev.Start.In(loc).Format("02/01/2006 15:04")
	if !ev.End.IsZero() {
		if store.DateOf(ev.End, loc) == store.DateOf(ev.Start, loc) {
			s += "–" + ev.End.In(loc).Format("15:04")
		} else {
			s += " – " + ev.End.In(loc).Format("02/01/2006 15:04")
		}
	}
	return t.T("event_time_zone", "time", s, "zone", zoneName(t, loc))
}

// zoneName names a time zone by its city, in the person's language when
// the catalogue has it: Asia/Vientiane → ວຽງຈັນ.
func zoneName(t *Turn, loc *time.Location) string {
	name := loc.String()
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if key := "zone_" + strings.ToLower(name); t.cat.Has(key) {
		return t.T(key)
	}
	return strings.ReplaceAll(name, "_", " ")
}
