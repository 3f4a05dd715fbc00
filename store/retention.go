package store

import (
	"encoding/json"
	"fmt"
	"slices"
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
			var closed []*Case
			err := cases.ForEach(func(k, v []byte) error {
				var c Case
				if err := json.Unmarshal(v, &c); err != nil {
					return fmt.Errorf("decode case %x: %w", k, err)
				}
				if c.Status == CaseClosed && !c.ClosedAt.IsZero() && c.ClosedAt.Before(cutoff) {
					closed = append(closed, &c)
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, c := range closed {
				dropped, err := dropCaseTexts(tx, cases, c)
				if err != nil {
					return err
				}
				if dropped {
					r.CaseTexts++
				}
			}
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

// dropCaseTexts removes what people wrote in a case (its transcript, the
// texts of its timeline, the name shared), keeping who did what and when.
// It reports whether there was anything to remove.
func dropCaseTexts(tx *bolt.Tx, cases *bolt.Bucket, c *Case) (bool, error) {
	type blanked struct {
		key []byte
		e   CaseEntry
	}
	var timeline []blanked
	err := forEntries(tx, c.Seq, entryTimeline, func(k, v []byte) error {
		var e CaseEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode an entry of case %d: %w", c.Seq, err)
		}
		if e.Text != "" {
			e.Text = ""
			timeline = append(timeline, blanked{key: slices.Clone(k), e: e})
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, b := range timeline {
		if err := putJSON(tx.Bucket(bucketCaseEntries), b.key, b.e); err != nil {
			return false, err
		}
	}
	messages, err := deleteEntries(tx, c.Seq, entryTranscript)
	if err != nil {
		return false, err
	}
	named := c.SharedName != ""
	if named {
		c.SharedName = ""
		if err := writeCase(tx, cases, c); err != nil {
			return false, err
		}
	}
	return messages > 0 || len(timeline) > 0 || named, nil
}
