package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	bolt "go.etcd.io/bbolt"
)

// Buckets of broadcasts, created on first write. A delivery is pending from
// the moment its person is picked until the sender reports its fate.
var (
	bucketBroadcasts       = []byte("broadcasts")
	bucketBroadcastPending = []byte("broadcast_pending") // id \x00 run(8) person → PendingDelivery
)

// BroadcastStatus is where a broadcast stands.
type BroadcastStatus string

// Broadcast statuses.
const (
	BroadcastScheduled BroadcastStatus = "scheduled" // waiting for its (next) time
	BroadcastSending   BroadcastStatus = "sending"
	BroadcastDone      BroadcastStatus = "done"
	BroadcastCancelled BroadcastStatus = "cancelled"
	// BroadcastMissed: its time passed more than MaxLate ago while the
	// server was down; it was not sent so late.
	BroadcastMissed BroadcastStatus = "missed"
)

// MaxLate is how late due work (a reminder, a broadcast) may still be done
// after downtime; older work is recorded as missed.
const MaxLate = 12 * time.Hour

// NextRecurrence is the first time after after that the cron expression
// spec (five fields, or a descriptor such as @weekly; CRON_TZ= may lead)
// names, read in loc.
func NextRecurrence(spec string, after time.Time, loc *time.Location) (time.Time, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}, fmt.Errorf("read cron expression %q: %w", spec, err)
	}
	next := sched.Next(after.In(loc))
	if next.IsZero() {
		return time.Time{}, fmt.Errorf("cron expression %q never comes", spec)
	}
	return next, nil
}

// Delivery results a broadcast counts.
const (
	ResultSent        = "sent"
	ResultHeld        = "held"
	ResultUnreachable = "unreachable"
	ResultFailed      = "failed"
)

// Address is a chat to post to, such as the moderators' room.
type Address struct {
	Channel  string `json:"channel"`
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	Group    bool   `json:"group,omitempty"`
}

// BroadcastRun is one sending of a broadcast (a recurring one has many).
type BroadcastRun struct {
	Number     int       `json:"number"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Total      int       `json:"total"`  // people and groups expected, counted at the start
	Cursor     string    `json:"cursor"` // the last person id examined
	// PeopleDone: every person was examined; subscribed groups come next,
	// GroupCursor the last one examined.
	PeopleDone  bool   `json:"people_done,omitempty"`
	GroupCursor string `json:"group_cursor,omitempty"`
	Exhausted   bool   `json:"exhausted,omitempty"`
	Batches     uint64 `json:"batches"`   // batches picked
	Confirmed   uint64 `json:"confirmed"` // batches known to be in the outbox
	Queued      int    `json:"queued"`
	Sent        int    `json:"sent"`
	Held        int    `json:"held"`
	// Unreachable counts both people known to be unreachable, who get
	// nothing (Skipped), and sends that found them so.
	Unreachable int `json:"unreachable"`
	Skipped     int `json:"skipped"`
	Failed      int `json:"failed"`
	Reported    int `json:"reported"` // the last tenth of progress posted
}

// Finished counts queued messages whose fate is known.
func (r *BroadcastRun) Finished() int { return r.Sent + r.Held + r.Failed + r.Unreachable - r.Skipped }

// Outstanding counts queued messages whose fate is not yet known.
func (r *BroadcastRun) Outstanding() int { return r.Queued - r.Finished() }

// Done reports whether everyone was picked and every message's fate is known.
func (r *BroadcastRun) Done() bool { return r.Exhausted && r.Outstanding() <= 0 }

// Broadcast is a message to many people, sent once, at a time, or again
// and again by a cron expression.
type Broadcast struct {
	ID         string          `json:"id"`
	Texts      Texts           `json:"texts"` // by language; Lao is required and the fallback
	Audience   Audience        `json:"audience,omitzero"`
	At         time.Time       `json:"at,omitzero"`    // when the first run starts; zero: now
	Cron       string          `json:"cron,omitempty"` // recurring: when runs start
	NextAt     time.Time       `json:"next_at,omitzero"`
	Status     BroadcastStatus `json:"status"`
	Notify     *Address        `json:"notify,omitempty"` // where progress is posted
	NotifyLang string          `json:"notify_lang,omitempty"`
	CreatedBy  string          `json:"created_by,omitempty"` // "admin_api" or "moderator"
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Run        BroadcastRun    `json:"run"`               // the current or last run
	History    []BroadcastRun  `json:"history,omitempty"` // earlier runs, the last twelve
}

// Ref ties the current run's messages to the broadcast: "broadcast:ID:RUN".
func (b *Broadcast) Ref() string { return BroadcastRef(b.ID, b.Run.Number) }

// BroadcastRef is the outbox ref of run of broadcast id.
func BroadcastRef(id string, run int) string { return "broadcast:" + id + ":" + strconv.Itoa(run) }

// ParseBroadcastRef splits a ref made by BroadcastRef.
func ParseBroadcastRef(ref string) (id string, run int, ok bool) {
	rest, ok := strings.CutPrefix(ref, "broadcast:")
	if !ok {
		return "", 0, false
	}
	id, n, ok := strings.Cut(rest, ":")
	if !ok {
		return "", 0, false
	}
	run, err := strconv.Atoi(n)
	return id, run, err == nil && id != ""
}

// Recipient is one person a broadcast goes to, and where.
type Recipient struct {
	PersonID string `json:"-"` // a person's id, or a group's GroupRecipientKey
	Lang     string `json:"lang"`
	Channel  string `json:"channel"`
	ChatID   string `json:"chat_id"`
	Group    bool   `json:"group,omitempty"`
	Batch    uint64 `json:"batch"`
}

// BroadcastBatch is a group of recipients picked together.
type BroadcastBatch struct {
	Number     uint64
	Recipients []Recipient
}

// BroadcastResult is the fate of one message of a broadcast.
type BroadcastResult struct {
	ID       string
	Run      int
	PersonID string
	Result   string // ResultSent, ResultHeld, ResultUnreachable, ResultFailed
}

// CreateBroadcast stores a new broadcast, scheduled for b.NextAt (b.At,
// or now, when unset), and assigns its id.
func (s *Store) CreateBroadcast(b *Broadcast, now time.Time) error {
	if b.Texts["lo"] == "" {
		return fmt.Errorf("create broadcast: %w", &FieldError{"texts.lo", "the Lao text is required"})
	}
	err := s.update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(bucketBroadcasts)
		if err != nil {
			return err
		}
		seq, err := bk.NextSequence()
		if err != nil {
			return err
		}
		b.ID = "b" + strconv.FormatUint(seq, 10)
		b.Status, b.CreatedAt, b.UpdatedAt = BroadcastScheduled, now, now
		if b.NextAt.IsZero() {
			b.NextAt = b.At
		}
		if b.NextAt.IsZero() {
			b.NextAt = now
		}
		b.Run = BroadcastRun{}
		return putJSON(bk, []byte(b.ID), b)
	})
	if err != nil {
		return fmt.Errorf("create broadcast: %w", err)
	}
	return nil
}

// Broadcast reads a broadcast, or ErrNotFound.
func (s *Store) Broadcast(id string) (*Broadcast, error) {
	var b *Broadcast
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		b, err = getBroadcast(tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	return b, nil
}

func getBroadcast(tx *bolt.Tx, id string) (*Broadcast, error) {
	bk := tx.Bucket(bucketBroadcasts)
	if bk == nil {
		return nil, ErrNotFound
	}
	raw := bk.Get([]byte(id))
	if raw == nil {
		return nil, ErrNotFound
	}
	var b Broadcast
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("decode broadcast %s: %w", id, err)
	}
	return &b, nil
}

func saveBroadcast(tx *bolt.Tx, b *Broadcast, now time.Time) error {
	b.UpdatedAt = now
	return putJSON(tx.Bucket(bucketBroadcasts), []byte(b.ID), b)
}

// Broadcasts lists every broadcast, newest first.
func (s *Store) Broadcasts() ([]Broadcast, error) {
	var bs []Broadcast
	err := s.view(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketBroadcasts)
		if bk == nil {
			return nil
		}
		return bk.ForEach(func(k, v []byte) error {
			var b Broadcast
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode broadcast %s: %w", k, err)
			}
			bs = append(bs, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	slices.SortFunc(bs, func(a, b Broadcast) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return bs, nil
}

// DueBroadcasts lists broadcasts being sent and those whose time has come.
func (s *Store) DueBroadcasts(now time.Time) ([]Broadcast, error) {
	all, err := s.Broadcasts()
	if err != nil {
		return nil, err
	}
	var due []Broadcast
	for _, b := range all {
		if b.Status == BroadcastSending || (b.Status == BroadcastScheduled && !b.NextAt.After(now)) {
			due = append(due, b)
		}
	}
	slices.SortFunc(due, func(a, b Broadcast) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return due, nil
}

// CancelBroadcast stops a broadcast: no one else is picked. Messages
// already in the outbox still go.
func (s *Store) CancelBroadcast(id string, now time.Time) (*Broadcast, error) {
	var b *Broadcast
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if b, err = getBroadcast(tx, id); err != nil {
			return err
		}
		if b.Status != BroadcastScheduled && b.Status != BroadcastSending {
			return nil
		}
		b.Status, b.NextAt = BroadcastCancelled, time.Time{}
		if b.Run.Number > 0 && b.Run.FinishedAt.IsZero() {
			b.Run.FinishedAt = now
		}
		if err := deletePending(tx, id); err != nil {
			return err
		}
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return nil, fmt.Errorf("cancel broadcast %s: %w", id, err)
	}
	return b, nil
}

func deletePending(tx *bolt.Tx, id string) error {
	pend := tx.Bucket(bucketBroadcastPending)
	if pend == nil {
		return nil
	}
	prefix := []byte(id + "\x00")
	var keys [][]byte
	c := pend.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := pend.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// releaseEvery is how many people a long scan reads between releases of
// the file's pages from resident memory.
const releaseEvery = 20000

// CountAudience counts the people and groups a broadcast to a would reach now.
func (s *Store) CountAudience(a Audience) (int, error) {
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		defer releaseResident(tx)
		read := 0
		err := tx.Bucket(bucketPersons).ForEach(func(k, v []byte) error {
			if read++; read%releaseEvery == 0 {
				releaseResident(tx)
			}
			var p Person
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode person %s: %w", k, err)
			}
			if _, ok, err := matchRecipient(tx, a, &p); err != nil {
				return err
			} else if ok && !p.Unreachable {
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		return forEachGroup(tx, "", func(g *GroupSubscription) (bool, error) {
			if _, ok := matchGroup(a, g); ok {
				n++
			}
			return true, nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("count a broadcast's audience: %w", err)
	}
	return n, nil
}

// matchRecipient decides whether p is in audience a and where to reach them.
func matchRecipient(tx *bolt.Tx, a Audience, p *Person) (Recipient, bool, error) {
	pr := p.Profile
	if (len(a.Langs) > 0 && !slices.Contains(a.Langs, p.Lang)) ||
		(len(a.Countries) > 0 && !slices.Contains(a.Countries, pr.Country)) ||
		(len(a.Statuses) > 0 && !slices.Contains(a.Statuses, pr.Status)) {
		return Recipient{}, false, nil
	}
	var to *Identity
	for i := range p.Identities {
		if len(a.Channels) == 0 || slices.Contains(a.Channels, p.Identities[i].Channel) {
			to = &p.Identities[i]
			break
		}
	}
	if to == nil {
		return Recipient{}, false, nil
	}
	sub, err := getSubscription(tx, p.ID)
	if err != nil {
		return Recipient{}, false, err
	}
	if sub.Stopped || (a.Topic != "" && !sub.Has(a.Topic)) {
		return Recipient{}, false, nil
	}
	if len(a.Provinces) > 0 {
		places := append([]string{pr.Province}, sub.Provinces...)
		if !slices.ContainsFunc(places, func(pl string) bool { return pl != "" && slices.Contains(a.Provinces, pl) }) {
			return Recipient{}, false, nil
		}
	}
	return Recipient{PersonID: p.ID, Lang: p.Lang, Channel: to.Channel, ChatID: to.PlatformID}, true, nil
}

// StartBroadcastRun begins the next run of a broadcast whose time has
// come, expecting total people.
func (s *Store) StartBroadcastRun(id string, total int, now time.Time) (*Broadcast, error) {
	var b *Broadcast
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if b, err = getBroadcast(tx, id); err != nil {
			return err
		}
		if b.Status != BroadcastScheduled || b.NextAt.After(now) {
			return fmt.Errorf("broadcast is %s, not due", b.Status)
		}
		if b.Run.Number > 0 {
			b.History = append(b.History, b.Run)
			if len(b.History) > 12 {
				b.History = b.History[len(b.History)-12:]
			}
		}
		b.Run = BroadcastRun{Number: b.Run.Number + 1, StartedAt: now, Total: total}
		b.Status, b.NextAt = BroadcastSending, time.Time{}
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return nil, fmt.Errorf("start broadcast %s: %w", id, err)
	}
	return b, nil
}

func pendingPrefix(id string, run int) []byte {
	return append([]byte(id+"\x00"), u64key(uint64(run))...)
}

// ReserveBroadcastBatch picks up to max more people for the current run of
// a broadcast, after the last one examined, and records them as pending in
// the same transaction that moves the cursor, so nobody is picked twice.
// It examines at most scan people; the batch may come back empty (and the
// run Exhausted) at the end of the list.
func (s *Store) ReserveBroadcastBatch(id string, max, scan int, now time.Time) (*Broadcast, *BroadcastBatch, error) {
	var b *Broadcast
	var batch *BroadcastBatch
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		batch = nil
		if b, err = getBroadcast(tx, id); err != nil {
			return err
		}
		if b.Status != BroadcastSending || b.Run.Exhausted {
			return nil
		}
		pend, err := tx.CreateBucketIfNotExists(bucketBroadcastPending)
		if err != nil {
			return err
		}
		run := &b.Run
		batch = &BroadcastBatch{Number: run.Batches + 1}
		prefix := pendingPrefix(id, run.Number)
		c := tx.Bucket(bucketPersons).Cursor()
		k, v := c.First()
		if run.Cursor != "" {
			k, v = c.Seek([]byte(run.Cursor))
			if k != nil && string(k) == run.Cursor {
				k, v = c.Next()
			}
		}
		examined := 0
		for ; k != nil && len(batch.Recipients) < max && examined < scan; k, v = c.Next() {
			examined++
			run.Cursor = string(k)
			var p Person
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("decode person %s: %w", k, err)
			}
			r, ok, err := matchRecipient(tx, b.Audience, &p)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if p.Unreachable {
				run.Unreachable++
				run.Skipped++
				continue
			}
			r.Batch = batch.Number
			raw, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := pend.Put(append(slices.Clip(prefix), r.PersonID...), raw); err != nil {
				return err
			}
			batch.Recipients = append(batch.Recipients, r)
		}
		if k == nil {
			run.PeopleDone = true
		}
		if run.PeopleDone && len(batch.Recipients) < max && examined < scan {
			err := forEachGroup(tx, run.GroupCursor, func(g *GroupSubscription) (bool, error) {
				if len(batch.Recipients) >= max || examined >= scan {
					return false, nil
				}
				examined++
				run.GroupCursor = string(groupKey(g.Channel, g.ChatID))
				r, ok := matchGroup(b.Audience, g)
				if !ok {
					return true, nil
				}
				r.Batch = batch.Number
				raw, err := json.Marshal(r)
				if err != nil {
					return false, err
				}
				if err := pend.Put(append(slices.Clip(prefix), r.PersonID...), raw); err != nil {
					return false, err
				}
				batch.Recipients = append(batch.Recipients, r)
				return true, nil
			})
			if err != nil {
				return err
			}
			run.Exhausted = len(batch.Recipients) < max && examined < scan
		}
		releaseResident(tx)
		if len(batch.Recipients) > 0 {
			run.Batches = batch.Number
			run.Queued += len(batch.Recipients)
		} else {
			batch.Number = 0
		}
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("pick recipients of broadcast %s: %w", id, err)
	}
	return b, batch, nil
}

// forEachGroup calls fn with each subscribed group after the key after
// (all of them when after is empty), in key order, while fn says go on.
func forEachGroup(tx *bolt.Tx, after string, fn func(*GroupSubscription) (bool, error)) error {
	b := tx.Bucket(bucketGroupSubscriptions)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	k, v := c.First()
	if after != "" {
		if k, v = c.Seek([]byte(after)); k != nil && string(k) == after {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		var g GroupSubscription
		if err := json.Unmarshal(v, &g); err != nil {
			return fmt.Errorf("decode group subscription: %w", err)
		}
		if more, err := fn(&g); err != nil || !more {
			return err
		}
	}
	return nil
}

// ConfirmBroadcastBatch records that batch (and every one before it) of a
// run is in the outbox.
func (s *Store) ConfirmBroadcastBatch(id string, run int, batch uint64, now time.Time) error {
	err := s.update(func(tx *bolt.Tx) error {
		b, err := getBroadcast(tx, id)
		if err != nil {
			return err
		}
		if b.Run.Number != run || b.Run.Confirmed >= batch {
			return nil
		}
		b.Run.Confirmed = batch
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return fmt.Errorf("confirm batch %d of broadcast %s: %w", batch, id, err)
	}
	return nil
}

// PendingDeliveries lists the people of a run whose message's fate is not
// yet known (at most two batches while sending goes well).
func (s *Store) PendingDeliveries(id string, run int) ([]Recipient, error) {
	var rs []Recipient
	err := s.view(func(tx *bolt.Tx) error {
		pend := tx.Bucket(bucketBroadcastPending)
		if pend == nil {
			return nil
		}
		prefix := pendingPrefix(id, run)
		c := pend.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var r Recipient
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode pending delivery: %w", err)
			}
			r.PersonID = string(k[len(prefix):])
			rs = append(rs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list pending deliveries of broadcast %s: %w", id, err)
	}
	return rs, nil
}

// RecordBroadcastResults counts what became of messages. A result for a
// delivery no longer pending (counted before, or cancelled) is ignored, so
// each message counts once. It returns the broadcasts whose counts changed.
func (s *Store) RecordBroadcastResults(results []BroadcastResult, now time.Time) ([]Broadcast, error) {
	var changed []Broadcast
	err := s.update(func(tx *bolt.Tx) error {
		changed = changed[:0]
		pend := tx.Bucket(bucketBroadcastPending)
		if pend == nil {
			return nil
		}
		touched := map[string]*Broadcast{}
		var order []string
		for _, r := range results {
			key := append(pendingPrefix(r.ID, r.Run), r.PersonID...)
			if pend.Get(key) == nil {
				continue
			}
			if err := pend.Delete(key); err != nil {
				return err
			}
			b := touched[r.ID]
			if b == nil {
				var err error
				if b, err = getBroadcast(tx, r.ID); err != nil {
					if IsNotFound(err) {
						continue
					}
					return err
				}
				touched[r.ID] = b
				order = append(order, r.ID)
			}
			if b.Run.Number != r.Run {
				continue
			}
			switch r.Result {
			case ResultSent:
				b.Run.Sent++
			case ResultHeld:
				b.Run.Held++
			case ResultUnreachable:
				b.Run.Unreachable++
			default:
				b.Run.Failed++
			}
		}
		for _, id := range order {
			if err := saveBroadcast(tx, touched[id], now); err != nil {
				return err
			}
			changed = append(changed, *touched[id])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count broadcast results: %w", err)
	}
	return changed, nil
}

// MarkBroadcastReported records that progress up to tenth (1-10) of run
// was posted; it reports false when it was posted already.
func (s *Store) MarkBroadcastReported(id string, run, tenth int, now time.Time) (bool, error) {
	ok := false
	err := s.update(func(tx *bolt.Tx) error {
		ok = false
		b, err := getBroadcast(tx, id)
		if err != nil {
			return err
		}
		if b.Run.Number != run || b.Run.Reported >= tenth {
			return nil
		}
		b.Run.Reported, ok = tenth, true
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return false, fmt.Errorf("record broadcast progress: %w", err)
	}
	return ok, nil
}

// FinishBroadcastRun closes the current run: the broadcast is done, or,
// when next is set, scheduled again for then.
func (s *Store) FinishBroadcastRun(id string, run int, next, now time.Time) (*Broadcast, error) {
	var b *Broadcast
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		if b, err = getBroadcast(tx, id); err != nil {
			return err
		}
		if b.Status != BroadcastSending || b.Run.Number != run {
			return fmt.Errorf("run %d is not being sent", run)
		}
		b.Run.FinishedAt = now
		if next.IsZero() {
			b.Status = BroadcastDone
		} else {
			b.Status, b.NextAt = BroadcastScheduled, next
		}
		if err := deletePending(tx, id); err != nil {
			return err
		}
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return nil, fmt.Errorf("finish broadcast %s: %w", id, err)
	}
	return b, nil
}

// RescheduleBroadcast sets when a scheduled broadcast runs next, as when a
// recurring one's time was missed; a zero next marks it missed.
func (s *Store) RescheduleBroadcast(id string, next, now time.Time) error {
	err := s.update(func(tx *bolt.Tx) error {
		b, err := getBroadcast(tx, id)
		if err != nil {
			return err
		}
		if b.Status != BroadcastScheduled {
			return nil
		}
		if next.IsZero() {
			b.Status = BroadcastMissed
		}
		b.NextAt = next
		return saveBroadcast(tx, b, now)
	})
	if err != nil {
		return fmt.Errorf("reschedule broadcast %s: %w", id, err)
	}
	return nil
}

func erasePersonDeliveries(tx *bolt.Tx, personID string) error {
	pend := tx.Bucket(bucketBroadcastPending)
	if pend == nil {
		return nil
	}
	var results []BroadcastResult
	err := pend.ForEach(func(k, _ []byte) error {
		if i := bytes.IndexByte(k, 0); i >= 0 && len(k) >= i+9 && string(k[i+9:]) == personID {
			results = append(results, BroadcastResult{ID: string(k[:i]), Run: int(u64(k[i+1 : i+9])),
				PersonID: personID, Result: ResultFailed})
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Their message's fate will not be counted any more: count it now, so
	// the run can finish.
	for _, r := range results {
		if err := pend.Delete(append(pendingPrefix(r.ID, r.Run), personID...)); err != nil {
			return err
		}
		b, err := getBroadcast(tx, r.ID)
		if err != nil || b.Run.Number != r.Run {
			continue
		}
		b.Run.Failed++
		if err := putJSON(tx.Bucket(bucketBroadcasts), []byte(b.ID), b); err != nil {
			return err
		}
	}
	return nil
}
