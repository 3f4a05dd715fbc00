package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketGroupSubscriptions maps channel \x00 chat to a GroupSubscription;
// it is created on first write.
var bucketGroupSubscriptions = []byte("group_subscriptions")

// GroupSubscription is a group chat (a Telegram group of workers, say)
// whose admins subscribed it to broadcasts. A group holds no one's personal
// data: it is addressed by its chat id and speaks one language.
type GroupSubscription struct {
	Channel   string    `json:"channel"`
	ChatID    string    `json:"chat_id"`
	Lang      string    `json:"lang,omitempty"`
	Topics    []Topic   `json:"topics,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Has reports whether the group subscribed to topic.
func (g *GroupSubscription) Has(t Topic) bool { return slices.Contains(g.Topics, t) }

func groupKey(channel, chatID string) []byte { return []byte(channel + "\x00" + chatID) }

// GroupRecipientKey names a group among a broadcast's recipients, where
// people are named by their id ("p…"); it cannot be taken for one.
func GroupRecipientKey(channel, chatID string) string { return "group:" + channel + ":" + chatID }

// GroupSubscription reads a group's subscription; a group never subscribed
// has an empty one (no topics).
func (s *Store) GroupSubscription(channel, chatID string) (*GroupSubscription, error) {
	var g *GroupSubscription
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		g, err = getGroupSubscription(tx, channel, chatID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read group subscription: %w", err)
	}
	return g, nil
}

func getGroupSubscription(tx *bolt.Tx, channel, chatID string) (*GroupSubscription, error) {
	g := &GroupSubscription{Channel: channel, ChatID: chatID}
	b := tx.Bucket(bucketGroupSubscriptions)
	if b == nil {
		return g, nil
	}
	raw := b.Get(groupKey(channel, chatID))
	if raw == nil {
		return g, nil
	}
	if err := json.Unmarshal(raw, g); err != nil {
		return nil, fmt.Errorf("decode group subscription: %w", err)
	}
	return g, nil
}

// UpdateGroupSubscription changes a group's subscription; one left with no
// topic is removed (the group gets nothing). change may run more than
// once (see UpdateCase).
func (s *Store) UpdateGroupSubscription(channel, chatID string, change func(*GroupSubscription), now time.Time) (*GroupSubscription, error) {
	var g *GroupSubscription
	err := s.batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketGroupSubscriptions)
		if err != nil {
			return err
		}
		if g, err = getGroupSubscription(tx, channel, chatID); err != nil {
			return err
		}
		change(g)
		g.Channel, g.ChatID, g.UpdatedAt = channel, chatID, now
		if g.CreatedAt.IsZero() {
			g.CreatedAt = now
		}
		if len(g.Topics) == 0 {
			return b.Delete(groupKey(channel, chatID))
		}
		return putJSON(b, groupKey(channel, chatID), g)
	})
	if err != nil {
		return nil, fmt.Errorf("update group subscription: %w", err)
	}
	return g, nil
}

// RemoveGroupSubscription forgets a group's subscription: it stopped, or
// the bot can no longer post there. It reports whether there was one.
func (s *Store) RemoveGroupSubscription(channel, chatID string) (bool, error) {
	found := false
	err := s.batch(func(tx *bolt.Tx) error {
		found = false
		b := tx.Bucket(bucketGroupSubscriptions)
		if b == nil || b.Get(groupKey(channel, chatID)) == nil {
			return nil
		}
		found = true
		return b.Delete(groupKey(channel, chatID))
	})
	if err != nil {
		return false, fmt.Errorf("remove group subscription: %w", err)
	}
	return found, nil
}

// MoveGroupSubscription follows a group to its new chat id (a Telegram
// group that became a supergroup).
func (s *Store) MoveGroupSubscription(channel, oldChatID, newChatID string) error {
	err := s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketGroupSubscriptions)
		if b == nil {
			return nil
		}
		raw := b.Get(groupKey(channel, oldChatID))
		if raw == nil {
			return nil
		}
		var g GroupSubscription
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("decode group subscription: %w", err)
		}
		g.ChatID = newChatID
		if err := b.Delete(groupKey(channel, oldChatID)); err != nil {
			return err
		}
		return putJSON(b, groupKey(channel, newChatID), &g)
	})
	if err != nil {
		return fmt.Errorf("move group subscription: %w", err)
	}
	return nil
}

// matchGroup decides whether group g is in audience a. Groups hold no
// profile, so a broadcast aimed at countries, statuses or provinces does
// not reach them; the topic, language and channel are theirs.
func matchGroup(a Audience, g *GroupSubscription) (Recipient, bool) {
	if len(a.Countries) > 0 || len(a.Statuses) > 0 || len(a.Provinces) > 0 ||
		(len(a.Langs) > 0 && !slices.Contains(a.Langs, g.Lang)) ||
		(len(a.Channels) > 0 && !slices.Contains(a.Channels, g.Channel)) ||
		(a.Topic != "" && !g.Has(a.Topic)) || len(g.Topics) == 0 {
		return Recipient{}, false
	}
	return Recipient{PersonID: GroupRecipientKey(g.Channel, g.ChatID), Lang: g.Lang, Channel: g.Channel,
		ChatID: g.ChatID, Group: true}, true
}

// IsGroupRecipient reports whether a recipient key names a group.
func IsGroupRecipient(key string) bool { return strings.HasPrefix(key, "group:") }
