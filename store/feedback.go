package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var bucketFeedback = []byte("feedback")

// ArticleFeedback counts how often an article was marked helpful or not.
// Only counts are kept: nothing ties a vote to a person.
type ArticleFeedback struct {
	ArticleID string
	Helpful   uint64
	Unhelpful uint64
}

// RecordFeedback counts one vote on an article.
func (s *Store) RecordFeedback(articleID string, helpful bool) error {
	err := s.batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketFeedback)
		if err != nil {
			return err
		}
		v := make([]byte, 16)
		copy(v, b.Get([]byte(articleID)))
		i := 8
		if helpful {
			i = 0
		}
		binary.BigEndian.PutUint64(v[i:], binary.BigEndian.Uint64(v[i:])+1)
		return b.Put([]byte(articleID), v)
	})
	if err != nil {
		return fmt.Errorf("record feedback on %s: %w", articleID, err)
	}
	return nil
}

// Feedback lists the counts of every article that got a vote.
func (s *Store) Feedback() ([]ArticleFeedback, error) {
	var out []ArticleFeedback
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFeedback)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(v) != 16 {
				return fmt.Errorf("feedback of %s is malformed", k)
			}
			out = append(out, ArticleFeedback{ArticleID: string(k),
				Helpful: binary.BigEndian.Uint64(v), Unhelpful: binary.BigEndian.Uint64(v[8:])})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read feedback: %w", err)
	}
	return out, nil
}
