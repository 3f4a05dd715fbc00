package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// InboxItem is an inbound update that was accepted but not yet handled.
// Body is opaque to the store (the engine's encoded message).
type InboxItem struct {
	Seq  uint64
	Body []byte
}

// OutboxItem is one message waiting to be delivered. Body is opaque to the
// store (the engine's encoded reply).
type OutboxItem struct {
	Seq       uint64          `json:"seq,omitempty"` // the outbox key; kept in the value of a failed one
	Channel   string          `json:"channel"`
	ChatID    string          `json:"chat_id"`
	ThreadID  string          `json:"thread_id,omitempty"`
	Group     bool            `json:"group,omitempty"`
	PersonID  string          `json:"person_id,omitempty"`
	Purpose   string          `json:"purpose,omitempty"`
	Ref       string          `json:"ref,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	Attempts  int             `json:"attempts,omitempty"`   // sends tried
	Failures  int             `json:"failures,omitempty"`   // transient failures among them
	PartsSent int             `json:"parts_sent,omitempty"` // of a reply in several messages, accepted already
	NotBefore time.Time       `json:"not_before,omitzero"`
	LastError string          `json:"last_error,omitempty"`
}

// AcceptInbound records an inbound update exactly once: if id was seen
// before it reports dup; otherwise it marks id as seen and queues body, in
// one transaction, so an update confirmed to the platform is never lost.
func (s *Store) AcceptInbound(id string, body []byte, now time.Time) (seq uint64, dup bool, err error) {
	acc, err := s.AcceptInbounds([]InboundUpdate{{ID: id, Body: body}}, now)
	if err != nil {
		return 0, false, err
	}
	return acc[0].Seq, acc[0].Dup, nil
}

// InboundUpdate is an update to accept: its id (dedupe key) and body.
type InboundUpdate struct {
	ID   string
	Body []byte
}

// Accepted is what became of an InboundUpdate: its inbox number, or Dup
// when its id was seen before (an earlier one in the same call counts).
type Accepted struct {
	Seq uint64
	Dup bool
}

// AcceptInbounds records updates as AcceptInbound does, all in one write,
// as for one getUpdates answer: all are stored, or none.
func (s *Store) AcceptInbounds(ups []InboundUpdate, now time.Time) ([]Accepted, error) {
	acc := make([]Accepted, len(ups))
	ts := u64key(uint64(now.UnixNano()))
	err := s.batch(func(tx *bolt.Tx) error {
		clear(acc)
		seen, byTime, inbox := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenByTime), tx.Bucket(bucketInbox)
		for i, u := range ups {
			if seen.Get([]byte(u.ID)) != nil {
				acc[i].Dup = true
				continue
			}
			if err := seen.Put([]byte(u.ID), ts); err != nil {
				return err
			}
			if err := byTime.Put(append(ts[:len(ts):len(ts)], u.ID...), nil); err != nil {
				return err
			}
			n, err := inbox.NextSequence()
			if err != nil {
				return err
			}
			acc[i].Seq = n
			if err := inbox.Put(u64key(n), u.Body); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("accept inbound updates: %w", err)
	}
	return acc, nil
}

// CompleteInbound removes a handled update and queues its replies in one
// transaction, with the writes its turn left (nil for none): state and
// replies are stored together or not at all. The replies' sequence numbers
// are filled in.
func (s *Store) CompleteInbound(seq uint64, replies []OutboxItem, w *TurnWrites) error {
	// Encoding happens here, not in the transaction, which the committer
	// runs for every writer in turn.
	bodies, err := encodeOutbox(replies)
	if err != nil {
		return fmt.Errorf("complete inbound update %d: %w", seq, err)
	}
	convs := w.conversations()
	convKeys, convBodies := make([][]byte, len(convs)), make([][]byte, len(convs))
	for i, c := range convs {
		convKeys[i] = conversationKey(c.Channel, c.ChatID)
		if convBodies[i], err = json.Marshal(c); err != nil {
			return fmt.Errorf("complete inbound update %d: encode conversation: %w", seq, err)
		}
	}
	err = s.batch(func(tx *bolt.Tx) error {
		if err := putOutbox(tx, replies, bodies); err != nil {
			return err
		}
		for i := range convs {
			if err := tx.Bucket(bucketConversations).Put(convKeys[i], convBodies[i]); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketInbox).Delete(u64key(seq))
	})
	if err != nil {
		return fmt.Errorf("complete inbound update %d: %w", seq, err)
	}
	return nil
}

// TurnWrites gathers the writes of one turn (the handling of one update)
// that are committed with its replies by CompleteInbound: one commit per
// update instead of several, and no state saved without its replies.
type TurnWrites struct {
	mu    sync.Mutex
	convs map[string]Conversation // by conversation key
}

type turnWritesKey struct{}

// WithTurnWrites returns a context whose turn's writes w gathers.
func WithTurnWrites(ctx context.Context) (context.Context, *TurnWrites) {
	w := &TurnWrites{}
	return context.WithValue(ctx, turnWritesKey{}, w), w
}

// SaveTurnConversation saves a chat's state with the replies of the turn
// ctx belongs to, or at once outside a turn.
func (s *Store) SaveTurnConversation(ctx context.Context, c *Conversation) error {
	w, _ := ctx.Value(turnWritesKey{}).(*TurnWrites)
	if w == nil {
		return s.SaveConversation(c)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.convs == nil {
		w.convs = map[string]Conversation{}
	}
	w.convs[string(conversationKey(c.Channel, c.ChatID))] = *c
	return nil
}

func (w *TurnWrites) conversations() []Conversation {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]Conversation, 0, len(w.convs))
	for _, c := range w.convs {
		out = append(out, c)
	}
	return out
}

// SetOutboxParts records that parts messages of outbox item seq were
// accepted by the platform; an item no longer in the outbox is left alone.
func (s *Store) SetOutboxParts(seq uint64, parts int) error {
	err := s.batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOutbox)
		raw := b.Get(u64key(seq))
		if raw == nil {
			return nil
		}
		var it OutboxItem
		if err := json.Unmarshal(raw, &it); err != nil {
			return fmt.Errorf("decode outbox item: %w", err)
		}
		it.PartsSent = parts
		return putJSON(b, u64key(seq), &it)
	})
	if err != nil {
		return fmt.Errorf("record parts sent of outbox item %d: %w", seq, err)
	}
	return nil
}

// PendingInbound lists accepted updates not yet handled, oldest first.
func (s *Store) PendingInbound() ([]InboxItem, error) {
	var items []InboxItem
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketInbox).ForEach(func(k, v []byte) error {
			items = append(items, InboxItem{Seq: binary.BigEndian.Uint64(k), Body: append([]byte(nil), v...)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list pending inbound updates: %w", err)
	}
	return items, nil
}

// PruneSeen forgets processed update ids recorded before cutoff and reports
// how many were removed.
func (s *Store) PruneSeen(cutoff time.Time) (int, error) {
	n := 0
	limit := u64key(uint64(cutoff.UnixNano()))
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		seen, idx := tx.Bucket(bucketSeen), tx.Bucket(bucketSeenByTime)
		var doomed [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && string(k[:8]) < string(limit); k, _ = c.Next() {
			doomed = append(doomed, k)
		}
		for _, k := range doomed {
			if err := seen.Delete(k[8:]); err != nil {
				return err
			}
		}
		n = len(doomed)
		return deleteKeys(idx, doomed)
	})
	if err != nil {
		return 0, fmt.Errorf("prune processed update ids: %w", err)
	}
	return n, nil
}

// Seen reports whether an update id was recorded.
func (s *Store) Seen(id string) (bool, error) {
	var ok bool
	err := s.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketSeen).Get([]byte(id)) != nil
		return nil
	})
	return ok, err
}

// EnqueueOutbox queues messages for delivery and fills in their sequence numbers.
func (s *Store) EnqueueOutbox(items []OutboxItem) error {
	bodies, err := encodeOutbox(items)
	if err != nil {
		return fmt.Errorf("queue outgoing messages: %w", err)
	}
	err = s.batch(func(tx *bolt.Tx) error { return putOutbox(tx, items, bodies) })
	if err != nil {
		return fmt.Errorf("queue outgoing messages: %w", err)
	}
	return nil
}

// encodeOutbox encodes items for putOutbox, without their sequence
// numbers, which are given in the transaction and kept in the keys.
//
// The reply body, JSON already, is checked and appended as it is: through
// json.Marshal it would be compacted and escaped again, which for a long
// answer cost more than encoding the rest of the item.
func encodeOutbox(items []OutboxItem) ([][]byte, error) {
	values := make([][]byte, len(items))
	for i, it := range items {
		body := it.Body
		if !json.Valid(body) {
			return nil, errors.New("encode outgoing message: the body is not JSON")
		}
		it.Seq, it.Body = 0, nil
		head, err := json.Marshal(&it) // an object, without "body" (omitted when empty)
		if err != nil {
			return nil, fmt.Errorf("encode outgoing message: %w", err)
		}
		v := make([]byte, 0, len(head)+len(body)+9)
		v = append(v, head[:len(head)-1]...)
		v = append(v, `,"body":`...)
		v = append(append(v, body...), '}')
		values[i] = v
	}
	return values, nil
}

// putOutbox stores items, encoded by encodeOutbox as bodies, under new
// sequence numbers, which it fills in.
func putOutbox(tx *bolt.Tx, items []OutboxItem, bodies [][]byte) error {
	out := tx.Bucket(bucketOutbox)
	for i := range items {
		seq, err := out.NextSequence()
		if err != nil {
			return err
		}
		items[i].Seq = seq
		if err := out.Put(u64key(seq), bodies[i]); err != nil {
			return err
		}
	}
	return nil
}

// PendingOutbox lists undelivered messages in the order they were queued.
func (s *Store) PendingOutbox() ([]OutboxItem, error) {
	var items []OutboxItem
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var it OutboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode outbox item %d: %w", binary.BigEndian.Uint64(k), err)
			}
			it.Seq = binary.BigEndian.Uint64(k)
			items = append(items, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return items, nil
}

// OutboxDepth counts undelivered messages.
func (s *Store) OutboxDepth() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOutbox).Stats().KeyN
		return nil
	})
	return n, err
}

// CompleteOutbox removes delivered messages, all in one write.
func (s *Store) CompleteOutbox(seqs ...uint64) error {
	err := s.batch(func(tx *bolt.Tx) error {
		out := tx.Bucket(bucketOutbox)
		for _, seq := range seqs {
			if err := out.Delete(u64key(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d outgoing messages delivered: %w", len(seqs), err)
	}
	return nil
}

// UpdateOutbox rewrites a pending message (attempts, next try, chat id).
func (s *Store) UpdateOutbox(item OutboxItem) error {
	err := s.batch(func(tx *bolt.Tx) error {
		out := tx.Bucket(bucketOutbox)
		if out.Get(u64key(item.Seq)) == nil {
			return nil
		}
		return putJSON(out, u64key(item.Seq), &item)
	})
	if err != nil {
		return fmt.Errorf("update outgoing message %d: %w", item.Seq, err)
	}
	return nil
}

// FailOutbox moves a message that can never be delivered out of the queue
// and records why, so it is neither retried nor silently dropped.
func (s *Store) FailOutbox(item OutboxItem, reason string) error {
	item.LastError = reason
	err := s.batch(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketOutbox).Get(u64key(item.Seq)) == nil {
			return nil // erased meanwhile: keep no copy
		}
		if err := putJSON(tx.Bucket(bucketOutboxFailed), u64key(item.Seq), &item); err != nil {
			return err
		}
		return tx.Bucket(bucketOutbox).Delete(u64key(item.Seq))
	})
	if err != nil {
		return fmt.Errorf("record failed message %d: %w", item.Seq, err)
	}
	return nil
}

// FailedOutbox lists messages that could not be delivered.
func (s *Store) FailedOutbox() ([]OutboxItem, error) {
	var items []OutboxItem
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOutboxFailed).ForEach(func(_, v []byte) error {
			var it OutboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				return err
			}
			items = append(items, it)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list failed messages: %w", err)
	}
	return items, nil
}
