package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Chat is one conversation on one channel.
type Chat struct {
	Channel string
	ChatID  string
}

// Subject is whose data to erase: a person, if they agreed to the privacy
// notice, and every chat they used (a person who declined has only chats).
type Subject struct {
	PersonID string
	Chats    []Chat
}

// An eraser removes one kind of record of a subject inside the erasure
// transaction. Every kind of record that can hold something about a person
// has one here.
type eraser func(tx *bolt.Tx, sub Subject) error

// erasers is the fixed list of record kinds erased for a subject.
var erasers = []eraser{erasePerson, eraseConversations, eraseOutbox, eraseContacts, eraseCourseActivity, eraseLLMUsage}

// Erase removes everything stored about a subject in one transaction and
// then compacts the file, so nothing erased can be read back from the data
// folder.
func (s *Store) Erase(sub Subject) error {
	if err := s.update(func(tx *bolt.Tx) error {
		for _, e := range erasers {
			if err := e(tx, sub); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	return s.Compact()
}

// SubjectOf returns the subject for a person: their record and every chat
// of theirs (in the channels seen so far, a private chat's id is the
// person's platform id).
func (s *Store) SubjectOf(personID string, chats ...Chat) (Subject, error) {
	sub := Subject{PersonID: personID, Chats: chats}
	if personID == "" {
		return sub, nil
	}
	p, err := s.Person(personID)
	if err != nil {
		return sub, err
	}
	for _, id := range p.Identities {
		c := Chat{Channel: id.Channel, ChatID: id.PlatformID}
		if !containsChat(sub.Chats, c) {
			sub.Chats = append(sub.Chats, c)
		}
	}
	return sub, nil
}

func containsChat(list []Chat, c Chat) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

func erasePerson(tx *bolt.Tx, sub Subject) error {
	if sub.PersonID == "" {
		return nil
	}
	p, err := getPerson(tx, sub.PersonID)
	if err != nil {
		if IsNotFound(err) {
			return nil
		}
		return err
	}
	ids := tx.Bucket(bucketIdentities)
	for _, id := range p.Identities {
		if err := ids.Delete(id.key()); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketPersons).Delete([]byte(sub.PersonID))
}

func eraseConversations(tx *bolt.Tx, sub Subject) error {
	b := tx.Bucket(bucketConversations)
	for _, c := range sub.Chats {
		if err := b.Delete(conversationKey(c.Channel, c.ChatID)); err != nil {
			return err
		}
	}
	return nil
}

// eraseOutbox removes undelivered and failed messages to the subject's chats.
func eraseOutbox(tx *bolt.Tx, sub Subject) error {
	for _, name := range [][]byte{bucketOutbox, bucketOutboxFailed} {
		b := tx.Bucket(name)
		var doomed [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var it OutboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode outbox item: %w", err)
			}
			if containsChat(sub.Chats, Chat{it.Channel, it.ChatID}) || (sub.PersonID != "" && it.PersonID == sub.PersonID) {
				doomed = append(doomed, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := deleteKeys(b, doomed); err != nil {
			return err
		}
	}
	return nil
}

func eraseContacts(tx *bolt.Tx, sub Subject) error {
	b := tx.Bucket(bucketContacts)
	if b == nil {
		return nil
	}
	for _, c := range sub.Chats {
		if err := b.Delete(contactKey(c.Channel, c.ChatID)); err != nil {
			return err
		}
	}
	return nil
}

// deleteKeys deletes keys collected during an iteration (deleting through a
// cursor while iterating can skip entries).
func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
