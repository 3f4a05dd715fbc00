package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketLLMUsage counts language-model calls per person per day, for the
// daily cap: key day ("2006-01-02") + 0x00 + a hash of the subject (a
// person id or a chat), value a big-endian uint32. Only the current day is
// kept: taking a call deletes the earlier days. No message text is ever
// stored here. The bucket is created on first use.
var bucketLLMUsage = []byte("llm_usage")

// usageKey hashes the subject, so the bucket holds no platform id.
func usageKey(day, subject string) []byte {
	sum := sha256.Sum256([]byte(subject))
	return []byte(day + "\x00" + hex.EncodeToString(sum[:12]))
}

// TakeLLMUsage counts one model call for subject on day and reports
// whether it is allowed: false, and nothing counted, when subject already
// made limit calls that day. limit <= 0 means no limit (calls are still
// counted). day must be a date such as "2026-11-22" in the deployment's
// time zone; days before it are forgotten.
func (s *Store) TakeLLMUsage(subject, day string, limit int) (bool, error) {
	if subject == "" || len(day) != len("2006-01-02") {
		return false, fmt.Errorf("take model usage: subject and a YYYY-MM-DD day are required")
	}
	var allowed bool
	err := s.batch(func(tx *bolt.Tx) error {
		allowed = false
		b, err := tx.CreateBucketIfNotExists(bucketLLMUsage)
		if err != nil {
			return err
		}
		if err := dropDaysBefore(b, day); err != nil {
			return err
		}
		key := usageKey(day, subject)
		var n uint32
		if v := b.Get(key); len(v) == 4 {
			n = binary.BigEndian.Uint32(v)
		}
		if limit > 0 && n >= uint32(limit) {
			return nil
		}
		allowed = true
		var v [4]byte
		binary.BigEndian.PutUint32(v[:], n+1)
		return b.Put(key, v[:])
	})
	if err != nil {
		return false, fmt.Errorf("take model usage: %w", err)
	}
	return allowed, nil
}

// LLMUsage returns how many model calls subject made on day.
func (s *Store) LLMUsage(subject, day string) (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLLMUsage)
		if b == nil {
			return nil
		}
		if v := b.Get(usageKey(day, subject)); len(v) == 4 {
			n = int(binary.BigEndian.Uint32(v))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read model usage: %w", err)
	}
	return n, nil
}

// dropDaysBefore deletes the counts of days before day.
func dropDaysBefore(b *bolt.Bucket, day string) error {
	c := b.Cursor()
	prefix := []byte(day)
	for k, _ := c.First(); k != nil && bytes.Compare(k, prefix) < 0; k, _ = c.First() {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// eraseLLMUsage removes the model-usage counts of a subject's person and
// chats. Subjects are keyed "person:<id>" or "chat:<channel>:<chat id>"
// (see LLMSubject).
func eraseLLMUsage(tx *bolt.Tx, sub Subject) error {
	b := tx.Bucket(bucketLLMUsage)
	if b == nil {
		return nil
	}
	var subjects []string
	if sub.PersonID != "" {
		subjects = append(subjects, LLMSubject(sub.PersonID, "", ""))
	}
	for _, c := range sub.Chats {
		subjects = append(subjects, LLMSubject("", c.Channel, c.ChatID))
	}
	var doomed [][]byte
	err := b.ForEach(func(k, _ []byte) error {
		day, _, ok := bytes.Cut(k, []byte{0})
		if !ok {
			return nil
		}
		for _, s := range subjects {
			if bytes.Equal(k, usageKey(string(day), s)) {
				doomed = append(doomed, k)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// LLMSubject names whose model calls are counted: the person when there
// is one, else the chat.
func LLMSubject(personID, channel, chatID string) string {
	if personID != "" {
		return "person:" + personID
	}
	return "chat:" + channel + ":" + chatID
}
