package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Conversation is the state of one chat on one channel: the language in use
// and where the person is inside a multi-step flow. It is all that is kept for
// someone who declined the privacy notice.
type Conversation struct {
	Channel  string            `json:"channel"`
	ChatID   string            `json:"chat_id"`
	Lang     string            `json:"lang,omitempty"`
	Declined bool              `json:"declined,omitempty"` // the person said no to the privacy notice
	Flow     string            `json:"flow,omitempty"`
	Step     string            `json:"step,omitempty"`
	Answers  map[string]string `json:"answers,omitempty"`
	Expires  time.Time         `json:"expires,omitzero"`  // when Flow, Step and Answers lapse
	MenuID   string            `json:"menu_id,omitempty"` // the version of the buttons last shown
}

func conversationKey(channel, chatID string) []byte { return []byte(channel + "\x00" + chatID) }

// ClearFlow ends the current flow.
func (c *Conversation) ClearFlow() {
	c.Flow, c.Step, c.Answers, c.Expires = "", "", nil, time.Time{}
}

// Conversation reads a chat's state. A missing record gives an empty state;
// a lapsed flow is cleared.
func (s *Store) Conversation(channel, chatID string, now time.Time) (*Conversation, error) {
	c := &Conversation{Channel: channel, ChatID: chatID}
	err := s.view(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketConversations).Get(conversationKey(channel, chatID))
		if raw == nil {
			return nil
		}
		return json.Unmarshal(raw, c)
	})
	if err != nil {
		return nil, fmt.Errorf("read conversation state: %w", err)
	}
	if c.Flow != "" && !c.Expires.IsZero() && now.After(c.Expires) {
		c.ClearFlow()
	}
	return c, nil
}

// SaveConversation writes a chat's state.
func (s *Store) SaveConversation(c *Conversation) error {
	err := s.batch(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketConversations), conversationKey(c.Channel, c.ChatID), c)
	})
	if err != nil {
		return fmt.Errorf("save conversation state: %w", err)
	}
	return nil
}

// DeleteConversation removes a chat's state.
func (s *Store) DeleteConversation(channel, chatID string) error {
	err := s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketConversations).Delete(conversationKey(channel, chatID))
	})
	if err != nil {
		return fmt.Errorf("delete conversation state: %w", err)
	}
	return nil
}
