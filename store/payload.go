package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketPayloads maps a short token to a button payload too long for a
// platform (Telegram's callback_data holds 64 bytes). Each value is the
// time it was last issued (8 bytes, big-endian nanoseconds) and the payload.
// The bucket is created by the first PutPayload.
var bucketPayloads = []byte("payloads")

// MaxPayloadBytes bounds a stored button payload.
const MaxPayloadBytes = 4096

// tokenLengths are the token lengths tried in turn: a longer prefix of the
// payload's hash is used only if a shorter one is taken by another payload.
var tokenLengths = [...]int{10, 16, 24, 43}

// payloadRefresh is how old a token's issue time may grow before issuing
// it again rewrites it (so pruning spares payloads still in use).
const payloadRefresh = 24 * time.Hour

// PutPayload stores a button payload and returns a short token for it
// (letters, digits, '-' and '_'). The same payload always gets the same
// token, so storing it again is harmless.
func (s *Store) PutPayload(payload string, now time.Time) (string, error) {
	if payload == "" || len(payload) > MaxPayloadBytes {
		return "", fmt.Errorf("store button payload: size %d is outside 1..%d bytes", len(payload), MaxPayloadBytes)
	}
	sum := sha256.Sum256([]byte(payload))
	hash := base64.RawURLEncoding.EncodeToString(sum[:])

	// Most payloads were issued recently: answer those without a write.
	var token string
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPayloads)
		if b == nil {
			return nil
		}
		for _, n := range tokenLengths {
			v := b.Get([]byte(hash[:n]))
			if v == nil {
				return nil
			}
			if len(v) >= 8 && string(v[8:]) == payload {
				issued := time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
				if now.Sub(issued) < payloadRefresh {
					token = hash[:n]
				}
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("store button payload: %w", err)
	}
	if token != "" {
		return token, nil
	}

	err = s.batch(func(tx *bolt.Tx) error {
		token = ""
		b, err := tx.CreateBucketIfNotExists(bucketPayloads)
		if err != nil {
			return err
		}
		value := append(u64key(uint64(now.UnixNano())), payload...)
		for _, n := range tokenLengths {
			k := []byte(hash[:n])
			v := b.Get(k)
			if v == nil || (len(v) >= 8 && string(v[8:]) == payload) {
				token = hash[:n]
				return b.Put(k, value)
			}
		}
		return errors.New("no free token for the payload")
	})
	if err != nil {
		return "", fmt.Errorf("store button payload: %w", err)
	}
	return token, nil
}

// LookupPayload returns the payload stored under token. found is false
// when the token is unknown (never issued, pruned, or not a token at all).
func (s *Store) LookupPayload(token string) (payload string, found bool, err error) {
	if !validToken(token) {
		return "", false, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPayloads)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(token))
		if len(v) < 8 {
			return nil
		}
		payload, found = string(v[8:]), true
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("look up button payload: %w", err)
	}
	return payload, found, nil
}

// PrunePayloads forgets payloads last issued before cutoff and reports how
// many were removed. A button carrying a pruned token reads as unknown.
func (s *Store) PrunePayloads(cutoff time.Time) (int, error) {
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		b := tx.Bucket(bucketPayloads)
		if b == nil {
			return nil
		}
		var old [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v[:8])) < cutoff.UnixNano() {
				old = append(old, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(old)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune button payloads: %w", err)
	}
	return n, nil
}

// validToken reports whether s can be a token PutPayload issued.
func validToken(s string) bool {
	if len(s) < tokenLengths[0] || len(s) > tokenLengths[len(tokenLengths)-1] {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
