package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketSubscriptions maps a person id to their Subscription; it is created
// on first write.
var bucketSubscriptions = []byte("subscriptions")

// Topic is a kind of news a person can subscribe to.
type Topic string

// Topics of subscriptions and broadcasts.
const (
	TopicCourses Topic = "courses"
	TopicEvents  Topic = "events"
	TopicNews    Topic = "news"
)

// Topics lists every topic, in the order they are offered.
var Topics = []Topic{TopicCourses, TopicEvents, TopicNews}

// Subscription is what broadcasts a person wants: topics, places, or none
// at all (Stopped, after /stop).
type Subscription struct {
	PersonID  string    `json:"person_id"`
	Topics    []Topic   `json:"topics,omitempty"`
	Provinces []string  `json:"provinces,omitempty"` // places of interest; empty: anywhere
	Stopped   bool      `json:"stopped,omitempty"`   // no broadcast at all
	UpdatedAt time.Time `json:"updated_at"`
}

// Has reports whether the person subscribed to topic.
func (s *Subscription) Has(t Topic) bool { return !s.Stopped && slices.Contains(s.Topics, t) }

// Subscription reads a person's subscription; someone who never chose has
// an empty one.
func (s *Store) Subscription(personID string) (*Subscription, error) {
	sub := &Subscription{PersonID: personID}
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		sub, err = getSubscription(tx, personID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read subscription: %w", err)
	}
	return sub, nil
}

func getSubscription(tx *bolt.Tx, personID string) (*Subscription, error) {
	sub := &Subscription{PersonID: personID}
	b := tx.Bucket(bucketSubscriptions)
	if b == nil {
		return sub, nil
	}
	raw := b.Get([]byte(personID))
	if raw == nil {
		return sub, nil
	}
	if err := json.Unmarshal(raw, sub); err != nil {
		return nil, fmt.Errorf("decode subscription: %w", err)
	}
	return sub, nil
}

// UpdateSubscription reads a person's subscription, applies change and
// writes it back atomically. change may run more than once (see UpdateCase).
func (s *Store) UpdateSubscription(personID string, change func(*Subscription), now time.Time) (*Subscription, error) {
	var sub *Subscription
	err := s.batch(func(tx *bolt.Tx) error {
		if _, err := getPerson(tx, personID); err != nil {
			return err
		}
		var err error
		if sub, err = getSubscription(tx, personID); err != nil {
			return err
		}
		change(sub)
		sub.PersonID, sub.UpdatedAt = personID, now
		b, err := tx.CreateBucketIfNotExists(bucketSubscriptions)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(personID), sub)
	})
	if err != nil {
		return nil, fmt.Errorf("update subscription: %w", err)
	}
	return sub, nil
}

// StopBroadcasts unsubscribes a person from everything at once.
func (s *Store) StopBroadcasts(personID string, now time.Time) error {
	_, err := s.UpdateSubscription(personID, func(sub *Subscription) {
		sub.Topics, sub.Provinces, sub.Stopped = nil, nil, true
	}, now)
	return err
}

// ErasePersonActivity deletes a person's enrolments, subscription,
// reminders and pending broadcast deliveries, as when they erase their
// data. Seats they held go to the first people waiting, who are returned
// so they can be told. (bbolt does not wipe freed pages: compact the file
// afterwards for the data to be gone from it.)
func (s *Store) ErasePersonActivity(personID string, now time.Time) (promoted []Enrolment, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		var err error
		promoted, err = erasePersonEnrolments(tx, personID, now, true)
		if err != nil {
			return err
		}
		return eraseActivity(tx, personID)
	})
	if err != nil {
		return nil, fmt.Errorf("erase a person's courses, reminders and subscriptions: %w", err)
	}
	return promoted, nil
}

// eraseCourseActivity is the eraser (see erasers in erase.go) of a
// subject's enrolments, subscription, reminders and pending broadcast
// deliveries. It frees seats without moving anyone up: call
// ErasePersonActivity first to move people up and tell them.
func eraseCourseActivity(tx *bolt.Tx, sub Subject) error {
	if sub.PersonID == "" {
		return nil
	}
	if _, err := erasePersonEnrolments(tx, sub.PersonID, time.Time{}, false); err != nil {
		return err
	}
	return eraseActivity(tx, sub.PersonID)
}

func eraseActivity(tx *bolt.Tx, personID string) error {
	if err := erasePersonReminders(tx, personID); err != nil {
		return err
	}
	if b := tx.Bucket(bucketSubscriptions); b != nil {
		if err := b.Delete([]byte(personID)); err != nil {
			return err
		}
	}
	return erasePersonDeliveries(tx, personID)
}

// NewSubscriber is one person to create with CreateSubscribers.
type NewSubscriber struct {
	Person   Person
	Identity Identity
	Topics   []Topic
}

// CreateSubscribers stores many people, with their subscriptions, in one
// transaction (for bulk loads such as benchmarks); each gets a new id. An
// identity already linked to someone fails the whole call.
func (s *Store) CreateSubscribers(subs []NewSubscriber, now time.Time) error {
	err := s.update(func(tx *bolt.Tx) error {
		persons, ids := tx.Bucket(bucketPersons), tx.Bucket(bucketIdentities)
		b, err := tx.CreateBucketIfNotExists(bucketSubscriptions)
		if err != nil {
			return err
		}
		for i := range subs {
			n := &subs[i]
			if ids.Get(n.Identity.key()) != nil {
				return fmt.Errorf("identity %s is already linked to a person", n.Identity.Channel)
			}
			seq, err := persons.NextSequence()
			if err != nil {
				return err
			}
			n.Person.ID = "p" + strconv.FormatUint(seq, 10)
			n.Person.Identities = []Identity{n.Identity}
			if err := putJSON(persons, []byte(n.Person.ID), &n.Person); err != nil {
				return err
			}
			if err := ids.Put(n.Identity.key(), []byte(n.Person.ID)); err != nil {
				return err
			}
			if len(n.Topics) > 0 {
				sub := Subscription{PersonID: n.Person.ID, Topics: n.Topics, UpdatedAt: now}
				if err := putJSON(b, []byte(n.Person.ID), &sub); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create subscribers: %w", err)
	}
	return nil
}
