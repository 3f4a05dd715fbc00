package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RetentionReport says what a retention run removed.
type RetentionReport struct {
	CaseTexts      int // closed cases whose transcript and notes were emptied
	FailedMessages int // undeliverable messages dropped
}

// ApplyRetention deletes message texts kept longer than needed: the
// transcripts and timeline texts of cases closed before cutoff, and
// undeliverable messages recorded before cutoff. A case keeps its numbers
// and dates for statistics. Call Compact afterwards to wipe freed pages.
func (s *Store) ApplyRetention(cutoff time.Time) (RetentionReport, error) {
	var r RetentionReport
	err := s.update(func(tx *bolt.Tx) error {
		r = RetentionReport{}
		if cases := tx.Bucket(bucketCases); cases != nil {
			var changed []*Case
			err := cases.ForEach(func(k, v []byte) error {
				var c Case
				if err := json.Unmarshal(v, &c); err != nil {
					return fmt.Errorf("decode case %x: %w", k, err)
				}
				if c.Status != CaseClosed || c.ClosedAt.IsZero() || !c.ClosedAt.Before(cutoff) || !c.hasTexts() {
					return nil
				}
				c.dropTexts()
				changed = append(changed, &c)
				return nil
			})
			if err != nil {
				return err
			}
			for _, c := range changed {
				if err := putJSON(cases, u64key(c.Seq), c); err != nil {
					return err
				}
			}
			r.CaseTexts = len(changed)
		}
		failed := tx.Bucket(bucketOutboxFailed)
		var doomed [][]byte
		err := failed.ForEach(func(k, v []byte) error {
			var it OutboxItem
			if err := json.Unmarshal(v, &it); err != nil {
				return fmt.Errorf("decode failed message: %w", err)
			}
			if it.CreatedAt.Before(cutoff) {
				doomed = append(doomed, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.FailedMessages = len(doomed)
		return deleteKeys(failed, doomed)
	})
	if err != nil {
		return r, fmt.Errorf("apply retention: %w", err)
	}
	return r, nil
}

func (c *Case) hasTexts() bool {
	if len(c.Transcript) > 0 || c.SharedName != "" {
		return true
	}
	for _, e := range c.Timeline {
		if e.Text != "" {
			return true
		}
	}
	return false
}

// dropTexts removes what people wrote, keeping who did what and when.
func (c *Case) dropTexts() {
	c.Transcript = nil
	c.SharedName = ""
	for i := range c.Timeline {
		c.Timeline[i].Text = ""
	}
}
