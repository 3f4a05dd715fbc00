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
	GroupSubscription(channel, chatID string) (*store.GroupSubscription, error)
	UpdateGroupSubscription(channel, chatID string, change func(*store.GroupSubscription), now time.Time) (*store.GroupSubscription, error)
	RemoveGroupSubscription(channel, chatID string) (bool, error)
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

// Handle takes /subscribe, /stop and the subscription buttons, of a person
// or, in a group, of the group.
func (s *Subscriptions) Handle(ctx context.Context, t *Turn) (bool, error) {
	if t.Msg.ChatType == bot.ChatGroup {
		return s.group(t)
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
	rows := topicRows(t, sub.Has, "subs:topic:")
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

// group takes a group's /subscribe and /stop and its buttons. Only the
// group's admins may change what the group receives.
func (s *Subscriptions) group(t *Turn) (bool, error) {
	p := t.Msg.Payload
	topic, isTopic := strings.CutPrefix(p, "gsubs:topic:")
	lang, isLang := strings.CutPrefix(p, "gsubs:lang:")
	show := t.Command == "subscribe" || t.Command == "subscriptions" || p == "gsubs"
	stop := t.Command == "stop" || t.Command == "unsubscribe" || p == "gsubs:stop"
	if !show && !stop && !isTopic && !isLang {
		return false, nil
	}
	if !t.Msg.FromGroupAdmin {
		t.Say(t.T("gsubs_admins_only"))
		return true, nil
	}
	ch, chat := t.Msg.Channel, t.Msg.ChatID
	switch {
	case stop:
		removed, err := s.store.RemoveGroupSubscription(ch, chat)
		if err != nil {
			return true, err
		}
		if !removed {
			t.Say(t.T("gsubs_nothing_to_stop"))
			return true, nil
		}
		t.Say(t.T("gsubs_stopped"))
		return true, nil
	case isTopic && slices.Contains(store.Topics, store.Topic(topic)):
		if _, err := s.store.UpdateGroupSubscription(ch, chat, func(g *store.GroupSubscription) {
			if g.Lang == "" {
				g.Lang = t.Lang
			}
			if i := slices.Index(g.Topics, store.Topic(topic)); i >= 0 {
				g.Topics = slices.Delete(g.Topics, i, i+1)
			} else {
				g.Topics = append(g.Topics, store.Topic(topic))
			}
		}, t.Now); err != nil {
			return true, err
		}
	case isLang && validLang(lang):
		g, err := s.store.GroupSubscription(ch, chat)
		if err != nil {
			return true, err
		}
		if len(g.Topics) > 0 {
			if _, err := s.store.UpdateGroupSubscription(ch, chat, func(g *store.GroupSubscription) { g.Lang = lang }, t.Now); err != nil {
				return true, err
			}
		}
		t.Lang = lang
	}
	return true, s.showGroup(t)
}

// showGroup shows what the group receives, with buttons to change it.
func (s *Subscriptions) showGroup(t *Turn) error {
	g, err := s.store.GroupSubscription(t.Msg.Channel, t.Msg.ChatID)
	if err != nil {
		return err
	}
	lang := t.Lang
	if g.Lang != "" {
		lang = g.Lang
	}
	rows := topicRows(t, g.Has, "gsubs:topic:")
	var langs []bot.Button
	for _, l := range Languages {
		langs = append(langs, bot.Button{Label: t.T("lang_name_" + l), Payload: "gsubs:lang:" + l})
	}
	rows = append(rows, langs)
	if len(g.Topics) > 0 {
		rows = append(rows, Button(t.T("gsubs_stop_button"), "gsubs:stop"))
	}
	t.Say(t.T("gsubs_title", "lang", t.T("lang_name_"+lang)), rows...)
	return nil
}

// topicRows is one toggle button a topic, ticked where has says so; a
// press sends prefix and the topic.
func topicRows(t *Turn, has func(store.Topic) bool, prefix string) [][]bot.Button {
	rows := make([][]bot.Button, 0, len(store.Topics)+3)
	for _, topic := range store.Topics {
		mark := "☐ "
		if has(topic) {
			mark = "✅ "
		}
		rows = append(rows, Button(mark+t.T("topic_"+string(topic)), prefix+string(topic)))
	}
	return rows
}
