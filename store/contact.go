package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketContacts maps channel + chat id to the time, in Unix nanoseconds,
// of the person's last message there. Messenger's 24-hour window is
// measured from it. The bucket is created on first use.
var bucketContacts = []byte("contacts")

func contactKey(channel, chatID string) []byte { return []byte(channel + "\x00" + chatID) }

// RecordContact notes that the person behind chatID on channel wrote at t.
// An earlier time never replaces a later one, so re-delivered or
// out-of-order updates are harmless.
func (s *Store) RecordContact(channel, chatID string, t time.Time) error {
	if channel == "" || chatID == "" {
		return fmt.Errorf("record last contact: channel and chat are required")
	}
	if t.Before(time.Unix(0, 0)) || t.Year() >= 2262 {
		return fmt.Errorf("record last contact: time %s is out of range", t.Format(time.RFC3339))
	}
	v := uint64(t.UnixNano())
	err := s.batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketContacts)
		if err != nil {
			return err
		}
		key := contactKey(channel, chatID)
		if old := b.Get(key); len(old) == 8 && binary.BigEndian.Uint64(old) >= v {
			return nil
		}
		return b.Put(key, u64key(v))
	})
	if err != nil {
		return fmt.Errorf("record last contact: %w", err)
	}
	return nil
}

// LastContact returns when the person behind chatID on channel last wrote,
// or the zero time if they never did.
func (s *Store) LastContact(channel, chatID string) (time.Time, error) {
	var t time.Time
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContacts)
		if b == nil {
			return nil
		}
		raw := b.Get(contactKey(channel, chatID))
		if raw == nil {
			return nil
		}
		if len(raw) != 8 {
			return fmt.Errorf("malformed record")
		}
		t = time.Unix(0, int64(binary.BigEndian.Uint64(raw))).UTC()
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("read last contact: %w", err)
	}
	return t, nil
}

// DeleteContact forgets when the person behind chatID on channel last
// wrote, as when they erase their data.
func (s *Store) DeleteContact(channel, chatID string) error {
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketContacts)
		if b == nil {
			return nil
		}
		return b.Delete(contactKey(channel, chatID))
	})
	if err != nil {
		return fmt.Errorf("delete last contact: %w", err)
	}
	return nil
}
