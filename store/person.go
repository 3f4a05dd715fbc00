package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Status is where a person stands in their migration.
type Status string

// Migration statuses a person may give in their profile.
const (
	StatusAbroad   Status = "abroad"
	StatusPlanning Status = "planning"
	StatusReturned Status = "returned"
)

// Identity is a person's account on one channel.
type Identity struct {
	Channel    string `json:"channel"`
	PlatformID string `json:"platform_id"`
}

func (i Identity) key() []byte { return []byte(i.Channel + "\x00" + i.PlatformID) }

// Profile is what a person chose to tell about themselves. Every field is optional.
type Profile struct {
	Country  string `json:"country,omitempty"` // where they are now: ISO 3166 alpha-2
	Status   Status `json:"status,omitempty"`
	Province string `json:"province,omitempty"` // a Lao province code
}

// Person is one human being, with one id across channels. A Person record
// exists only for someone who agreed to the privacy notice.
type Person struct {
	ID          string     `json:"id"`
	Identities  []Identity `json:"identities"`
	Lang        string     `json:"lang"`
	Profile     Profile    `json:"profile"`
	ConsentAt   time.Time  `json:"consent_at"`
	CreatedAt   time.Time  `json:"created_at"`
	LastSeenAt  time.Time  `json:"last_seen_at"`
	Unreachable bool       `json:"unreachable,omitempty"`
	Source      string     `json:"source,omitempty"` // the deep-link payload they arrived with
}

// CreatePerson stores a new person reachable through identity and assigns its id.
func (s *Store) CreatePerson(p *Person, identity Identity) error {
	err := s.batch(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIdentities)
		if ids.Get(identity.key()) != nil {
			return fmt.Errorf("identity %s is already linked to a person", identity.Channel)
		}
		persons := tx.Bucket(bucketPersons)
		seq, err := persons.NextSequence()
		if err != nil {
			return err
		}
		p.ID = "p" + strconv.FormatUint(seq, 10)
		p.Identities = []Identity{identity}
		if err := putJSON(persons, []byte(p.ID), p); err != nil {
			return err
		}
		return ids.Put(identity.key(), []byte(p.ID))
	})
	if err != nil {
		return fmt.Errorf("create person: %w", err)
	}
	return nil
}

// PersonByIdentity finds the person behind a channel account, or ErrNotFound.
func (s *Store) PersonByIdentity(identity Identity) (*Person, error) {
	var p *Person
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketIdentities).Get(identity.key())
		if id == nil {
			return ErrNotFound
		}
		var err error
		p, err = getPerson(tx, string(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find person by identity: %w", err)
	}
	return p, nil
}

// Person reads a person by id, or ErrNotFound.
func (s *Store) Person(id string) (*Person, error) {
	var p *Person
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		p, err = getPerson(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read person %s: %w", id, err)
	}
	return p, nil
}

// UpdatePerson reads a person, applies change and writes it back atomically.
// change may run more than once (see UpdateCase).
func (s *Store) UpdatePerson(id string, change func(*Person) error) (*Person, error) {
	var p *Person
	err := s.batch(func(tx *bolt.Tx) error {
		var err error
		if p, err = getPerson(tx, id); err != nil {
			return err
		}
		if err := change(p); err != nil {
			return err
		}
		p.ID = id
		return putJSON(tx.Bucket(bucketPersons), []byte(id), p)
	})
	if err != nil {
		return nil, fmt.Errorf("update person %s: %w", id, err)
	}
	return p, nil
}

// LinkIdentity adds another channel account to an existing person.
func (s *Store) LinkIdentity(personID string, identity Identity) error {
	err := s.batch(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIdentities)
		if owner := ids.Get(identity.key()); owner != nil {
			if string(owner) == personID {
				return nil
			}
			return fmt.Errorf("identity %s is linked to another person", identity.Channel)
		}
		p, err := getPerson(tx, personID)
		if err != nil {
			return err
		}
		p.Identities = append(p.Identities, identity)
		if err := putJSON(tx.Bucket(bucketPersons), []byte(p.ID), p); err != nil {
			return err
		}
		return ids.Put(identity.key(), []byte(p.ID))
	})
	if err != nil {
		return fmt.Errorf("link identity: %w", err)
	}
	return nil
}

// MoveIdentity re-points a channel account to a new platform id, as when a
// Telegram group becomes a supergroup. Nothing is lost if old is unknown.
func (s *Store) MoveIdentity(old, moved Identity) error {
	err := s.batch(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIdentities)
		owner := ids.Get(old.key())
		if owner == nil {
			return nil
		}
		personID := string(owner)
		p, err := getPerson(tx, personID)
		if err != nil {
			return err
		}
		for i := range p.Identities {
			if p.Identities[i] == old {
				p.Identities[i] = moved
			}
		}
		if err := putJSON(tx.Bucket(bucketPersons), []byte(personID), p); err != nil {
			return err
		}
		if err := ids.Delete(old.key()); err != nil {
			return err
		}
		return ids.Put(moved.key(), []byte(personID))
	})
	if err != nil {
		return fmt.Errorf("move identity: %w", err)
	}
	return nil
}

// CountPersons returns how many people are stored.
func (s *Store) CountPersons() (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketPersons).Stats().KeyN
		return nil
	})
	return n, err
}

func getPerson(tx *bolt.Tx, id string) (*Person, error) {
	raw := tx.Bucket(bucketPersons).Get([]byte(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var p Person
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("decode person %s: %w", id, err)
	}
	return &p, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put(key, raw)
}

// IsNotFound reports whether err means a record does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
