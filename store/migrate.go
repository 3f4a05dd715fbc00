package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A migration moves the schema from version To-1 to version To inside one
// write transaction, so a failed step leaves the file as it was.
type migration struct {
	To   uint64
	Name string
	Run  func(tx *bolt.Tx) error
}

// migrations is the ordered list of schema steps. Append; never edit a
// released step.
var migrations = []migration{
	{To: 1, Name: "create core buckets", Run: func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketPersons, bucketIdentities, bucketConversations,
			bucketSeen, bucketInbox, bucketOutbox, bucketOutboxFailed} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}},
	{To: 2, Name: "index processed update ids by time", Run: func(tx *bolt.Tx) error {
		idx, err := tx.CreateBucketIfNotExists(bucketSeenByTime)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketSeen).ForEach(func(id, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("processed id %q has a malformed time", id)
			}
			k := append(append([]byte{}, v...), id...)
			return idx.Put(k, nil)
		})
	}},
	{To: 3, Name: "store case timelines and transcripts apart from cases", Run: func(tx *bolt.Tx) error {
		cases := tx.Bucket(bucketCases)
		if cases == nil {
			return nil
		}
		var long []*Case
		err := cases.ForEach(func(k, v []byte) error {
			var c Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %x: %w", k, err)
			}
			if len(k) != 8 {
				return fmt.Errorf("case key %x is malformed", k)
			}
			c.Seq = binary.BigEndian.Uint64(k)
			if len(c.Timeline) > 0 || len(c.Transcript) > 0 {
				long = append(long, &c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, c := range long {
			if err := writeCase(tx, cases, c); err != nil {
				return err
			}
		}
		return nil
	}},
}

// CurrentSchema is the schema version this build writes.
func CurrentSchema() uint64 { return migrations[len(migrations)-1].To }

// SchemaVersion reads the version recorded in the file.
func (s *Store) SchemaVersion() (uint64, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	return v, err
}

func readVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	raw := meta.Get(keySchemaVersion)
	if len(raw) != 8 {
		return 0, errors.New("schema version record is malformed")
	}
	return binary.BigEndian.Uint64(raw), nil
}

// migrate runs every step above the file's version, each in its own
// transaction. A file with buckets but no phuan marker is someone else's.
func (s *Store) migrate(steps []migration) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta != nil {
			if !bytes.Equal(meta.Get(keyAppMarker), appMarker) {
				return errors.New("the file is a bbolt database of another program")
			}
			return nil
		}
		foreign := false
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { foreign = true; return nil })
		if foreign {
			return errors.New("the file is a bbolt database of another program")
		}
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		if err := meta.Put(keyAppMarker, appMarker); err != nil {
			return err
		}
		return meta.Put(keySchemaVersion, u64key(0))
	})
	if err != nil {
		return err
	}
	for _, m := range steps {
		err := s.db.Update(func(tx *bolt.Tx) error {
			v, err := readVersion(tx)
			if err != nil {
				return err
			}
			if v >= m.To {
				return nil
			}
			if v != m.To-1 {
				return fmt.Errorf("schema version %d cannot move to %d", v, m.To)
			}
			if err := m.Run(tx); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64key(m.To))
		})
		if err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", m.To, m.Name, err)
		}
	}
	v, err := s.SchemaVersion()
	if err != nil {
		return err
	}
	if v > CurrentSchema() {
		return fmt.Errorf("the data folder was written by a newer phuan (schema %d, this build knows %d)", v, CurrentSchema())
	}
	return nil
}
