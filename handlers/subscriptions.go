package handlers

import (
	"context"
	"slices"
	"strings"
	"time"

	"phuan/bot"
	"phuan/store"
)

// SubscriptionStore is what the subscriptions feature needs from the store.
type SubscriptionStore interface {
	Subscription(personID string) (*store.Subscription, error)
	UpdateSubscription(personID string, change func(*store.Subscription), now time.Time) (*store.Subscription, error)
	StopBroadcasts(personID string, now time.Time) error
}

// Subscriptions lets a person choose the news they get by message (topics
// and places) and stop all of it at once with /stop or the "unsubscribe"
// button under every broadcast.
type Subscriptions struct {
	store SubscriptionStore
}

// NewSubscriptions returns the subscriptions feature.
func NewSubscriptions(st SubscriptionStore) *Subscriptions { return &Subscriptions{store: st} }

// Menu offers "News by message".
func (s *Subscriptions) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("subs_menu"), Payload: "subs"}}
}

// Handle takes /subscribe, /stop and the subscription buttons.
func (s *Subscriptions) Handle(ctx context.Context, t *Turn) (bool, error) {
	if t.Msg.ChatType == bot.ChatGroup {
		return false, nil
	}
	p := t.Msg.Payload
	switch {
	case t.Command == "subscribe" || t.Command == "subscriptions" || p == "subs":
		return true, s.show(t)
	case t.Command == "stop" || t.Command == "unsubscribe" || p == "subs:stop":
		s.askStop(t)
		return true, nil
	case p == "subs:stop-yes":
		return true, s.stop(t)
	case p == "subs:places":
		return true, s.places(t)
	}
	if topic, ok := strings.CutPrefix(p, "subs:topic:"); ok {
		return true, s.toggleTopic(t, store.Topic(topic))
	}
	if place, ok := strings.CutPrefix(p, "subs:place:"); ok {
		return true, s.togglePlace(t, place)
	}
	return false, nil
}

func (s *Subscriptions) show(t *Turn) error {
	if t.Person == nil {
		t.Say(t.T("subs_consent_needed"), Button(t.T("settings_consent"), "settings:consent"), t.MenuButton())
		return nil
	}
	sub, err := s.store.Subscription(t.Person.ID)
	if err != nil {
		return err
	}
	rows := make([][]bot.Button, 0, len(store.Topics)+3)
	for _, topic := range store.Topics {
		mark := "☐ "
		if sub.Has(topic) {
			mark = "✅ "
		}
		rows = append(rows, Button(mark+t.T("topic_"+string(topic)), "subs:topic:"+string(topic)))
	}
	places := t.T("subs_places_any")
	if len(sub.Provinces) > 0 {
		names := make([]string, len(sub.Provinces))
		for i, p := range sub.Provinces {
			names[i] = t.T("province_" + p)
		}
		places = strings.Join(names, ", ")
	}
	rows = append(rows, Button(t.T("subs_places_button"), "subs:places"))
	if !sub.Stopped && len(sub.Topics) > 0 {
		rows = append(rows, Button(t.T("subs_stop_button"), "subs:stop"))
	}
	text := t.T("subs_title", "places", places)
	if sub.Stopped {
		text += "\n\n" + t.T("subs_stopped_note")
	}
	t.Say(text, append(rows, t.MenuButton())...)
	return nil
}

func (s *Subscriptions) toggleTopic(t *Turn, topic store.Topic) error {
	if t.Person == nil {
		return s.show(t)
	}
	if !slices.Contains(store.Topics, topic) {
		return s.show(t)
	}
	_, err := s.store.UpdateSubscription(t.Person.ID, func(sub *store.Subscription) {
		if i := slices.Index(sub.Topics, topic); i >= 0 && !sub.Stopped {
			sub.Topics = slices.Delete(sub.Topics, i, i+1)
		} else if i < 0 {
			sub.Topics = append(sub.Topics, topic)
		}
		sub.Stopped = false
	}, t.Now)
	if err != nil {
		return err
	}
	return s.show(t)
}

func (s *Subscriptions) places(t *Turn) error {
	if t.Person == nil {
		return s.show(t)
	}
	sub, err := s.store.Subscription(t.Person.ID)
	if err != nil {
		return err
	}
	rows := make([][]bot.Button, 0, len(Provinces)+2)
	for _, code := range Provinces {
		mark := "☐ "
		if slices.Contains(sub.Provinces, code) {
			mark = "✅ "
		}
		rows = append(rows, Button(mark+t.T("province_"+code), "subs:place:"+code))
	}
	rows = append(rows, Button(t.T("subs_places_any"), "subs:place:any"), Button(t.T("subs_done"), "subs"))
	t.Say(t.T("subs_places_title"), rows...)
	return nil
}

func (s *Subscriptions) togglePlace(t *Turn, code string) error {
	if t.Person == nil {
		return s.show(t)
	}
	if code != "any" && !slices.Contains(Provinces, code) {
		return s.places(t)
	}
	_, err := s.store.UpdateSubscription(t.Person.ID, func(sub *store.Subscription) {
		if code == "any" {
			sub.Provinces = nil
			return
		}
		if i := slices.Index(sub.Provinces, code); i >= 0 {
			sub.Provinces = slices.Delete(sub.Provinces, i, i+1)
		} else {
			sub.Provinces = append(sub.Provinces, code)
		}
	}, t.Now)
	if err != nil {
		return err
	}
	if code == "any" {
		return s.show(t)
	}
	return s.places(t)
}

func (s *Subscriptions) askStop(t *Turn) {
	if t.Person == nil {
		t.Say(t.T("subs_nothing_to_stop"), t.MenuButton())
		return
	}
	t.Say(t.T("subs_stop_confirm"),
		Button(t.T("subs_stop_yes"), "subs:stop-yes"),
		Button(t.T("subs_stop_no"), "subs"))
}

func (s *Subscriptions) stop(t *Turn) error {
	if t.Person == nil {
		t.Say(t.T("subs_nothing_to_stop"), t.MenuButton())
		return nil
	}
	if err := s.store.StopBroadcasts(t.Person.ID, t.Now); err != nil {
		return err
	}
	t.Say(t.T("subs_stopped"), Button(t.T("subs_menu"), "subs"), t.MenuButton())
	return nil
}
