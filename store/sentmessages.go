package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketMessageIDs remembers the platform ids of recent messages in private
// chats (the bot's and the person's), so a "clear the chat" reply can delete
// them from a phone that may be checked. Only ids and times are kept, never
// a text. Each key is channel, 0x00, chat id, 0x00, the time (8 bytes,
// big-endian nanoseconds) and the message id (8 bytes, big-endian); values
// are empty. The bucket is created by the first RecordMessageIDs.
var bucketMessageIDs = []byte("message_ids")

// messageIDsPrefix is the key prefix of one chat's records.
func messageIDsPrefix(channel, chatID string) ([]byte, error) {
	if channel == "" || chatID == "" || strings.IndexByte(channel, 0) >= 0 || strings.IndexByte(chatID, 0) >= 0 {
		return nil, errors.New("the channel or chat id is empty or malformed")
	}
	k := make([]byte, 0, len(channel)+len(chatID)+2+16)
	k = append(k, channel...)
	k = append(k, 0)
	k = append(k, chatID...)
	return append(k, 0), nil
}

// messageIDsStamp is t as big-endian nanoseconds since 1970 (earlier times as 0).
func messageIDsStamp(t time.Time) []byte {
	n := t.UnixNano()
	if t.IsZero() || n < 0 {
		n = 0
	}
	return u64key(uint64(n))
}

// MessageIDs are the ids of messages of one chat sent or received at At.
type MessageIDs struct {
	ChatID string
	IDs    []int64
	At     time.Time
}

// RecordMessageIDs remembers the message ids of recs, all in one write.
// Recording the same id at the same time again is harmless.
func (s *Store) RecordMessageIDs(channel string, recs ...MessageIDs) error {
	type entry struct {
		prefix, stamp []byte
		ids           []int64
	}
	entries := make([]entry, 0, len(recs))
	for _, r := range recs {
		prefix, err := messageIDsPrefix(channel, r.ChatID)
		if err != nil {
			return fmt.Errorf("record message ids: %w", err)
		}
		for _, id := range r.IDs {
			if id <= 0 {
				return fmt.Errorf("record message ids: message id %d is not positive", id)
			}
		}
		if len(r.IDs) > 0 {
			entries = append(entries, entry{prefix, messageIDsStamp(r.At), r.IDs})
		}
	}
	if len(entries) == 0 {
		return nil
	}
	err := s.batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMessageIDs)
		if err != nil {
			return err
		}
		for _, e := range entries {
			for _, id := range e.ids {
				k := append(append(append(make([]byte, 0, len(e.prefix)+16), e.prefix...), e.stamp...), u64key(uint64(id))...)
				if err := b.Put(k, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record message ids: %w", err)
	}
	return nil
}

// RecentMessageIDs returns the ids of a chat's messages recorded at since
// or later, each once, oldest first.
func (s *Store) RecentMessageIDs(channel, chatID string, since time.Time) ([]int64, error) {
	prefix, err := messageIDsPrefix(channel, chatID)
	if err != nil {
		return nil, fmt.Errorf("list recent message ids: %w", err)
	}
	var ids []int64
	err = s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMessageIDs)
		if b == nil {
			return nil
		}
		seen := map[int64]bool{}
		c := b.Cursor()
		for k, _ := c.Seek(append(append([]byte(nil), prefix...), messageIDsStamp(since)...)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id, ok := messageIDOf(k, prefix)
			if ok && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list recent message ids: %w", err)
	}
	return ids, nil
}

// ForgetMessageIDs removes every record of the given ids in a chat (ids
// recorded meanwhile are kept).
func (s *Store) ForgetMessageIDs(channel, chatID string, ids []int64) error {
	prefix, err := messageIDsPrefix(channel, chatID)
	if err != nil {
		return fmt.Errorf("forget message ids: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	doomed := slices.Clone(ids)
	slices.Sort(doomed)
	err = s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMessageIDs)
		if b == nil {
			return nil
		}
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if id, ok := messageIDOf(k, prefix); ok {
				if _, found := slices.BinarySearch(doomed, id); found {
					keys = append(keys, slices.Clone(k))
				}
			}
		}
		return deleteKeys(b, keys)
	})
	if err != nil {
		return fmt.Errorf("forget message ids: %w", err)
	}
	return nil
}

// PruneMessageIDs forgets every record made before cutoff, in all chats,
// and reports how many were removed. A daily job calls it: a platform lets
// a bot delete messages only while they are young (Telegram: 48 hours), so
// older ids serve nothing.
func (s *Store) PruneMessageIDs(cutoff time.Time) (int, error) {
	limit := messageIDsStamp(cutoff)
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketMessageIDs)
		if b == nil {
			return nil
		}
		var old [][]byte
		err := b.ForEach(func(k, _ []byte) error {
			if len(k) < 16 || bytes.Compare(k[len(k)-16:len(k)-8], limit) < 0 {
				old = append(old, slices.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		n = len(old)
		return deleteKeys(b, old)
	})
	if err != nil {
		return 0, fmt.Errorf("prune message ids: %w", err)
	}
	return n, nil
}

// messageIDOf reads the message id from a key of the chat with prefix.
func messageIDOf(k, prefix []byte) (int64, bool) {
	if len(k) != len(prefix)+16 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(k[len(k)-8:])), true
}
